// ConsumerGroupHeartbeat on a KIP-848 group (Kafka's GroupMetadataManager.consumerGroupHeartbeat): request
// validation, members joining (epoch 0), heartbeating, leaving (-1) and static members leaving for a while (-2);
// static members taking over their instance id; the group epoch bumped when subscriptions, membership or the
// subscribed topics' metadata change; the target assignment recomputed by the server assignor when the group
// epoch moves past it; the member reconciled towards its target (reconcile.ts). Synchronous: the caller resolves
// the coordinator and the topics first and persists the group afterwards.

import { randomBytes } from 'node:crypto';
import { Buffer } from 'node:buffer';
import { ErrorCode } from '../../codec/errors.ts';
import type { Topic } from '../../store/types.ts';
import {
  type Assignment,
  ConsumerGroup,
  ConsumerMember,
  LEAVE_GROUP_MEMBER_EPOCH,
  LEAVE_GROUP_STATIC_MEMBER_EPOCH,
  MemberState,
  SERVER_ASSIGNORS,
  sameAssignment,
} from './consumer-group.ts';
import type { ConsumerEnv } from './consumer-env.ts';
import { assignors, uniformAssign } from './assignors.ts';
import { reconcile } from './reconcile.ts';
import { compileTopicRegex, memberTopicNames, metadataSignature } from './subscription.ts';
import { cancelRebalanceTimeout, fenceMember, scheduleRebalanceTimeout, scheduleSession } from './consumer-timers.ts';

/** ConsumerGroupHeartbeat v1 requires the client to generate its member id (KIP-1082). */
export const CONSUMER_GENERATED_MEMBER_ID_REQUIRED_VERSION = 1;

export interface TopicPartitions {
  topicId: string;
  partitions: number[];
}

export interface ConsumerHeartbeatRequest {
  apiVersion: number;
  groupId: string;
  memberId: string;
  memberEpoch: number;
  instanceId: string | null;
  rackId: string | null;
  rebalanceTimeoutMs: number;
  subscribedTopicNames: string[] | null;
  subscribedTopicRegex: string | null;
  serverAssignor: string | null;
  topicPartitions: TopicPartitions[] | null;
  clientId: string;
  clientHost: string;
}

export interface ConsumerHeartbeatResult {
  errorCode: number;
  errorMessage: string | null;
  memberId: string | null;
  memberEpoch: number;
  heartbeatIntervalMs: number;
  assignment: { topicPartitions: TopicPartitions[] } | null;
}

