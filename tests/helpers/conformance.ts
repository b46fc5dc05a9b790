// Codec conformance for an API module: for every version it serves, a request and a response filled with
// non-default sample values are encoded, decoded and re-encoded, and must come back byte for byte.

import assert from 'node:assert/strict';
import { Reader } from '../../codec/reader.ts';
import { Writer } from '../../codec/writer.ts';
import { camel } from '../../codec/compile.ts';
import { inRange, parseRange, type FieldSpec } from '../../codec/schema.ts';
import type { ApiModule } from '../../runtime/registry.ts';

type Sample = Record<string, unknown>;

/** A value for every field present in `version`, chosen so that nothing equals its default. */
export function sampleStruct(fields: readonly FieldSpec[], version: number, seed = 1): Sample {
  const out: Sample = {};
  let n = seed;
  for (const f of fields) {
    if (!inRange(parseRange(f.versions), version)) continue;
    n++;
    out[camel(f.name)] = sampleValue(f, version, n);
  }
  return out;
}

function sampleValue(f: FieldSpec, version: number, n: number): unknown {
  if (f.type.startsWith('[]')) {
    if (f.fields) return [sampleStruct(f.fields, version, n), sampleStruct(f.fields, version, n + 7)];
    return [samplePrimitive(f.type.slice(2), n), samplePrimitive(f.type.slice(2), n + 1)];
  }
  if (f.fields) return sampleStruct(f.fields, version, n);
  return samplePrimitive(f.type, n);
}

function samplePrimitive(type: string, n: number): unknown {
  switch (type) {
    case 'int8': return (n % 100) + 1;
    case 'int16': return n * 3 + 1;
    case 'int32': return n * 1000 + 7;
    case 'int64': return n * 1_000_000_007 + 3;
    case 'uint16': return n + 2;
    case 'uint32': return n * 5 + 1;
    case 'float64': return n + 0.5;
    case 'bool': return true;
    case 'uuid': return `0000000${n % 10}-1111-2222-3333-44445555666${n % 10}`;
    case 'string': return `s${n}-ü`;
    case 'bytes': return new Uint8Array([n & 0xff, 1, 2, 3]);
    case 'records': return new Uint8Array([9, 8, 7, n & 0xff]);
    default: throw new Error(`no sample for ${type}`);
  }
}

function roundTrip(
  label: string,
  encode: (w: Writer, v: unknown) => void,
  decode: (r: Reader) => unknown,
  value: unknown,
): void {
  const w1 = new Writer();
  encode(w1, value);
  const bytes = w1.bytes().slice();
  const r = new Reader(bytes);
  const decoded = decode(r);
  assert.equal(r.remaining, 0, `${label}: bytes left after decoding`);
  const w2 = new Writer();
  encode(w2, decoded);
  assert.deepEqual(w2.bytes(), bytes, `${label}: re-encoding differs`);
}

/** Checks request and response codecs of every version of `mod`. */
export function assertCodecRoundTrip(mod: ApiModule): void {
  const { schema } = mod;
  for (let v = schema.minVersion; v <= schema.maxVersion; v++) {
    roundTrip(`${schema.name} v${v} request`, (w, x) => mod.encodeRequest(v, w, x), (r) => mod.decodeRequest(v, r), sampleStruct(schema.request, v));
    roundTrip(`${schema.name} v${v} response`, (w, x) => mod.encodeResponse(v, w, x), (r) => mod.decodeResponse(v, r), sampleStruct(schema.response, v));
  }
}
