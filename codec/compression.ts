// Compression codecs of Kafka record batches (attribute bits 0-2): gzip, snappy (xerial framing), lz4 (frame), zstd.

import zlib from 'node:zlib';
import snappy from 'snappyjs';
import { decompress as zstdDecompress } from 'fzstd';
import { lz4CompressFrame, lz4DecompressFrame } from './lz4.ts';

export const Compression = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
export type CompressionType = (typeof Compression)[keyof typeof Compression];

/** Kafka's topic-level `compression.type` values; `producer` (null) keeps the codec each producer used. */
export const TopicCompression = {
  producer: null,
  uncompressed: 0,
  gzip: 1,
  snappy: 2,
  lz4: 3,
  zstd: 4,
} as const satisfies Record<string, CompressionType | null>;
export type TopicCompressionName = keyof typeof TopicCompression;

const NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

/** Thrown on data a codec cannot decode, or on an unknown codec number. */
export class CompressionError extends Error {
  override name = 'CompressionError';
  readonly codec: number;
  constructor(codec: number, message: string, options?: { cause?: unknown }) {
    super(`${compressionName(codec)}: ${message}`, options);
    this.codec = codec;
  }
}

/** 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd', or 'unknown(n)'. */
export function compressionName(type: number): string {
  return NAMES[type] ?? `unknown(${type})`;
}

export function isCompressionType(type: number): type is CompressionType {
  return Number.isInteger(type) && type >= 0 && type <= 4;
}

/** A Uint8Array over the same memory (Buffer's slice() and friends behave differently from Uint8Array's). */
function plain(b: Uint8Array): Uint8Array {
  return b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

// ---- snappy: raw blocks via snappyjs, framed the way xerial snappy-java (the Java client) does ----

const XERIAL_MAGIC = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]; // 0x82 "SNAPPY" 0x00
const XERIAL_HEADER_SIZE = 16; // magic, int32 version 1, int32 compatible version 1
const XERIAL_BLOCK_SIZE = 32 * 1024;