export class HeartbeatError extends Error {
  override name = 'HeartbeatError';
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

export function heartbeatError(code: number, message: string | null = null, memberId: string | null = null): ConsumerHeartbeatResult {
  return { errorCode: code, errorMessage: message, memberId, memberEpoch: 0, heartbeatIntervalMs: 0, assignment: null };
}

const blank = (s: string | null): boolean => s !== null && s.trim() === '';

/** Kafka's throwIfConsumerGroupHeartbeatRequestIsInvalid (plus the regex check of v1): an error or null. */
export function validateHeartbeat(req: ConsumerHeartbeatRequest): HeartbeatError | null {
  const invalid = (message: string) => new HeartbeatError(ErrorCode.INVALID_REQUEST, message);
  if ((req.apiVersion >= CONSUMER_GENERATED_MEMBER_ID_REQUIRED_VERSION || req.memberEpoch > 0 || req.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH) && blank(req.memberId)) {
    return invalid("MemberId can't be empty.");
  }
  if (blank(req.groupId)) return invalid("GroupId can't be empty.");
  if (blank(req.instanceId)) return invalid("InstanceId can't be empty.");
  if (blank(req.rackId)) return invalid("RackId can't be empty.");
  if (req.memberEpoch === 0) {
    if (req.rebalanceTimeoutMs === -1) return invalid('RebalanceTimeoutMs must be provided in first request.');
    if (req.topicPartitions === null || req.topicPartitions.length > 0) return invalid('TopicPartitions must be empty when (re-)joining.');
    if (req.subscribedTopicNames === null && req.subscribedTopicRegex === null) {
      return invalid('Either SubscribedTopicNames or SubscribedTopicRegex must be non-null when (re-)joining.');
    }
  } else if (req.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
    if (req.instanceId === null) return invalid("InstanceId can't be null.");
  } else if (req.memberEpoch < LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
    return invalid('MemberEpoch is invalid.');
  }
  if (req.serverAssignor !== null && !(SERVER_ASSIGNORS as readonly string[]).includes(req.serverAssignor)) {
    return new HeartbeatError(
      ErrorCode.UNSUPPORTED_ASSIGNOR,
      `ServerAssignor ${req.serverAssignor} is not supported. Supported assignors: ${SERVER_ASSIGNORS.join(', ')}.`,
    );
  }
  if (req.subscribedTopicRegex !== null && req.subscribedTopicRegex !== '' && compileTopicRegex(req.subscribedTopicRegex) === null) {
    return new HeartbeatError(ErrorCode.INVALID_REGULAR_EXPRESSION, `SubscribedTopicRegex \`${req.subscribedTopicRegex}\` is not a valid regular expression.`);
  }
  return null;
}

/** A member id as the Java client makes them (Uuid.randomUuid().toString(): 22 characters of URL-safe base64). */
export function newMemberId(): string {
  return Buffer.from(randomBytes(16)).toString('base64url');
}

type Found =
  | { kind: 'existing'; member: ConsumerMember }
  | { kind: 'new'; member: ConsumerMember }
  | { kind: 'rejoin'; member: ConsumerMember }
  | { kind: 'replace'; member: ConsumerMember; old: ConsumerMember };

function isSubset(owned: TopicPartitions[] | null, assigned: Assignment): boolean {
  if (owned === null) return false;
  return owned.every((tp) => {
    const ps = assigned.get(tp.topicId);
    return ps !== undefined && tp.partitions.every((p) => ps.includes(p));
  });
}

/** Kafka's throwIfConsumerGroupMemberEpochIsInvalid; epoch 0 is a member rejoining after being fenced (KAFKA-19233). */
function checkEpoch(member: ConsumerMember, epoch: number, owned: TopicPartitions[] | null): void {
  if (epoch === 0) return;
  if (epoch > member.memberEpoch) {
    throw new HeartbeatError(ErrorCode.FENCED_MEMBER_EPOCH, `The consumer group member has a greater member epoch (${epoch}) than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`);
  }
  // The previous epoch is accepted with a subset of the assignment: the answer bumping the epoch may have been lost.
  if (epoch < member.memberEpoch && (epoch !== member.previousMemberEpoch || !isSubset(owned, member.assigned))) {
    throw new HeartbeatError(ErrorCode.FENCED_MEMBER_EPOCH, `The consumer group member has a smaller member epoch (${epoch}) than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`);
  }
}

function unknownMember(group: ConsumerGroup, memberId: string): HeartbeatError {
  return new HeartbeatError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${group.groupId}.`);
}

/** The member the request is about; throws before anything changes. */
function findMember(group: ConsumerGroup, req: ConsumerHeartbeatRequest, memberId: string): Found {
  const joining = req.memberEpoch === 0;
  if (req.instanceId === null) {
    const member = group.members.get(memberId);
    if (!member) {
      if (!joining) throw unknownMember(group, memberId);
      return { kind: 'new', member: new ConsumerMember(memberId) };
    }
    checkEpoch(member, req.memberEpoch, req.topicPartitions);
    return { kind: joining ? 'rejoin' : 'existing', member };
  }
  const existing = group.staticMember(req.instanceId);
  if (joining) {
    if (!existing) {
      const member = group.members.get(memberId);
      return member ? { kind: 'rejoin', member } : { kind: 'new', member: new ConsumerMember(memberId) };
    }
    // The same member coming back after being fenced: a rejoin, as for dynamic members.
    if (existing.memberId === memberId) return { kind: 'rejoin', member: existing };
    if (existing.memberEpoch !== LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      throw new HeartbeatError(ErrorCode.UNRELEASED_INSTANCE_ID, `Static member ${memberId} with instance id ${req.instanceId} cannot join the group because the instance id is owned by ${existing.memberId} member.`);
    }
    // The instance left temporarily (-2): the new member id takes over its membership and assignment.
    const member = existing.copyAs(memberId);
    member.memberEpoch = 0;
    member.previousMemberEpoch = 0;
    return { kind: 'replace', member, old: existing };
  }
  if (!existing) throw new HeartbeatError(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${req.instanceId} is unknown.`);
  if (existing.memberId !== memberId) {
    throw new HeartbeatError(ErrorCode.FENCED_INSTANCE_ID, `Static member ${memberId} with instance id ${req.instanceId} was fenced by member ${existing.memberId}.`);
  }
  checkEpoch(existing, req.memberEpoch, req.topicPartitions);
  return { kind: 'existing', member: existing };
}

const sameList = (a: readonly string[], b: readonly string[]): boolean => {
  const x = [...new Set(a)].sort();
  const y = [...new Set(b)].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
};

