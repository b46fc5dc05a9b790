// Group administration: DescribeGroups (members, and their metadata and assignments when stable), ListGroups
// (with state and type filters) and DeleteGroups (empty groups only, with their offsets), for classic groups and
// KIP-848 consumer groups alike (DescribeGroups v0-5 shows a consumer group as Dead, as Kafka does: it describes
// classic groups only; ConsumerGroupDescribe is in consumer-admin.ts).

import { ErrorCode } from '../../codec/errors.ts';
import { deleteGroups } from '../../store/groups.ts';
import { type ClassicGroup, GroupState } from './classic-group.ts';
import { EMPTY_BYTES } from './member.ts';
import { CONSUMER_PROTOCOL_TYPE } from './consumer-protocol.ts';
import type { GroupCoordinator } from './coordinator.ts';

export interface DescribedGroup {
  errorCode: number;
  groupId: string;
  groupState: string;
  protocolType: string;
  protocolData: string;
  members: {
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    memberMetadata: Uint8Array;
    memberAssignment: Uint8Array;
  }[];
}

function describe(group: ClassicGroup): DescribedGroup {
  const stable = group.is(GroupState.Stable);
  const protocol = stable ? (group.protocolName ?? '') : '';
  return {
    errorCode: ErrorCode.NONE,
    groupId: group.groupId,
    groupState: group.state,
    protocolType: group.protocolType ?? '',
    protocolData: protocol,
    members: [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      memberMetadata: stable ? m.metadata(protocol) : EMPTY_BYTES,
      memberAssignment: stable ? m.assignment : EMPTY_BYTES,
    })),
  };
}

export async function describeGroups(c: GroupCoordinator, groupIds: string[]): Promise<DescribedGroup[]> {
  return Promise.all(groupIds.map(async (groupId): Promise<DescribedGroup> => {
    const fence = await c.resolve(groupId);
    if (typeof fence === 'number') return { errorCode: fence, groupId, groupState: '', protocolType: '', protocolData: '', members: [] };
    const group = c.groups.get(groupId);
    // A group that does not exist is described as Dead, without an error (before DescribeGroups v6).
    if (!group) return { errorCode: ErrorCode.NONE, groupId, groupState: GroupState.Dead, protocolType: '', protocolData: '', members: [] };
    return describe(group);
  }));
}

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  groupState: string;
  groupType: string;
}

/** Groups of the slots we coordinate; filters match case-insensitively, empty filters match everything. */
export async function listGroups(c: GroupCoordinator, statesFilter: string[], typesFilter: string[]): Promise<ListedGroup[]> {
  if (c.closed) return [];
  await c.leases.settled();
  const states = new Set(statesFilter.map((s) => s.toLowerCase()));
  const types = new Set(typesFilter.map((s) => s.toLowerCase()));
  const out: ListedGroup[] = [];
  for (const group of c.groups.values()) {
    if (group.is(GroupState.Dead) || c.leases.fence(group.slot) === null) continue;
    if (states.size > 0 && !states.has(group.state.toLowerCase())) continue;
    if (types.size > 0 && !types.has(group.type)) continue;
    out.push({ groupId: group.groupId, protocolType: group.protocolType ?? '', groupState: group.state, groupType: group.type });
  }
  for (const group of c.consumerGroups.values()) {
    if (group.dead || c.leases.fence(group.slot) === null) continue;
    if (states.size > 0 && !states.has(group.state.toLowerCase())) continue;
    if (types.size > 0 && !types.has(group.type)) continue;
    out.push({ groupId: group.groupId, protocolType: CONSUMER_PROTOCOL_TYPE, groupState: group.state, groupType: group.type });
  }
  return out.sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
}

/** Deletes empty groups and their offsets: one error code per group id, in order. */
export async function deleteGroupsById(c: GroupCoordinator, groupIds: string[]): Promise<{ groupId: string; errorCode: number }[]> {
  return Promise.all(groupIds.map(async (groupId) => {
    const fence = await c.resolve(groupId);
    if (typeof fence === 'number') return { groupId, errorCode: fence };
    const consumerGroup = c.consumerGroups.get(groupId);
    const group = c.groups.get(groupId);
    if (consumerGroup) {
      if (!consumerGroup.isEmpty) return { groupId, errorCode: ErrorCode.NON_EMPTY_GROUP };
      c.removeConsumerGroup(consumerGroup);
    } else {
      if (!group || group.is(GroupState.Dead)) return { groupId, errorCode: ErrorCode.GROUP_ID_NOT_FOUND };
      if (!group.is(GroupState.Empty) || group.members.size > 0) return { groupId, errorCode: ErrorCode.NON_EMPTY_GROUP };
      // Dead at once: a JoinGroup arriving while the rows are deleted starts a new group.
      c.removeGroup(group);
    }
    try {
      const { owned, appended } = await c.serialize(groupId, () => deleteGroups(c.sql, fence, [groupId]));
      c.store.notifyAppended(appended);
      return { groupId, errorCode: owned ? ErrorCode.NONE : ErrorCode.NOT_COORDINATOR };
    } catch (err) {
      c.logStoreError('group delete failed', groupId, err);
      return { groupId, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
    }
  }));
}
