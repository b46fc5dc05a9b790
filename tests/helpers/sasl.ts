// SASL from the client side for raw-protocol tests: a SCRAM client (RFC 5802, built on runtime/sasl/scram.ts's
// key derivation) and SaslHandshake + SaslAuthenticate over a RawClient; a broker with a SASL_PLAINTEXT listener.

import { createHash, createHmac, randomBytes } from 'node:crypto';
import * as saslHandshake from '../../apis/sasl-handshake.ts';
import * as saslAuthenticate from '../../apis/sasl-authenticate.ts';
import { saltPassword, scramMechanism } from '../../runtime/sasl/scram.ts';
import type { RawClient } from './raw-client.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

export class ScramClient {
  readonly #mechanism: string;
  readonly #user: string;
  readonly #password: string;
  readonly nonce = randomBytes(16).toString('base64url');
  #bare = '';

  constructor(mechanism: string, user: string, password: string) {
    this.#mechanism = mechanism;
    this.#user = user;
    this.#password = password;
  }

  first(): Uint8Array {
    this.#bare = `n=${this.#user.replace(/=/g, '=3D').replace(/,/g, '=2C')},r=${this.nonce}`;
    return enc.encode(`n,,${this.#bare}`);
  }

  /** client-final for the server-first message (`nonce` replaces the server's nonce, for bad-input tests). */
  async final(serverFirst: Uint8Array, nonce?: string): Promise<Uint8Array> {
    const m = scramMechanism(this.#mechanism);
    if (!m) throw new Error(`no ${this.#mechanism}`);
    const sf = dec.decode(serverFirst);
    const attrs = Object.fromEntries(sf.split(',').map((p) => [p[0], p.slice(2)]));
    const salted = await saltPassword(m, this.#password, Buffer.from(attrs.s, 'base64'), Number(attrs.i));
    const withoutProof = `c=biws,r=${nonce ?? attrs.r}`;
    const authMessage = `${this.#bare},${sf},${withoutProof}`;
    const clientKey = createHmac(m.hash, salted).update('Client Key').digest();
    const storedKey = createHash(m.hash).update(clientKey).digest();
    const signature = createHmac(m.hash, storedKey).update(authMessage).digest();
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i] ^ signature[i];
    return enc.encode(`${withoutProof},p=${proof.toString('base64')}`);
  }
}

export function plainToken(user: string, password: string, authzid = ''): Uint8Array {
  return enc.encode(`${authzid}\0${user}\0${password}`);
}

type AuthResponse = saslAuthenticate.SaslAuthenticateResponse;

/** SaslHandshake v1 and SaslAuthenticate (v`version`) with PLAIN or SCRAM; resolves with the last response. */
export async function authenticate(client: RawClient, mechanism: string, user: string, password: string, version = 2): Promise<AuthResponse> {
  const hs = await client.request<saslHandshake.SaslHandshakeResponse>(saslHandshake, 1, { mechanism });
  if (hs.errorCode !== 0) throw new Error(`SaslHandshake: error ${hs.errorCode}`);
  if (mechanism === 'PLAIN') return await client.request<AuthResponse>(saslAuthenticate, version, { authBytes: plainToken(user, password) });
  const scram = new ScramClient(mechanism, user, password);
  const first = await client.request<AuthResponse>(saslAuthenticate, version, { authBytes: scram.first() });
  if (first.errorCode !== 0) return first;
  return await client.request<AuthResponse>(saslAuthenticate, version, { authBytes: await scram.final(first.authBytes as Uint8Array) });
}
