// Shadow mode's SQL (runtime/shadow/): per-partition forward positions with their lease (one broker forwards a
// partition at a time; a lease runs out when its broker stops renewing it), the local → external offset mapping,
// parked records, replay ranges, group offsets synced to the external cluster, and the status rows.
import type { Sql } from 'postgres';

export interface ShadowPosition {
  topicId: number;
  partition: number;
  forwardedOffset: number;
  paused: boolean;
  replayTo: number | null;
}

/**
 * Claims (or renews) the lease of a partition for `node` until now + leaseMs; creates the position at the
 * partition's log start offset the first time (the whole stored log is forwarded). Null when another broker holds
 * an unexpired lease.
 */
export async function claimShadowPartition(sql: Sql, topicId: number, partition: number, node: number, leaseMs: number): Promise<ShadowPosition | null> {
  const [row] = await sql<ShadowPosition[]>`
    insert into kafka.shadow_positions as s (topic_id, partition, forwarded_offset, owner_node, lease_until)
    select p.topic_id, p.partition, p.log_start_offset, ${node}, now() + ${leaseMs} * interval '1 millisecond'
    from kafka.partitions p where p.topic_id = ${topicId} and p.partition = ${partition}
    on conflict (topic_id, partition) do update set owner_node = excluded.owner_node, lease_until = excluded.lease_until
      where s.owner_node is null or s.owner_node = excluded.owner_node or s.lease_until < now()
    returning topic_id as "topicId", partition, forwarded_offset as "forwardedOffset", paused, replay_to as "replayTo"`;
  return row ?? null;
}

/** Gives the lease up (broker stopping, or the topic no longer shadowed). */
export async function releaseShadowPartition(sql: Sql, topicId: number, partition: number, node: number): Promise<void> {
  await sql`update kafka.shadow_positions set owner_node = null, lease_until = null
    where topic_id = ${topicId} and partition = ${partition} and owner_node = ${node}`;
}

/** A forwarded run: local offsets `localOffsets` (ascending) became external offsets externalBase.. in order. */
export interface ForwardedRun {
  localFirst: number;
  localLast: number;
  externalBase: number;
}

/**
 * Records a forwarded batch in one transaction: the mapping runs, the new position, counters; only while `node`
 * still holds the lease and the position is still `expected`, the one the batch was read from (false otherwise:
 * another broker took over, or a replay moved the position back meanwhile; the caller reads the position again).
 */
export async function saveForwarded(
  sql: Sql,
  p: { topicId: number; partition: number; node: number; expected: number; nextOffset: number; runs: ForwardedRun[]; records: number; bytes: number; lastTimestamp: number | null },
): Promise<boolean> {
  return sql.begin(async (tx) => {
    const [row] = await tx`
      update kafka.shadow_positions set forwarded_offset = greatest(forwarded_offset, ${p.nextOffset}),
        forwarded_records = forwarded_records + ${p.records}, forwarded_bytes = forwarded_bytes + ${p.bytes},
        last_forwarded_at = case when ${p.records}::int > 0 then now() else last_forwarded_at end,
        last_forwarded_timestamp = coalesce(${p.lastTimestamp}::bigint, last_forwarded_timestamp),
        state = 'forwarding', last_error = null,
        replay_from = case when replay_to is not null and ${p.nextOffset} >= replay_to then null else replay_from end,
        replay_started_at = case when replay_to is not null and ${p.nextOffset} >= replay_to then null else replay_started_at end,
        replay_to = case when replay_to is not null and ${p.nextOffset} >= replay_to then null else replay_to end
      where topic_id = ${p.topicId} and partition = ${p.partition} and owner_node = ${p.node} and forwarded_offset = ${p.expected}
      returning 1`;
    if (!row) return false;
    for (const r of p.runs) {
      await tx`insert into kafka.shadow_offsets (topic_id, partition, local_first, local_last, external_base)
        values (${p.topicId}, ${p.partition}, ${r.localFirst}, ${r.localLast}, ${r.externalBase})
        on conflict (topic_id, partition, local_first) do update set local_last = excluded.local_last,
          external_base = excluded.external_base, forwarded_at = now()`;
    }
    return true;
  });
}

