// Batch builder: turns StoredRecords read back from the store into magic-2 record batches for Fetch.
// Rows that know their batch (offset_delta and last_offset_delta, written since migration 110) go out as the batch
// the producer wrote: same base offset, last offset delta, producer id and epoch, base sequence and bits, never
// split (KIP-74); a batch that lost records to compaction or retention keeps its base offset and last offset delta,
// its records their offset deltas. Older rows are regrouped: consecutive records sharing producer id, epoch and
// batch attributes, with contiguous offsets and sequences, go into one batch. Each batch is compressed with the
// topic's codec (or, for compression.type=producer, the codec the producer used, kept in the low 3 bits of the
// stored attributes) and carries the stored transactional, control and timestamp-type bits. Transaction markers
// (control records) are one batch each.

import { BatchAttributes, encodeBatch, RECORD_BATCH_OVERHEAD, type EncodeRecord, type RecordHeader } from '../codec/record-batch.ts';
import { Compression } from '../codec/compression.ts';
import type { StoredRecord } from '../store/types.ts';
import { LEADER_EPOCH } from './leadership.ts';

export interface BuildOptions {
  /** The topic's codec (topicCompression()), or null to keep each producer's codec. */
  topicCodec: number | null;
  /** False for clients that cannot read zstd (Fetch below v10): such batches go out uncompressed instead. */
  allowZstd: boolean;
}

/** Batch attribute bits kept from the stored attributes (the compression bits are chosen per fetch). */
const KEPT_BITS = BatchAttributes.timestampType | BatchAttributes.transactional | BatchAttributes.control;

function codecFor(attributes: number, options: BuildOptions): number {
  let codec = options.topicCodec ?? (attributes & BatchAttributes.compressionMask);
  if (codec > Compression.zstd) codec = Compression.none;
  if (codec === Compression.zstd && !options.allowZstd) codec = Compression.none;
  return codec;
}

/** The base offset of the batch a row was written in (the row knows its batch: lastOffsetDelta >= 0). */
function batchBase(rec: StoredRecord): number {
  return rec.offset - rec.offsetDelta;
}

/** True when `next` was written in the same batch as `prev` (both know their batch). */
function sameBatch(prev: StoredRecord, next: StoredRecord): boolean {
  return next.lastOffsetDelta === prev.lastOffsetDelta && batchBase(next) === batchBase(prev);
}

/** True when `next` can follow `prev` (a row from before migration 110) in the same rebuilt batch. */
function continues(prev: StoredRecord, next: StoredRecord): boolean {
  if (next.lastOffsetDelta >= 0) return false;
  if (next.offset !== prev.offset + 1) return false;
  if (next.producerId !== prev.producerId || next.producerEpoch !== prev.producerEpoch || next.attributes !== prev.attributes) return false;
  // A control batch (transaction marker) holds exactly one record: consecutive markers stay separate batches.
  if (prev.attributes & BatchAttributes.control) return false;
  if (prev.producerId < 0 || prev.sequence < 0) return true;
  // Sequences wrap from int32 max to 0.
  return next.sequence === (prev.sequence === 0x7fffffff ? 0 : prev.sequence + 1);
}

function toEncodeRecord(rec: StoredRecord, baseOffset: number, baseTimestamp: number): EncodeRecord {
  const keys = rec.headerKeys;
  let headers: RecordHeader[] | undefined;
  if (keys !== null && keys.length > 0) {
    const values = rec.headerValues;
    headers = new Array<RecordHeader>(keys.length);
    for (let i = 0; i < keys.length; i++) headers[i] = { key: keys[i], value: values === null ? null : (values[i] ?? null) };
  }
  return { offsetDelta: rec.offset - baseOffset, timestampDelta: rec.timestamp - baseTimestamp, key: rec.key, value: rec.value, headers };
}

const FETCH_COMPRESS_OPTIONS = { snappyFraming: false } as const;

