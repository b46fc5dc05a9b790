// Committed offsets: OffsetCommit (generation fencing, unknown topics and partitions, metadata size), OffsetFetch
// (some topics or all; with requireStable, UNSTABLE_OFFSET_COMMIT where a transaction's offsets are pending),
// OffsetDelete, and expiry under offsets.retention.minutes (Kafka's rules: an empty group's
// offsets age from when it became empty, a simple consumer's from their commit, a stable group keeps the offsets
// of the topics it subscribes to). KIP-848 consumer groups fence commits and fetches on the member epoch
// (STALE_MEMBER_EPOCH) and their offsets age from their commit unless the group subscribes to the topic.

import { ErrorCode } from '../../codec/errors.ts';
import { addInt64Saturating, type Int64 } from '../../codec/int64.ts';
import type { Topic } from '../../store/types.ts';
import { commitOffsets, deleteOffsets, expireOffsets, fetchOffsets, type OffsetToCommit } from '../../store/group-offsets.ts';
import { deleteGroups } from '../../store/groups.ts';
import { pendingTransactionalOffsets } from '../../store/transactions.ts';
import { ClassicGroup, GroupState } from './classic-group.ts';
import { CONSUMER_PROTOCOL_TYPE } from './consumer-protocol.ts';
import { validateMember } from './join.ts';
import { scheduleHeartbeat } from './rebalance.ts';
import type { GroupCoordinator } from './coordinator.ts';
import type { ConsumerGroup } from './consumer-group.ts';

/** Kafka's offset.metadata.max.bytes default (compared with the metadata string's length). */
export const OFFSET_METADATA_MAX_BYTES = 4096;

export interface CommitInput {
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  /** OffsetCommit v2-4; -1 for the broker's retention. */
  retentionTimeMs: Int64;
  topics: { name: string; partitions: { partitionIndex: number; committedOffset: Int64; committedLeaderEpoch: number; committedMetadata: string | null }[] }[];
  apiVersion: number;
}

export type CommitOutput = { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[];

/** Kafka's ClassicGroup.validateOffsetCommit. */
function validateCommit(group: ClassicGroup, input: CommitInput): number {
  if (group.is(GroupState.Dead)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  // Generation -1: an admin client or a consumer without group management; fine while the group is empty.
  if (input.generationId < 0 && group.is(GroupState.Empty)) return ErrorCode.NONE;
  if (input.generationId >= 0 || input.memberId !== '' || input.groupInstanceId !== null) {
    const invalid = validateMember(group, input.memberId, input.groupInstanceId);
    if (invalid !== ErrorCode.NONE) return invalid;
    if (input.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  } else if (!group.is(GroupState.Empty)) {
    return ErrorCode.UNKNOWN_MEMBER_ID;
  }
  if (group.is(GroupState.CompletingRebalance)) return ErrorCode.REBALANCE_IN_PROGRESS;
  return ErrorCode.NONE;
}

/** Kafka's ConsumerGroup.validateOffsetCommit: the member must exist and commit at its current epoch. */
export function validateConsumerGroupCommit(group: ConsumerGroup, memberId: string, memberEpoch: number, apiVersion: number): number {
  if (group.dead) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  // Epoch -1: an admin client or a consumer without group management; fine while the group is empty.
  if (memberEpoch < 0 && group.isEmpty) return ErrorCode.NONE;
  const member = group.members.get(memberId);
  if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
  // Members of a consumer group commit with OffsetCommit v9+ (the member epoch).
  if (apiVersion < 9) return ErrorCode.UNSUPPORTED_VERSION;
  return memberEpoch === member.memberEpoch ? ErrorCode.NONE : ErrorCode.STALE_MEMBER_EPOCH;
}

/** Kafka's ConsumerGroup.validateOffsetFetch: no member (id null, epoch -1) or a member at its current epoch. */
export function validateConsumerGroupFetch(group: ConsumerGroup, memberId: string | null, memberEpoch: number): number {
  if (memberId === null && memberEpoch < 0) return ErrorCode.NONE;
  const member = group.members.get(memberId ?? '');
  if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
  return memberEpoch === member.memberEpoch ? ErrorCode.NONE : ErrorCode.STALE_MEMBER_EPOCH;
}

export async function commitGroupOffsets(c: GroupCoordinator, groupId: string, input: CommitInput): Promise<CommitOutput> {
  try {
    return await commit(c, groupId, input);
  } catch (err) {
    // The database is unreachable: a retriable error, the connection stays up.
    c.logStoreError('offset commit failed', groupId, err);
    const code = ErrorCode.COORDINATOR_NOT_AVAILABLE;
    return input.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code })) }));
  }
}

