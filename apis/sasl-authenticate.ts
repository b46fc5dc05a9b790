// SaslAuthenticate (key 36), versions 0-2: one SASL token each way (PLAIN: one round, SCRAM: two). v1 adds the
// session lifetime (KIP-368: connections.max.reauth.ms; 0 = no expiry); v2 is flexible. A failure answers
// SASL_AUTHENTICATION_FAILED (a generic message: nothing about which part was wrong) and closes the connection.
// Credentials are read from PostgreSQL: while it is unreachable the answer is REQUEST_TIMED_OUT, which clients take
// as a failed connection to retry, not as wrong credentials (that would be fatal to them).

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import { ErrorCode } from '../codec/errors.ts';
import type { RequestContext } from '../runtime/context.ts';
import { authenticator } from '../runtime/sasl/authenticator.ts';

// <generated> by scripts/gen-api.ts from Kafka's SaslAuthenticateRequest.json and SaslAuthenticateResponse.json, versions 0-2.
export const schema = {
  apiKey: 36,
  name: 'SaslAuthenticate',
  minVersion: 0,
  maxVersion: 2,
  flexibleFrom: 2,
  request: [
    { name: 'AuthBytes', type: 'bytes', versions: '0+' },
  ],
  response: [
    { name: 'ErrorCode', type: 'int16', versions: '0+' },
    { name: 'ErrorMessage', type: 'string', versions: '0+', nullable: '0+' },
    { name: 'AuthBytes', type: 'bytes', versions: '0+' },
    { name: 'SessionLifetimeMs', type: 'int64', versions: '1+', default: "0" },
  ],
} as const satisfies ApiSchema;

export interface SaslAuthenticateRequest {
  authBytes: Uint8Array;
}

export interface SaslAuthenticateResponse {
  errorCode?: number;
  errorMessage?: string | null;
  authBytes?: Uint8Array;
  sessionLifetimeMs?: number;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<SaslAuthenticateRequest, SaslAuthenticateResponse>(schema);

/** The credentials could not be read (PostgreSQL unreachable): `errorCode`, no token, no failure counted. */
export function errorResponse(_request: SaslAuthenticateRequest, errorCode: number): SaslAuthenticateResponse {
  return { errorCode, errorMessage: 'SASL credentials cannot be read right now (database unavailable); retry', authBytes: new Uint8Array(0), sessionLifetimeMs: 0 };
}

/** Retriable and not an authentication failure: clients reconnect and authenticate again. */
export const unavailableError = ErrorCode.REQUEST_TIMED_OUT;

export async function handle(request: SaslAuthenticateRequest, ctx: RequestContext): Promise<SaslAuthenticateResponse> {
  const reauthMs = ctx.broker.config.connectionsMaxReauthMs;
  const outcome = await ctx.security.authenticate(request.authBytes, authenticator(ctx.broker), reauthMs);
  if (outcome.kind === 'failed') {
    ctx.closeAfterResponse(`SASL authentication failed: ${outcome.logReason}`);
    return { errorCode: outcome.errorCode, errorMessage: outcome.errorMessage, authBytes: new Uint8Array(0), sessionLifetimeMs: 0 };
  }
  return {
    errorCode: 0,
    errorMessage: null,
    authBytes: outcome.token,
    sessionLifetimeMs: outcome.kind === 'done' ? outcome.sessionLifetimeMs : 0,
  };
}
