// SCRAM (RFC 5802, RFC 7677) arithmetic and messages, as Kafka speaks it: key derivation from a salted password,
// the server side of one exchange (client-first, server-first, client-final, server-final) and the parsing of
// its messages. Kafka's extensions (`tokenauth=true` etc. after the nonce) are accepted and ignored.
// Crypto from node:crypto only. Nothing here logs: proofs and keys never leave this module except as results.

import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { ScramCredential, ScramMechanismName } from '../../store/scram-credentials.ts';

const pbkdf2Async = promisify(pbkdf2);

export interface ScramMechanism {
  readonly name: ScramMechanismName;
  /** KIP-554's ScramMechanism code in Describe/AlterUserScramCredentials. */
  readonly code: number;
  readonly hash: 'sha256' | 'sha512';
  readonly keyLength: number;
}

export const SCRAM_MECHANISMS: readonly ScramMechanism[] = [
  { name: 'SCRAM-SHA-256', code: 1, hash: 'sha256', keyLength: 32 },
  { name: 'SCRAM-SHA-512', code: 2, hash: 'sha512', keyLength: 64 },
];

/** Kafka's bounds on SCRAM iterations (ScramMechanism.minIterations / maxIterations). */
export const SCRAM_MIN_ITERATIONS = 4096;
export const SCRAM_MAX_ITERATIONS = 16384;

export function scramMechanism(nameOrCode: string | number): ScramMechanism | undefined {
  return SCRAM_MECHANISMS.find((m) => m.name === nameOrCode || m.code === nameOrCode);
}

/** Refused SCRAM input: the exchange fails (the message is for the log; it never contains secrets). */
export class ScramError extends Error {
  override name = 'ScramError';
}

function hmac(m: ScramMechanism, key: Uint8Array, data: string | Uint8Array): Buffer {
  return createHmac(m.hash, key).update(data).digest();
}

/** Hi(password, salt, i) of RFC 5802: PBKDF2 with HMAC of the mechanism's hash. */
export async function saltPassword(m: ScramMechanism, password: string, salt: Uint8Array, iterations: number): Promise<Buffer> {
  return await pbkdf2Async(password.normalize('NFKC'), salt, iterations, m.keyLength, m.hash);
}

/** The StoredKey and ServerKey kept for a user, from a salted password (what AlterUserScramCredentials sends). */
export function credentialKeys(m: ScramMechanism, saltedPassword: Uint8Array): { storedKey: Buffer; serverKey: Buffer } {
  const clientKey = hmac(m, saltedPassword, 'Client Key');
  return { storedKey: createHash(m.hash).update(clientKey).digest(), serverKey: hmac(m, saltedPassword, 'Server Key') };
}

/** A credential for a new password: a random salt, the key derivation, never the password itself. */
export async function makeCredential(m: ScramMechanism, user: string, password: string, iterations = SCRAM_MIN_ITERATIONS): Promise<ScramCredential> {
  const salt = randomBytes(32);
  const keys = credentialKeys(m, await saltPassword(m, password, salt, iterations));
  return { user, mechanism: m.name, salt, iterations, ...keys };
}

/** True when `password` is the credential's password (PLAIN and HTTP basic auth check passwords this way). */
export async function passwordMatches(c: ScramCredential, password: string): Promise<boolean> {
  const m = scramMechanism(c.mechanism);
  if (!m) return false;
  const { storedKey } = credentialKeys(m, await saltPassword(m, password, c.salt, c.iterations));
  return equal(storedKey, c.storedKey);
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `=2C` and `=3D` of RFC 5802's saslname; any other `=` is malformed. */
function decodeSaslName(s: string): string {
  if (/=(?!2C|3D)/.test(s)) throw new ScramError('invalid escape in user name');
  return s.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

/** `k=v` attributes of a SCRAM message, in order. */
function attributes(message: string): [string, string][] {
  return message.split(',').map((part) => {
    if (!/^[A-Za-z]=/.test(part)) throw new ScramError('malformed attribute');
    return [part[0], part.slice(2)];
  });
}

export interface ClientFirst {
  readonly gs2Header: string;
  readonly bare: string;
  readonly user: string;
  readonly nonce: string;
}

export function parseClientFirst(message: string): ClientFirst {
  // gs2-header: "n," or "y," (no channel binding; "p=" is refused) then optional "a=authzid" and ",".
  const m = /^([ny]),(a=[^,]*)?,(.*)$/s.exec(message);
  if (!m) throw new ScramError(message.startsWith('p=') ? 'channel binding is not supported' : 'malformed client-first message');
  const bare = m[3];
  const attrs = attributes(bare);
  if (attrs.length < 2 || attrs[0][0] !== 'n' || attrs[1][0] !== 'r') throw new ScramError('client-first message needs n= and r=');
  const user = decodeSaslName(attrs[0][1]);
  const nonce = attrs[1][1];
  if (user === '' || nonce === '' || !/^[\x21-\x2b\x2d-\x7e]+$/.test(nonce)) throw new ScramError('invalid user name or nonce');
  if (m[2] !== undefined && m[2] !== 'a=' && decodeSaslName(m[2].slice(2)) !== user) throw new ScramError('authorization id differs from the user name');
  return { gs2Header: message.slice(0, message.length - bare.length), bare, user, nonce };
}

/**
 * The server side of one SCRAM exchange: first() answers client-first with server-first, final() checks
 * client-final (channel binding, nonce, proof) and returns server-final, or throws ScramError (bad input) /
 * returns null (wrong password).
 */
export class ScramServer {
  readonly #m: ScramMechanism;
  readonly #credential: ScramCredential;
  readonly #clientFirst: ClientFirst;
  readonly #nonce: string;
  readonly #serverFirst: string;

  constructor(m: ScramMechanism, clientFirst: ClientFirst, credential: ScramCredential) {
    this.#m = m;
    this.#clientFirst = clientFirst;
    this.#credential = credential;
    this.#nonce = clientFirst.nonce + randomBytes(18).toString('base64').replace(/,/g, '-');
    this.#serverFirst = `r=${this.#nonce},s=${Buffer.from(credential.salt).toString('base64')},i=${credential.iterations}`;
  }

  get serverFirst(): string {
    return this.#serverFirst;
  }

  final(message: string): string | null {
    const attrs = attributes(message);
    const proofAt = attrs.length - 1;
    if (attrs.length < 3 || attrs[0][0] !== 'c' || attrs[1][0] !== 'r' || attrs[proofAt][0] !== 'p') throw new ScramError('malformed client-final message');
    if (attrs[0][1] !== Buffer.from(this.#clientFirst.gs2Header).toString('base64')) throw new ScramError('channel binding differs from client-first');
    // Kafka checks that the nonce ends with the server's (librdkafka sends its client nonce in front once more).
    if (!attrs[1][1].endsWith(this.#nonce)) throw new ScramError('nonce mismatch');
    const proof = Buffer.from(attrs[proofAt][1], 'base64');
    const withoutProof = message.slice(0, message.lastIndexOf(',p='));
    const authMessage = `${this.#clientFirst.bare},${this.#serverFirst},${withoutProof}`;
    const m = this.#m;
    const signature = hmac(m, this.#credential.storedKey, authMessage);
    if (proof.length !== signature.length) return null;
    const clientKey = Buffer.alloc(signature.length);
    for (let i = 0; i < signature.length; i++) clientKey[i] = proof[i] ^ signature[i];
    if (!equal(createHash(m.hash).update(clientKey).digest(), this.#credential.storedKey)) return null;
    return `v=${hmac(m, this.#credential.serverKey, authMessage).toString('base64')}`;
  }
}
