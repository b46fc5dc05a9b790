// Partition logs: append (offsets from kafka.partitions, rows by binary COPY, one transaction per append; small
// appends in one statement, store/append-small.ts),
// read (binary COPY out of a SELECT), offsets and timestamp look-ups.
import { Buffer } from 'node:buffer';
import type { Sql, TransactionSql } from 'postgres';
import { copyIn, CopyBinaryWriter, parseStoredRecords, READ_COLUMNS, RECORD_COLUMNS } from './copy-binary.ts';
import { UnknownPartitionError } from './errors.ts';
import { int8 } from './db.ts';
import type { Int64 } from '../codec/int64.ts';
import { incrementSequence } from './producer-state.ts';
import { appendSmall, isSmallAppend } from './append-small.ts';
import { reserveOffsets, type Assigned, type OffsetReservation } from './offset-reservation.ts';
import type {
  AppendBatch,
  PartitionAppend,
  PartitionAppendResult,
  PartitionOffsets,
  ReadOptions,
  StoredRecord,
  TimestampOffset,
  Topic,
} from './types.ts';

export const COPY_RECORDS_IN = `copy kafka.records (${RECORD_COLUMNS}) from stdin with (format binary)`;

/** Writes the COPY rows of one partition's batches from `offset` on; returns the offset after the last record. */
export function writeBatchRows(writer: CopyBinaryWriter, part: PartitionAppend, batches: readonly AppendBatch[], offset: number): number {
  const topicId = part.topic.id;
  const partition = part.partition;
  const logAppendTime = part.logAppendTime;
  for (const batch of batches) {
    const hasSequence = batch.baseSequence >= 0;
    const records = batch.records;
    const lastOffsetDelta = records.length - 1;
    for (let i = 0; i < records.length; i++) {
      const record = records[i];
      const headers = record.headers;
      writer.row({
        topicId,
        partition,
        offset: offset++,
        timestamp: logAppendTime ?? batch.baseTimestamp + record.timestampDelta,
        key: record.key,
        value: record.value,
        headerKeys: headers.length > 0 ? headers.map((h) => h.key) : null,
        headerValues: headers.length > 0 ? headers.map((h) => h.value) : null,
        producerId: batch.producerId,
        producerEpoch: batch.producerEpoch,
        sequence: hasSequence ? incrementSequence(batch.baseSequence, record.offsetDelta) : -1,
        attributes: batch.attributes,
        offsetDelta: i,
        lastOffsetDelta,
      });
    }
  }
  return offset;
}

/**
 * Appends every partition's batches in ONE transaction: offsets are reserved under the partition row locks
 * (reserveOffsets) and the records go in with binary COPY. Throws UnknownPartitionError (and appends nothing) when
 * a partition has no row. Batches with producer ids go through store/append-producer.ts instead (Store.append
 * chooses): this is the plain path, kept as lean as it can be.
 */
export function appendRecords(sql: Sql, parts: PartitionAppend[]): Promise<PartitionAppendResult[]> {
  return appendPlain(parts, (keys, reservations) =>
    isSmallAppend(parts) ? appendSmall(sql, parts, reservations) : sql.begin((tx) => appendByCopy(tx, parts, keys, reservations)));
}

/**
 * The same append inside the caller's transaction `tx` (which then commits or rolls back with it): the outbox
 * mover appends and deletes the outbox rows in one transaction. Throws UnknownPartitionError when a partition has
 * no row; the caller's transaction should then roll back.
 */
export function appendRecordsIn(tx: TransactionSql, parts: PartitionAppend[]): Promise<PartitionAppendResult[]> {
  return appendPlain(parts, (keys, reservations) =>
    isSmallAppend(parts) ? appendSmall(tx, parts, reservations) : appendByCopy(tx, parts, keys, reservations));
}

type Reserve = (keys: { topic: Topic; partition: number }[], reservations: OffsetReservation[]) => Promise<Map<string, Assigned>>;

