// Record batches (magic 2): parsing Produce/Fetch record bytes, encoding batches for Fetch, transaction markers,
// and in-place rewrites of the fields that sit outside the CRC.

import { DecodeError, Reader } from './reader.ts';
import { Writer } from './writer.ts';
import { crc32c } from './crc32c.ts';
import { compress, type CompressOptions, CompressionError, decompress, isCompressionType } from './compression.ts';
import { ErrorCode } from './errors.ts';
import { addInt64Saturating, clampToSafe, type Int64, isSafeInt64 } from './int64.ts';

export interface RecordHeader {
  key: string;
  value: Uint8Array | null;
}

export interface KafkaRecord {
  attributes: number;
  timestampDelta: number;
  offsetDelta: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeader[];
}

export interface RecordBatch {
  baseOffset: number;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
  /** Decoded records (empty when decodeRecords is false). Keys and values are views into the input or decompressed bytes. */
  records: KafkaRecord[];
}

export const BatchAttributes = {
  compressionMask: 0x07,
  timestampType: 0x08,
  transactional: 0x10,
  control: 0x20,
  deleteHorizon: 0x40,
} as const;

/** baseOffset + batchLength: the bytes before what batchLength counts. */
export const LOG_OVERHEAD = 12;
/** Size of a batch header, i.e. of a batch with no records. */
export const RECORD_BATCH_OVERHEAD = 61;
const CRC_OFFSET = 17;
const ATTRIBUTES_OFFSET = 21;
const MAGIC_OFFSET = 16;
/** The smallest encoded record: length, attributes, timestamp, offset, key, value, header count (one byte each). */
const MIN_RECORD_SIZE = 7;

/** A batch that fails its CRC, is truncated, or whose contents contradict its header. Kafka: CORRUPT_MESSAGE. */
export class CorruptRecordError extends Error {
  override name = 'CorruptRecordError';
  readonly code: number = ErrorCode.CORRUPT_MESSAGE;
}

/**
 * A message set of magic 0 or 1 (or an unknown magic). Kafka: UNSUPPORTED_FOR_MESSAGE_FORMAT (or CORRUPT_MESSAGE,
 * for callers that prefer it). A subclass of CorruptRecordError, so one catch handles both.
 */
export class UnsupportedMagicError extends CorruptRecordError {
  override name = 'UnsupportedMagicError';
  override readonly code: number = ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT;
  readonly magic: number;
  constructor(magic: number) {
    super(`unsupported record batch magic ${magic} (only magic 2 is supported)`);
    this.magic = magic;
  }
}

/**
 * A batch whose timestamps (base, max, or a record's) lie beyond 2^53 ms, which this broker does not store (a
 * timestamp some 285,000 years away; Kafka 4 refuses any more than an hour ahead too). Kafka: INVALID_TIMESTAMP.
 */
export class InvalidTimestampError extends CorruptRecordError {
  override name = 'InvalidTimestampError';
  override readonly code: number = ErrorCode.INVALID_TIMESTAMP;
}

/** A batch with a producer id beyond 2^53, which no broker on a kafka schema ever assigned. UNKNOWN_PRODUCER_ID. */
export class UnknownProducerIdError extends CorruptRecordError {
  override name = 'UnknownProducerIdError';
  override readonly code: number = ErrorCode.UNKNOWN_PRODUCER_ID;
}

export interface ReadBatchesOptions {
  /** Check each batch's CRC-32C (default true). */
  verifyCrc?: boolean;
  /** Decompress and decode the records (default true); when false, `records` is empty. */
  decodeRecords?: boolean;
  /** Drop a trailing partial batch silently, as clients do with Fetch responses (default false). */
  allowPartial?: boolean;
}

const textDecoder = new TextDecoder('utf-8', { fatal: false });
const textEncoder = new TextEncoder();

// ---- reading ----

function getInt32(data: Uint8Array, at: number): number {
  return (data[at] << 24) | (data[at + 1] << 16) | (data[at + 2] << 8) | data[at + 3];
}

/**
 * Full size in bytes (LOG_OVERHEAD + batchLength) of the batch starting at `at`, or -1 when fewer than
 * LOG_OVERHEAD bytes remain. It checks neither that the whole batch is present nor that batchLength is sane.
 */
