// One connection's security state: its listener, the principal (User:ANONYMOUS, the client certificate's subject,
// or the SASL user), and on SASL listeners the SASL state machine: SaslHandshake picks a mechanism, then
// SaslAuthenticate carries its tokens (or, after SaslHandshake v0, raw size-prefixed frames do). KIP-368: with
// connections.max.reauth.ms the session expires; the client re-authenticates (same principal) or is closed.

import { ErrorCode } from '../../codec/errors.ts';
import type { ListenerSpec } from '../listeners.ts';
import { type Authenticator, SASL_MECHANISMS } from './authenticator.ts';
import { parseClientFirst, ScramError, ScramServer, scramMechanism } from './scram.ts';

export const ANONYMOUS = 'User:ANONYMOUS';

type State = 'handshake' | 'authenticate' | 'authenticated' | 'failed';

export type AuthOutcome =
  | { readonly kind: 'continue'; readonly token: Uint8Array }
  | { readonly kind: 'done'; readonly token: Uint8Array; readonly sessionLifetimeMs: number }
  | { readonly kind: 'failed'; readonly errorCode: number; readonly errorMessage: string; readonly logReason: string };

const decoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();
const empty = new Uint8Array(0);

export class SecuritySession {
  readonly listener: ListenerSpec;
  readonly clientHost: string;
  #principal: string;
  #state: State;
  #mechanism: string | null = null;
  #scram: ScramServer | null = null;
  /** Date.now() after which the session must re-authenticate (null: never). */
  #expiresAt: number | null = null;
  /** SaslHandshake v0 was used: the next frames are raw SASL tokens. */
  #raw = false;

  constructor(listener: ListenerSpec, clientHost: string, certificatePrincipal: string | null) {
    this.listener = listener;
    this.clientHost = clientHost;
    this.#principal = certificatePrincipal ?? ANONYMOUS;
    this.#state = listener.sasl ? 'handshake' : 'authenticated';
  }

  get principal(): string {
    return this.#principal;
  }

  get authenticated(): boolean {
    return this.#state === 'authenticated';
  }

  /** The next frame is a raw SASL token (SaslHandshake v0), not a Kafka request. */
  get expectsRawToken(): boolean {
    return this.#raw && this.#state === 'authenticate';
  }

  expired(now = Date.now()): boolean {
    return this.#expiresAt !== null && now > this.#expiresAt;
  }

  /** SaslHandshake: chooses the mechanism. A failure's response is followed by closing the connection. */
  handshake(mechanism: string, version: number, enabled: readonly string[]): { errorCode: number; mechanisms: string[]; close: boolean } {
    const mechanisms = [...enabled];
    if (!this.listener.sasl) return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms, close: false };
    const reauth = this.#state === 'authenticated' && this.#expiresAt !== null && version >= 1 && mechanism === this.#mechanism;
    if (this.#state !== 'handshake' && !reauth) return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms, close: true };
    if (!enabled.includes(mechanism) || !(SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
      this.#state = 'failed';
      return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms, close: true };
    }
    this.#mechanism = mechanism;
    this.#scram = null;
    this.#raw = version === 0;
    if (!reauth) this.#state = 'authenticate';
    else this.#reauthenticating = true;
    return { errorCode: ErrorCode.NONE, mechanisms, close: false };
  }

  #reauthenticating = false;

  /** One SASL token from the client (SaslAuthenticate, or a raw frame after SaslHandshake v0). */
  async authenticate(token: Uint8Array, auth: Authenticator, reauthMs: number): Promise<AuthOutcome> {
    const mechanism = this.#mechanism;
    if (!this.listener.sasl || mechanism === null || (this.#state !== 'authenticate' && !this.#reauthenticating)) {
      return { kind: 'failed', errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: 'Unexpected SaslAuthenticate request: no SaslHandshake before it', logReason: 'SaslAuthenticate out of order' };
    }
    let outcome: AuthOutcome;
    try {
      outcome = await this.#step(mechanism, token, auth, reauthMs);
    } catch (err) {
      if (!(err instanceof ScramError) && !(err instanceof TypeError)) throw err;
      outcome = this.#invalid(mechanism, `malformed ${mechanism} message: ${err.message}`);
    }
    if (outcome.kind === 'failed') {
      this.#state = 'failed';
      this.#reauthenticating = false;
      await auth.failed(this.clientHost, mechanism);
    } else if (outcome.kind === 'done') {
      auth.succeeded(this.clientHost);
    }
    return outcome;
  }

  #invalid(mechanism: string, logReason: string): AuthOutcome {
    return {
      kind: 'failed',
      errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED,
      errorMessage: `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`,
      logReason,
    };
  }

  async #step(mechanism: string, token: Uint8Array, auth: Authenticator, reauthMs: number): Promise<AuthOutcome> {
    if (mechanism === 'PLAIN') {
      const parts = decoder.decode(token).split('\0');
      if (parts.length !== 3) throw new ScramError('PLAIN token needs authzid, user and password');
      const [authzid, user, password] = parts;
      if (user === '' || (authzid !== '' && authzid !== user)) return this.#invalid(mechanism, 'PLAIN: empty user or authorization id differs');
      if (!(await auth.checkPassword(user, password))) return this.#invalid(mechanism, 'PLAIN: invalid credentials');
      return this.#succeed(user, empty, reauthMs);
    }
    const m = scramMechanism(mechanism);
    if (!m) throw new Error(`no implementation of ${mechanism}`);
    if (this.#scram === null) {
      const first = parseClientFirst(decoder.decode(token));
      const credential = await auth.scramCredential(first.user, m);
      if (!credential) return this.#invalid(mechanism, `${mechanism}: unknown user`);
      this.#scram = new ScramServer(m, first, credential);
      this.#pendingUser = first.user;
      return { kind: 'continue', token: encoder.encode(this.#scram.serverFirst) };
    }
    const serverFinal = this.#scram.final(decoder.decode(token));
    this.#scram = null;
    if (serverFinal === null) return this.#invalid(mechanism, `${mechanism}: invalid credentials`);
    return this.#succeed(this.#pendingUser, encoder.encode(serverFinal), reauthMs);
  }

  #pendingUser = '';

  #succeed(user: string, token: Uint8Array, reauthMs: number): AuthOutcome {
    const principal = `User:${user}`;
    if (this.#reauthenticating && principal !== this.#principal) {
      return { kind: 'failed', errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: 'Cannot change principals during re-authentication', logReason: 're-authentication as another principal' };
    }
    this.#principal = principal;
    this.#state = 'authenticated';
    this.#reauthenticating = false;
    this.#raw = false;
    this.#expiresAt = reauthMs > 0 ? Date.now() + reauthMs : null;
    return { kind: 'done', token, sessionLifetimeMs: reauthMs };
  }
}
