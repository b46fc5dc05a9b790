// Compression codecs: round trips, streams made by other tools (lz4/gzip/zstd CLIs, a Rust snappy), frame details,
// interop with lz4js, and errors on bad input.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { execFileSync } from 'node:child_process';
import {
  Compression,
  CompressionError,
  TopicCompression,
  compress,
  compressionName,
  decompress,
  nativeZstd,
  zstdRawFrame,
} from '../../codec/compression.ts';
import { lz4CompressFrame, lz4DecompressFrame, xxh32 } from '../../codec/lz4.ts';
import { decompress as fzstdDecompress } from 'fzstd';
import lz4js from 'lz4js';

const fromHex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
const text = (b: Uint8Array) => Buffer.from(b).toString('latin1');
const ascii = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

function pseudoRandom(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

/** Text-like data that compresses: repeated records with varying numbers. */
function compressible(n: number): Uint8Array {
  let s = '';
  for (let i = 0; s.length < n; i++) s += `{"id":${i},"name":"user-${i % 97}","active":${i % 3 === 0}}\n`;
  return ascii(s.slice(0, n));
}

const FOX = 'The quick brown fox jumps over the lazy dog. '.repeat(20);
const codecs = [Compression.gzip, Compression.snappy, Compression.lz4, Compression.zstd] as const;

// ---- round trips ----

test('every codec round-trips empty, tiny, random and compressible data', () => {
  const inputs = [
    new Uint8Array(0),
    new Uint8Array([42]),
    pseudoRandom(13, 1),
    pseudoRandom(100_000, 2),
    compressible(300_000),
    pseudoRandom(65_536, 3),
    compressible(131_073),
  ];
  for (const codec of codecs) {
    for (const input of inputs) {
      const packed = compress(codec, input);
      const back = decompress(codec, packed);
      assert.equal(back.constructor, Uint8Array, `${compressionName(codec)} returns a plain Uint8Array`);
      assert.deepEqual(back, input, `${compressionName(codec)} ${input.length} bytes`);
    }
  }
});

test('compressible data gets smaller with gzip, snappy, lz4 (and zstd where node:zlib has it)', () => {
  const input = compressible(200_000);
  for (const codec of codecs) {
    const packed = compress(codec, input);
    if (codec === Compression.zstd && !nativeZstd) {
      assert.ok(packed.length > input.length, 'raw zstd blocks are slightly larger');
    } else {
      assert.ok(packed.length < input.length / 3, `${compressionName(codec)}: ${packed.length}`);
    }
  }
});

test('none passes data through; names and topic compression.type map', () => {
  const d = pseudoRandom(10, 5);
  assert.equal(compress(Compression.none, d), d);
  assert.equal(decompress(Compression.none, d), d);
  assert.deepEqual([0, 1, 2, 3, 4, 9].map(compressionName), ['none', 'gzip', 'snappy', 'lz4', 'zstd', 'unknown(9)']);
  assert.deepEqual(TopicCompression, { producer: null, uncompressed: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 });
});

test('unknown codecs and bad data throw CompressionError', () => {
  assert.throws(() => compress(5, new Uint8Array(3)), CompressionError);
  assert.throws(() => decompress(7, new Uint8Array(3)), CompressionError);
  const garbage = pseudoRandom(200, 9);
  for (const codec of codecs) {
    assert.throws(() => decompress(codec, garbage), CompressionError, compressionName(codec));
    assert.throws(() => decompress(codec, new Uint8Array(0)), CompressionError, `${compressionName(codec)} empty`);
  }
  // a truncated valid stream
  for (const codec of codecs) {
    const packed = compress(codec, compressible(5000));
    assert.throws(() => decompress(codec, packed.subarray(0, packed.length - 7)), CompressionError, compressionName(codec));
  }
  const err = (() => {
    try {
      decompress(Compression.lz4, garbage);
    } catch (e) {
      return e;
    }
  })();
  assert.ok(err instanceof CompressionError);
  assert.equal(err.codec, Compression.lz4);
});

// ---- gzip ----

test('gzip: decodes a stream made by gzip(1)', () => {
  // printf "$FOX" | gzip -n
  const gz = fromHex(
    '1f8b08000000000000030bc94855282ccd4cce56482aca2fcf5348cbaf50c82acd2d2856c82f4b2d5228014ae72456552aa4e4a7eb29848c2a1e553caa98da8a01e64a66b084030000',
  );
  assert.equal(text(decompress(Compression.gzip, gz)), FOX);
});

// ---- snappy ----

// Raw snappy blocks made by the Rust snap crate (through @platformatic/wasm-utils).
const SNAPPY_FOX =
  '8407b054686520717569636b2062726f776e20666f78206a756d7073206f76657220746865206c617a7920646f672e20fe2d00fe2d00fe2d00fe2d00fe2d00fe2d00fe2d00fe2d00fe2d00fe2d00fe2d00fe2d00fe2d005a2d00';
const SNAPPY_SECOND = '22847365636f6e6420626c6f636b206f6620646174612c207365636f6e6420626c6f636b';
const XERIAL_HEADER = '82534e415050590000000001' + '00000001';
const int32Hex = (n: number) => n.toString(16).padStart(8, '0');

test('snappy: decodes raw blocks from another implementation', () => {
  assert.equal(text(decompress(Compression.snappy, fromHex(SNAPPY_FOX))), FOX);
});

test('snappy: decodes the xerial framing, one block and several', () => {
  const one = fromHex(XERIAL_HEADER + int32Hex(SNAPPY_FOX.length / 2) + SNAPPY_FOX);
  assert.equal(text(decompress(Compression.snappy, one)), FOX);
  const two = fromHex(
    XERIAL_HEADER + int32Hex(SNAPPY_FOX.length / 2) + SNAPPY_FOX + int32Hex(SNAPPY_SECOND.length / 2) + SNAPPY_SECOND,
  );
  assert.equal(text(decompress(Compression.snappy, two)), FOX + 'second block of data, second block');
  assert.equal(decompress(Compression.snappy, fromHex(XERIAL_HEADER)).length, 0, 'header only: empty');
  assert.throws(() => decompress(Compression.snappy, fromHex(XERIAL_HEADER + int32Hex(500) + SNAPPY_SECOND)), CompressionError);
});

test('snappy: writes the xerial framing with 32 KiB blocks, or a raw block on request', () => {
  const input = compressible(100_000);
  const framed = compress(Compression.snappy, input);
  assert.equal(Buffer.from(framed.subarray(0, 16)).toString('hex'), XERIAL_HEADER);
  let at = 16;
  let blocks = 0;
  const view = new DataView(framed.buffer, framed.byteOffset, framed.byteLength);
  while (at < framed.length) {
    at += 4 + view.getInt32(at);
    blocks++;
  }
  assert.equal(at, framed.length);
  assert.equal(blocks, Math.ceil(100_000 / 32_768));
  const raw = compress(Compression.snappy, input, { snappyFraming: false });
  assert.notEqual(raw[0], 0x82);
  assert.deepEqual(decompress(Compression.snappy, raw), input);
});

// ---- lz4 ----

test('xxh32 known values', () => {
  assert.equal(xxh32(new Uint8Array(0)), 0x02cc5d05);
  assert.equal(xxh32(ascii('abc')), 0x32d153ff);
  assert.equal(xxh32(ascii('Nobody inspects the spammish repetition')), 0xe2293b2f);
});

test('lz4: decodes frames made by lz4(1): content checksum, content size, block checksums', () => {
  // lz4 -c < fox: FLG 0x64 (independent blocks, content checksum), BD 4 MiB
  const withChecksum =
    '04224d186440a73b000000ff1e54686520717569636b2062726f776e20666f78206a756d7073206f76657220746865206c617a7920646f672e202d00ffffff4250646f672e20000000009f827c81';
  // lz4 -c --content-size fox: FLG 0x6c (content size 900)
  const withSize =
    '04224d186c408403000000000000c63b000000ff1e54686520717569636b2062726f776e20666f78206a756d7073206f76657220746865206c617a7920646f672e202d00ffffff4250646f672e20000000009f827c81';
  // lz4 -c -B4 -BX --no-frame-crc: FLG 0x70 (block checksum), BD 64 KiB
  const blockChecksum =
    '04224d187040ad3b000000ff1e54686520717569636b2062726f776e20666f78206a756d7073206f76657220746865206c617a7920646f672e202d00ffffff4250646f672e20b8efc99300000000';
  for (const h of [withChecksum, withSize, blockChecksum]) assert.equal(text(decompress(Compression.lz4, fromHex(h))), FOX);
  // two frames back to back
  assert.equal(text(decompress(Compression.lz4, fromHex(withChecksum + blockChecksum))), FOX + FOX);
  // a corrupted content checksum, block checksum or header checksum is refused
  const bad = (h: string, at: number) => {
    const b = fromHex(h);
    b[at] ^= 1;
    return b;
  };
  assert.throws(() => decompress(Compression.lz4, bad(withChecksum, withChecksum.length / 2 - 1)), /content checksum/);
  assert.throws(() => decompress(Compression.lz4, bad(blockChecksum, blockChecksum.length / 2 - 5)), /block checksum/);
  assert.throws(() => decompress(Compression.lz4, bad(withChecksum, 6)), /header checksum/);
  assert.throws(() => decompress(Compression.lz4, bad(withSize, 7)), CompressionError, 'wrong content size');
});

// lz4 -B4 -BD --no-frame-crc of "rec <i % 37>\n" for i < 20000: linked blocks (FLG 0x40) whose second block
// copies from the first.
const LINKED =
  '04224d184040c0bf0100006072656320300a060011310600113206001133060011340600113506001136060011370600113806001139060013313d00023e0012313f00123140001231410012314200123143001231440012314500123146001232460012324600123246001232460012324600123246001232460012324600123246001232460012334600123346001233460012334600123346001233460012334600023000022f00032e0001d500022c00022b00022a00026f00026e00026d000ff900' +
  'ff'.repeat(255) +
  'ae506320370a720a0100000fd6fe' +
  'ff'.repeat(256) +
  'e850340a726563a4000000a22031350a72656320313607001237070012380700113907002232300700123107001232070012330700123407000246001232460012324600123246001232460012334600123346001233460012334600123346001233460012334600023000022f00032e00016c00022c00022b00022a00026f00026e00026d0013313d00023e0012313f0012316d00123141000ff900ffffffffffffffffffffffffb850632031390a00000000';

test('lz4: decodes linked (dependent) blocks, and refuses them when the frame claims independence', () => {
  let expected = '';
  for (let i = 0; i < 20000; i++) expected += `rec ${i % 37}\n`;
  const frame = fromHex(LINKED);
  assert.equal(text(decompress(Compression.lz4, frame)), expected);
  const lied = frame.slice();
  lied[4] |= 0x20;
  lied[6] = (xxh32(lied, 4, 6) >>> 8) & 0xff;
  assert.throws(() => decompress(Compression.lz4, lied), /offset out of range/);
});

test('lz4: writes Java-compatible frames (independent 64 KiB blocks, valid header checksum)', () => {
  const input = compressible(200_000);
  const frame = lz4CompressFrame(input);
  assert.deepEqual([...frame.subarray(0, 6)], [0x04, 0x22, 0x4d, 0x18, 0x60, 0x40]);
  assert.equal(frame[6], (xxh32(frame, 4, 6) >>> 8) & 0xff);
  assert.deepEqual([...frame.subarray(frame.length - 4)], [0, 0, 0, 0]);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  let at = 7;
  let blocks = 0;
  for (;;) {
    const word = view.getUint32(at, true);
    at += 4;
    if (word === 0) break;
    assert.ok((word & 0x7fffffff) <= 65536);
    at += word & 0x7fffffff;
    blocks++;
  }
  assert.equal(at, frame.length);
  assert.equal(blocks, Math.ceil(200_000 / 65536));
  // incompressible data is stored in uncompressed blocks
  const random = pseudoRandom(70_000, 4);
  const rframe = lz4CompressFrame(random);
  assert.equal(new DataView(rframe.buffer).getUint32(7, true), (0x80000000 | 65536) >>> 0);
  assert.deepEqual(lz4DecompressFrame(rframe), random);
  assert.deepEqual([...lz4CompressFrame(new Uint8Array(0))], [0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82, 0, 0, 0, 0]);
});

test('lz4: interoperates with lz4js in both directions', () => {
  for (const input of [compressible(150_000), pseudoRandom(1000, 8), new Uint8Array(5)]) {
    assert.deepEqual(new Uint8Array(lz4js.decompress(compress(Compression.lz4, input))), input);
    assert.deepEqual(decompress(Compression.lz4, new Uint8Array(lz4js.compress(input))), input);
  }
});

test('lz4: compressed blocks keep the last 5 bytes literal and no match starts in the last 12 bytes', () => {
  // a full 64 KiB block that repeats, then random bytes, then 8 bytes seen before at the very end
  const n = 65536;
  const data = pseudoRandom(n, 12);
  for (let i = 1000; i < n - 25; i++) data[i] = data[i - 1000];
  for (let i = 0; i < 8; i++) data[n - 10 + i] = data[50 + i];
  const frame = lz4CompressFrame(data);
  const size = new DataView(frame.buffer).getUint32(7, true);
  assert.equal(size & 0x80000000, 0, 'compressed block');
  // walk the sequences and check where the last match starts and ends
  let sp = 11;
  const end = 11 + size;
  let op = 0;
  let lastMatchStart = -1;
  let lastMatchEnd = -1;
  for (;;) {
    const token = frame[sp++];
    let lit = token >> 4;
    if (lit === 15) for (let b = 255; b === 255; ) lit += b = frame[sp++];
    sp += lit;
    op += lit;
    if (sp >= end) break;
    sp += 2;
    let ml = token & 15;
    if (ml === 15) for (let b = 255; b === 255; ) ml += b = frame[sp++];
    lastMatchStart = op;
    op += ml + 4;
    lastMatchEnd = op;
  }
  assert.equal(op, n);
  assert.ok(lastMatchStart <= n - 12, `last match starts at ${lastMatchStart}`);
  assert.ok(lastMatchEnd <= n - 5, `last match ends at ${lastMatchEnd}`);
  assert.deepEqual(lz4DecompressFrame(frame), data);
});

// ---- zstd ----

test('zstd: decodes frames made by zstd(1), with and without content size and checksum', () => {
  // zstd -c < fox (streaming: no content size, XXH64 checksum)
  const streamed =
    '28b52ffd0458b50100d40254686520717569636b2062726f776e20666f78206a756d7073206f76657220746865206c617a7920646f672e200100a50a2b55065913fa85';
  // zstd -c --no-check fox (content size 900)
  const sized =
    '28b52ffd608402b50100d40254686520717569636b2062726f776e20666f78206a756d7073206f76657220746865206c617a7920646f672e200100a50a2b5506';
  assert.equal(text(decompress(Compression.zstd, fromHex(streamed))), FOX);
  assert.equal(text(decompress(Compression.zstd, fromHex(sized))), FOX);
  assert.equal(text(decompress(Compression.zstd, fromHex(sized + streamed))), FOX + FOX);
});

test('zstd: raw-block frames are valid zstd (header, block split, empty input)', () => {
  for (const n of [0, 1, 131_072, 131_073, 300_000]) {
    const input = pseudoRandom(n, n + 3);
    const frame = zstdRawFrame(input);
    assert.deepEqual([...frame.subarray(0, 5)], [0x28, 0xb5, 0x2f, 0xfd, 0xa0]);
    assert.equal(new DataView(frame.buffer).getUint32(5, true), n);
    assert.equal(frame.length, 9 + 3 * Math.max(1, Math.ceil(n / 131_072)) + n);
    assert.deepEqual(fzstdDecompress(frame), input, `${n} bytes`);
  }
  assert.deepEqual([...zstdRawFrame(new Uint8Array(0))], [0x28, 0xb5, 0x2f, 0xfd, 0xa0, 0, 0, 0, 0, 1, 0, 0]);
});

function haveTool(name: string): boolean {
  try {
    execFileSync(name, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('our lz4, zstd and gzip output decodes with the command-line tools (when installed)', (t) => {
  const input = compressible(150_000);
  const tools: Array<[string, number, string[]]> = [
    ['lz4', Compression.lz4, ['-d', '-c']],
    ['zstd', Compression.zstd, ['-d', '-c', '-q']],
    ['gzip', Compression.gzip, ['-d', '-c']],
  ];
  let ran = 0;
  for (const [tool, codec, args] of tools) {
    if (!haveTool(tool)) continue;
    const out = execFileSync(tool, args, { input: compress(codec, input), maxBuffer: 1 << 24 });
    assert.deepEqual(new Uint8Array(out), input, tool);
    if (codec === Compression.zstd) {
      const raw = execFileSync(tool, args, { input: zstdRawFrame(input), maxBuffer: 1 << 24 });
      assert.deepEqual(new Uint8Array(raw), input, 'zstd raw-block frame');
    }
    ran++;
  }
  if (ran === 0) t.skip('no lz4/zstd/gzip command installed');
});