async function appendPlain(parts: PartitionAppend[], write: Reserve): Promise<PartitionAppendResult[]> {
  const counts = new Map<string, { topic: Topic; partition: number; count: number }>();
  for (const part of parts) {
    let count = 0;
    for (const batch of part.batches) count += batch.records.length;
    const key = `${part.topic.id}:${part.partition}`;
    const entry = counts.get(key);
    if (entry) entry.count += count;
    else counts.set(key, { topic: part.topic, partition: part.partition, count });
  }
  const keys = [...counts.values()].sort((a, b) => a.topic.id - b.topic.id || a.partition - b.partition);

  const reservations = keys.map((k) => ({ topicId: k.topic.id, partition: k.partition, count: k.count }));
  const assigned = await write(keys, reservations);
  if (assigned.size < keys.length) throw new UnknownPartitionError(missing(keys, assigned));

  const cursor = new Map<string, number>();
  return parts.map((part) => {
    const key = `${part.topic.id}:${part.partition}`;
    const row = assigned.get(key)!;
    const baseOffset = cursor.get(key) ?? row.baseOffset;
    let next = baseOffset;
    const batchBaseOffsets = part.batches.map((batch) => {
      const base = next;
      next += batch.records.length;
      return base;
    });
    cursor.set(key, next);
    return { baseOffset, batchBaseOffsets, logStartOffset: row.logStartOffset, highWatermark: row.nextOffset };
  });
}

function missing<K extends { topic: Topic; partition: number }>(keys: K[], found: Map<string, Assigned>): K[] {
  return keys.filter((k) => !found.has(`${k.topic.id}:${k.partition}`));
}

/** The COPY path: offsets reserved, then every row by binary COPY, in the transaction `tx` (nothing when a key is missing). */
async function appendByCopy(
  tx: TransactionSql,
  parts: PartitionAppend[],
  keys: { topic: Topic; partition: number }[],
  reservations: OffsetReservation[],
): Promise<Map<string, Assigned>> {
  const byKey = await reserveOffsets(tx, reservations);
  // Thrown inside the transaction, so the reservations made for the other partitions roll back.
  if (byKey.size < keys.length) throw new UnknownPartitionError(missing(keys, byKey));
  const writer = new CopyBinaryWriter();
  let total = 0;
  const cursor = new Map<string, number>();
  for (const part of parts) {
    const key = `${part.topic.id}:${part.partition}`;
    const from = cursor.get(key) ?? byKey.get(key)!.baseOffset;
    const to = writeBatchRows(writer, part, part.batches, from);
    total += to - from;
    cursor.set(key, to);
  }
  if (total > 0) await copyIn(tx, COPY_RECORDS_IN, writer.finish());
  return byKey;
}

/** True when any batch carries a producer id (idempotent or transactional): those need the producer checks. */
export function hasProducerIds(parts: readonly PartitionAppend[]): boolean {
  for (const part of parts) for (const batch of part.batches) if (batch.producerId >= 0) return true;
  return false;
}

/** Per-partition average record size, to choose how many rows a read asks for. */
export class RecordSizes {
  private readonly sizes = new Map<string, number>();

  estimate(topicId: number, partition: number): number {
    return this.sizes.get(`${topicId}:${partition}`) ?? 1024;
  }

  observe(topicId: number, partition: number, bytes: number, records: number): void {
    if (records === 0) return;
    this.sizes.set(`${topicId}:${partition}`, Math.max(16, Math.ceil(bytes / records)));
  }
}

const MAX_READ_ROWS = 20_000;
/** Reads of at least this many rows are split in two, read in parallel. */
const PARALLEL_READ_ROWS = 1_000;

