// Offset reservation: the partition rows of an append, locked in a fixed order, and their next_offset advanced by
// the number of records each receives. Shared by the COPY append (store/log.ts), the one-statement append
// (store/append-small.ts) and transaction markers (store/markers.ts).
import type { Sql, TransactionSql } from 'postgres';

export interface Assigned {
  topicId: number;
  partition: number;
  baseOffset: number;
  nextOffset: number;
  logStartOffset: number;
}

/** A partition and how many offsets to reserve in it. */
export interface OffsetReservation {
  topicId: number;
  partition: number;
  count: number;
}

/**
 * The CTEs `v` (each partition and how many offsets it needs) and `locked` (its row, locked `FOR UPDATE` in
 * (topic id, partition) order, so concurrent multi-partition appends cannot deadlock), for `with ${...}, ...`.
 */
export function lockPartitionRows(sql: Sql | TransactionSql, keys: readonly OffsetReservation[]) {
  return sql`
    v as (
      select * from unnest(${keys.map((k) => k.topicId)}::int[], ${keys.map((k) => k.partition)}::int[],
                           ${keys.map((k) => k.count)}::bigint[]) as v(topic_id, partition, n)
    ), locked as materialized (
      select p.topic_id, p.partition from kafka.partitions p join v using (topic_id, partition)
      order by p.topic_id, p.partition
      for update of p
    )`;
}

/**
 * Locks the partition rows (lockPartitionRows) and advances `next_offset` by each count, in one statement.
 * Partitions without a row are absent from the map (keyed "topicId:partition").
 */
export async function reserveOffsets(tx: TransactionSql, keys: OffsetReservation[]): Promise<Map<string, Assigned>> {
  const rows = await tx<Assigned[]>`
    with ${lockPartitionRows(tx, keys)}
    update kafka.partitions p set next_offset = p.next_offset + v.n
    from v, locked l
    where p.topic_id = v.topic_id and p.partition = v.partition
      and l.topic_id = p.topic_id and l.partition = p.partition
    returning p.topic_id as "topicId", p.partition, p.next_offset - v.n as "baseOffset",
              p.next_offset as "nextOffset", p.log_start_offset as "logStartOffset"`;
  return new Map(rows.map((r) => [`${r.topicId}:${r.partition}`, r]));
}
