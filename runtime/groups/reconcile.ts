// Incremental reconciliation of one member towards its target assignment: Kafka's CurrentAssignmentBuilder.
// Partitions to give up are revoked first (the member keeps its epoch until it reports them gone); partitions
// another member still holds are not assigned until that member has released them.

import { type Assignment, MemberState, type MemberStateName, assignmentFrom } from './consumer-group.ts';

export interface MemberAssignmentState {
  memberEpoch: number;
  previousMemberEpoch: number;
  state: MemberStateName;
  assigned: Assignment;
  pendingRevocation: Assignment;
}

export interface ReconcileInput {
  member: MemberAssignmentState;
  targetEpoch: number;
  target: Assignment;
  /** The partitions the member reports owning, or null when it did not say (unchanged since its last report). */
  owned: { topicId: string; partitions: number[] }[] | null;
  /** Whether another member holds the partition (assigned to it or pending its revocation). */
  heldByOther(topicId: string, partition: number): boolean;
}

/** Whether the member (by its report) still owns any of the partitions; true when it did not report. */
export function ownsAny(owned: ReconcileInput['owned'], partitions: Assignment): boolean {
  if (owned === null) return true;
  for (const tp of owned) {
    const pending = partitions.get(tp.topicId);
    if (pending && tp.partitions.some((p) => pending.includes(p))) return true;
  }
  return false;
}

/** The member's next state (a new object; the input is not changed). */
export function reconcile(input: ReconcileInput): MemberAssignmentState {
  const { member, targetEpoch } = input;
  switch (member.state) {
    case MemberState.Stable:
      return member.memberEpoch !== targetEpoch ? computeNext(input, member.memberEpoch) : member;
    case MemberState.UnrevokedPartitions:
      // Nothing moves until the member has revoked what it was asked to.
      if (ownsAny(input.owned, member.pendingRevocation)) return member;
      return computeNext(input, member.memberEpoch);
    case MemberState.UnreleasedPartitions:
      return computeNext(input, member.memberEpoch);
  }
}

function withEpoch(member: MemberAssignmentState, epoch: number): { memberEpoch: number; previousMemberEpoch: number } {
  return epoch === member.memberEpoch
    ? { memberEpoch: member.memberEpoch, previousMemberEpoch: member.previousMemberEpoch }
    : { memberEpoch: epoch, previousMemberEpoch: member.memberEpoch };
}

function computeNext(input: ReconcileInput, memberEpoch: number): MemberAssignmentState {
  const { member, target, targetEpoch } = input;
  const assigned = new Map<string, Set<number>>();
  const revoke = new Map<string, Set<number>>();
  const toAssign = new Map<string, Set<number>>();
  let unreleased = false;
  for (const topicId of new Set([...target.keys(), ...member.assigned.keys()])) {
    const wanted = new Set(target.get(topicId) ?? []);
    const current = member.assigned.get(topicId) ?? [];
    // Kept: what the member has and should keep. Revoked: what it has and should not.
    const keep = new Set(current.filter((p) => wanted.has(p)));
    const gone = new Set(current.filter((p) => !wanted.has(p)));
    // New: what it should have and has not, unless another member still holds it.
    const fresh = new Set<number>();
    for (const p of wanted) {
      if (keep.has(p)) continue;
      if (input.heldByOther(topicId, p)) unreleased = true;
      else fresh.add(p);
    }
    if (keep.size > 0) assigned.set(topicId, keep);
    if (gone.size > 0) revoke.set(topicId, gone);
    if (fresh.size > 0) toAssign.set(topicId, fresh);
  }
  const pendingRevocation = assignmentFrom(revoke);
  if (pendingRevocation.size > 0 && ownsAny(input.owned, pendingRevocation)) {
    // Revoke first: the member stays at its epoch with what it keeps until it reports the rest gone.
    return {
      ...withEpoch(member, memberEpoch),
      state: MemberState.UnrevokedPartitions,
      assigned: assignmentFrom(assigned),
      pendingRevocation,
    };
  }
  for (const [topicId, ps] of toAssign) {
    const set = assigned.get(topicId) ?? new Set<number>();
    for (const p of ps) set.add(p);
    assigned.set(topicId, set);
  }
  return {
    ...withEpoch(member, targetEpoch),
    state: unreleased ? MemberState.UnreleasedPartitions : MemberState.Stable,
    assigned: assignmentFrom(assigned),
    pendingRevocation: new Map(),
  };
}
