// Converts a KIP-848 group to its persisted row and back. Everything that defines the group is kept: the group
// epoch, the target assignment with its epoch, the subscribed topics' metadata signature and every member with its
// subscription, epochs, reconciliation state and partitions. A group loaded from it carries on where it was; its
// members get a fresh session timeout.

import type { StoredConsumerGroup, StoredConsumerMember } from '../../store/consumer-groups.ts';
import { type Assignment, ConsumerGroup, ConsumerMember, MemberState, type MemberStateName } from './consumer-group.ts';

const toRecord = (a: Assignment): Record<string, number[]> => Object.fromEntries([...a].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
const fromRecord = (r: Record<string, number[]> | undefined): Assignment =>
  new Map(Object.entries(r ?? {}).filter(([, ps]) => ps.length > 0).map(([t, ps]) => [t, [...ps].sort((x, y) => x - y)]));

const states = new Set<string>(Object.values(MemberState));

export function snapshotConsumerGroup(group: ConsumerGroup): StoredConsumerGroup {
  const members: StoredConsumerMember[] = [...group.members.values()].map((m) => ({
    memberId: m.memberId,
    instanceId: m.instanceId,
    rackId: m.rackId,
    clientId: m.clientId,
    clientHost: m.clientHost,
    rebalanceTimeoutMs: m.rebalanceTimeoutMs,
    subscribedTopicNames: [...m.subscribedTopicNames],
    subscribedTopicRegex: m.subscribedTopicRegex,
    serverAssignor: m.serverAssignor,
    memberEpoch: m.memberEpoch,
    previousMemberEpoch: m.previousMemberEpoch,
    state: m.state,
    assigned: toRecord(m.assigned),
    pendingRevocation: toRecord(m.pendingRevocation),
  }));
  return {
    groupId: group.groupId,
    slot: group.slot,
    state: group.state,
    stateTimestamp: group.stateTimestamp,
    groupEpoch: group.groupEpoch,
    assignmentEpoch: group.assignmentEpoch,
    metadataSignature: group.metadataSignature,
    subscribedTopics: [...group.subscribedTopics].sort(),
    targetAssignment: Object.fromEntries([...group.targetAssignment].map(([id, a]) => [id, toRecord(a)])),
    members,
  };
}

export function restoreConsumerGroup(stored: StoredConsumerGroup): ConsumerGroup {
  const group = new ConsumerGroup(stored.groupId, stored.slot, stored.stateTimestamp);
  group.groupEpoch = stored.groupEpoch;
  group.assignmentEpoch = stored.assignmentEpoch;
  group.metadataSignature = stored.metadataSignature;
  group.subscribedTopics = new Set(stored.subscribedTopics);
  group.targetAssignment = new Map(Object.entries(stored.targetAssignment).map(([id, a]) => [id, fromRecord(a)]));
  for (const s of stored.members) {
    const m = new ConsumerMember(s.memberId);
    m.instanceId = s.instanceId;
    m.rackId = s.rackId;
    m.clientId = s.clientId;
    m.clientHost = s.clientHost;
    m.rebalanceTimeoutMs = s.rebalanceTimeoutMs;
    m.subscribedTopicNames = [...s.subscribedTopicNames];
    m.subscribedTopicRegex = s.subscribedTopicRegex;
    m.serverAssignor = s.serverAssignor;
    m.memberEpoch = s.memberEpoch;
    m.previousMemberEpoch = s.previousMemberEpoch;
    m.state = states.has(s.state) ? (s.state as MemberStateName) : MemberState.Stable;
    m.assigned = fromRecord(s.assigned);
    m.pendingRevocation = fromRecord(s.pendingRevocation);
    group.put(m);
  }
  return group;
}
