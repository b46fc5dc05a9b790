// SyncGroup, Heartbeat and LeaveGroup on a classic group: generation fencing, the leader's assignment (persisted,
// then relayed byte for byte to every member), session keep-alive and members leaving (batch leave from v3).

import { ErrorCode } from '../../codec/errors.ts';
import { type ClassicGroup, GroupState } from './classic-group.ts';
import { syncError, type SyncResult } from './member.ts';
import type { GroupEnv } from './env.ts';
import { validateMember } from './join.ts';
import {
  maybePrepareRebalance,
  removeMemberAndUpdateGroup,
  removePendingMember,
  removePendingSyncMember,
  resetAndPropagateAssignmentError,
  scheduleHeartbeat,
  setAndPropagateAssignment,
} from './rebalance.ts';

export interface SyncRequest {
  memberId: string;
  generationId: number;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  assignments: { memberId: string; assignment: Uint8Array }[];
}

export function syncGroup(env: GroupEnv, group: ClassicGroup, req: SyncRequest, respond: (r: SyncResult) => void): void {
  if (group.is(GroupState.Dead)) return respond(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
  const invalid = validateMember(group, req.memberId, req.groupInstanceId);
  if (invalid !== ErrorCode.NONE) return respond(syncError(invalid));
  if (req.generationId !== group.generationId) return respond(syncError(ErrorCode.ILLEGAL_GENERATION));
  if (inconsistent(req.protocolType, group.protocolType) || inconsistent(req.protocolName, group.protocolName)) {
    return respond(syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
  }
  const member = group.get(req.memberId);
  if (!member) return respond(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
  switch (group.state) {
    case GroupState.Empty:
      return respond(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    case GroupState.PreparingRebalance:
      return respond(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
    case GroupState.Stable:
      removePendingSyncMember(group, req.memberId);
      scheduleHeartbeat(env, group, member);
      return respond({ errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment });
    case GroupState.CompletingRebalance: {
      member.invokeSync(syncError(ErrorCode.REBALANCE_IN_PROGRESS)); // a retry replaces the earlier request
      member.awaitingSync = respond;
      removePendingSyncMember(group, req.memberId);
      if (!group.isLeader(req.memberId)) return;
      // The leader's assignment: members it left out get an empty one. Persist, then hand out.
      const assignment = new Map<string, Uint8Array>();
      for (const a of req.assignments) assignment.set(a.memberId, a.assignment);
      for (const id of group.members.keys()) if (!assignment.has(id)) assignment.set(id, new Uint8Array(0));
      const generation = group.generationId;
      void env.store(group, assignment).then((code) => {
        if (!env.isLive(group) || !group.is(GroupState.CompletingRebalance) || group.generationId !== generation) return;
        if (code !== ErrorCode.NONE) {
          resetAndPropagateAssignmentError(env, group, code);
          maybePrepareRebalance(env, group, `could not store the assignment (error ${code})`);
          return;
        }
        setAndPropagateAssignment(env, group, assignment);
        group.transitionTo(GroupState.Stable);
        env.log.info('group stable', { group: group.groupId, generation: group.generationId, members: group.members.size });
      });
      return;
    }
    default:
      return respond(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
  }
}

function inconsistent(requested: string | null, current: string | null): boolean {
  return requested !== null && current !== null && requested !== current;
}

export function heartbeat(env: GroupEnv, group: ClassicGroup, memberId: string, groupInstanceId: string | null, generationId: number): number {
  if (group.is(GroupState.Dead)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  const invalid = validateMember(group, memberId, groupInstanceId);
  if (invalid !== ErrorCode.NONE) return invalid;
  if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  const member = group.get(memberId);
  if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
  switch (group.state) {
    case GroupState.Empty:
      return ErrorCode.UNKNOWN_MEMBER_ID;
    case GroupState.PreparingRebalance:
      scheduleHeartbeat(env, group, member);
      return ErrorCode.REBALANCE_IN_PROGRESS;
    default:
      scheduleHeartbeat(env, group, member);
      return ErrorCode.NONE;
  }
}

export interface LeavingMember {
  memberId: string;
  groupInstanceId: string | null;
  reason: string | null;
}

/** Removes the members; one error code per member, in order. */
export function leaveGroup(env: GroupEnv, group: ClassicGroup, leaving: LeavingMember[]): number[] {
  return leaving.map((m) => {
    const reason = `member ${m.memberId || m.groupInstanceId} left${m.reason ? ` (${m.reason})` : ''}`;
    // An administrator may remove a static member by instance id alone.
    if (m.memberId === '') {
      const current = m.groupInstanceId === null ? undefined : group.staticMembers.get(m.groupInstanceId);
      const member = current === undefined ? undefined : group.get(current);
      if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
      removeMemberAndUpdateGroup(env, group, member, reason);
      return ErrorCode.NONE;
    }
    if (group.isPendingMember(m.memberId)) {
      removePendingMember(env, group, m.memberId);
      return ErrorCode.NONE;
    }
    const invalid = validateMember(group, m.memberId, m.groupInstanceId);
    if (invalid !== ErrorCode.NONE) return invalid;
    removeMemberAndUpdateGroup(env, group, group.get(m.memberId)!, reason);
    return ErrorCode.NONE;
  });
}