/** The base sequence of the batch `rec` was written in: its sequence less its offset delta, wrapping at int32. */
function baseSequenceOf(rec: StoredRecord): number {
  if (rec.producerId < 0 || rec.sequence < 0) return -1;
  if (rec.lastOffsetDelta < 0) return rec.sequence;
  const s = rec.sequence - rec.offsetDelta;
  return s >= 0 ? s : s + 0x80000000; // sequences wrap from int32 max to 0
}

/** Encodes records[start, end) (one group) as a single batch. */
function encodeGroup(records: readonly StoredRecord[], start: number, end: number, options: BuildOptions): Uint8Array {
  const first = records[start];
  const known = first.lastOffsetDelta >= 0;
  const baseOffset = known ? batchBase(first) : first.offset;
  const baseTimestamp = first.timestamp;
  const encoded = new Array<EncodeRecord>(end - start);
  for (let i = start; i < end; i++) encoded[i - start] = toEncodeRecord(records[i], baseOffset, baseTimestamp);
  return encodeBatch(
    {
      baseOffset,
      partitionLeaderEpoch: LEADER_EPOCH,
      attributes: first.attributes & KEPT_BITS,
      baseTimestamp,
      producerId: first.producerId,
      producerEpoch: first.producerEpoch,
      baseSequence: baseSequenceOf(first),
      lastOffsetDelta: known ? first.lastOffsetDelta : undefined,
      records: encoded,
    },
    // Markers go out uncompressed, as Kafka writes them.
    first.attributes & BatchAttributes.control ? Compression.none : codecFor(first.attributes, options),
    // Raw snappy, not xerial-framed: every client reads raw (Java falls back to it, librdkafka and kafkajs detect
    // the frame), and @platformatic/kafka reads only raw.
    FETCH_COMPRESS_OPTIONS,
  );
}

/** An upper bound of a record's encoded size (uncompressed), from its field lengths. */
function recordSizeBound(rec: StoredRecord): number {
  let n = 32 + (rec.key?.length ?? 0) + (rec.value?.length ?? 0);
  const keys = rec.headerKeys;
  if (keys !== null) {
    const values = rec.headerValues;
    for (let i = 0; i < keys.length; i++) n += 10 + keys[i].length * 3 + (values?.[i]?.length ?? 0);
  }
  return n;
}

/** The end (exclusive) of the group starting at records[start]: its whole batch, or a regrouped run within `room`. */
function groupEnd(records: readonly StoredRecord[], start: number, room: number): number {
  const n = records.length;
  const first = records[start];
  let end = start + 1;
  if (first.lastOffsetDelta >= 0) {
    while (end < n && sameBatch(first, records[end])) end++;
    return end;
  }
  let size = recordSizeBound(first);
  while (end < n && continues(records[end - 1], records[end])) {
    const next = recordSizeBound(records[end]);
    if (size + next > room) break;
    size += next;
    end++;
  }
  return end;
}

export interface BuildResult {
  /** Whole batches, in offset order. */
  batches: Uint8Array[];
  /** Their total size. */
  bytes: number;
  /** Offset just past the last record sent (the fetch offset when nothing was). */
  nextOffset: number;
}

/**
 * Splits records (in offset order) into batches and encodes them, within `maxBytes`: the producer's batches whole;
 * a regrouped run of old rows is cut before it could outgrow what is left of the budget. A batch that does not fit
 * ends the answer, unless it is the first and `minOneBatch` is set (KIP-74: the first partition with data always
 * gets one whole batch).
 */
export function buildBatches(records: readonly StoredRecord[], options: BuildOptions, maxBytes: number, minOneBatch: boolean): BuildResult {
  const batches: Uint8Array[] = [];
  let bytes = 0;
  let nextOffset = records.length > 0 ? records[0].offset : 0;
  let start = 0;
  const n = records.length;
  while (start < n) {
    const end = groupEnd(records, start, maxBytes - bytes - RECORD_BATCH_OVERHEAD);
    const batch = encodeGroup(records, start, end, options);
    if (bytes + batch.length > maxBytes && !(minOneBatch && batches.length === 0)) break;
    batches.push(batch);
    bytes += batch.length;
    nextOffset = records[end - 1].offset + 1;
    start = end;
  }
  return { batches, bytes, nextOffset };
}