export function batchSize(data: Uint8Array, at = 0): number {
  if (data.length - at < LOG_OVERHEAD) return -1;
  return LOG_OVERHEAD + getInt32(data, at + 8);
}

/** Zig-zag varlong as a number, without BigInt; a timestamp delta beyond 2^52 is an InvalidTimestampError. */
function readVarlong(r: Reader): number {
  const buf = r.buf;
  let pos = r.pos;
  let result = 0;
  let mul = 1;
  for (let i = 0; ; i++) {
    if (pos >= r.end) throw new DecodeError('truncated varlong');
    if (i === 10) throw new DecodeError('varlong too long');
    const b = buf[pos++];
    result += (b & 0x7f) * mul;
    if (b < 0x80) break;
    mul *= 128;
  }
  r.pos = pos;
  // Up to 2^53 the sum above is exact; beyond, it may have rounded (and with it the sign bit).
  if (result > Number.MAX_SAFE_INTEGER) throw new InvalidTimestampError('a record timestamp delta beyond 2^52 ms');
  return result % 2 === 1 ? -(result + 1) / 2 : result / 2;
}

function readRecord(r: Reader, limit: number): KafkaRecord {
  const size = r.varint();
  const bodyStart = r.pos;
  if (size < 0 || bodyStart + size > limit) throw new CorruptRecordError(`invalid record size ${size}`);
  const attributes = r.int8();
  const timestampDelta = readVarlong(r);
  const offsetDelta = r.varint();
  const keyLength = r.varint();
  const key = keyLength < 0 ? null : r.raw(keyLength);
  const valueLength = r.varint();
  const value = valueLength < 0 ? null : r.raw(valueLength);
  const headerCount = r.varint();
  if (headerCount < 0) throw new CorruptRecordError(`invalid record header count ${headerCount}`);
  const headers: RecordHeader[] = [];
  for (let i = 0; i < headerCount; i++) {
    const hkLength = r.varint();
    if (hkLength < 0) throw new CorruptRecordError(`invalid negative header key size ${hkLength}`);
    const hk = textDecoder.decode(r.raw(hkLength));
    const hvLength = r.varint();
    headers.push({ key: hk, value: hvLength < 0 ? null : r.raw(hvLength) });
  }
  if (r.pos !== bodyStart + size) {
    throw new CorruptRecordError(`invalid record size: expected ${size} bytes, read ${r.pos - bodyStart}`);
  }
  return { attributes, timestampDelta, offsetDelta, key, value, headers };
}

function readRecords(data: Uint8Array, start: number, end: number, attributes: number, count: number): KafkaRecord[] {
  const codec = attributes & BatchAttributes.compressionMask;
  let buf = data;
  if (codec !== 0) {
    if (!isCompressionType(codec)) throw new CorruptRecordError(`unknown compression codec ${codec} in batch attributes`);
    try {
      buf = decompress(codec, data.subarray(start, end));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new CorruptRecordError(`cannot decompress batch: ${message}`, { cause: err });
    }
    start = 0;
    end = buf.length;
  }
  if (count > (end - start) / MIN_RECORD_SIZE) {
    throw new CorruptRecordError(`batch declares ${count} records but holds only ${end - start} bytes of records`);
  }
  const r = new Reader(buf, start, end);
  const records: KafkaRecord[] = [];
  for (let i = 0; i < count; i++) records.push(readRecord(r, end));
  if (r.pos !== end) throw new CorruptRecordError(`batch holds more than its ${count} declared records`);
  return records;
}

