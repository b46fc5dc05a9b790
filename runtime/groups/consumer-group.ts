// A KIP-848 ("consumer" protocol) group's state: Kafka's ConsumerGroup and ConsumerGroupMember. The group epoch,
// the target assignment (with its epoch), the members with their subscriptions, member epochs, reconciliation
// state, assigned partitions and partitions pending revocation. No timers and no I/O here.

/** Partitions by topic id (a UUID string); every list sorted ascending, no empty lists. */
export type Assignment = Map<string, number[]>;

export const MemberState = {
  Stable: 'stable',
  /** Waiting for the member to revoke partitions (it keeps its epoch until it has). */
  UnrevokedPartitions: 'unrevoked_partitions',
  /** At the target epoch, waiting for partitions that other members still hold. */
  UnreleasedPartitions: 'unreleased_partitions',
} as const;
export type MemberStateName = (typeof MemberState)[keyof typeof MemberState];

/** Kafka's ConsumerGroupState names, as DescribeGroups/ListGroups/ConsumerGroupDescribe show them. */
export const ConsumerGroupState = {
  Empty: 'Empty',
  Assigning: 'Assigning',
  Reconciling: 'Reconciling',
  Stable: 'Stable',
  Dead: 'Dead',
} as const;
export type ConsumerGroupStateName = (typeof ConsumerGroupState)[keyof typeof ConsumerGroupState];

/** ConsumerGroupHeartbeat member epochs with a meaning. */
export const JOIN_GROUP_MEMBER_EPOCH = 0;
export const LEAVE_GROUP_MEMBER_EPOCH = -1;
export const LEAVE_GROUP_STATIC_MEMBER_EPOCH = -2;

/** The server assignors, the first being the default (Kafka's group.consumer.assignors). */
export const SERVER_ASSIGNORS = ['uniform', 'range'] as const;
export const DEFAULT_ASSIGNOR = SERVER_ASSIGNORS[0];

export class ConsumerMember {
  readonly memberId: string;
  instanceId: string | null = null;
  rackId: string | null = null;
  clientId = '';
  clientHost = '';
  rebalanceTimeoutMs = -1;
  subscribedTopicNames: string[] = [];
  subscribedTopicRegex: string | null = null;
  serverAssignor: string | null = null;
  memberEpoch = 0;
  previousMemberEpoch = 0;
  state: MemberStateName = MemberState.Stable;
  assigned: Assignment = new Map();
  pendingRevocation: Assignment = new Map();
  /** performance.now() after which the member expires unless it heartbeats. */
  sessionDeadline = 0;
  sessionTimer: ReturnType<typeof setTimeout> | null = null;
  rebalanceTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(memberId: string) {
    this.memberId = memberId;
  }

  /** A copy under another member id (a static member coming back with a new one), without timers. */
  copyAs(memberId: string): ConsumerMember {
    const m = new ConsumerMember(memberId);
    m.instanceId = this.instanceId;
    m.rackId = this.rackId;
    m.clientId = this.clientId;
    m.clientHost = this.clientHost;
    m.rebalanceTimeoutMs = this.rebalanceTimeoutMs;
    m.subscribedTopicNames = [...this.subscribedTopicNames];
    m.subscribedTopicRegex = this.subscribedTopicRegex;
    m.serverAssignor = this.serverAssignor;
    m.memberEpoch = this.memberEpoch;
    m.previousMemberEpoch = this.previousMemberEpoch;
    m.state = this.state;
    m.assigned = copyAssignment(this.assigned);
    m.pendingRevocation = copyAssignment(this.pendingRevocation);
    return m;
  }

  isReconciledTo(targetEpoch: number): boolean {
    return this.state === MemberState.Stable && this.memberEpoch === targetEpoch;
  }

  clearTimers(): void {
    if (this.sessionTimer !== null) clearTimeout(this.sessionTimer);
    if (this.rebalanceTimer !== null) clearTimeout(this.rebalanceTimer);
    this.sessionTimer = null;
    this.rebalanceTimer = null;
  }
}

