// SaslHandshake (key 17), versions 0-1: the client names its SASL mechanism. v1: SaslAuthenticate requests carry the
// tokens; v0: the next frames are raw SASL tokens (size-prefixed, no Kafka header). A mechanism not enabled gets
// UNSUPPORTED_SASL_MECHANISM with the enabled list and the connection closed, as Kafka does; on a listener
// without SASL (or out of turn) ILLEGAL_SASL_STATE. State lives in the connection's SecuritySession.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import type { RequestContext } from '../runtime/context.ts';
import { ErrorCode } from '../codec/errors.ts';

// <generated> by scripts/gen-api.ts from Kafka's SaslHandshakeRequest.json and SaslHandshakeResponse.json, versions 0-1.
export const schema = {
  apiKey: 17,
  name: 'SaslHandshake',
  minVersion: 0,
  maxVersion: 1,
  flexibleFrom: Infinity,
  request: [
    { name: 'Mechanism', type: 'string', versions: '0+' },
  ],
  response: [
    { name: 'ErrorCode', type: 'int16', versions: '0+' },
    { name: 'Mechanisms', type: '[]string', versions: '0+' },
  ],
} as const satisfies ApiSchema;

export interface SaslHandshakeRequest {
  mechanism: string;
}

export interface SaslHandshakeResponse {
  errorCode?: number;
  mechanisms?: string[];
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<SaslHandshakeRequest, SaslHandshakeResponse>(schema);

export async function handle(request: SaslHandshakeRequest, ctx: RequestContext): Promise<SaslHandshakeResponse> {
  const answer = ctx.security.handshake(request.mechanism, ctx.apiVersion, ctx.broker.config.saslEnabledMechanisms);
  if (answer.close) {
    ctx.closeAfterResponse(answer.errorCode === ErrorCode.UNSUPPORTED_SASL_MECHANISM ? 'unsupported SASL mechanism' : 'SaslHandshake out of order');
  }
  return { errorCode: answer.errorCode, mechanisms: answer.mechanisms };
}