function toTopicPartitions(a: Assignment): TopicPartitions[] {
  return [...a].map(([topicId, partitions]) => ({ topicId, partitions: [...partitions] }));
}

/** Recomputes every member's target with the group's preferred assignor; the target's epoch becomes the group's. */
export function updateTargetAssignment(group: ConsumerGroup, topics: ReadonlyMap<string, Topic>): void {
  const partitions = new Map<string, number>();
  const members = [...group.members.values()].map((m) => {
    const topicIds = new Set<string>();
    for (const name of memberTopicNames(m, topics)) {
      const t = topics.get(name);
      if (!t) continue;
      topicIds.add(t.topicId);
      partitions.set(t.topicId, t.partitions);
    }
    return { memberId: m.memberId, instanceId: m.instanceId, topicIds };
  });
  const assign = assignors[group.preferredAssignor()] ?? uniformAssign;
  group.targetAssignment = assign({ members, partitions, current: group.targetAssignment });
  group.assignmentEpoch = group.groupEpoch;
}

/** Refreshes the group's subscribed topics; true when their metadata changed (the group epoch must go up). */
function refreshSubscriptionMetadata(group: ConsumerGroup, topics: ReadonlyMap<string, Topic>): boolean {
  const names = new Set<string>();
  for (const m of group.members.values()) for (const n of memberTopicNames(m, topics)) names.add(n);
  group.subscribedTopics = names;
  const signature = metadataSignature(names, topics);
  if (signature === group.metadataSignature) return false;
  group.metadataSignature = signature;
  return true;
}

/** Handles a heartbeat (or leave) of a member of `group`; the group exists already (created empty for a join). */
export function consumerGroupHeartbeat(env: ConsumerEnv, group: ConsumerGroup, req: ConsumerHeartbeatRequest, topics: ReadonlyMap<string, Topic>): ConsumerHeartbeatResult {
  try {
    if (req.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH || req.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) return leave(env, group, req);
    return heartbeat(env, group, req, topics);
  } catch (err) {
    if (err instanceof HeartbeatError) return heartbeatError(err.code, err.message, req.memberId || null);
    throw err;
  }
}