/**
 * Records from `fromOffset` up to `toOffset` (exclusive; default: everything committed, i.e. the high watermark),
 * stopping after about `maxBytes` of keys, values and headers, and always returning the first record if there is one.
 * Never stops inside a batch: the rest of the last record's batch is read too (rows from before migration 110,
 * which do not know their batch, excepted). Uses COPY (SELECT ...) TO STDOUT in binary: bytea arrives as raw
 * bytes instead of hex text.
 */
export async function readRecords(
  sql: Sql,
  sizes: RecordSizes,
  topic: Topic,
  partition: number,
  options: ReadOptions,
): Promise<StoredRecord[]> {
  const from = Math.max(0, Math.floor(options.fromOffset));
  const to = options.toOffset;
  if (to !== undefined && to <= from) return [];
  const maxBytes = Math.max(1, options.maxBytes);
  const limit = Math.min(MAX_READ_ROWS, Math.ceil(maxBytes / sizes.estimate(topic.id, partition)) + 1);
  const statement = (start: number, end: number | undefined, rows: number) =>
    `copy (select ${READ_COLUMNS} from kafka.records` +
    ` where topic_id = ${int(topic.id)} and partition = ${int(partition)} and "offset" >= ${int(start)}` +
    (end === undefined ? '' : ` and "offset" < ${int(end)}`) +
    ` order by "offset" limit ${rows}) to stdout with (format binary)`;
  let records: StoredRecord[];
  /** False when the rows read are all there are in [from, to). */
  let cut: boolean;
  if (limit < PARALLEL_READ_ROWS || (to !== undefined && to - from < PARALLEL_READ_ROWS)) {
    records = parseStoredRecords(await copyOut(sql, statement(from, to, limit)));
    cut = records.length === limit;
  } else {
    // Two halves by offset range, on two connections at once: PostgreSQL reads them on both cores. The first
    // half's range holds at most `half` offsets, so it returns every stored row of that range: the two together
    // are in order with nothing skipped, gaps in the offsets or not.
    const half = Math.ceil(limit / 2);
    const split = to === undefined ? from + half : Math.min(from + half, to);
    const [first, second] = await Promise.all([
      copyOut(sql, statement(from, split, half)),
      split === to ? null : copyOut(sql, statement(split, to, limit - half)),
    ]);
    records = parseStoredRecords(first);
    const secondHalf = second === null ? [] : parseStoredRecords(second);
    for (const r of secondHalf) records.push(r);
    cut = second !== null && secondHalf.length === limit - half;
  }

  let bytes = 0;
  let kept = 0;
  while (kept < records.length) {
    bytes += recordSize(records[kept]);
    kept++;
    if (bytes >= maxBytes) break;
  }
  if (kept > 0) {
    // The whole of the last record's batch.
    const last = records[kept - 1];
    const batchEnd = last.lastOffsetDelta < 0 ? last.offset : last.offset - last.offsetDelta + last.lastOffsetDelta;
    while (kept < records.length && records[kept].offset <= batchEnd) bytes += recordSize(records[kept++]);
    const lastRead = records[records.length - 1].offset;
    if (kept === records.length && cut && lastRead < batchEnd) {
      // No row cap here: the batch is bounded by max.message.bytes, and a batch cut short would be skipped by clients.
      const rest = parseStoredRecords(await copyOut(sql, statement(lastRead + 1, Math.min(batchEnd + 1, to ?? Infinity), batchEnd - lastRead)));
      for (const r of rest) {
        records.push(r);
        bytes += recordSize(r);
      }
      kept = records.length;
    }
  }
  let total = bytes;
  for (let i = kept; i < records.length; i++) total += recordSize(records[i]);
  sizes.observe(topic.id, partition, total, records.length);
  return kept === records.length ? records : records.slice(0, kept);
}

function recordSize(r: StoredRecord): number {
  let size = (r.key?.length ?? 0) + (r.value?.length ?? 0);
  if (r.headerKeys) for (const k of r.headerKeys) size += k.length;
  if (r.headerValues) for (const v of r.headerValues) size += v?.length ?? 0;
  return size;
}

