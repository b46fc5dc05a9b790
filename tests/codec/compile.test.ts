// The schema compiler: primitive encodings, nullable and compact forms, nested structs, version gating,
// tagged fields (known decoded, unknown skipped, defaults omitted) and bounds checks.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileStruct } from '../../codec/compile.ts';
import { Reader, DecodeError } from '../../codec/reader.ts';
import { Writer } from '../../codec/writer.ts';
import type { FieldSpec } from '../../codec/schema.ts';
import { Buffer } from 'node:buffer';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const encode = (fields: FieldSpec[], version: number, flexible: boolean, value: Record<string, unknown>) => {
  const w = new Writer(4);
  compileStruct(fields, version, flexible).write(w, value);
  return w.bytes();
};
const decode = (fields: FieldSpec[], version: number, flexible: boolean, bytes: Uint8Array) => {
  const r = new Reader(bytes);
  const v = compileStruct(fields, version, flexible).read(r);
  assert.equal(r.remaining, 0);
  return v;
};

const fields: FieldSpec[] = [
  { name: 'Id', type: 'int32', versions: '0+' },
  { name: 'Name', type: 'string', versions: '0+', nullable: '1+' },
  { name: 'Added', type: 'int16', versions: '2+', default: 7 },
  { name: 'Items', type: '[]struct', versions: '0+', fields: [
    { name: 'K', type: 'int64', versions: '0+' },
    { name: 'Data', type: 'bytes', versions: '0+', nullable: '0+' },
  ] },
  { name: 'Tagged', type: 'string', versions: '3+', tag: 0, taggedVersions: '3+', nullable: '3+', default: null },
];

test('v0 layout: int16 string length, int32 array length, no tagged section', () => {
  const b = encode(fields, 0, false, { id: 1, name: 'ab', items: [{ k: 2, data: null }] });
  assert.equal(hex(b), '00000001' + '0002' + '6162' + '00000001' + '0000000000000002' + 'ffffffff');
  const v = decode(fields, 0, false, b);
  assert.deepEqual(v, { id: 1, name: 'ab', added: 7, items: [{ k: 2, data: null }], tagged: null });
});

test('nullable only where the version says so', () => {
  assert.equal(hex(encode(fields, 1, false, { id: 0, name: null, items: [] })), '00000000' + 'ffff' + '00000000');
  // v0 string is not nullable: null is written as empty.
  assert.equal(hex(encode(fields, 0, false, { id: 0, name: null, items: [] })), '00000000' + '0000' + '00000000');
});

test('flexible versions: compact lengths, tagged sections, and a present tagged field', () => {
  const b = encode(fields, 3, true, { id: 5, name: 'x', added: 1, items: [{ k: -1, data: new Uint8Array([1]) }], tagged: 'hi' });
  // id | name (len+1=2) 'x' | added | items (n+1=2) [k | data(len+1=2) 01 | no tags] | tags: 1 field, tag 0, size 3, "hi" as compact string
  assert.equal(hex(b), '00000005' + '02' + '78' + '0001' + '02' + 'ffffffffffffffff' + '02' + '01' + '00' + '01' + '00' + '03' + '03' + '6869');
  assert.deepEqual(decode(fields, 3, true, b), { id: 5, name: 'x', added: 1, items: [{ k: -1, data: new Uint8Array([1]) }], tagged: 'hi' });
});

test('a tagged field at its default is not written', () => {
  const b = encode(fields, 3, true, { id: 5, name: 'x', added: 1, items: [] });
  assert.equal(hex(b).slice(-2), '00');
});

test('unknown tags are skipped, not rejected', () => {
  // Same as above but the tag section holds tag 9 (size 2, bytes ffff) then tag 0.
  const b = Buffer.from('00000005' + '02' + '78' + '0001' + '01' + '02' + '09' + '02' + 'ffff' + '00' + '03' + '03' + '6869', 'hex');
  assert.deepEqual(decode(fields, 3, true, b), { id: 5, name: 'x', added: 1, items: [], tagged: 'hi' });
});

test('truncated input throws DecodeError, never reads out of bounds', () => {
  const b = encode(fields, 3, true, { id: 5, name: 'hello', added: 1, items: [{ k: 1, data: null }] });
  for (let n = 0; n < b.length; n++) {
    assert.throws(() => compileStruct(fields, 3, true).read(new Reader(b.subarray(0, n))), DecodeError, `cut at ${n}`);
  }
});

test('an absurd array length is rejected before allocating', () => {
  const b = Buffer.from('00000001' + '0000' + '7fffffff', 'hex');
  assert.throws(() => compileStruct(fields, 0, false).read(new Reader(b)), DecodeError);
});

test('varints and varlongs round trip at their edges', () => {
  const values = [0, 1, -1, 63, -64, 64, 2 ** 31 - 1, -(2 ** 31), 2 ** 40, -(2 ** 40), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
  const w = new Writer(1);
  for (const v of values) w.varlong(v);
  for (const v of values.filter((x) => x >= -(2 ** 31) && x < 2 ** 31)) w.varint(v);
  const r = new Reader(w.bytes());
  for (const v of values) assert.equal(r.varlong(), v);
  for (const v of values.filter((x) => x >= -(2 ** 31) && x < 2 ** 31)) assert.equal(r.varint(), v);
  assert.equal(r.remaining, 0);
});

test('int64 round trips negative and large values; uuid round trips', () => {
  const w = new Writer(1);
  for (const v of [-1, 0, 2 ** 53 - 1, -(2 ** 53) + 1, 1700000000000]) w.int64(v);
  w.uuid('0123abcd-4567-89ab-cdef-0123456789ab');
  const r = new Reader(w.bytes());
  for (const v of [-1, 0, 2 ** 53 - 1, -(2 ** 53) + 1, 1700000000000]) assert.equal(r.int64(), v);
  assert.equal(r.uuid(), '0123abcd-4567-89ab-cdef-0123456789ab');
});

test('nullable struct uses the int8 marker', () => {
  const f: FieldSpec[] = [{ name: 'S', type: 'struct', versions: '0+', nullable: '0+', fields: [{ name: 'A', type: 'int8', versions: '0+' }] }];
  assert.equal(hex(encode(f, 0, false, { s: null })), 'ff');
  assert.equal(hex(encode(f, 0, false, { s: { a: 3 } })), '0103');
  assert.deepEqual(decode(f, 0, false, Buffer.from('0103', 'hex')), { s: { a: 3 } });
});
