// Batch builder: turns StoredRecords read back from the store into magic-2 record batches for Fetch.
// Consecutive records sharing producer id, epoch and batch attributes, with contiguous offsets and sequences,
// go into one batch; each batch is compressed with the topic's codec (or, for compression.type=producer, the
// codec the producer used, kept in the low 3 bits of the stored attributes) and carries the stored
// transactional, control and timestamp-type bits. Transaction markers (control records) are one batch each.

import { BatchAttributes, encodeBatch, RECORD_BATCH_OVERHEAD, type EncodeRecord, type RecordHeader } from '../codec/record-batch.ts';
import { Compression } from '../codec/compression.ts';
import type { StoredRecord } from '../store/types.ts';

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

/** True when `next` can follow `prev` in the same rebuilt batch. */
function continues(prev: StoredRecord, next: StoredRecord): boolean {
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

/** Encodes records[start, end) (one group) as a single batch. */
function encodeGroup(records: readonly StoredRecord[], start: number, end: number, options: BuildOptions): Uint8Array {
  const first = records[start];
  const baseOffset = first.offset;
  const baseTimestamp = first.timestamp;
  const encoded = new Array<EncodeRecord>(end - start);
  for (let i = start; i < end; i++) encoded[i - start] = toEncodeRecord(records[i], baseOffset, baseTimestamp);
  return encodeBatch(
    {
      baseOffset,
      partitionLeaderEpoch: 0,
      attributes: first.attributes & KEPT_BITS,
      baseTimestamp,
      producerId: first.producerId,
      producerEpoch: first.producerEpoch,
      baseSequence: first.producerId < 0 ? -1 : first.sequence,
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

export interface BuildResult {
  /** Whole batches, in offset order. */
  batches: Uint8Array[];
  /** Their total size. */
  bytes: number;
  /** Offset just past the last record sent (the fetch offset when nothing was). */
  nextOffset: number;
}

/**
 * Splits records (in offset order) into batches and encodes them, within `maxBytes`: a group is cut before it
 * could outgrow what is left of the budget, and a batch that still does not fit ends the answer, unless it is
 * the first and `minOneBatch` is set (KIP-74: the first partition with data always gets one whole batch).
 */
export function buildBatches(records: readonly StoredRecord[], options: BuildOptions, maxBytes: number, minOneBatch: boolean): BuildResult {
  const batches: Uint8Array[] = [];
  let bytes = 0;
  let nextOffset = records.length > 0 ? records[0].offset : 0;
  let start = 0;
  const n = records.length;
  while (start < n) {
    const room = maxBytes - bytes - RECORD_BATCH_OVERHEAD;
    let size = recordSizeBound(records[start]);
    let end = start + 1;
    while (end < n && continues(records[end - 1], records[end])) {
      const next = recordSizeBound(records[end]);
      if (size + next > room) break;
      size += next;
      end++;
    }
    const batch = encodeGroup(records, start, end, options);
    if (bytes + batch.length > maxBytes && !(minOneBatch && batches.length === 0)) break;
    batches.push(batch);
    bytes += batch.length;
    nextOffset = records[end - 1].offset + 1;
    start = end;
  }
  return { batches, bytes, nextOffset };
}
