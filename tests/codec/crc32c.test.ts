// CRC-32C: published test vectors, sub-ranges, incremental updates and agreement with a bit-by-bit reference.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32c, crc32cUpdate } from '../../codec/crc32c.ts';

const ascii = (s: string) => new TextEncoder().encode(s);

/** Bit-at-a-time CRC-32C, the definition the table-driven code must match. */
function reference(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

function pseudoRandom(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

test('check value and RFC 3720 (iSCSI) vectors', () => {
  assert.equal(crc32c(ascii('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c);
  assert.equal(crc32c(new Uint8Array(0)), 0);
});

test('matches the bitwise reference for every length around the 8-byte stride', () => {
  for (let n = 0; n < 80; n++) {
    const data = pseudoRandom(n, n + 1);
    assert.equal(crc32c(data), reference(data), `length ${n}`);
  }
  const big = pseudoRandom(100_003, 7);
  assert.equal(crc32c(big), reference(big));
});

test('start and end select a sub-range; subarray views work', () => {
  const data = pseudoRandom(1000, 3);
  assert.equal(crc32c(data, 21, 977), reference(data.subarray(21, 977)));
  const view = data.subarray(5, 700);
  assert.equal(crc32c(view), reference(data.slice(5, 700)));
  assert.equal(crc32c(data, 10, 10), 0);
});

test('crc32cUpdate continues a running checksum', () => {
  const data = pseudoRandom(5000, 11);
  let c = 0;
  for (let at = 0; at < data.length; at += 333) c = crc32cUpdate(c, data, at, Math.min(at + 333, data.length));
  assert.equal(c, crc32c(data));
});