function readBatchAt(data: Uint8Array, at: number, end: number, verifyCrc: boolean, decodeRecords: boolean): RecordBatch {
  if (end - at < MAGIC_OFFSET + 1) throw new CorruptRecordError(`record batch of ${end - at} bytes is too short`);
  const magic = data[at + MAGIC_OFFSET];
  if (magic !== 2) throw new UnsupportedMagicError(magic);
  if (end - at < RECORD_BATCH_OVERHEAD) {
    throw new CorruptRecordError(`record batch size ${end - at} is below the minimum ${RECORD_BATCH_OVERHEAD}`);
  }
  const r = new Reader(data, at, end);
  // Every int64 of a batch header is exact or refused: offsets beyond 2^53 are clamped (a produced batch must
  // start at 0, a fetched one is the broker's own), timestamps and producer ids beyond it are refused below.
  const baseOffset = clampToSafe(r.int64());
  const batchLength = r.int32();
  const partitionLeaderEpoch = r.int32();
  r.skip(1); // magic
  const crc = r.uint32();
  if (verifyCrc) {
    const actual = crc32c(data, at + ATTRIBUTES_OFFSET, end);
    if (actual !== crc) {
      throw new CorruptRecordError(`record batch at offset ${baseOffset} fails its CRC (stored ${crc}, computed ${actual})`);
    }
  }
  const attributes = r.int16();
  const lastOffsetDelta = r.int32();
  const baseTimestamp = r.int64();
  const maxTimestamp = r.int64();
  const producerId = r.int64();
  if (!isSafeInt64(baseTimestamp) || !isSafeInt64(maxTimestamp)) {
    throw new InvalidTimestampError(`record batch timestamps ${baseTimestamp} / ${maxTimestamp} are beyond 2^53 ms`);
  }
  if (!isSafeInt64(producerId)) throw new UnknownProducerIdError(`producer id ${producerId} was never assigned`);
  const producerEpoch = r.int16();
  const baseSequence = r.int32();
  const recordCount = r.int32();
  if (recordCount < 0) throw new CorruptRecordError(`invalid record count ${recordCount}`);
  const records = decodeRecords ? readRecords(data, at + RECORD_BATCH_OVERHEAD, end, attributes, recordCount) : [];
  for (const rec of records) {
    if (!Number.isSafeInteger(baseTimestamp + rec.timestampDelta)) {
      throw new InvalidTimestampError(`record timestamp ${baseTimestamp} + ${rec.timestampDelta} is beyond 2^53 ms`);
    }
  }
  return {
    baseOffset,
    batchLength,
    partitionLeaderEpoch,
    magic,
    crc,
    attributes,
    lastOffsetDelta,
    baseTimestamp,
    maxTimestamp,
    producerId,
    producerEpoch,
    baseSequence,
    recordCount,
    records,
  };
}

/**
 * Parses consecutive magic-2 batches (a Produce request's `records`). Throws CorruptRecordError on a bad CRC,
 * truncation or inconsistent contents, UnsupportedMagicError on magic 0/1. With allowPartial, a trailing
 * incomplete batch is dropped instead (Fetch responses).
 */
export function readBatches(data: Uint8Array, options: ReadBatchesOptions = {}): RecordBatch[] {
  const verifyCrc = options.verifyCrc ?? true;
  const decodeRecords = options.decodeRecords ?? true;
  const allowPartial = options.allowPartial ?? false;
  const batches: RecordBatch[] = [];
  let at = 0;
  try {
    while (at < data.length) {
      const left = data.length - at;
      if (left < LOG_OVERHEAD) {
        if (allowPartial) break;
        throw new CorruptRecordError(`truncated record batch header: ${left} bytes left`);
      }
      const batchLength = getInt32(data, at + 8);
      if (batchLength < MAGIC_OFFSET + 1 - LOG_OVERHEAD) throw new CorruptRecordError(`invalid record batch length ${batchLength}`);
      const size = LOG_OVERHEAD + batchLength;
      if (size > left) {
        if (allowPartial) break;
        throw new CorruptRecordError(`truncated record batch: needs ${size} bytes, ${left} left`);
      }
      batches.push(readBatchAt(data, at, at + size, verifyCrc, decodeRecords));
      at += size;
    }
  } catch (err) {
    if (err instanceof DecodeError) throw new CorruptRecordError(err.message, { cause: err });
    throw err;
  }
  return batches;
}

/** readBatches for Fetch responses: a trailing partial batch is dropped silently. */
export function readBatchesLenient(data: Uint8Array, options: Omit<ReadBatchesOptions, 'allowPartial'> = {}): RecordBatch[] {
  return readBatches(data, { ...options, allowPartial: true });
}

// ---- writing ----

export interface EncodeRecord {
  offsetDelta: number;
  timestampDelta: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers?: RecordHeader[];
}

