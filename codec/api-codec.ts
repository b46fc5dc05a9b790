// Per-API codecs: compiles an API schema's request and response for each version on first use and caches it.

import { compileStruct, type Decoded, type StructCodec } from './compile.ts';
import { Reader } from './reader.ts';
import { Writer } from './writer.ts';
import type { ApiSchema } from './schema.ts';

export interface ApiCodec<Req, Res> {
  decodeRequest(version: number, r: Reader): Req;
  encodeRequest(version: number, w: Writer, value: Req): void;
  decodeResponse(version: number, r: Reader): Res;
  encodeResponse(version: number, w: Writer, value: Res): void;
}

export function isFlexible(schema: ApiSchema, version: number): boolean {
  return version >= schema.flexibleFrom;
}

export function apiCodec<Req, Res>(schema: ApiSchema): ApiCodec<Req, Res> {
  const requests = new Map<number, StructCodec>();
  const responses = new Map<number, StructCodec>();
  const get = (cache: Map<number, StructCodec>, fields: ApiSchema['request'], version: number): StructCodec => {
    let c = cache.get(version);
    if (c === undefined) {
      c = compileStruct(fields, version, isFlexible(schema, version));
      cache.set(version, c);
    }
    return c;
  };
  return {
    decodeRequest: (version, r) => get(requests, schema.request, version).read(r) as Req,
    encodeRequest: (version, w, value) => get(requests, schema.request, version).write(w, value as Decoded),
    decodeResponse: (version, r) => get(responses, schema.response, version).read(r) as Res,
    encodeResponse: (version, w, value) => get(responses, schema.response, version).write(w, value as Decoded),
  };
}

/** Encodes a value to a fresh byte array: a convenience for tests and small messages. */
export function toBytes(write: (w: Writer) => void): Uint8Array {
  const w = new Writer();
  write(w);
  return w.bytes();
}
