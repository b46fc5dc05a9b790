// Committed offsets of consumer groups: commit (with metadata, leader epoch, commit time), fetch, delete and
// expire (offsets.retention.minutes). Writes are fenced on the coordinator's lease of the group's slot, and each
// one appends its records (offsets, tombstones) to `__consumer_offsets` in the same transaction.
import type { Sql, TransactionSql } from 'postgres';
import { appendCoordinatorRecords, offsetRecord, type AppendedPartition } from './consumer-offsets.ts';
import { fenceHolds, type SlotFence } from './groups.ts';
import { int8Array } from './db.ts';
import type { Int64 } from '../codec/int64.ts';

/** What a fenced write did: whether the fence held (else nothing was written), and where the log grew. */
export interface FencedWrite {
  owned: boolean;
  appended: AppendedPartition[];
}

interface RemovedRow {
  group_id: string;
  topic: string;
  partition: number;
}

/** Tombstones for removed offsets. */
export function tombstones(rows: readonly RemovedRow[]) {
  return rows.map((r) => offsetRecord({ groupId: r.group_id, topic: r.topic, partition: r.partition, value: null }));
}

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
 * there is none, and logs them to `__consumer_offsets`, in one transaction. `live` holds the internal ids of the
 * topics that still exist (offsets of the others, deleted meanwhile, are not written). Not owned when the fence no
 * longer holds: nothing was written.
 */
export async function commitOffsets(
  sql: Sql,
  fence: SlotFence,
  groupId: string,
  offsets: OffsetToCommit[],
  now: number,
): Promise<FencedWrite & { live: Set<number> }> {
  offsets = lastPerPartition(offsets);
  return sql.begin(async (tx) => {
    const rows = await tx<{ owned: boolean; live: number[] | null; topic: string | null; partition: number; committed_offset: string; leader_epoch: number; metadata: string | null }[]>`
      with f as (
        ${fenceHolds(tx, fence)}
      ), live as (
        ${liveTopics(tx, offsets.map((o) => o.topicId))}
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
        returning o.topic_id, o.partition, o.committed_offset, o.leader_epoch, o.metadata
      )
      select exists (select 1 from f) as owned, (select array_agg(id) from live) as live,
             t.name as topic, w.partition, w.committed_offset, w.leader_epoch, w.metadata
      from (select 1) one
      left join w on true left join kafka.topics t on t.id = w.topic_id`;
    const live = new Set(rows[0].live ?? []);
    if (!rows[0].owned) return { owned: false, appended: [], live };
    const written = rows.filter((r) => r.topic !== null);
    const appended = await appendCoordinatorRecords(tx, written.map((r) => offsetRecord({
      groupId,
      topic: r.topic!,
      partition: r.partition,
      value: { offset: Number(r.committed_offset), leaderEpoch: r.leader_epoch, metadata: r.metadata, commitTimestamp: now },
    })), now);
    return { owned: true, appended, live };
  });
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

/** Deletes some of a group's offsets (tombstones in `__consumer_offsets`). Not owned when the fence no longer holds. */
export async function deleteOffsets(
  sql: Sql,
  fence: SlotFence,
  groupId: string,
  partitions: { topicId: number; partition: number }[],
): Promise<FencedWrite> {
  return sql.begin(async (tx) => {
    const rows = await tx<({ owned: boolean } & RemovedRow)[]>`
      with f as (
        ${fenceHolds(tx, fence)}
      ), d as (
        delete from kafka.group_offsets o
        using unnest(${partitions.map((p) => p.topicId)}::int[], ${partitions.map((p) => p.partition)}::int[]) as t(topic_id, partition)
        where o.group_id = ${groupId} and o.topic_id = t.topic_id and o.partition = t.partition and exists (select 1 from f)
        returning o.group_id, o.topic_id, o.partition
      )
      select exists (select 1 from f) as owned, d.group_id, t.name as topic, d.partition
      from (select 1) one left join d on true left join kafka.topics t on t.id = d.topic_id`;
    if (!rows[0].owned) return { owned: false, appended: [] };
    return { owned: true, appended: await appendCoordinatorRecords(tx, tombstones(rows.filter((r) => r.topic !== null)), Date.now()) };
  });
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
 * Deletes the group's expired offsets (an explicit expiry that passed, or older than the retention), with their
 * tombstones; `remaining` is how many offsets the group has left, or null when the fence no longer holds.
 */
export async function expireOffsets(sql: Sql, fence: SlotFence, groupId: string, rule: ExpireRule): Promise<{ remaining: number | null; appended: AppendedPartition[] }> {
  const cutoff = rule.now - rule.retentionMs;
  return sql.begin(async (tx) => {
    const rows = await tx<({ owned: boolean; total: number } & RemovedRow)[]>`
      with f as (
        ${fenceHolds(tx, fence)}
      ), d as (
        delete from kafka.group_offsets o
        where o.group_id = ${groupId} and exists (select 1 from f)
          and (${rule.exceptTopicIds === null} or not (o.topic_id = any(${rule.exceptTopicIds ?? []}::int[])))
          and (case when o.expire_timestamp is not null then o.expire_timestamp <= ${rule.now}
                    else coalesce(${rule.baseTimestamp}::int8, o.commit_timestamp) <= ${cutoff} end)
        returning o.group_id, o.topic_id, o.partition
      )
      select exists (select 1 from f) as owned,
             (select count(*)::int from kafka.group_offsets where group_id = ${groupId}) as total,
             d.group_id, t.name as topic, d.partition
      from (select 1) one left join d on true left join kafka.topics t on t.id = d.topic_id`;
    if (!rows[0].owned) return { remaining: null, appended: [] };
    const deleted = rows.filter((r) => r.group_id !== null);
    const appended = await appendCoordinatorRecords(tx, tombstones(deleted.filter((r) => r.topic !== null)), rule.now);
    // The count ran on the statement's snapshot, before the delete.
    return { remaining: rows[0].total - deleted.length, appended };
  });
}
