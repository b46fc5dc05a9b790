// Deleting old records: moving a partition's log start offset forward (retention by time or size, DeleteRecords)
// and removing the rows below it in bounded chunks. A sweep holds a session advisory lock so that, of several
// brokers on one database, one sweeps at a time. Offsets never go backwards: every move is greatest(old, new)
// and never past the high watermark.
import type { Sql } from 'postgres';

/** pg_try_advisory_lock key held while a broker sweeps ("kafkaret"); distinct from the migration lock. */
export const RETENTION_LOCK = 0x6b61666b61726574n;

/** Rows removed per DELETE statement: a big backlog never holds locks for long. */
export const DEFAULT_DELETE_CHUNK = 10_000;

/** A partition as a retention pass sees it. */
export interface RetentionPartition {
  topicId: number;
  topicName: string;
  partition: number;
  configs: Record<string, string>;
  logStartOffset: number;
  highWatermark: number;
  /** The first offset of the oldest open transaction (the last stable offset), null when none is open. */
  firstOpenOffset: number | null;
  /** The lowest offset still stored, null when no row is stored. */
  firstStoredOffset: number | null;
}

/**
 * Runs `work` while holding the retention advisory lock, in a transaction of its own that holds nothing else (it
 * writes nothing, so it holds back no vacuum); returns null (without running it) when another broker holds the
 * lock. Not a session lock on a reserved connection: postgres.js 3.4.9 ends the process when a statement is sent on
 * a reserved connection that closed (porsager/postgres#1208), as the unlock would be after a PostgreSQL restart.
 */
export async function withRetentionLock<T>(sql: Sql, work: () => Promise<T>): Promise<T | null> {
  return sql.begin(async (tx) => {
    const [row] = await tx<{ locked: boolean }[]>`select pg_try_advisory_xact_lock(${RETENTION_LOCK.toString()}::bigint) as locked`;
    return row.locked ? await work() : null;
  }) as Promise<T | null>;
}

/** Every partition with its topic's configs, offsets, last stable offset and lowest stored offset. */
export async function retentionPartitions(sql: Sql): Promise<RetentionPartition[]> {
  const rows = await sql<RetentionPartition[]>`
    select p.topic_id as "topicId", t.name as "topicName", p.partition, t.configs,
      p.log_start_offset as "logStartOffset", p.next_offset as "highWatermark",
      (select min(s.txn_first_offset) from kafka.producer_state s
        where s.topic_id = p.topic_id and s.partition = p.partition and s.txn_first_offset is not null) as "firstOpenOffset",
      (select min(r."offset") from kafka.records r
        where r.topic_id = p.topic_id and r.partition = p.partition) as "firstStoredOffset"
    from kafka.partitions p join kafka.topics t on t.id = p.topic_id
    order by p.topic_id, p.partition`;
  return rows.map((r) => ({ ...r, firstOpenOffset: r.firstOpenOffset === null ? null : Number(r.firstOpenOffset) }));
}

/**
 * The first offset in [from, to) whose record's timestamp is at or after `cutoff` (records before it are past
 * retention.ms); `to` when every record there is older.
 */
export async function firstRetainedByTime(sql: Sql, topicId: number, partition: number, from: number, to: number, cutoff: number): Promise<number> {
  if (to <= from) return from;
  const [row] = await sql<{ offset: number }[]>`
    select "offset" from kafka.records
    where topic_id = ${topicId} and partition = ${partition} and "offset" >= ${from} and "offset" < ${to}
      and timestamp >= ${cutoff}
    order by "offset" limit 1`;
  return row ? row.offset : to;
}

/** Bytes a record counts for retention.bytes: key, value, header keys (UTF-8) and header values. */
const RECORD_BYTES = `coalesce(octet_length(key), 0) + coalesce(octet_length(value), 0)
  + coalesce((select sum(octet_length(k)) from unnest(header_keys) k), 0)
  + coalesce((select sum(octet_length(v)) from unnest(header_values) v), 0)`;

/**
 * The smallest offset o in [from, to] such that the records in [o, highWatermark) hold at most `maxBytes`
 * (retention.bytes); `from` when everything fits already, `to` at most (the last stable offset caps the move).
 */