export interface EncodeBatchInput {
  baseOffset: number;
  /** Default -1 (unknown), what producers send. */
  partitionLeaderEpoch?: number;
  /** Timestamp type, transactional and control bits; the compression bits come from the compression argument. */
  attributes?: number;
  /** Int64s are written exactly, from a number or a bigint (a client may send any). */
  baseTimestamp: Int64;
  /** Default: baseTimestamp + the largest timestampDelta. */
  maxTimestamp?: Int64;
  producerId?: Int64;
  producerEpoch?: number;
  baseSequence?: number;
  /** Default: the largest record offsetDelta. Larger when records at the end of the batch are gone (compaction). */
  lastOffsetDelta?: number;
  records: EncodeRecord[];
}

function varintSize(v: number): number {
  let z = ((v << 1) ^ (v >> 31)) >>> 0;
  let n = 1;
  while (z >= 0x80) {
    z >>>= 7;
    n++;
  }
  return n;
}

function varlongSize(v: number): number {
  if (v >= -1073741824 && v < 1073741824) return varintSize(v);
  let z = v >= 0 ? v * 2 : -v * 2 - 1;
  let n = 1;
  while (z >= 128) {
    z = Math.floor(z / 128);
    n++;
  }
  return n;
}

/** UTF-8 byte length of a string, as TextEncoder encodes it (lone surrogates become U+FFFD). */
function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      n += 1;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2; // a surrogate pair: 2 UTF-16 units, 4 bytes
      i++;
    } else {
      n += 2;
    }
  }
  return n;
}

function bytesSize(b: Uint8Array | null): number {
  return b === null ? 1 : varintSize(b.length) + b.length;
}

function recordBodySize(rec: EncodeRecord): number {
  let n = 1 + varlongSize(rec.timestampDelta) + varintSize(rec.offsetDelta) + bytesSize(rec.key) + bytesSize(rec.value);
  const headers = rec.headers;
  if (headers === undefined) return n + 1;
  n += varintSize(headers.length);
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i];
    const kl = utf8Length(h.key);
    n += varintSize(kl) + kl + bytesSize(h.value);
  }
  return n;
}

// Record writers. The caller has ensured room for the whole records section (sizes are computed exactly up front),
// so these write straight into w.buf: Writer's own varint methods reserve 5-10 bytes each and would grow an
// exactly-sized buffer near its end.

function putVarint(w: Writer, v: number): void {
  const buf = w.buf;
  let pos = w.pos;
  let z = ((v << 1) ^ (v >> 31)) >>> 0;
  while (z >= 0x80) {
    buf[pos++] = (z & 0x7f) | 0x80;
    z >>>= 7;
  }
  buf[pos++] = z;
  w.pos = pos;
}

function putVarlong(w: Writer, v: number): void {
  if (v >= -1073741824 && v < 1073741824) {
    putVarint(w, v);
    return;
  }
  const buf = w.buf;
  let pos = w.pos;
  let z = v >= 0 ? v * 2 : -v * 2 - 1; // zig-zag, exact below 2^52
  while (z >= 128) {
    buf[pos++] = (z % 128) | 0x80;
    z = Math.floor(z / 128);
  }
  buf[pos++] = z;
  w.pos = pos;
}

function putBytes(w: Writer, b: Uint8Array | null): void {
  if (b === null) {
    w.buf[w.pos++] = 1; // varint -1
    return;
  }
  putVarint(w, b.length);
  if (b.length > 16) {
    w.buf.set(b, w.pos);
    w.pos += b.length;
  } else {
    const buf = w.buf;
    let pos = w.pos;
    for (let i = 0; i < b.length; i++) buf[pos++] = b[i];
    w.pos = pos;
  }
}

function writeRecord(w: Writer, rec: EncodeRecord): void {
  putVarint(w, recordBodySize(rec));
  w.buf[w.pos++] = 0; // record attributes: unused
  putVarlong(w, rec.timestampDelta);
  putVarint(w, rec.offsetDelta);
  putBytes(w, rec.key);
  putBytes(w, rec.value);
  const headers = rec.headers;
  if (headers === undefined) {
    w.buf[w.pos++] = 0;
    return;
  }
  putVarint(w, headers.length);
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i];
    const s = h.key;
    const n = utf8Length(s);
    putVarint(w, n);
    if (n === s.length) {
      const buf = w.buf;
      let pos = w.pos;
      for (let j = 0; j < n; j++) buf[pos++] = s.charCodeAt(j);
      w.pos = pos;
    } else {
      textEncoder.encodeInto(s, w.buf.subarray(w.pos, w.pos + n));
      w.pos += n;
    }
    putBytes(w, h.value);
  }
}

