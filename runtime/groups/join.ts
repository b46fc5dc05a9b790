// JoinGroup on a classic group: new members (MEMBER_ID_REQUIRED from v4), pending members coming back, static
// members (KIP-345: a restarted instance takes over its old membership, without a rebalance when the group is
// stable) and known members rejoining in each state. The group exists and the request is validated already.

import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../codec/errors.ts';
import { type ClassicGroup, GroupState } from './classic-group.ts';
import { ClassicMember, joinError, syncError, type JoinResult, type Protocol } from './member.ts';
import type { GroupEnv } from './env.ts';
import { maybePrepareRebalance, prepareRebalance, scheduleHeartbeat, tryCompleteJoin, addPendingMember } from './rebalance.ts';

export interface JoinRequest {
  memberId: string;
  groupInstanceId: string | null;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: Protocol[];
  reason: string | null;
  clientId: string;
  clientHost: string;
  /** JoinGroup v4+: a new member first gets its id with MEMBER_ID_REQUIRED and joins again with it. */
  requireKnownMemberId: boolean;
  /** JoinGroup v9+: a static leader coming back to a stable group is told to skip the assignment. */
  supportSkippingAssignment: boolean;
}

/** Handles the join; `respond` is called once, maybe later (when the join phase completes). */
export function joinGroup(env: GroupEnv, group: ClassicGroup, req: JoinRequest, respond: (r: JoinResult) => void): void {
  if (req.memberId === '') joinNewMember(env, group, req, respond);
  else joinExistingMember(env, group, req, respond);
  if (group.is(GroupState.PreparingRebalance)) tryCompleteJoin(env, group);
}

