// A classic-protocol group's state: Kafka's GroupMetadata. Members, static members, pending members (handed a
// member id by MEMBER_ID_REQUIRED, not joined yet), the state machine, protocol selection and leader election.
// No timers and no I/O here: the coordinator drives it (rebalance.ts).

import { ClassicMember, type JoinResult, type Protocol } from './member.ts';
import { CONSUMER_PROTOCOL_TYPE, subscribedTopics } from './consumer-protocol.ts';

export const GroupState = {
  Empty: 'Empty',
  PreparingRebalance: 'PreparingRebalance',
  CompletingRebalance: 'CompletingRebalance',
  Stable: 'Stable',
  Dead: 'Dead',
} as const;
export type GroupStateName = (typeof GroupState)[keyof typeof GroupState];

const validPrevious: Record<GroupStateName, readonly GroupStateName[]> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead'],
};

export class ClassicGroup {
  readonly type = 'classic' as const;
  readonly groupId: string;
  readonly slot: number;
  state: GroupStateName = GroupState.Empty;
  /** Date.now() when the group entered its state. */
  stateTimestamp: number;
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, ClassicMember>();
  /** group.instance.id → member id. */
  readonly staticMembers = new Map<string, string>();
  /** Member ids handed out with MEMBER_ID_REQUIRED, with their expiry timers. */
  readonly pendingMembers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Members of the new generation that have not sent SyncGroup yet. */
  readonly pendingSyncMembers = new Set<string>();
  /** Set when a member joins during the initial rebalance delay (which then extends). */
  newMemberAdded = false;
  /** Topics the members subscribe to (consumer protocol), or null when unknown. */
  subscribedTopics: Set<string> | null = null;
  /** The join phase's deadline timer (DelayedJoin / InitialDelayedJoin). */
  joinTimer: ReturnType<typeof setTimeout> | null = null;
  /** True while the initial rebalance delay runs (the join cannot complete early). */
  inInitialDelay = false;
  /** The pending-sync deadline timer. */
  syncTimer: ReturnType<typeof setTimeout> | null = null;
  readonly #protocolVotes = new Map<string, number>();

  constructor(groupId: string, slot: number, now: number = Date.now()) {
    this.groupId = groupId;
    this.slot = slot;
    this.stateTimestamp = now;
  }

  is(state: GroupStateName): boolean {
    return this.state === state;
  }

  transitionTo(state: GroupStateName, now: number = Date.now()): void {
    if (!validPrevious[state].includes(this.state)) {
      throw new Error(`group ${this.groupId}: invalid transition ${this.state} -> ${state}`);
    }
    this.state = state;
    this.stateTimestamp = now;
  }

  get canRebalance(): boolean {
    return this.state === 'Stable' || this.state === 'CompletingRebalance' || this.state === 'Empty';
  }

  has(memberId: string): boolean {
    return this.members.has(memberId);
  }

