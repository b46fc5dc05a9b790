// TxnOffsetCommit on the group coordinator's side: the group must be coordinated here (NOT_COORDINATOR otherwise),
// the member checked as Kafka's validateOffsetCommit does for transactional commits (only when a member id,
// generation or instance id is given: older clients send none), unknown partitions and oversized metadata answered
// per partition; then the offsets are handed to the transaction coordinator, which keeps them pending until the
// transaction ends (committed offsets on commit, dropped on abort).

import { ErrorCode } from '../../codec/errors.ts';
import type { Int64 } from '../../codec/int64.ts';
import type { RequestContext } from '../context.ts';
import { groupCoordinator } from '../groups/coordinator.ts';
import { ClassicGroup, GroupState } from '../groups/classic-group.ts';
import { validateMember } from '../groups/join.ts';
import { OFFSET_METADATA_MAX_BYTES, validateConsumerGroupCommit } from '../groups/offsets.ts';
import type { PendingOffset } from '../../store/transactions.ts';
import type { Topic } from '../../store/types.ts';
import { transactionCoordinator } from './coordinator.ts';

export interface TxnCommitInput {
  transactionalId: string;
  groupId: string;
  producerId: Int64;
  producerEpoch: number;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  topics: { name: string; partitions: { partitionIndex: number; committedOffset: Int64; committedLeaderEpoch: number; committedMetadata: string | null }[] }[];
}

export type TxnCommitOutput = { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[];

/** Kafka's validateOffsetCommit with isTransactional = true, for a group this broker coordinates. */
function validateMemberCommit(group: ClassicGroup | undefined, input: TxnCommitInput): number {
  if (group?.is(GroupState.Dead)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  if (input.generationId >= 0 || input.memberId !== '' || input.groupInstanceId !== null) {
    if (!group) return ErrorCode.UNKNOWN_MEMBER_ID;
    const invalid = validateMember(group, input.memberId, input.groupInstanceId);
    if (invalid !== ErrorCode.NONE) return invalid;
    if (input.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  }
  return ErrorCode.NONE;
}

export async function commitTransactionalOffsets(ctx: RequestContext, input: TxnCommitInput): Promise<TxnCommitOutput> {
  const c = groupCoordinator(ctx);
  const topics = await c.store.getTopics(input.topics.map((t) => t.name));
  const known = (name: string, partition: number): Topic | undefined => {
    const topic = topics.get(name);
    return topic && partition >= 0 && partition < topic.partitions ? topic : undefined;
  };
  const tooLarge = (metadata: string | null) => (metadata ?? '').length > OFFSET_METADATA_MAX_BYTES;
  const answer = (error: number, live?: Set<number>): TxnCommitOutput =>
    input.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        const topic = known(t.name, p.partitionIndex);
        // A topic deleted since it was looked up (live lacks it): its partitions are unknown now.
        const errorCode = !topic || (live && !live.has(topic.id))
          ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
          : tooLarge(p.committedMetadata) ? ErrorCode.OFFSET_METADATA_TOO_LARGE : error;
        return { partitionIndex: p.partitionIndex, errorCode };
      }),
    }));

  if (input.groupId === '') return answer(ErrorCode.INVALID_GROUP_ID);
  const fence = await c.resolve(input.groupId);
  if (typeof fence === 'number') return answer(fence);
  // A KIP-848 group checks its member epoch (version 9: transactional commits skip the version rule, as in Kafka).
  const consumerGroup = c.consumerGroups.get(input.groupId);
  const invalid = consumerGroup
    ? validateConsumerGroupCommit(consumerGroup, input.memberId, input.generationId, 9)
    : validateMemberCommit(c.groups.get(input.groupId), input);
  if (invalid !== ErrorCode.NONE) return answer(invalid);

  const now = Date.now();
  const offsets: PendingOffset[] = [];
  for (const t of input.topics) {
    for (const p of t.partitions) {
      const topic = known(t.name, p.partitionIndex);
      if (!topic || tooLarge(p.committedMetadata)) continue;
      offsets.push({
        groupId: input.groupId,
        topicId: topic.id,
        partition: p.partitionIndex,
        slot: fence.slot,
        producerId: input.producerId,
        offset: p.committedOffset,
        leaderEpoch: p.committedLeaderEpoch,
        metadata: p.committedMetadata ?? '',
        commitTimestamp: now,
      });
    }
  }
  if (offsets.length === 0) return answer(ErrorCode.NONE);
  const { error, liveTopicIds } = await transactionCoordinator(ctx.broker).commitTransactionalOffsets(
    input.transactionalId, input.producerId, input.producerEpoch, input.groupId, offsets);
  if (error === ErrorCode.NONE && !c.groups.has(input.groupId) && !consumerGroup) {
    // A group without members (Kafka creates it for the commit): its offsets appear once the transaction commits.
    c.groups.set(input.groupId, new ClassicGroup(input.groupId, fence.slot, now));
  }
  return answer(error, liveTopicIds);
}
