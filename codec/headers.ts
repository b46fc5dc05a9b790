// Request and response headers (v0-v2 requests, v0-v1 responses).

import type { Reader } from './reader.ts';
import type { Writer } from './writer.ts';

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

/** Reads api key, version and correlation id, which every header version starts with. */
export function readRequestHeaderStart(r: Reader): Pick<RequestHeader, 'apiKey' | 'apiVersion' | 'correlationId'> {
  return { apiKey: r.int16(), apiVersion: r.int16(), correlationId: r.int32() };
}

/**
 * Reads the rest of a request header: v1 adds client_id (always an int16-length string, never compact),
 * v2 adds a tagged-field section, which is skipped.
 */
export function readRequestHeaderRest(r: Reader, headerVersion: number): string | null {
  if (headerVersion < 1) return null;
  const clientId = r.string();
  if (headerVersion >= 2) skipTaggedFields(r);
  return clientId;
}

export function skipTaggedFields(r: Reader): void {
  const n = r.uvarint();
  for (let i = 0; i < n; i++) {
    r.uvarint();
    r.skip(r.uvarint());
  }
}

export function writeRequestHeader(w: Writer, h: RequestHeader, headerVersion: number): void {
  w.int16(h.apiKey).int16(h.apiVersion).int32(h.correlationId);
  if (headerVersion >= 1) w.string(h.clientId);
  if (headerVersion >= 2) w.uvarint(0);
}

export function writeResponseHeader(w: Writer, correlationId: number, headerVersion: number): void {
  w.int32(correlationId);
  if (headerVersion >= 1) w.uvarint(0);
}

export function readResponseHeader(r: Reader, headerVersion: number): number {
  const id = r.int32();
  if (headerVersion >= 1) skipTaggedFields(r);
  return id;
}

export const API_VERSIONS_KEY = 18;
export const CONTROLLED_SHUTDOWN_KEY = 7;

/** Header versions: flexible APIs use request header v2 and response header v1, except ApiVersions responses (v0). */
export function requestHeaderVersion(apiKey: number, flexible: boolean): number {
  if (apiKey === CONTROLLED_SHUTDOWN_KEY) return 0;
  return flexible ? 2 : 1;
}
export function responseHeaderVersion(apiKey: number, flexible: boolean): number {
  if (apiKey === API_VERSIONS_KEY) return 0;
  return flexible ? 1 : 0;
}