/** Parks one record with its error (the forwarder moves on past it). */
export async function parkRecord(sql: Sql, topicId: number, partition: number, offset: number, error: string): Promise<void> {
  await sql`insert into kafka.shadow_parked (topic_id, partition, "offset", error) values (${topicId}, ${partition}, ${offset}, ${error})
    on conflict (topic_id, partition, "offset") do update set error = excluded.error, parked_at = now()`;
}

/** The partition's state and last error as the status shows them (forwarding, waiting for external, failed). */
export async function setShadowState(sql: Sql, topicId: number, partition: number, node: number, state: string, error: string | null): Promise<void> {
  await sql`update kafka.shadow_positions set state = ${state}, last_error = ${error}
    where topic_id = ${topicId} and partition = ${partition} and owner_node = ${node}`;
}

/** Pauses or resumes every partition of a topic (creating their positions at the log start when missing). */
export async function setShadowPaused(sql: Sql, topicId: number, paused: boolean): Promise<number> {
  const rows = await sql`
    insert into kafka.shadow_positions as s (topic_id, partition, forwarded_offset, paused)
    select p.topic_id, p.partition, p.log_start_offset, ${paused} from kafka.partitions p where p.topic_id = ${topicId}
    on conflict (topic_id, partition) do update set paused = excluded.paused
    returning 1`;
  return rows.length;
}

/**
 * Replay: moves each partition's position back to `from(partition)` (never below the log start offset) and records
 * the range up to the current high watermark, so that the one forwarder of the partition forwards it in order
 * before anything newer. Returns the ranges set.
 */
export async function startReplay(sql: Sql, topicId: number, fromByPartition: Map<number, number>): Promise<{ partition: number; from: number; to: number }[]> {
  const out: { partition: number; from: number; to: number }[] = [];
  for (const [partition, from] of fromByPartition) {
    const [row] = await sql<{ from: number; to: number }[]>`
      insert into kafka.shadow_positions as s (topic_id, partition, forwarded_offset, replay_from, replay_to, replay_started_at)
      select p.topic_id, p.partition, greatest(${from}::bigint, p.log_start_offset), greatest(${from}::bigint, p.log_start_offset), p.next_offset, now()
      from kafka.partitions p where p.topic_id = ${topicId} and p.partition = ${partition}
      on conflict (topic_id, partition) do update set forwarded_offset = excluded.forwarded_offset,
        replay_from = excluded.replay_from, replay_to = excluded.replay_to, replay_started_at = now(), state = 'forwarding'
      returning replay_from as "from", replay_to as "to"`;
    if (row) out.push({ partition, from: Number(row.from), to: Number(row.to) });
  }
  return out;
}

/** Deletes local rows below the forwarded position (external-only): moves the log start offset, never past an open transaction. */
export async function advanceLogStartToForwarded(sql: Sql, topicId: number, partition: number): Promise<number | null> {
  const [row] = await sql<{ logStartOffset: number }[]>`
    update kafka.partitions p set log_start_offset = greatest(p.log_start_offset, least(s.forwarded_offset, p.next_offset,
      coalesce((select min(ps.txn_first_offset) from kafka.producer_state ps
                where ps.topic_id = p.topic_id and ps.partition = p.partition and ps.txn_first_offset is not null), p.next_offset)))
    from kafka.shadow_positions s
    where s.topic_id = p.topic_id and s.partition = p.partition and p.topic_id = ${topicId} and p.partition = ${partition}
    returning p.log_start_offset as "logStartOffset"`;
  return row ? Number(row.logStartOffset) : null;
}

/** The forwarded position of a partition (null when it has none). */
export async function forwardedOffset(sql: Sql, topicId: number, partition: number): Promise<number | null> {
  const [row] = await sql<{ o: number }[]>`select forwarded_offset as o from kafka.shadow_positions where topic_id = ${topicId} and partition = ${partition}`;
  return row ? Number(row.o) : null;
}

/**
 * The external offset a consumer at local offset `offset` (the next to read) stands at: the external offset of the
 * first forwarded record at or after it, else one past the last forwarded record. Null when nothing was forwarded.
 */