function heartbeat(env: ConsumerEnv, group: ConsumerGroup, req: ConsumerHeartbeatRequest, topics: ReadonlyMap<string, Topic>): ConsumerHeartbeatResult {
  // v0: the coordinator names a new member.
  const memberId = req.memberId === '' && req.memberEpoch === 0 ? newMemberId() : req.memberId;
  const found = findMember(group, req, memberId);

  // Nothing has changed so far; from here on nothing throws.
  const member = found.member;
  let subscriptionChanged = found.kind === 'new';
  if (found.kind === 'replace') {
    const target = group.targetAssignment.get(found.old.memberId);
    group.remove(found.old.memberId);
    if (target) group.targetAssignment.set(member.memberId, target);
    env.log.info('static member rejoined the consumer group', { group: group.groupId, member: memberId, previous: found.old.memberId, instance: req.instanceId });
  } else if (found.kind === 'rejoin') {
    // Fenced members abandon their partitions and come back with epoch 0: start over from nothing.
    cancelRebalanceTimeout(member);
    member.memberEpoch = 0;
    member.previousMemberEpoch = 0;
    member.state = MemberState.Stable;
    member.assigned = new Map();
    member.pendingRevocation = new Map();
  } else if (found.kind === 'new') {
    env.log.info('member joins the consumer group', { group: group.groupId, member: memberId, instance: req.instanceId });
  }
  if (req.instanceId !== null) member.instanceId = req.instanceId;
  if (req.rackId !== null) member.rackId = req.rackId;
  if (req.rebalanceTimeoutMs !== -1) member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
  if (req.serverAssignor !== null && req.serverAssignor !== member.serverAssignor) {
    member.serverAssignor = req.serverAssignor;
    subscriptionChanged = true;
  }
  if (req.subscribedTopicNames !== null && !sameList(req.subscribedTopicNames, member.subscribedTopicNames)) {
    member.subscribedTopicNames = [...new Set(req.subscribedTopicNames)].sort();
    subscriptionChanged = true;
  }
  if (req.subscribedTopicRegex !== null) {
    const regex = req.subscribedTopicRegex === '' ? null : req.subscribedTopicRegex;
    if (regex !== member.subscribedTopicRegex) {
      member.subscribedTopicRegex = regex;
      subscriptionChanged = true;
    }
  }
  member.clientId = req.clientId;
  member.clientHost = req.clientHost;
  const previouslyAssigned = member.assigned;
  group.put(member);

  // 1. The group epoch: a new group, a changed subscription or changed topic metadata bumps it.
  let bump = group.groupEpoch === 0 || subscriptionChanged;
  if (refreshSubscriptionMetadata(group, topics)) bump = true;
  if (bump) group.groupEpoch++;

  // 2. The target assignment follows the group epoch.
  if (group.groupEpoch > group.assignmentEpoch) {
    updateTargetAssignment(group, topics);
    env.log.info('consumer group target assignment', { group: group.groupId, epoch: group.assignmentEpoch, assignor: group.preferredAssignor(), members: group.members.size });
  }

  // 3. Reconcile the member towards its target.
  if (!member.isReconciledTo(group.assignmentEpoch)) {
    const held = new Map<string, string>();
    for (const m of group.members.values()) {
      for (const a of [m.assigned, m.pendingRevocation]) for (const [t, ps] of a) for (const p of ps) held.set(`${t}:${p}`, m.memberId);
    }
    const next = reconcile({
      member,
      targetEpoch: group.assignmentEpoch,
      target: group.targetOf(member.memberId),
      owned: req.topicPartitions,
      heldByOther: (t, p) => {
        const owner = held.get(`${t}:${p}`);
        return owner !== undefined && owner !== member.memberId;
      },
    });
    if (next !== member) {
      const changed = next.memberEpoch !== member.memberEpoch || next.state !== member.state ||
        !sameAssignment(next.assigned, member.assigned) || !sameAssignment(next.pendingRevocation, member.pendingRevocation);
      member.memberEpoch = next.memberEpoch;
      member.previousMemberEpoch = next.previousMemberEpoch;
      member.state = next.state;
      member.assigned = next.assigned;
      member.pendingRevocation = next.pendingRevocation;
      if (changed) {
        if (member.state === MemberState.UnrevokedPartitions) scheduleRebalanceTimeout(env, group, member);
        else cancelRebalanceTimeout(member);
        env.log.debug('consumer group member reconciled', { group: group.groupId, member: member.memberId, epoch: member.memberEpoch, state: member.state });
      }
    }
  }

  scheduleSession(env, group, member);

  // The assignment goes back on a full request (a join, or one after an error) or when it changed.
  const full = req.memberEpoch === 0 ||
    (req.rebalanceTimeoutMs !== -1 && (req.subscribedTopicNames !== null || req.subscribedTopicRegex !== null) && req.topicPartitions !== null);
  const changed = found.kind === 'replace' || !sameAssignment(previouslyAssigned, member.assigned);
  return {
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    memberId: member.memberId,
    memberEpoch: member.memberEpoch,
    heartbeatIntervalMs: env.heartbeatIntervalMs,
    assignment: full || changed ? { topicPartitions: toTopicPartitions(member.assigned) } : null,
  };
}

/** Kafka's consumerGroupLeave: -1 removes the member, -2 keeps a static member's place until its session ends. */
function leave(env: ConsumerEnv, group: ConsumerGroup, req: ConsumerHeartbeatRequest): ConsumerHeartbeatResult {
  const done = (memberEpoch: number): ConsumerHeartbeatResult => ({
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    memberId: req.memberId,
    memberEpoch,
    heartbeatIntervalMs: 0,
    assignment: null,
  });
  if (req.instanceId === null) {
    const member = group.members.get(req.memberId);
    if (!member) throw unknownMember(group, req.memberId);
    env.log.info('member left the consumer group', { group: group.groupId, member: member.memberId });
    fenceMember(group, member);
    return done(LEAVE_GROUP_MEMBER_EPOCH);
  }
  const member = group.staticMember(req.instanceId);
  if (!member) throw new HeartbeatError(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${req.instanceId} is unknown.`);
  if (member.memberId !== req.memberId) {
    throw new HeartbeatError(ErrorCode.FENCED_INSTANCE_ID, `Static member ${req.memberId} with instance id ${req.instanceId} was fenced by member ${member.memberId}.`);
  }
  if (req.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
    env.log.info('static member temporarily left the consumer group', { group: group.groupId, member: member.memberId, instance: req.instanceId });
    cancelRebalanceTimeout(member);
    member.memberEpoch = LEAVE_GROUP_STATIC_MEMBER_EPOCH;
    member.pendingRevocation = new Map();
    return done(LEAVE_GROUP_STATIC_MEMBER_EPOCH);
  }
  env.log.info('static member left the consumer group', { group: group.groupId, member: member.memberId, instance: req.instanceId });
  fenceMember(group, member);
  return done(LEAVE_GROUP_MEMBER_EPOCH);
}
