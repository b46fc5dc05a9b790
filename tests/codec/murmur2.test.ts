// murmur2 and the default key partitioner, against the values from Kafka's own tests.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import murmurhash from 'murmurhash';
import { murmur2, partitionForKey } from '../../codec/murmur2.ts';

const ascii = (s: string) => new TextEncoder().encode(s);

test("murmur2 matches Kafka's Utils.murmur2 test table", () => {
  const table: Array<[string, number]> = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ];
  for (const [key, expected] of table) assert.equal(murmur2(ascii(key)), expected, key);
});

test('murmur2 agrees with the murmurhash package (v2, seed 0x9747b28c) on every tail length and high bytes', () => {
  let s = 99;
  for (let n = 0; n < 64; n++) {
    const key = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      key[i] = s >>> 24;
    }
    assert.equal(murmur2(key), murmurhash.v2(key, 0x9747b28c) | 0, `length ${n}`);
  }
});

test('partitionForKey is toPositive(murmur2) % partitions', () => {
  // murmur2("foobar") = -790332482; & 0x7fffffff = 1357151166
  assert.equal(partitionForKey(ascii('foobar'), 1), 0);
  assert.equal(partitionForKey(ascii('foobar'), 7), 1357151166 % 7);
  assert.equal(partitionForKey(ascii('abc'), 10), 479470107 % 10);
  for (let p = 1; p < 50; p++) {
    const part = partitionForKey(ascii(`key-${p}`), p);
    assert.ok(part >= 0 && part < p);
  }
});