// Records of compressed batches are written here first; kept between calls unless it grew very large.
let scratch = new Writer(64 * 1024);
const SCRATCH_KEEP = 8 * 1024 * 1024;

/**
 * Encodes one magic-2 batch. recordCount, batchLength, the CRC and (unless given) lastOffsetDelta are computed; producerId,
 * producerEpoch and baseSequence default to -1. `compression` is a codec number (Compression.*).
 */
export function encodeBatch(input: EncodeBatchInput, compression = 0, options?: CompressOptions): Uint8Array {
  if (!isCompressionType(compression)) throw new CompressionError(compression, 'unknown compression codec');
  const records = input.records;
  let recordsSize = 0;
  let lastOffsetDelta = -1;
  let maxTimestampDelta = 0;
  for (let i = 0; i < records.length; i++) {
    const rec = records[i];
    const body = recordBodySize(rec);
    recordsSize += varintSize(body) + body;
    if (rec.offsetDelta > lastOffsetDelta) lastOffsetDelta = rec.offsetDelta;
    if (i === 0 || rec.timestampDelta > maxTimestampDelta) maxTimestampDelta = rec.timestampDelta;
  }

  let w: Writer;
  if (compression === 0) {
    w = new Writer(RECORD_BATCH_OVERHEAD + recordsSize);
    w.pos = RECORD_BATCH_OVERHEAD;
    for (let i = 0; i < records.length; i++) writeRecord(w, records[i]);
    if (w.pos !== RECORD_BATCH_OVERHEAD + recordsSize) throw new Error('record-batch: record sizes miscomputed');
  } else {
    const s = scratch;
    s.pos = 0;
    s.ensure(recordsSize);
    for (let i = 0; i < records.length; i++) writeRecord(s, records[i]);
    if (s.pos !== recordsSize) throw new Error('record-batch: record sizes miscomputed');
    const packed = compress(compression, s.bytes(), options);
    if (s.buf.length > SCRATCH_KEEP) scratch = new Writer(64 * 1024);
    w = new Writer(RECORD_BATCH_OVERHEAD + packed.length);
    w.pos = RECORD_BATCH_OVERHEAD;
    w.raw(packed);
  }
  const end = w.pos;

  const attributes = ((input.attributes ?? 0) & ~BatchAttributes.compressionMask) | compression;
  w.pos = 0;
  w.int64(input.baseOffset);
  w.int32(end - LOG_OVERHEAD);
  w.int32(input.partitionLeaderEpoch ?? -1);
  w.int8(2);
  w.uint32(0); // CRC, below
  w.int16(attributes);
  w.int32(Math.max(lastOffsetDelta, input.lastOffsetDelta ?? -1));
  w.int64(input.baseTimestamp);
  w.int64(input.maxTimestamp ?? addInt64Saturating(input.baseTimestamp, maxTimestampDelta));
  w.int64(input.producerId ?? -1);
  w.int16(input.producerEpoch ?? -1);
  w.int32(input.baseSequence ?? -1);
  w.int32(records.length);
  w.view.setUint32(CRC_OFFSET, crc32c(w.buf, ATTRIBUTES_OFFSET, end));
  w.pos = end;
  return w.buf.length === end ? w.buf : w.buf.subarray(0, end);
}

function writeInt64At(b: Uint8Array, at: number, v: number): void {
  const hi = Math.floor(v / 4294967296);
  const lo = v - hi * 4294967296;
  b[at] = hi >>> 24;
  b[at + 1] = hi >>> 16;
  b[at + 2] = hi >>> 8;
  b[at + 3] = hi;
  b[at + 4] = lo >>> 24;
  b[at + 5] = lo >>> 16;
  b[at + 6] = lo >>> 8;
  b[at + 7] = lo;
}