async function commit(c: GroupCoordinator, groupId: string, input: CommitInput): Promise<CommitOutput> {
  const topics = await c.store.getTopics(input.topics.map((t) => t.name));
  const known = (name: string, partition: number): Topic | undefined => {
    const topic = topics.get(name);
    return topic && partition >= 0 && partition < topic.partitions ? topic : undefined;
  };
  const answer = (error: (name: string, partition: number) => number): CommitOutput =>
    input.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        errorCode: known(t.name, p.partitionIndex) ? error(t.name, p.partitionIndex) : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      })),
    }));

  const fence = await c.resolve(groupId);
  if (typeof fence === 'number') return answer(() => fence);
  const now = Date.now();
  const rows: OffsetToCommit[] = [];
  const tooLarge = new Set<string>();
  for (const t of input.topics) {
    for (const p of t.partitions) {
      const topic = known(t.name, p.partitionIndex);
      if (!topic) continue;
      const metadata = p.committedMetadata ?? '';
      if (metadata.length > OFFSET_METADATA_MAX_BYTES) {
        tooLarge.add(`${t.name}\u0000${p.partitionIndex}`);
        continue;
      }
      rows.push({
        topicId: topic.id,
        partition: p.partitionIndex,
        offset: p.committedOffset,
        leaderEpoch: p.committedLeaderEpoch,
        metadata,
        expireTimestamp: input.retentionTimeMs >= 0 && input.apiVersion >= 2 && input.apiVersion <= 4 ? addInt64Saturating(now, input.retentionTimeMs) : null,
      });
    }
  }

  let group = c.groups.get(groupId);
  const consumerGroup = c.consumerGroups.get(groupId);
  if (consumerGroup) {
    const invalid = validateConsumerGroupCommit(consumerGroup, input.memberId, input.generationId, input.apiVersion);
    if (invalid !== ErrorCode.NONE) return answer(() => invalid);
  } else if (!group) {
    if (input.generationId >= 0) {
      const code = input.apiVersion >= 9 ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.ILLEGAL_GENERATION;
      return answer(() => code);
    }
    if (rows.length > 0) {
      // A simple consumer (no group management): the group exists from its first commit.
      group = new ClassicGroup(groupId, fence.slot, now);
      c.groups.set(groupId, group);
    }
  } else {
    const invalid = validateCommit(group, input);
    if (invalid !== ErrorCode.NONE) return answer(() => invalid);
    // Commits keep a member's session alive, as heartbeats do.
    const member = group.get(input.memberId);
    if (member && (group.is(GroupState.Stable) || group.is(GroupState.PreparingRebalance))) scheduleHeartbeat(c.env, group, member);
  }

  let result: number = ErrorCode.NONE;
  // Topics deleted since they were looked up: their partitions are unknown now (no offsets were written for them).
  let live: Set<number> | null = null;
  if (rows.length > 0) {
    const write = await commitOffsets(c.sql, fence, groupId, rows, now);
    c.store.notifyAppended(write.appended);
    if (write.owned) live = write.live;
    else result = ErrorCode.NOT_COORDINATOR;
  }
  return answer((name, partition) => {
    if (tooLarge.has(`${name}\u0000${partition}`)) return ErrorCode.OFFSET_METADATA_TOO_LARGE;
    if (live !== null && !live.has(topics.get(name)!.id)) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    return result;
  });
}

export interface FetchedPartition {
  partitionIndex: number;
  committedOffset: Int64;
  committedLeaderEpoch: number;
  metadata: string | null;
  errorCode: number;
}

export interface FetchOutput {
  errorCode: number;
  topics: { name: string; partitions: FetchedPartition[] }[];
}

/** How OffsetFetch asks: v0 reports missing partitions, v7+ may require stable offsets, v9+ names its member. */
export interface FetchOptions {
  /** OffsetFetch v0 reports partitions that do not exist as UNKNOWN_TOPIC_OR_PARTITION. */
  unknownAsError?: boolean;
  /**
   * OffsetFetch v7+ (KIP-447, read_committed consumers): a partition with offsets committed by a transaction
   * still in progress is answered UNSTABLE_OFFSET_COMMIT (retriable) instead of its last committed offset.
   */
  requireStable?: boolean;
  member?: { memberId: string | null; memberEpoch: number } | null;
}

