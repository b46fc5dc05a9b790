// Log compaction (cleanup.policy=compact) in SQL: of the records below a partition's cleanable limit, every
// record with a key that a later record of the same key supersedes is deleted, and tombstones (a key with a null
// value) go once they are older than delete.retention.ms. Offsets never change: compaction leaves gaps, which
// Fetch and every Kafka client already handle. Control records (transaction markers) are never deleted, and a
// record of an aborted transaction supersedes nothing.
import type { Sql } from 'postgres';
import { BatchAttributes } from '../codec/record-batch.ts';

/** The attributes bit of a control batch (transaction markers). */
const CONTROL = BatchAttributes.control;

export interface CompactionRange {
  topicId: number;
  partition: number;
  /** The partition's log start offset: nothing below it is looked at. */
  logStartOffset: number;
  /** Records from here on are new since the last pass (the "dirty" part; the log start on a first pass). */
  dirtyFrom: number;
  /** Nothing at or past this offset is touched or counts (the last stable offset, or earlier). */
  limit: number;
  /** Tombstones below `dirtyFrom` with a timestamp before this (ms) are deleted. */
  tombstonesBefore: number;
}

export interface CompactionResult {
  /** Records deleted because a later record has the same key. */
  superseded: number;
  /** Tombstones deleted. */
  tombstones: number;
}

/**
 * Compacts one partition in one transaction. The latest offset of each key written in [dirtyFrom, limit) (leaving
 * out control records and records of aborted transactions) removes every earlier record of that key from
 * [logStartOffset, that offset). Records below `dirtyFrom` were compacted by an earlier pass, so each of their keys
 * has one record left there: the tombstones among them that are old enough go.
 */
export async function compactPartition(sql: Sql, r: CompactionRange): Promise<CompactionResult> {
  if (r.limit <= r.logStartOffset) return { superseded: 0, tombstones: 0 };
  return sql.begin(async (tx) => {
    const superseded = r.dirtyFrom >= r.limit ? 0 : await count(tx`
      with latest as (
        select d.key, max(d."offset") as last_offset
        from kafka.records d
        where d.topic_id = ${r.topicId} and d.partition = ${r.partition}
          and d."offset" >= ${r.dirtyFrom} and d."offset" < ${r.limit}
          and d.key is not null and d.attributes & ${CONTROL} = 0
          and not exists (
            select 1 from kafka.aborted_transactions a
            where a.topic_id = d.topic_id and a.partition = d.partition and a.producer_id = d.producer_id
              and d."offset" between a.first_offset and a.last_offset)
        group by d.key
      )
      , deleted as (
        delete from kafka.records x using latest l
        where x.topic_id = ${r.topicId} and x.partition = ${r.partition}
          and x."offset" >= ${r.logStartOffset} and x."offset" < l.last_offset
          and x.key = l.key and x.attributes & ${CONTROL} = 0
        returning 1
      )
      select count(*)::int as n from deleted`);
    const tombstones = r.dirtyFrom <= r.logStartOffset ? 0 : await count(tx`
      with deleted as (
        delete from kafka.records x
        where x.topic_id = ${r.topicId} and x.partition = ${r.partition}
          and x."offset" >= ${r.logStartOffset} and x."offset" < ${Math.min(r.dirtyFrom, r.limit)}
          and x.key is not null and x.value is null and x.attributes & ${CONTROL} = 0
          and x.timestamp < ${r.tombstonesBefore}
        returning 1
      )
      select count(*)::int as n from deleted`);
    return { superseded, tombstones };
  });
}

async function count(query: PromiseLike<{ n: number }[]>): Promise<number> {
  const [row] = await query;
  return row.n;
}
