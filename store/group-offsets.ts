// Committed offsets of consumer groups: commit (with metadata, leader epoch, commit time), fetch, delete and
// expire (offsets.retention.minutes). Writes are fenced on the coordinator's lease of the group's slot.
import type { Sql, TransactionSql } from 'postgres';
import { fenceHolds, type SlotFence } from './groups.ts';
import { int8Array } from './db.ts';
import type { Int64 } from '../codec/int64.ts';

export interface OffsetToCommit {
  topicId: number;
  partition: number;
  /** Any int64: Kafka stores whatever the client commits. */
  offset: Int64;
  leaderEpoch: number;
  metadata: string | null;
  /** Explicit expiry (OffsetCommit v2-4 retention time), else null. */
  expireTimestamp: Int64 | null;
}

export interface CommittedOffset {
  topicId: number;
  topicName: string;
  partition: number;
  offset: Int64;
  leaderEpoch: number;
  metadata: string | null;
  commitTimestamp: Int64;
  expireTimestamp: Int64 | null;
}

/** The last of the offsets given for each partition (Kafka takes a request naming a partition twice: last wins). */
export function lastPerPartition<T extends { topicId: number; partition: number }>(offsets: readonly T[]): T[] {
  const byKey = new Map<string, T>();
  for (const o of offsets) {
    const key = `${o.topicId}:${o.partition}`;
    byKey.delete(key); // re-inserted: the map keeps the order of each partition's last appearance
    byKey.set(key, o);
  }
  return byKey.size === offsets.length ? [...offsets] : [...byKey.values()];
}

/**
 * The rows of kafka.topics among `topicIds`, locked FOR KEY SHARE: offsets are written only for topics that still
 * exist, and a topic deleted concurrently waits for the write (then its offsets go with it) or is left out of it,
 * instead of failing the statement on the foreign key.
 */
export function liveTopics(sql: Sql | TransactionSql, topicIds: readonly number[]) {
  return sql`select id from kafka.topics where id = any(${[...new Set(topicIds)]}::int[]) for key share`;
}

/**
 * Upserts the offsets (the last one of a partition named twice), creating the group's row (empty, no protocol) if
 * there is none. Returns the internal ids of the topics that still exist (offsets of the others, deleted meanwhile,
 * are not written), or null when the fence no longer holds: nothing was written.
 */
export async function commitOffsets(
  sql: Sql,
  fence: SlotFence,
  groupId: string,
  offsets: OffsetToCommit[],
  now: number,
): Promise<Set<number> | null> {
  offsets = lastPerPartition(offsets);
  const [row] = await sql<{ owned: boolean; live: number[] | null }[]>`
    with f as (
      ${fenceHolds(sql, fence)}
    ), live as (
      ${liveTopics(sql, offsets.map((o) => o.topicId))}
    ), g as (
      insert into kafka.groups (group_id, slot, state, state_timestamp)
      select ${groupId}, ${fence.slot}, 'Empty', ${now} where exists (select 1 from f)
      on conflict (group_id) do nothing
    ), w as (
      insert into kafka.group_offsets as o
        (group_id, topic_id, partition, committed_offset, leader_epoch, metadata, commit_timestamp, expire_timestamp)
      select ${groupId}, t.topic_id, t.partition, t.committed_offset, t.leader_epoch, t.metadata, ${now}, t.expire_timestamp
      from unnest(
        ${offsets.map((o) => o.topicId)}::int[],
        ${offsets.map((o) => o.partition)}::int[],
        ${int8Array(offsets.map((o) => o.offset))}::int8[],
        ${offsets.map((o) => o.leaderEpoch)}::int[],
        ${offsets.map((o) => o.metadata)}::text[],
        ${int8Array(offsets.map((o) => o.expireTimestamp))}::int8[]
      ) as t(topic_id, partition, committed_offset, leader_epoch, metadata, expire_timestamp)
      join live on live.id = t.topic_id
      where exists (select 1 from f)
      on conflict (group_id, topic_id, partition) do update
        set committed_offset = excluded.committed_offset, leader_epoch = excluded.leader_epoch,
            metadata = excluded.metadata, commit_timestamp = excluded.commit_timestamp,
            expire_timestamp = excluded.expire_timestamp
      returning 1
    )
    select exists (select 1 from f) as owned, (select array_agg(id) from live) as live, (select count(*) from w) as written`;
  return row.owned ? new Set(row.live ?? []) : null;
}