function isXerial(data: Uint8Array): boolean {
  if (data.length < XERIAL_HEADER_SIZE) return false;
  for (let i = 0; i < 8; i++) if (data[i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

function snappyRawDecompress(data: Uint8Array): Uint8Array {
  // a snappy block expands at most ~21 times (a 3-byte copy of 64 bytes); the bound stops huge declared lengths
  return plain(snappy.uncompress(data, data.length * 24 + 64));
}

function snappyDecompress(data: Uint8Array): Uint8Array {
  if (!isXerial(data)) return snappyRawDecompress(data);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const parts: Uint8Array[] = [];
  let total = 0;
  let at = XERIAL_HEADER_SIZE;
  while (at < data.length) {
    if (at + 4 > data.length) throw new CompressionError(Compression.snappy, 'truncated xerial block length');
    const n = view.getInt32(at);
    at += 4;
    if (n < 0 || at + n > data.length) throw new CompressionError(Compression.snappy, 'truncated xerial block');
    const part = snappyRawDecompress(data.subarray(at, at + n));
    at += n;
    parts.push(part);
    total += part.length;
  }
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let op = 0;
  for (const p of parts) {
    out.set(p, op);
    op += p.length;
  }
  return out;
}

/** One raw snappy block (no framing): what @platformatic/kafka 1.x and librdkafka's raw path read. */
export function snappyRawCompress(data: Uint8Array): Uint8Array {
  return plain(snappy.compress(data));
}

function snappyCompress(data: Uint8Array): Uint8Array {
  const blocks: Uint8Array[] = [];
  let total = XERIAL_HEADER_SIZE;
  for (let at = 0; at < data.length; at += XERIAL_BLOCK_SIZE) {
    const block = snappy.compress(data.subarray(at, Math.min(at + XERIAL_BLOCK_SIZE, data.length)));
    blocks.push(block);
    total += 4 + block.length;
  }
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(XERIAL_MAGIC, 0);
  view.setInt32(8, 1);
  view.setInt32(12, 1);
  let op = XERIAL_HEADER_SIZE;
  for (const b of blocks) {
    view.setInt32(op, b.length);
    out.set(b, op + 4);
    op += 4 + b.length;
  }
  return out;
}

// ---- zstd: fzstd decodes; node:zlib encodes where it can (Node >= 22.15, Deno), else a frame of raw blocks.
// Not node:zlib's zstdDecompressSync: under Deno 2.9 it returns a truncated frame's partial output without error and
// stops after the first of several frames. ----

type ZstdCompressSync = (data: Uint8Array, options?: { params?: Record<number, number> }) => Uint8Array;
const nativeZstdCompress = (zlib as unknown as { zstdCompressSync?: ZstdCompressSync }).zstdCompressSync;
const zstdLevelParam = (zlib.constants as unknown as Record<string, number>).ZSTD_c_compressionLevel;

/** True when zstd output is really compressed (node:zlib has zstd); otherwise compress() stores raw zstd blocks. */
export const nativeZstd = typeof nativeZstdCompress === 'function';

const ZSTD_MAX_BLOCK = 128 * 1024;

/** A valid zstd frame holding data uncompressed in Raw_Blocks (single segment, 4-byte content size, no checksum). */
export function zstdRawFrame(data: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(data.length / ZSTD_MAX_BLOCK));
  const out = new Uint8Array(9 + blocks * 3 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0xfd2fb528, true);
  out[4] = 0xa0; // Frame_Content_Size_flag 2 (4 bytes), Single_Segment_flag
  view.setUint32(5, data.length, true);
  let op = 9;
  let at = 0;
  do {
    const n = Math.min(ZSTD_MAX_BLOCK, data.length - at);
    const last = at + n >= data.length ? 1 : 0;
    const header = (n << 3) | last; // Block_Type 0 = Raw_Block
    out[op] = header & 0xff;
    out[op + 1] = (header >>> 8) & 0xff;
    out[op + 2] = (header >>> 16) & 0xff;
    out.set(data.subarray(at, at + n), op + 3);
    op += 3 + n;
    at += n;
  } while (at < data.length);
  return out;
}

function zstdCompress(data: Uint8Array, level?: number): Uint8Array {
  if (!nativeZstdCompress) return zstdRawFrame(data);
  const options = level === undefined || zstdLevelParam === undefined ? undefined : { params: { [zstdLevelParam]: level } };
  return plain(nativeZstdCompress(data, options));
}

// ---- entry points ----

export interface CompressOptions {
  /** gzip and (native) zstd level; default: the library's (gzip 6, zstd 3, as Kafka). */
  level?: number;
  /**
   * Snappy only: write the xerial framing as the Java client does (default true), or one raw block.
   * Java (snappy-java), librdkafka, franz-go and sarama read both; @platformatic/kafka 1.x reads raw only.
   */
  snappyFraming?: boolean;
}

/** Compresses data with a Kafka codec number. */
export function compress(type: number, data: Uint8Array, options: CompressOptions = {}): Uint8Array {
  const level = options.level;
  switch (type) {
    case Compression.none:
      return data;
    case Compression.gzip:
      return plain(zlib.gzipSync(data, level === undefined ? undefined : { level }));
    case Compression.snappy:
      return options.snappyFraming === false ? snappyRawCompress(data) : snappyCompress(data);
    case Compression.lz4:
      return lz4CompressFrame(data);
    case Compression.zstd:
      return zstdCompress(data, level);
    default:
      throw new CompressionError(type, 'unknown compression codec');
  }
}

/** Decompresses data with a Kafka codec number; throws CompressionError on bad data. */
export function decompress(type: number, data: Uint8Array): Uint8Array {
  try {
    switch (type) {
      case Compression.none:
        return data;
      case Compression.gzip:
        return plain(zlib.gunzipSync(data));
      case Compression.snappy:
        return snappyDecompress(data);
      case Compression.lz4:
        return lz4DecompressFrame(data);
      case Compression.zstd:
        if (data.length === 0) throw new CompressionError(type, 'no zstd frame');
        return zstdDecompress(data);
    }
  } catch (err) {
    if (err instanceof CompressionError) throw err;
    throw new CompressionError(type, err instanceof Error ? err.message : String(err), { cause: err });
  }
  throw new CompressionError(type, 'unknown compression codec');
}