/** Rewrites baseOffset of the batch at the start of `batch` in place (outside the CRC, so the batch stays valid). */
export function setBaseOffset(batch: Uint8Array, offset: number): void {
  if (batch.length < LOG_OVERHEAD) throw new RangeError('not a record batch');
  writeInt64At(batch, 0, offset);
}

/** Rewrites partitionLeaderEpoch in place (also outside the CRC). */
export function setPartitionLeaderEpoch(batch: Uint8Array, epoch: number): void {
  if (batch.length < MAGIC_OFFSET) throw new RangeError('not a record batch');
  const e = epoch | 0;
  batch[12] = e >>> 24;
  batch[13] = e >>> 16;
  batch[14] = e >>> 8;
  batch[15] = e;
}

// ---- control records (transaction markers) ----

export const ControlRecordType = { abort: 0, commit: 1 } as const;

export interface ControlBatchInput {
  baseOffset: number;
  producerId: number;
  producerEpoch: number;
  timestamp: number;
  commit: boolean;
  coordinatorEpoch: number;
  partitionLeaderEpoch?: number;
}

/** A transaction marker: a transactional control batch holding one COMMIT or ABORT record. */
export function encodeControlBatch(input: ControlBatchInput): Uint8Array {
  const key = new Uint8Array(4); // version int16 0 | type int16
  key[3] = input.commit ? ControlRecordType.commit : ControlRecordType.abort;
  const value = new Uint8Array(6); // version int16 0 | coordinatorEpoch int32
  const e = input.coordinatorEpoch | 0;
  value[2] = e >>> 24;
  value[3] = e >>> 16;
  value[4] = e >>> 8;
  value[5] = e;
  return encodeBatch({
    baseOffset: input.baseOffset,
    partitionLeaderEpoch: input.partitionLeaderEpoch,
    attributes: BatchAttributes.transactional | BatchAttributes.control,
    baseTimestamp: input.timestamp,
    maxTimestamp: input.timestamp,
    producerId: input.producerId,
    producerEpoch: input.producerEpoch,
    baseSequence: -1,
    records: [{ offsetDelta: 0, timestampDelta: 0, key, value, headers: [] }],
  });
}

/** The type of a control record (0 abort, 1 commit; KRaft uses others), from its key. */
export function controlRecordType(record: KafkaRecord): number {
  const key = record.key;
  if (key === null || key.length < 4) throw new CorruptRecordError('control record key is shorter than 4 bytes');
  const version = (key[0] << 8) | key[1];
  if (version & 0x8000) throw new CorruptRecordError(`invalid control record key version ${version - 0x10000}`);
  return ((key[2] << 24) >> 16) | key[3];
}

/** Reads a transaction marker record (as found in a batch with the control bit). */
export function readControlRecord(record: KafkaRecord): { commit: boolean; coordinatorEpoch: number } {
  const type = controlRecordType(record);
  if (type !== ControlRecordType.abort && type !== ControlRecordType.commit) {
    throw new CorruptRecordError(`control record type ${type} is not a transaction marker`);
  }
  const value = record.value;
  if (value === null || value.length < 6) throw new CorruptRecordError('transaction marker value is shorter than 6 bytes');
  if (value[0] & 0x80) throw new CorruptRecordError('invalid transaction marker version');
  return { commit: type === ControlRecordType.commit, coordinatorEpoch: getInt32(value, 2) };
}

// ---- produce-side checks ----

/**
 * The batch-level checks Kafka's broker makes on a batch a client produced: baseOffset 0, an offset range
 * (lastOffsetDelta + 1) matching the record count, no control batches. Throws CorruptRecordError.
 */
export function checkProducedBatch(batch: RecordBatch): void {
  if (batch.baseOffset !== 0) {
    throw new CorruptRecordError(`the baseOffset of a produced record batch should be 0, but it is ${batch.baseOffset}`);
  }
  if (batch.lastOffsetDelta + 1 <= 0 || batch.lastOffsetDelta + 1 !== batch.recordCount) {
    throw new CorruptRecordError(
      `inconsistent batch offset range [0, ${batch.lastOffsetDelta}] and record count ${batch.recordCount}`,
    );
  }
  if (batch.attributes & BatchAttributes.control) {
    throw new CorruptRecordError('clients are not allowed to write control records');
  }
}