/**
 * Collects a COPY ... TO STDOUT into one buffer. Flowing mode keeps postgres.js from pausing its socket; the final
 * _read() resumes it anyway, since postgres.js 3.4 can leave it paused when CopyDone arrives while paused.
 */
async function copyOut(sql: Sql, statement: string): Promise<Buffer> {
  const stream = await sql.unsafe(statement).readable();
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', resolve);
    stream.once('error', reject);
  });
  (stream as unknown as { _read?: () => void })._read?.();
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

function int(value: number): string {
  if (!Number.isSafeInteger(value)) throw new TypeError(`not an integer: ${value}`);
  return String(value);
}

/**
 * Log start, high watermark and, only when there are any: the last stable offset (the first offset of the oldest
 * open transaction, from the partial index on kafka.producer_state) and the marker offset of the latest aborted
 * transaction (so read_committed fetches past it skip the aborted-transactions query).
 */
export async function partitionOffsets(sql: Sql, list: { topic: Topic; partition: number }[]): Promise<PartitionOffsets[]> {
  if (list.length === 0) return [];
  const rows = await sql<{ logStartOffset: number | null; highWatermark: number | null; firstOpenOffset: number | null; lastAbortedOffset: number | null }[]>`
    select p.log_start_offset as "logStartOffset", p.next_offset as "highWatermark",
      (select min(s.txn_first_offset) from kafka.producer_state s
        where s.topic_id = p.topic_id and s.partition = p.partition and s.txn_first_offset is not null) as "firstOpenOffset",
      (select max(a.last_offset) from kafka.aborted_transactions a
        where a.topic_id = p.topic_id and a.partition = p.partition) as "lastAbortedOffset"
    from unnest(${list.map((x) => x.topic.id)}::int[], ${list.map((x) => x.partition)}::int[])
      with ordinality as v(topic_id, partition, i)
    left join kafka.partitions p using (topic_id, partition)
    order by v.i`;
  const missing = list.filter((_, i) => rows[i].highWatermark === null);
  if (missing.length > 0) throw new UnknownPartitionError(missing);
  return rows.map((r) => {
    const offsets: PartitionOffsets = { logStartOffset: r.logStartOffset!, highWatermark: r.highWatermark! };
    if (r.firstOpenOffset !== null && r.firstOpenOffset < r.highWatermark!) offsets.lastStableOffset = Number(r.firstOpenOffset);
    if (r.lastAbortedOffset !== null) offsets.lastAbortedOffset = Number(r.lastAbortedOffset);
    return offsets;
  });
}

/** The first record at or after the log start whose timestamp is >= `timestamp`; null when there is none. */
export async function offsetForTimestamp(sql: Sql, topic: Topic, partition: number, timestamp: Int64): Promise<TimestampOffset | null> {
  const [row] = await sql<TimestampOffset[]>`
    select r."offset", r.timestamp from kafka.records r
    join kafka.partitions p on p.topic_id = r.topic_id and p.partition = r.partition
    where r.topic_id = ${topic.id} and r.partition = ${partition} and r."offset" >= p.log_start_offset
      and r.timestamp >= ${int8(timestamp)}
    order by r."offset" limit 1`;
  return row ?? null;
}

/** The record with the largest timestamp (the earliest such on ties); null when the log is empty. */
export async function maxTimestamp(sql: Sql, topic: Topic, partition: number): Promise<TimestampOffset | null> {
  const [row] = await sql<TimestampOffset[]>`
    select r."offset", r.timestamp from kafka.records r
    join kafka.partitions p on p.topic_id = r.topic_id and p.partition = r.partition
    where r.topic_id = ${topic.id} and r.partition = ${partition} and r."offset" >= p.log_start_offset
    order by r.timestamp desc, r."offset" asc limit 1`;
  return row ?? null;
}
