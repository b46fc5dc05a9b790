// Timers of KIP-848 group members: the session timeout (a member that stops heartbeating is removed) and the
// rebalance timeout (a member that does not revoke partitions in time is removed), and removing ("fencing") a
// member: the group epoch goes up, so the others get a new target assignment.

import { type ConsumerGroup, type ConsumerMember, MemberState } from './consumer-group.ts';
import type { ConsumerEnv } from './consumer-env.ts';

const now = (): number => performance.now();

/** Removes a member and bumps the group epoch (the caller persists). */
export function fenceMember(group: ConsumerGroup, member: ConsumerMember): void {
  if (group.members.get(member.memberId) !== member) return;
  group.remove(member.memberId);
  group.groupEpoch++;
  if (group.isEmpty) {
    group.stateTimestamp = Date.now();
    group.subscribedTopics = new Set();
  }
}

function expire(env: ConsumerEnv, group: ConsumerGroup, member: ConsumerMember, why: string): void {
  env.log.info(`consumer group member ${why}`, { group: group.groupId, member: member.memberId, epoch: member.memberEpoch });
  fenceMember(group, member);
  void env.store(group).then((code) => {
    if (code !== 0) env.log.warn('could not persist consumer group', { group: group.groupId, error: code });
  });
}

/** (Re)starts the member's session: it is removed `sessionTimeoutMs` from now unless it heartbeats again. */
export function scheduleSession(env: ConsumerEnv, group: ConsumerGroup, member: ConsumerMember): void {
  member.sessionDeadline = now() + env.sessionTimeoutMs;
  // A timer already running fires before the new deadline and re-arms itself.
  if (member.sessionTimer === null) armSession(env, group, member, env.sessionTimeoutMs);
}

function armSession(env: ConsumerEnv, group: ConsumerGroup, member: ConsumerMember, delayMs: number): void {
  member.sessionTimer = setTimeout(() => {
    member.sessionTimer = null;
    if (!env.isLive(group) || group.members.get(member.memberId) !== member) return;
    const left = member.sessionDeadline - now();
    if (left > 1) return armSession(env, group, member, left);
    expire(env, group, member, 'session expired');
  }, Math.max(0, delayMs));
}

/** A member asked to revoke partitions must do so within its rebalance timeout, at this epoch. */
export function scheduleRebalanceTimeout(env: ConsumerEnv, group: ConsumerGroup, member: ConsumerMember): void {
  cancelRebalanceTimeout(member);
  const epoch = member.memberEpoch;
  const timeoutMs = member.rebalanceTimeoutMs > 0 ? member.rebalanceTimeoutMs : env.sessionTimeoutMs;
  member.rebalanceTimer = setTimeout(() => {
    member.rebalanceTimer = null;
    if (!env.isLive(group) || group.members.get(member.memberId) !== member) return;
    if (member.state !== MemberState.UnrevokedPartitions || member.memberEpoch !== epoch) return;
    expire(env, group, member, 'did not revoke its partitions within the rebalance timeout');
  }, timeoutMs);
}

export function cancelRebalanceTimeout(member: ConsumerMember): void {
  if (member.rebalanceTimer !== null) clearTimeout(member.rebalanceTimer);
  member.rebalanceTimer = null;
}
