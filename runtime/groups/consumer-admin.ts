// Describing KIP-848 consumer groups (ConsumerGroupDescribe): group and assignment epochs, the assignor, and each
// member with its subscription and its current and target assignments (topic ids with their names).

import { ErrorCode } from '../../codec/errors.ts';
import type { Assignment, ConsumerGroup } from './consumer-group.ts';
import type { GroupCoordinator } from './coordinator.ts';

export interface DescribedTopicPartitions {
  topicId: string;
  topicName: string;
  partitions: number[];
}

export interface DescribedConsumerGroup {
  errorCode: number;
  errorMessage: string | null;
  groupId: string;
  groupState: string;
  groupEpoch: number;
  assignmentEpoch: number;
  assignorName: string;
  members: {
    memberId: string;
    instanceId: string | null;
    rackId: string | null;
    memberEpoch: number;
    clientId: string;
    clientHost: string;
    subscribedTopicNames: string[];
    subscribedTopicRegex: string | null;
    assignment: { topicPartitions: DescribedTopicPartitions[] };
    targetAssignment: { topicPartitions: DescribedTopicPartitions[] };
  }[];
}

function failed(groupId: string, errorCode: number, errorMessage: string | null = null): DescribedConsumerGroup {
  return { errorCode, errorMessage, groupId, groupState: '', groupEpoch: 0, assignmentEpoch: 0, assignorName: '', members: [] };
}

async function describe(c: GroupCoordinator, group: ConsumerGroup): Promise<DescribedConsumerGroup> {
  const ids = new Set<string>();
  for (const m of group.members.values()) for (const t of m.assigned.keys()) ids.add(t);
  for (const a of group.targetAssignment.values()) for (const t of a.keys()) ids.add(t);
  const topics = ids.size > 0 ? await c.store.getTopicsByIds([...ids]) : new Map();
  // Topics deleted since are left out, as Kafka does.
  const named = (a: Assignment): { topicPartitions: DescribedTopicPartitions[] } => ({
    topicPartitions: [...a].flatMap(([topicId, partitions]) => {
      const t = topics.get(topicId);
      return t ? [{ topicId, topicName: t.name, partitions: [...partitions] }] : [];
    }),
  });
  return {
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    groupId: group.groupId,
    groupState: group.state,
    groupEpoch: group.groupEpoch,
    assignmentEpoch: group.assignmentEpoch,
    assignorName: group.preferredAssignor(),
    members: [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      instanceId: m.instanceId,
      rackId: m.rackId,
      memberEpoch: m.memberEpoch,
      clientId: m.clientId,
      clientHost: m.clientHost,
      subscribedTopicNames: [...m.subscribedTopicNames],
      subscribedTopicRegex: m.subscribedTopicRegex,
      assignment: named(m.assigned),
      targetAssignment: named(group.targetOf(m.memberId)),
    })),
  };
}

export async function describeConsumerGroups(c: GroupCoordinator, groupIds: string[]): Promise<DescribedConsumerGroup[]> {
  return Promise.all(groupIds.map(async (groupId): Promise<DescribedConsumerGroup> => {
    if (groupId.trim() === '') return failed(groupId, ErrorCode.INVALID_GROUP_ID, 'GroupId can\'t be empty.');
    const fence = await c.resolve(groupId);
    if (typeof fence === 'number') return failed(groupId, fence);
    const group = c.consumerGroups.get(groupId);
    if (!group) {
      const message = c.groups.has(groupId) ? `Group ${groupId} is not a consumer group.` : `Group ${groupId} not found.`;
      return failed(groupId, ErrorCode.GROUP_ID_NOT_FOUND, message);
    }
    try {
      return await describe(c, group);
    } catch (err) {
      c.logStoreError('consumer group describe failed', groupId, err);
      return failed(groupId, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
  }));
}