  get(memberId: string): ClassicMember | undefined {
    return this.members.get(memberId);
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  isPendingMember(memberId: string): boolean {
    return this.pendingMembers.has(memberId);
  }

  hasStaticMember(instanceId: string | null): boolean {
    return instanceId !== null && this.staticMembers.has(instanceId);
  }

  /** A request with this instance id but another member id comes from a fenced (replaced) instance. */
  isStaticMemberFenced(instanceId: string | null, memberId: string): boolean {
    if (instanceId === null) return false;
    const current = this.staticMembers.get(instanceId);
    return current !== undefined && current !== memberId;
  }

  get numMembersAwaitingJoin(): number {
    let n = 0;
    for (const m of this.members.values()) if (m.awaitingJoin) n++;
    return n;
  }

  get hasAllMembersJoined(): boolean {
    return this.members.size === this.numMembersAwaitingJoin && this.pendingMembers.size === 0;
  }

  /** The longest rebalance timeout among members: how long the join phase waits. */
  get rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  #vote(member: ClassicMember, delta: number): void {
    for (const p of member.protocols) {
      const n = (this.#protocolVotes.get(p.name) ?? 0) + delta;
      if (n <= 0) this.#protocolVotes.delete(p.name);
      else this.#protocolVotes.set(p.name, n);
    }
  }

  add(member: ClassicMember, callback: ((r: JoinResult) => void) | null): void {
    if (this.members.size === 0) this.protocolType = member.protocolType;
    if (this.leaderId === null) this.leaderId = member.memberId;
    this.members.set(member.memberId, member);
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
    this.#vote(member, 1);
    member.awaitingJoin = callback;
    this.removePendingMember(member.memberId);
  }

  /** Removes a member (its waiting requests must have been answered by the caller). */
  remove(memberId: string): ClassicMember | undefined {
    const member = this.members.get(memberId);
    if (!member) return undefined;
    this.members.delete(memberId);
    this.#vote(member, -1);
    member.clearTimer();
    if (member.groupInstanceId !== null && this.staticMembers.get(member.groupInstanceId) === memberId) {
      this.staticMembers.delete(member.groupInstanceId);
    }
    if (this.isLeader(memberId)) {
      const next = this.members.keys().next();
      this.leaderId = next.done ? null : next.value;
    }
    this.pendingSyncMembers.delete(memberId);
    return member;
  }

  addPendingMember(memberId: string, timer: ReturnType<typeof setTimeout>): void {
    this.pendingMembers.set(memberId, timer);
  }

  removePendingMember(memberId: string): boolean {
    const timer = this.pendingMembers.get(memberId);
    if (timer === undefined) return false;
    clearTimeout(timer);
    this.pendingMembers.delete(memberId);
    return true;
  }

  updateMember(member: ClassicMember, protocols: Protocol[], rebalanceTimeoutMs: number, sessionTimeoutMs: number): void {
    this.#vote(member, -1);
    member.protocols = protocols;
    this.#vote(member, 1);
    member.rebalanceTimeoutMs = rebalanceTimeoutMs;
    member.sessionTimeoutMs = sessionTimeoutMs;
  }

  /** A static member rejoined with a new member id: the old id is gone, the member keeps its assignment. */
  replaceStaticMember(instanceId: string, oldMemberId: string, newMemberId: string): ClassicMember {
    const member = this.members.get(oldMemberId);
    if (!member) throw new Error(`group ${this.groupId}: static member ${instanceId} has no member ${oldMemberId}`);
    this.members.delete(oldMemberId);
    member.memberId = newMemberId;
    this.members.set(newMemberId, member);
    if (this.isLeader(oldMemberId)) this.leaderId = newMemberId;
    this.staticMembers.set(instanceId, newMemberId);
    if (this.pendingSyncMembers.delete(oldMemberId)) this.pendingSyncMembers.add(newMemberId);
    return member;
  }

  /** Protocols every member supports. */
  #candidates(): Set<string> {
    const all = new Set<string>();
    for (const [name, n] of this.#protocolVotes) if (n === this.members.size) all.add(name);
    return all;
  }

  /** Whether a member with this protocol type and protocols may join. */
  supportsProtocols(protocolType: string, protocols: readonly Protocol[]): boolean {
    if (this.members.size === 0) return protocolType !== '' && protocols.length > 0;
    if (this.protocolType !== protocolType) return false;
    const candidates = this.#candidates();
    return protocols.some((p) => candidates.has(p.name));
  }

  /** Kafka's selectProtocol: each member votes for its first supported candidate; the most votes wins. */
  selectProtocol(): string {
    const candidates = this.#candidates();
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const v = m.vote(candidates);
      if (v !== undefined) votes.set(v, (votes.get(v) ?? 0) + 1);
    }
    let best: string | undefined;
    let bestVotes = -1;
    for (const [name, n] of votes) {
      if (n > bestVotes) {
        best = name;
        bestVotes = n;
      }
    }
    if (best === undefined) throw new Error(`group ${this.groupId}: no protocol supported by all members`);
    return best;
  }

  /** Dynamic members that did not rejoin during the join phase. */
  notYetRejoinedMembers(): ClassicMember[] {
    return [...this.members.values()].filter((m) => !m.awaitingJoin);
  }

  /** If the leader did not rejoin, any member that did becomes leader; false when none did. */
  maybeElectNewJoinedLeader(): boolean {
    if (this.leaderId === null) return false;
    const leader = this.members.get(this.leaderId);
    if (leader?.awaitingJoin) return true;
    for (const m of this.members.values()) {
      if (m.awaitingJoin) {
        this.leaderId = m.memberId;
        return true;
      }
    }
    return false;
  }

  initNextGeneration(now: number = Date.now()): void {
    this.generationId++;
    if (this.members.size > 0) {
      this.protocolName = this.selectProtocol();
      this.subscribedTopics = this.computeSubscribedTopics();
      this.transitionTo(GroupState.CompletingRebalance, now);
    } else {
      this.protocolName = null;
      this.subscribedTopics = this.computeSubscribedTopics();
      this.transitionTo(GroupState.Empty, now);
    }
    this.pendingSyncMembers.clear();
  }

  /** Union of the members' subscriptions for the consumer protocol; null when not known. */
  computeSubscribedTopics(): Set<string> | null {
    if (this.members.size === 0) return new Set();
    if (this.protocolType !== CONSUMER_PROTOCOL_TYPE || this.protocolName === null) return null;
    const out = new Set<string>();
    for (const m of this.members.values()) {
      const topics = subscribedTopics(m.metadata(this.protocolName));
      if (topics === null) return null;
      for (const t of topics) out.add(t);
    }
    return out;
  }

  /** Whether the group may hold offsets of this topic that are in use (conservatively true when unknown). */
  isSubscribedToTopic(topic: string): boolean {
    return this.subscribedTopics === null || this.subscribedTopics.has(topic);
  }

  /** Members as the leader sees them in its JoinGroup response. */
  currentMemberMetadata(): JoinResult['members'] {
    const protocol = this.protocolName ?? '';
    return [...this.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata(protocol) }));
  }
}
