// The classic rebalance machinery: preparing a rebalance, the (initial) join delay, completing the join phase
// (new generation, protocol, leader, JoinGroup answers), pending-sync and session expiry, and propagating
// assignments or errors to the members waiting in SyncGroup. Kafka's GroupCoordinator, timer by timer.

import { ErrorCode } from '../../codec/errors.ts';
import { ClassicGroup, GroupState } from './classic-group.ts';
import { EMPTY_BYTES, joinError, syncError, type ClassicMember } from './member.ts';
import type { GroupEnv } from './env.ts';

const now = (): number => performance.now();

// Session expiry

/** (Re)starts the member's session: it expires `timeoutMs` from now unless it heartbeats or waits in a rebalance. */
export function scheduleHeartbeat(env: GroupEnv, group: ClassicGroup, member: ClassicMember, timeoutMs: number = member.sessionTimeoutMs): void {
  member.deadline = now() + timeoutMs;
  // A running timer that fires before the deadline re-arms itself; one that fires later must be replaced.
  if (member.timer !== null && member.timerAt <= member.deadline) return;
  armHeartbeat(env, group, member, timeoutMs);
}

function armHeartbeat(env: GroupEnv, group: ClassicGroup, member: ClassicMember, delayMs: number): void {
  member.clearTimer();
  member.timerAt = now() + delayMs;
  member.timer = setTimeout(() => onHeartbeatTimer(env, group, member), Math.max(0, delayMs));
}

function onHeartbeatTimer(env: GroupEnv, group: ClassicGroup, member: ClassicMember): void {
  member.timer = null;
  if (!env.isLive(group) || group.is(GroupState.Dead) || group.get(member.memberId) !== member) return;
  const t = now();
  if (t < member.deadline - 1) {
    armHeartbeat(env, group, member, member.deadline - t);
    return;
  }
  // Members waiting in a rebalance need no heartbeat, except new members (their join timed out).
  if (!member.isNew && (member.awaitingJoin !== null || member.awaitingSync !== null)) {
    scheduleHeartbeat(env, group, member);
    return;
  }
  env.log.info('group member session expired', { group: group.groupId, member: member.memberId });
  removeMemberAndUpdateGroup(env, group, member, `member ${member.memberId} session expired`);
}