export async function translateOffset(sql: Sql, topicId: number, partition: number, offset: number): Promise<number | null> {
  const [after] = await sql<{ e: number }[]>`
    select external_base + greatest(0, ${offset}::bigint - local_first) as e from kafka.shadow_offsets
    where topic_id = ${topicId} and partition = ${partition} and local_last >= ${offset}
    order by local_first limit 1`;
  if (after) return Number(after.e);
  const [last] = await sql<{ e: number }[]>`
    select external_base + (local_last - local_first) + 1 as e from kafka.shadow_offsets
    where topic_id = ${topicId} and partition = ${partition} order by local_last desc limit 1`;
  return last ? Number(last.e) : null;
}

/** Committed offsets of every group on the shadowed topics, with what was last synced for them. */
export async function groupOffsetsToSync(sql: Sql, topicIds: number[]): Promise<{ groupId: string; topicId: number; partition: number; committed: number; synced: number | null }[]> {
  if (topicIds.length === 0) return [];
  const rows = await sql<{ groupId: string; topicId: number; partition: number; committed: number; synced: number | null }[]>`
    select o.group_id as "groupId", o.topic_id as "topicId", o.partition, o.committed_offset as committed, g.local_offset as synced
    from kafka.group_offsets o
    left join kafka.shadow_group_offsets g on g.group_id = o.group_id and g.topic_id = o.topic_id and g.partition = o.partition
    where o.topic_id in ${sql(topicIds)}`;
  return rows.map((r) => ({ ...r, committed: Number(r.committed), synced: r.synced === null ? null : Number(r.synced) }));
}

export async function saveSyncedGroupOffset(sql: Sql, groupId: string, topicId: number, partition: number, local: number, external: number): Promise<void> {
  await sql`insert into kafka.shadow_group_offsets (group_id, topic_id, partition, local_offset, external_offset)
    values (${groupId}, ${topicId}, ${partition}, ${local}, ${external})
    on conflict (group_id, topic_id, partition) do update set local_offset = excluded.local_offset,
      external_offset = excluded.external_offset, synced_at = now()`;
}

export interface ShadowStatusRow {
  topic: string;
  partition: number;
  mode: string;
  highWatermark: number;
  forwardedOffset: number;
  lagRecords: number;
  lagSeconds: number;
  parked: number;
  state: string;
  lastError: string | null;
  ownerNode: number | null;
  forwardedRecords: number;
  forwardedBytes: number;
  replayFrom: number | null;
  replayTo: number | null;
  replayProgress: number | null;
  /** Groups with a committed offset on the partition not (yet) synced to the external cluster at that offset. */
  unsyncedGroups: number;
}

/** kafka.shadow_status, optionally for one topic. */
export async function shadowStatus(sql: Sql, topic?: string): Promise<ShadowStatusRow[]> {
  const rows = await sql<Record<string, unknown>[]>`
    select s.*, (select count(*) from kafka.group_offsets o join kafka.topics t on t.id = o.topic_id
        left join kafka.shadow_group_offsets g on g.group_id = o.group_id and g.topic_id = o.topic_id and g.partition = o.partition
        where t.name = s.topic and o.partition = s.partition and (g.local_offset is null or g.local_offset <> o.committed_offset)) as unsynced
    from kafka.shadow_status s ${topic === undefined ? sql`` : sql`where s.topic = ${topic}`}
    order by s.topic, s.partition`;
  return rows.map((r) => ({
    topic: r.topic as string,
    partition: r.partition as number,
    mode: r.mode as string,
    highWatermark: Number(r.high_watermark),
    forwardedOffset: Number(r.forwarded_offset),
    lagRecords: Number(r.lag_records),
    lagSeconds: Number(r.lag_seconds),
    parked: Number(r.parked),
    state: r.state as string,
    lastError: (r.last_error as string | null) ?? null,
    ownerNode: (r.owner_node as number | null) ?? null,
    forwardedRecords: Number(r.forwarded_records),
    forwardedBytes: Number(r.forwarded_bytes),
    replayFrom: r.replay_from === null ? null : Number(r.replay_from),
    replayTo: r.replay_to === null ? null : Number(r.replay_to),
    replayProgress: r.replay_progress === null ? null : Number(r.replay_progress),
    unsyncedGroups: Number(r.unsynced),
  }));
}