/** The group's committed offsets for the requested partitions (-1 where none), or all of them when `topics` is null. */
export async function fetchGroupOffsets(
  c: GroupCoordinator,
  groupId: string,
  topics: { name: string; partitionIndexes: number[] }[] | null,
  options: FetchOptions = {},
): Promise<FetchOutput> {
  try {
    return await fetchSome(c, groupId, topics, options.unknownAsError ?? false, options.requireStable ?? false, options.member ?? null);
  } catch (err) {
    c.logStoreError('offset fetch failed', groupId, err);
    return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, topics: [] };
  }
}

async function fetchSome(
  c: GroupCoordinator,
  groupId: string,
  topics: { name: string; partitionIndexes: number[] }[] | null,
  unknownAsError: boolean,
  requireStable: boolean,
  member: { memberId: string | null; memberEpoch: number } | null,
): Promise<FetchOutput> {
  const fence = await c.resolve(groupId);
  if (typeof fence === 'number') return { errorCode: fence, topics: [] };
  const consumerGroup = c.consumerGroups.get(groupId);
  if (consumerGroup && member) {
    const invalid = validateConsumerGroupFetch(consumerGroup, member.memberId, member.memberEpoch);
    if (invalid !== ErrorCode.NONE) return { errorCode: invalid, topics: [] };
  }
  // A group created from SQL (kafka.commit_offset) may not be in memory yet.
  if (!consumerGroup && !c.groups.has(groupId)) await c.adopt(groupId);
  const group = c.groups.get(groupId) ?? c.consumerGroups.get(groupId);
  if (group?.type === 'classic' && group.is(GroupState.Dead)) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] };
  // Pending offsets are kept whether or not the group has members (TxnOffsetCommit needs none).
  const pending = requireStable ? new Set((await pendingTransactionalOffsets(c.sql, groupId)).map((p) => `${p.topicId}:${p.partition}`)) : null;
  const unstable = (partitionIndex: number): FetchedPartition => ({
    partitionIndex,
    committedOffset: -1,
    committedLeaderEpoch: -1,
    metadata: '',
    errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT,
  });
  if (topics === null) {
    const rows = group ? await fetchOffsets(c.sql, groupId, null) : [];
    const byTopic = new Map<string, FetchedPartition[]>();
    for (const r of rows) {
      let list = byTopic.get(r.topicName);
      if (!list) byTopic.set(r.topicName, (list = []));
      if (pending?.has(`${r.topicId}:${r.partition}`)) list.push(unstable(r.partition));
      else list.push({ partitionIndex: r.partition, committedOffset: r.offset, committedLeaderEpoch: r.leaderEpoch, metadata: r.metadata ?? '', errorCode: ErrorCode.NONE });
    }
    return { errorCode: ErrorCode.NONE, topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) };
  }
  const known = await c.store.getTopics(topics.map((t) => t.name));
  const ids = [...known.values()].map((t) => t.id);
  const rows = group && ids.length > 0 ? await fetchOffsets(c.sql, groupId, ids) : [];
  const committed = new Map(rows.map((r) => [`${r.topicId}:${r.partition}`, r]));
  return {
    errorCode: ErrorCode.NONE,
    topics: topics.map((t) => {
      const topic = known.get(t.name);
      return {
        name: t.name,
        partitions: t.partitionIndexes.map((p) => {
          if (topic && pending?.has(`${topic.id}:${p}`)) return unstable(p);
          const row = topic ? committed.get(`${topic.id}:${p}`) : undefined;
          if (row) {
            return { partitionIndex: p, committedOffset: row.offset, committedLeaderEpoch: row.leaderEpoch, metadata: row.metadata ?? '', errorCode: ErrorCode.NONE };
          }
          const missing = unknownAsError && (!topic || p < 0 || p >= topic.partitions);
          return {
            partitionIndex: p,
            committedOffset: -1,
            committedLeaderEpoch: -1,
            metadata: '',
            errorCode: missing ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.NONE,
          };
        }),
      };
    }),
  };
}

export interface DeleteOffsetsOutput {
  errorCode: number;
  topics: { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[];
}

/** OffsetDelete: only offsets the group does not consume (any, when the group is empty). */
export async function deleteGroupOffsets(
  c: GroupCoordinator,
  groupId: string,
  topics: { name: string; partitions: { partitionIndex: number }[] }[],
): Promise<DeleteOffsetsOutput> {
  try {
    return await deleteSome(c, groupId, topics);
  } catch (err) {
    c.logStoreError('offset delete failed', groupId, err);
    return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, topics: [] };
  }
}