interface OffsetRow {
  topic_id: number;
  topic_name: string;
  partition: number;
  committed_offset: Int64;
  leader_epoch: number;
  metadata: string | null;
  commit_timestamp: Int64;
  expire_timestamp: Int64 | null;
}

/** The group's committed offsets, for the given topics (internal ids) or all of them (null). */
export async function fetchOffsets(sql: Sql, groupId: string, topicIds: number[] | null): Promise<CommittedOffset[]> {
  const rows = topicIds === null
    ? await sql<OffsetRow[]>`
        select o.topic_id, t.name as topic_name, o.partition, o.committed_offset, o.leader_epoch, o.metadata,
               o.commit_timestamp, o.expire_timestamp
        from kafka.group_offsets o join kafka.topics t on t.id = o.topic_id
        where o.group_id = ${groupId}
        order by t.name, o.partition`
    : await sql<OffsetRow[]>`
        select o.topic_id, t.name as topic_name, o.partition, o.committed_offset, o.leader_epoch, o.metadata,
               o.commit_timestamp, o.expire_timestamp
        from kafka.group_offsets o join kafka.topics t on t.id = o.topic_id
        where o.group_id = ${groupId} and o.topic_id = any(${topicIds}::int[])`;
  return rows.map((r) => ({
    topicId: r.topic_id,
    topicName: r.topic_name,
    partition: r.partition,
    offset: r.committed_offset,
    leaderEpoch: r.leader_epoch,
    metadata: r.metadata,
    commitTimestamp: r.commit_timestamp,
    expireTimestamp: r.expire_timestamp,
  }));
}

/** Deletes some of a group's offsets. False when the fence no longer holds. */
export async function deleteOffsets(
  sql: Sql,
  fence: SlotFence,
  groupId: string,
  partitions: { topicId: number; partition: number }[],
): Promise<boolean> {
  const [row] = await sql<{ owned: boolean }[]>`
    with f as (
      ${fenceHolds(sql, fence)}
    ), d as (
      delete from kafka.group_offsets o
      using unnest(${partitions.map((p) => p.topicId)}::int[], ${partitions.map((p) => p.partition)}::int[]) as t(topic_id, partition)
      where o.group_id = ${groupId} and o.topic_id = t.topic_id and o.partition = t.partition and exists (select 1 from f)
      returning 1
    )
    select exists (select 1 from f) as owned, (select count(*) from d) as deleted`;
  return row.owned;
}

export interface ExpireRule {
  now: number;
  retentionMs: number;
  /** Age offsets from this time (when an empty group became empty) instead of from their own commit time. */
  baseTimestamp: number | null;
  /** Only offsets of topics not in this list (a stable consumer group keeps its subscribed topics' offsets). */
  exceptTopicIds: number[] | null;
}

/**
 * Deletes the group's expired offsets (an explicit expiry that passed, or older than the retention); returns how
 * many offsets the group has left, or null when the fence no longer holds.
 */
export async function expireOffsets(sql: Sql, fence: SlotFence, groupId: string, rule: ExpireRule): Promise<number | null> {
  const cutoff = rule.now - rule.retentionMs;
  const [row] = await sql<{ owned: boolean; deleted: number; total: number }[]>`
    with f as (
      ${fenceHolds(sql, fence)}
    ), d as (
      delete from kafka.group_offsets o
      where o.group_id = ${groupId} and exists (select 1 from f)
        and (${rule.exceptTopicIds === null} or not (o.topic_id = any(${rule.exceptTopicIds ?? []}::int[])))
        and (case when o.expire_timestamp is not null then o.expire_timestamp <= ${rule.now}
                  else coalesce(${rule.baseTimestamp}::int8, o.commit_timestamp) <= ${cutoff} end)
      returning 1
    )
    select exists (select 1 from f) as owned, (select count(*)::int from d) as deleted,
           (select count(*)::int from kafka.group_offsets where group_id = ${groupId}) as total`;
  if (!row.owned) return null;
  // The count ran on the statement's snapshot, before the delete.
  return row.total - row.deleted;
}
