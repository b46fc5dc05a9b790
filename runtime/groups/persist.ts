// Converts a classic group to its persisted row and back. What is persisted is the last completed generation (with
// members and assignments) or the empty group; a group loaded from it is Stable (or Empty) and its members resume
// with a fresh session timeout, so they carry on heartbeating as if nothing happened.

import type { StoredGroup } from '../../store/groups.ts';
import { ClassicGroup, GroupState } from './classic-group.ts';
import { ClassicMember } from './member.ts';

export function snapshot(group: ClassicGroup, assignment?: ReadonlyMap<string, Uint8Array>): StoredGroup {
  const members = [...group.members.values()].map((m) => ({
    memberId: m.memberId,
    groupInstanceId: m.groupInstanceId,
    clientId: m.clientId,
    clientHost: m.clientHost,
    rebalanceTimeoutMs: m.rebalanceTimeoutMs,
    sessionTimeoutMs: m.sessionTimeoutMs,
    protocols: m.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
    assignment: assignment?.get(m.memberId) ?? m.assignment,
  }));
  return {
    groupId: group.groupId,
    slot: group.slot,
    type: group.type,
    protocolType: group.protocolType,
    protocolName: group.protocolName,
    generation: group.generationId,
    leader: group.leaderId,
    state: members.length > 0 ? 'Stable' : 'Empty',
    stateTimestamp: group.stateTimestamp,
    members,
  };
}

export function restore(stored: StoredGroup): ClassicGroup {
  const group = new ClassicGroup(stored.groupId, stored.slot, stored.stateTimestamp);
  for (const m of stored.members) {
    const member = new ClassicMember({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeoutMs: m.rebalanceTimeoutMs,
      sessionTimeoutMs: m.sessionTimeoutMs,
      protocolType: stored.protocolType ?? '',
      protocols: m.protocols,
    });
    member.assignment = m.assignment;
    group.add(member, null);
  }
  group.protocolType = stored.protocolType;
  group.protocolName = stored.protocolName;
  group.generationId = stored.generation;
  group.leaderId = stored.members.length > 0 ? stored.leader : null;
  group.state = stored.members.length > 0 ? GroupState.Stable : GroupState.Empty;
  group.stateTimestamp = stored.stateTimestamp;
  group.subscribedTopics = group.computeSubscribedTopics();
  return group;
}