function joinNewMember(env: GroupEnv, group: ClassicGroup, req: JoinRequest, respond: (r: JoinResult) => void): void {
  if (group.is(GroupState.Dead)) return respond(joinError('', ErrorCode.COORDINATOR_NOT_AVAILABLE));
  if (!group.supportsProtocols(req.protocolType, req.protocols)) return respond(joinError('', ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
  const newMemberId = `${req.groupInstanceId ?? req.clientId}-${randomUUID()}`;
  if (req.groupInstanceId !== null) {
    const oldMemberId = group.staticMembers.get(req.groupInstanceId);
    if (oldMemberId !== undefined) return updateStaticMember(env, group, req.groupInstanceId, oldMemberId, newMemberId, req, respond);
    return addMemberAndRebalance(env, group, newMemberId, req, respond);
  }
  if (req.requireKnownMemberId) {
    addPendingMember(env, group, newMemberId, req.sessionTimeoutMs);
    return respond(joinError(newMemberId, ErrorCode.MEMBER_ID_REQUIRED));
  }
  addMemberAndRebalance(env, group, newMemberId, req, respond);
}

function joinExistingMember(env: GroupEnv, group: ClassicGroup, req: JoinRequest, respond: (r: JoinResult) => void): void {
  const memberId = req.memberId;
  if (group.is(GroupState.Dead)) return respond(joinError(memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
  if (!group.supportsProtocols(req.protocolType, req.protocols)) return respond(joinError(memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
  if (group.isPendingMember(memberId)) {
    if (req.groupInstanceId !== null) return respond(joinError(memberId, ErrorCode.INVALID_REQUEST));
    return addMemberAndRebalance(env, group, memberId, req, respond);
  }
  const invalid = validateMember(group, memberId, req.groupInstanceId);
  if (invalid !== ErrorCode.NONE) return respond(joinError(memberId, invalid));
  const member = group.get(memberId) as ClassicMember;
  switch (group.state) {
    case GroupState.PreparingRebalance:
      return updateMemberAndRebalance(env, group, member, req, respond, `member ${memberId} joining during PreparingRebalance`);
    case GroupState.CompletingRebalance:
      // Same metadata: the member probably missed the JoinGroup answer; give it the current generation again.
      if (member.matches(req.protocols)) return respond(currentGeneration(group, memberId, group.isLeader(memberId)));
      return updateMemberAndRebalance(env, group, member, req, respond, `member ${memberId} changed metadata`);
    case GroupState.Stable:
      // The leader rejoining forces a rebalance (e.g. topic metadata changed); followers only when their metadata did.
      if (group.isLeader(memberId) || !member.matches(req.protocols)) {
        return updateMemberAndRebalance(env, group, member, req, respond, `member ${memberId} rejoining a stable group`);
      }
      return respond(currentGeneration(group, memberId, false));
    default:
      return respond(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
  }
}

/** Kafka's validateMember: the instance id (if any) must map to this member id, and the member must exist. */
export function validateMember(group: ClassicGroup, memberId: string, groupInstanceId: string | null): number {
  if (groupInstanceId !== null) {
    const current = group.staticMembers.get(groupInstanceId);
    if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (current !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
  }
  return group.has(memberId) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
}

function currentGeneration(group: ClassicGroup, memberId: string, withMembers: boolean): JoinResult {
  return {
    errorCode: ErrorCode.NONE,
    memberId,
    generationId: group.generationId,
    protocolType: group.protocolType,
    protocolName: group.protocolName,
    leader: group.leaderId ?? '',
    skipAssignment: false,
    members: withMembers ? group.currentMemberMetadata() : [],
  };
}

/** Sets the member's waiting JoinGroup, answering a previous one still waiting (a retry) first. */
function awaitJoin(member: ClassicMember, respond: (r: JoinResult) => void): void {
  member.invokeJoin(joinError(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS));
  member.awaitingJoin = respond;
}

function addMemberAndRebalance(env: GroupEnv, group: ClassicGroup, memberId: string, req: JoinRequest, respond: (r: JoinResult) => void): void {
  const member = new ClassicMember({
    memberId,
    groupInstanceId: req.groupInstanceId,
    clientId: req.clientId,
    clientHost: req.clientHost,
    rebalanceTimeoutMs: req.rebalanceTimeoutMs,
    sessionTimeoutMs: req.sessionTimeoutMs,
    protocolType: req.protocolType,
    protocols: req.protocols,
  });
  member.isNew = true;
  // Joining during the initial delay extends it.
  if (group.is(GroupState.PreparingRebalance) && group.inInitialDelay) group.newMemberAdded = true;
  group.add(member, respond);
  // New members cannot heartbeat yet: they are dropped if the join does not complete in the new-member timeout.
  scheduleHeartbeat(env, group, member, env.newMemberJoinTimeoutMs);
  maybePrepareRebalance(env, group, `adding member ${memberId}${req.reason ? ` (${req.reason})` : ''}`);
}

function updateMemberAndRebalance(
  env: GroupEnv,
  group: ClassicGroup,
  member: ClassicMember,
  req: JoinRequest,
  respond: (r: JoinResult) => void,
  reason: string,
): void {
  group.updateMember(member, req.protocols, req.rebalanceTimeoutMs, req.sessionTimeoutMs);
  awaitJoin(member, respond);
  maybePrepareRebalance(env, group, reason + (req.reason ? ` (${req.reason})` : ''));
}

/** A static member came back with an empty member id: it replaces its old membership. */
function updateStaticMember(
  env: GroupEnv,
  group: ClassicGroup,
  instanceId: string,
  oldMemberId: string,
  newMemberId: string,
  req: JoinRequest,
  respond: (r: JoinResult) => void,
): void {
  const currentLeader = group.leaderId ?? '';
  const old = group.get(oldMemberId) as ClassicMember;
  // The previous instance is fenced: whatever it is waiting for ends now.
  old.invokeJoin(joinError(oldMemberId, ErrorCode.FENCED_INSTANCE_ID));
  old.invokeSync(syncError(ErrorCode.FENCED_INSTANCE_ID));
  const member = group.replaceStaticMember(instanceId, oldMemberId, newMemberId);
  scheduleHeartbeat(env, group, member);
  const oldProtocols = member.protocols;
  const oldRebalanceTimeoutMs = member.rebalanceTimeoutMs;
  const oldSessionTimeoutMs = member.sessionTimeoutMs;
  group.updateMember(member, req.protocols, req.rebalanceTimeoutMs, req.sessionTimeoutMs);

  switch (group.state) {
    case GroupState.Stable: {
      if (group.protocolName !== group.selectProtocol()) {
        member.awaitingJoin = respond;
        return maybePrepareRebalance(env, group, `static member ${instanceId} rejoined with a protocol change`);
      }
      // No rebalance: persist the new member id, then answer with the current generation.
      const generation = group.generationId;
      void env.store(group).then((code) => {
        if (!env.isLive(group)) return respond(joinError('', ErrorCode.NOT_COORDINATOR));
        if (code !== ErrorCode.NONE) {
          if (group.get(newMemberId) === member && group.generationId === generation) {
            group.updateMember(member, oldProtocols, oldRebalanceTimeoutMs, oldSessionTimeoutMs);
            group.replaceStaticMember(instanceId, newMemberId, oldMemberId);
            scheduleHeartbeat(env, group, member);
          }
          return respond({ ...joinError('', code), generationId: group.generationId, leader: currentLeader });
        }
        const isLeader = group.isLeader(newMemberId);
        if (req.supportSkippingAssignment) {
          return respond({ ...currentGeneration(group, newMemberId, isLeader), skipAssignment: isLeader });
        }
        // Older versions: report the old leader id, so a restarted leader does not compute an assignment the
        // stable group would not distribute anyway.
        return respond({ ...currentGeneration(group, newMemberId, false), leader: currentLeader });
      });
      return;
    }
    case GroupState.CompletingRebalance:
      // The leader may already have been given the old member id: rebalance so the new id gets an assignment.
      member.awaitingJoin = respond;
      return prepareRebalance(env, group, `static member ${instanceId} rejoined during CompletingRebalance`);
    case GroupState.PreparingRebalance:
      member.awaitingJoin = respond;
      return;
    default:
      throw new Error(`group ${group.groupId}: static member ${instanceId} rejoined a group in state ${group.state}`);
  }
}