export class ConsumerGroup {
  readonly type = 'consumer' as const;
  readonly groupId: string;
  readonly slot: number;
  groupEpoch = 0;
  /** The epoch of the target assignment (the group epoch it was computed for). */
  assignmentEpoch = 0;
  readonly members = new Map<string, ConsumerMember>();
  /** instance id → member id. */
  readonly staticMembers = new Map<string, string>();
  /** member id → the partitions the assignor gave it. */
  targetAssignment = new Map<string, Assignment>();
  /** The subscribed topics' names, ids and partition counts when the group epoch last changed (see subscription.ts). */
  metadataSignature = '';
  /** Every topic some member subscribes to (by name or regex), as resolved when the metadata was last refreshed. */
  subscribedTopics = new Set<string>();
  /** Date.now() when the group was created or last became empty (retention of empty groups' offsets). */
  stateTimestamp: number;
  dead = false;
  /** The last state written (or being written) to PostgreSQL, as JSON, with the write's outcome. */
  persisted: { json: string; result: Promise<number> } = { json: '', result: Promise.resolve(0) };

  constructor(groupId: string, slot: number, now: number = Date.now()) {
    this.groupId = groupId;
    this.slot = slot;
    this.stateTimestamp = now;
  }

  get state(): ConsumerGroupStateName {
    if (this.dead) return ConsumerGroupState.Dead;
    if (this.members.size === 0) return ConsumerGroupState.Empty;
    if (this.groupEpoch > this.assignmentEpoch) return ConsumerGroupState.Assigning;
    for (const m of this.members.values()) {
      if (!m.isReconciledTo(this.assignmentEpoch)) return ConsumerGroupState.Reconciling;
    }
    return ConsumerGroupState.Stable;
  }

  get isEmpty(): boolean {
    return this.members.size === 0;
  }

  staticMember(instanceId: string): ConsumerMember | undefined {
    const id = this.staticMembers.get(instanceId);
    return id === undefined ? undefined : this.members.get(id);
  }

  /** Adds or replaces a member (by member id). */
  put(member: ConsumerMember): void {
    this.members.set(member.memberId, member);
    if (member.instanceId !== null) this.staticMembers.set(member.instanceId, member.memberId);
  }

  /** Removes a member with its target assignment; stops its timers. */
  remove(memberId: string): ConsumerMember | undefined {
    const member = this.members.get(memberId);
    if (!member) return undefined;
    member.clearTimers();
    this.members.delete(memberId);
    this.targetAssignment.delete(memberId);
    if (member.instanceId !== null && this.staticMembers.get(member.instanceId) === memberId) this.staticMembers.delete(member.instanceId);
    return member;
  }

  targetOf(memberId: string): Assignment {
    return this.targetAssignment.get(memberId) ?? new Map();
  }

  /** The member holding a partition (assigned, or pending revocation), if any. */
  ownerOf(topicId: string, partition: number): string | undefined {
    for (const m of this.members.values()) {
      if (m.assigned.get(topicId)?.includes(partition) || m.pendingRevocation.get(topicId)?.includes(partition)) return m.memberId;
    }
    return undefined;
  }

  /** Kafka's computePreferredServerAssignor: the assignor most members ask for, else the default. */
  preferredAssignor(): string {
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      if (m.serverAssignor !== null) votes.set(m.serverAssignor, (votes.get(m.serverAssignor) ?? 0) + 1);
    }
    let best: string = DEFAULT_ASSIGNOR;
    let bestVotes = 0;
    for (const [name, n] of votes) {
      if (n > bestVotes) {
        best = name;
        bestVotes = n;
      }
    }
    return best;
  }

  isSubscribedToTopic(topic: string): boolean {
    return this.subscribedTopics.has(topic);
  }
}

// Assignment helpers

export function copyAssignment(a: Assignment): Assignment {
  return new Map([...a].map(([t, ps]) => [t, [...ps]]));
}

export function sameAssignment(a: Assignment, b: Assignment): boolean {
  if (a.size !== b.size) return false;
  for (const [t, ps] of a) {
    const other = b.get(t);
    if (!other || other.length !== ps.length || ps.some((p, i) => other[i] !== p)) return false;
  }
  return true;
}

/** Builds an Assignment from sets, dropping empty topics and sorting partitions. */
export function assignmentFrom(sets: Map<string, Set<number>>): Assignment {
  const out: Assignment = new Map();
  for (const [t, ps] of sets) if (ps.size > 0) out.set(t, [...ps].sort((x, y) => x - y));
  return out;
}

export function countPartitions(a: Assignment): number {
  let n = 0;
  for (const ps of a.values()) n += ps.length;
  return n;
}