/** Removes a member (leave, expiry) and rebalances the rest or completes the join phase. */
export function removeMemberAndUpdateGroup(env: GroupEnv, group: ClassicGroup, member: ClassicMember, reason: string): void {
  // A new member may be waiting in JoinGroup: it gets UNKNOWN_MEMBER_ID so that it rejoins if still alive.
  member.invokeJoin(joinError('', ErrorCode.UNKNOWN_MEMBER_ID));
  member.invokeSync(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
  group.remove(member.memberId);
  if (group.is(GroupState.Stable) || group.is(GroupState.CompletingRebalance)) maybePrepareRebalance(env, group, reason);
  else if (group.is(GroupState.PreparingRebalance)) tryCompleteJoin(env, group);
}

/** A member id handed out with MEMBER_ID_REQUIRED expires if its JoinGroup does not come within the session timeout. */
export function addPendingMember(env: GroupEnv, group: ClassicGroup, memberId: string, sessionTimeoutMs: number): void {
  const timer = setTimeout(() => {
    if (!env.isLive(group) || !group.pendingMembers.has(memberId)) return;
    group.pendingMembers.delete(memberId);
    if (group.is(GroupState.PreparingRebalance)) tryCompleteJoin(env, group);
  }, sessionTimeoutMs);
  group.addPendingMember(memberId, timer);
}

export function removePendingMember(env: GroupEnv, group: ClassicGroup, memberId: string): void {
  group.removePendingMember(memberId);
  if (group.is(GroupState.PreparingRebalance)) tryCompleteJoin(env, group);
}

// Join phase

export function maybePrepareRebalance(env: GroupEnv, group: ClassicGroup, reason: string): void {
  if (group.canRebalance) prepareRebalance(env, group, reason);
  else tryCompleteJoin(env, group);
}

export function prepareRebalance(env: GroupEnv, group: ClassicGroup, reason: string): void {
  // Members waiting in SyncGroup must rejoin.
  if (group.is(GroupState.CompletingRebalance)) resetAndPropagateAssignmentError(env, group, ErrorCode.REBALANCE_IN_PROGRESS);
  clearSyncExpiration(group);
  clearJoinTimer(group);
  const initial = group.is(GroupState.Empty);
  group.transitionTo(GroupState.PreparingRebalance);
  env.log.info('preparing to rebalance group', { group: group.groupId, generation: group.generationId, reason });
  if (initial) {
    // A new group: give more members time to join (group.initial.rebalance.delay.ms).
    group.inInitialDelay = true;
    group.newMemberAdded = false;
    const delayMs = env.initialRebalanceDelayMs;
    armInitialDelay(env, group, delayMs, Math.max(group.rebalanceTimeoutMs - delayMs, 0));
    return;
  }
  group.inInitialDelay = false;
  if (group.hasAllMembersJoined) completeJoin(env, group);
  else armJoinTimer(env, group, group.rebalanceTimeoutMs);
}

function armInitialDelay(env: GroupEnv, group: ClassicGroup, delayMs: number, remainingMs: number): void {
  group.joinTimer = setTimeout(() => {
    group.joinTimer = null;
    if (!env.isLive(group) || !group.is(GroupState.PreparingRebalance)) return;
    if (group.newMemberAdded && remainingMs !== 0) {
      group.newMemberAdded = false;
      const nextDelay = Math.min(env.initialRebalanceDelayMs, remainingMs);
      armInitialDelay(env, group, nextDelay, Math.max(remainingMs - delayMs, 0));
      return;
    }
    group.inInitialDelay = false;
    completeJoin(env, group);
  }, delayMs);
}

function armJoinTimer(env: GroupEnv, group: ClassicGroup, timeoutMs: number): void {
  clearJoinTimer(group);
  group.joinTimer = setTimeout(() => {
    group.joinTimer = null;
    if (env.isLive(group) && group.is(GroupState.PreparingRebalance) && !group.inInitialDelay) completeJoin(env, group);
  }, timeoutMs);
}

export function clearJoinTimer(group: ClassicGroup): void {
  if (group.joinTimer !== null) clearTimeout(group.joinTimer);
  group.joinTimer = null;
}

/** Completes the join phase early when every member has rejoined (outside the initial delay). */
export function tryCompleteJoin(env: GroupEnv, group: ClassicGroup): void {
  if (group.is(GroupState.PreparingRebalance) && !group.inInitialDelay && group.hasAllMembersJoined) completeJoin(env, group);
}

/** Ends the join phase: drops dynamic members that did not rejoin, starts the next generation, answers JoinGroups. */
export function completeJoin(env: GroupEnv, group: ClassicGroup): void {
  clearJoinTimer(group);
  for (const m of group.notYetRejoinedMembers()) {
    if (m.isStatic) continue;
    m.invokeSync(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    group.remove(m.memberId);
  }
  if (group.is(GroupState.Dead)) return;
  if (!group.maybeElectNewJoinedLeader() && group.members.size > 0) {
    // Only static members that did not rejoin are left: wait until they do or their sessions expire.
    env.log.warn('group could not complete rebalance because no members rejoined', { group: group.groupId });
    armJoinTimer(env, group, group.rebalanceTimeoutMs);
    return;
  }
  group.initNextGeneration();
  if (group.is(GroupState.Empty)) {
    env.log.info('group is now empty', { group: group.groupId, generation: group.generationId });
    void env.store(group).then((code) => {
      if (code !== ErrorCode.NONE) env.log.warn('could not persist empty group', { group: group.groupId, error: code });
    });
    return;
  }
  env.log.info('group stabilizing', { group: group.groupId, generation: group.generationId, members: group.members.size, protocol: group.protocolName });
  for (const m of group.members.values()) {
    const leader = group.isLeader(m.memberId);
    m.invokeJoin({
      errorCode: ErrorCode.NONE,
      memberId: m.memberId,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? '',
      skipAssignment: false,
      members: leader ? group.currentMemberMetadata() : [],
    });
    scheduleHeartbeat(env, group, m);
    m.isNew = false;
    group.pendingSyncMembers.add(m.memberId);
  }
  schedulePendingSync(env, group);
}

// Sync phase

function schedulePendingSync(env: GroupEnv, group: ClassicGroup): void {
  clearSyncExpiration(group, false);
  const generation = group.generationId;
  group.syncTimer = setTimeout(() => {
    group.syncTimer = null;
    if (!env.isLive(group) || generation !== group.generationId) return;
    if (!group.is(GroupState.CompletingRebalance) && !group.is(GroupState.Stable)) return;
    if (group.pendingSyncMembers.size === 0) return;
    const late = [...group.pendingSyncMembers];
    env.log.info('removing group members that did not send SyncGroup', { group: group.groupId, members: late.join(',') });
    for (const id of late) {
      const m = group.get(id);
      if (!m) continue;
      m.invokeJoin(joinError('', ErrorCode.UNKNOWN_MEMBER_ID));
      m.invokeSync(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
      group.remove(id);
    }
    prepareRebalance(env, group, `members ${late.join(', ')} did not sync in time`);
  }, group.rebalanceTimeoutMs);
}

/** Cancels the pending-sync timer (and forgets who was pending when a new rebalance starts). */
export function clearSyncExpiration(group: ClassicGroup, clearPending = true): void {
  if (group.syncTimer !== null) clearTimeout(group.syncTimer);
  group.syncTimer = null;
  if (clearPending) group.pendingSyncMembers.clear();
}

/** A member sent SyncGroup: no longer pending; the timer stops once everyone has. */
export function removePendingSyncMember(group: ClassicGroup, memberId: string): void {
  group.pendingSyncMembers.delete(memberId);
  if (group.pendingSyncMembers.size === 0 && group.syncTimer !== null) {
    clearTimeout(group.syncTimer);
    group.syncTimer = null;
  }
}

export function resetAndPropagateAssignmentError(env: GroupEnv, group: ClassicGroup, errorCode: number): void {
  for (const m of group.members.values()) m.assignment = EMPTY_BYTES;
  propagateAssignment(env, group, errorCode);
}

export function setAndPropagateAssignment(env: GroupEnv, group: ClassicGroup, assignment: ReadonlyMap<string, Uint8Array>): void {
  for (const m of group.members.values()) m.assignment = assignment.get(m.memberId) ?? EMPTY_BYTES;
  propagateAssignment(env, group, ErrorCode.NONE);
}

function propagateAssignment(env: GroupEnv, group: ClassicGroup, errorCode: number): void {
  const ok = errorCode === ErrorCode.NONE;
  for (const m of group.members.values()) {
    if (m.awaitingSync === null) continue;
    m.invokeSync({
      errorCode,
      protocolType: ok ? group.protocolType : null,
      protocolName: ok ? group.protocolName : null,
      assignment: m.assignment,
    });
    // Sessions that ran out while waiting for the leader or the store start over.
    scheduleHeartbeat(env, group, m);
  }
}

// Unloading

/** Stops every timer of the group and answers its waiting requests with `errorCode` (unload, shutdown, delete). */
export function shutdownGroup(group: ClassicGroup, errorCode: number): void {
  clearJoinTimer(group);
  clearSyncExpiration(group);
  for (const timer of group.pendingMembers.values()) clearTimeout(timer);
  group.pendingMembers.clear();
  for (const m of group.members.values()) {
    m.clearTimer();
    m.invokeJoin(joinError(m.memberId, errorCode));
    m.invokeSync(syncError(errorCode));
  }
}