async function deleteSome(
  c: GroupCoordinator,
  groupId: string,
  topics: { name: string; partitions: { partitionIndex: number }[] }[],
): Promise<DeleteOffsetsOutput> {
  const fence = await c.resolve(groupId);
  if (typeof fence === 'number') return { errorCode: fence, topics: [] };
  const group = c.groups.get(groupId) ?? c.consumerGroups.get(groupId);
  if (!group || (group.type === 'classic' ? group.is(GroupState.Dead) : group.dead)) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] };
  const empty = group.type === 'classic' ? group.is(GroupState.Empty) : group.isEmpty;
  if (!empty && group.type === 'classic' && group.protocolType !== CONSUMER_PROTOCOL_TYPE) return { errorCode: ErrorCode.NON_EMPTY_GROUP, topics: [] };
  const known = await c.store.getTopics(topics.map((t) => t.name));
  const toDelete: { topicId: number; partition: number }[] = [];
  const out = topics.map((t) => {
    const topic = known.get(t.name);
    return {
      name: t.name,
      partitions: t.partitions.map(({ partitionIndex }) => {
        if (!topic || partitionIndex < 0 || partitionIndex >= topic.partitions) return { partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
        if (!empty && group.isSubscribedToTopic(t.name)) return { partitionIndex, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC };
        toDelete.push({ topicId: topic.id, partition: partitionIndex });
        return { partitionIndex, errorCode: ErrorCode.NONE };
      }),
    };
  });
  if (toDelete.length > 0) {
    const write = await deleteOffsets(c.sql, fence, groupId, toDelete);
    c.store.notifyAppended(write.appended);
    if (!write.owned) return { errorCode: ErrorCode.NOT_COORDINATOR, topics: [] };
  }
  return { errorCode: ErrorCode.NONE, topics: out };
}

/**
 * Expires offsets past offsets.retention.minutes in every group we coordinate, and removes empty groups left
 * without offsets. `now` can be moved forward by tests. Returns the ids of the groups removed.
 */
export async function purgeExpiredOffsets(c: GroupCoordinator, now: number = Date.now()): Promise<string[]> {
  const retentionMs = c.config.offsetsRetentionMinutes * 60_000;
  const removed: string[] = [];
  for (const group of [...c.groups.values()]) {
    const fence = c.leases.fence(group.slot);
    if (!fence) continue;
    let baseTimestamp: number | null = null;
    let exceptTopicIds: number[] | null = null;
    if (group.protocolType === null) {
      // Simple consumer: each offset ages from its own commit.
    } else if (group.is(GroupState.Empty)) {
      baseTimestamp = group.stateTimestamp;
    } else if (group.protocolType === CONSUMER_PROTOCOL_TYPE && group.subscribedTopics !== null && group.is(GroupState.Stable)) {
      const topics = await c.store.getTopics([...group.subscribedTopics]);
      exceptTopicIds = [...topics.values()].map((t) => t.id);
    } else {
      continue;
    }
    const generation = group.generationId;
    const { remaining, appended } = await c.serialize(group.groupId, () => expireOffsets(c.sql, fence, group.groupId, { now, retentionMs, baseTimestamp, exceptTopicIds }));
    c.store.notifyAppended(appended);
    if (remaining !== 0 || !c.env.isLive(group) || !group.is(GroupState.Empty) || group.generationId !== generation) continue;
    if (group.members.size > 0 || group.pendingMembers.size > 0) continue;
    // An empty group without offsets is gone (Kafka: the group becomes Dead and is removed).
    c.removeGroup(group);
    await c.serialize(group.groupId, () => deleteGroups(c.sql, fence, [group.groupId])).then((w) => c.store.notifyAppended(w.appended), () => {});
    removed.push(group.groupId);
  }
  for (const group of [...c.consumerGroups.values()]) {
    const fence = c.leases.fence(group.slot);
    if (!fence) continue;
    // Offsets age from their commit; those of topics the group subscribes to are kept while it has members.
    let exceptTopicIds: number[] | null = null;
    if (!group.isEmpty) {
      const topics = await c.store.getTopics([...group.subscribedTopics]);
      exceptTopicIds = [...topics.values()].map((t) => t.id);
    }
    const epoch = group.groupEpoch;
    const { remaining, appended } = await c.serialize(group.groupId, () => expireOffsets(c.sql, fence, group.groupId, { now, retentionMs, baseTimestamp: null, exceptTopicIds }));
    c.store.notifyAppended(appended);
    if (remaining !== 0 || !c.consumerEnv.isLive(group) || !group.isEmpty || group.groupEpoch !== epoch) continue;
    c.removeConsumerGroup(group);
    await c.serialize(group.groupId, () => deleteGroups(c.sql, fence, [group.groupId])).then((w) => c.store.notifyAppended(w.appended), () => {});
    removed.push(group.groupId);
  }
  return removed;
}