export async function firstRetainedBySize(sql: Sql, topicId: number, partition: number, from: number, to: number, highWatermark: number, maxBytes: number): Promise<number> {
  if (highWatermark <= from) return from;
  const [row] = await sql<{ offset: number | null; total: number | null }[]>`
    with sized as (
      select "offset", sum(${sql.unsafe(RECORD_BYTES)}) over (order by "offset" desc) as tail
      from kafka.records
      where topic_id = ${topicId} and partition = ${partition} and "offset" >= ${from} and "offset" < ${highWatermark}
    )
    select (select min("offset") from sized where tail <= ${maxBytes}) as "offset",
           (select max(tail) from sized)::bigint as total`;
  if (row.total === null || Number(row.total) <= maxBytes) return from; // nothing stored, or it all fits
  // No suffix fits (the newest record alone is larger): everything goes.
  const target = row.offset === null ? highWatermark : Number(row.offset);
  return Math.min(target, to);
}

/**
 * Moves the log start offset forward to `offset` (never backwards, never past the high watermark); returns the
 * log start offset now in force, or null when the partition does not exist.
 */
export async function advanceLogStart(sql: Sql, topicId: number, partition: number, offset: number): Promise<number | null> {
  const [row] = await sql<{ logStartOffset: number }[]>`
    update kafka.partitions set log_start_offset = greatest(log_start_offset, least(${offset}::bigint, next_offset))
    where topic_id = ${topicId} and partition = ${partition}
    returning log_start_offset as "logStartOffset"`;
  return row ? row.logStartOffset : null;
}

export type DeleteRecordsOutcome =
  | { kind: 'ok'; lowWatermark: number }
  | { kind: 'unknown' }
  | { kind: 'outOfRange'; highWatermark: number };

/**
 * DeleteRecords for one partition: `offset` -1 means the high watermark; beyond the high watermark (or another
 * negative) is out of range. The log start offset moves forward at once; the rows go later (deleteBelowLogStart).
 */
export async function deleteRecordsBefore(sql: Sql, topicId: number, partition: number, offset: number): Promise<DeleteRecordsOutcome> {
  const [row] = await sql<{ exists: boolean; highWatermark: number | null; logStartOffset: number | null; moved: boolean }[]>`
    with target as (
      select p.topic_id, p.partition, p.next_offset,
        case when ${offset}::bigint = -1 then p.next_offset else ${offset}::bigint end as want
      from kafka.partitions p where p.topic_id = ${topicId} and p.partition = ${partition}
    ), moved as (
      update kafka.partitions p set log_start_offset = greatest(p.log_start_offset, t.want)
      from target t
      where p.topic_id = t.topic_id and p.partition = t.partition and t.want >= 0 and t.want <= p.next_offset
      returning p.log_start_offset, p.next_offset
    )
    select exists (select 1 from target) as exists,
      coalesce((select next_offset from moved), (select next_offset from target)) as "highWatermark",
      (select log_start_offset from moved) as "logStartOffset",
      exists (select 1 from moved) as moved`;
  if (!row.exists) return { kind: 'unknown' };
  if (!row.moved) return { kind: 'outOfRange', highWatermark: row.highWatermark ?? -1 };
  return { kind: 'ok', lowWatermark: row.logStartOffset! };
}

/**
 * Deletes the partition's rows below its log start offset, at most `chunk` per statement (each its own
 * transaction), until none is left or `stop()` says so; returns how many rows and statements it took.
 */
export async function deleteBelowLogStart(
  sql: Sql,
  topicId: number,
  partition: number,
  chunk = DEFAULT_DELETE_CHUNK,
  stop: () => boolean = () => false,
): Promise<{ rows: number; statements: number }> {
  let rows = 0;
  let statements = 0;
  for (;;) {
    // Below the log start and below the (chunk+1)-th stored offset: at most `chunk` rows, found by index range.
    const result = await sql`
      delete from kafka.records
      where topic_id = ${topicId} and partition = ${partition}
        and "offset" < (select log_start_offset from kafka.partitions where topic_id = ${topicId} and partition = ${partition})
        and "offset" < coalesce((select "offset" from kafka.records where topic_id = ${topicId} and partition = ${partition}
                                 order by "offset" offset ${chunk} limit 1), 9223372036854775807)`;
    statements++;
    rows += result.count;
    if (result.count < chunk || stop()) return { rows, statements };
  }
}

/** Aborted-transaction index entries wholly below the log start offset can never be asked for again. */
export async function dropAbortedBelowLogStart(sql: Sql, topicId: number, partition: number, logStartOffset: number): Promise<number> {
  const result = await sql`
    delete from kafka.aborted_transactions
    where topic_id = ${topicId} and partition = ${partition} and last_offset < ${logStartOffset}`;
  return result.count;
}
