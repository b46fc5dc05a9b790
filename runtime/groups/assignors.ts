// Server-side assignors of KIP-848 groups (Kafka's group.consumer.assignors): "uniform" (the default: balanced and
// sticky, partitions stay with their member unless the balance needs them elsewhere) and "range" (contiguous ranges
// per topic, static members first by instance id, then dynamic members by member id). Pure functions.

import { type Assignment, assignmentFrom } from './consumer-group.ts';

export interface AssignorMember {
  memberId: string;
  instanceId: string | null;
  /** Ids of the existing topics the member subscribes to. */
  topicIds: ReadonlySet<string>;
}

export interface AssignorInput {
  members: AssignorMember[];
  /** Partition count by topic id, for every subscribed topic that exists. */
  partitions: ReadonlyMap<string, number>;
  /** The current target assignment (for stickiness). */
  current: ReadonlyMap<string, Assignment>;
}

export type Assignor = (input: AssignorInput) => Map<string, Assignment>;

export const assignors: Readonly<Record<string, Assignor>> = { uniform: uniformAssign, range: rangeAssign };

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Kafka's RangeAssignor order: static members first (by instance id), then the others by member id. */
function rangeOrder(a: AssignorMember, b: AssignorMember): number {
  if (a.instanceId !== null && b.instanceId !== null) return compare(a.instanceId, b.instanceId);
  if (a.instanceId !== null) return -1;
  if (b.instanceId !== null) return 1;
  return compare(a.memberId, b.memberId);
}

export function rangeAssign(input: AssignorInput): Map<string, Assignment> {
  const members = [...input.members].sort(rangeOrder);
  const sets = new Map(members.map((m) => [m.memberId, new Map<string, Set<number>>()]));
  for (const [topicId, count] of [...input.partitions].sort(([a], [b]) => compare(a, b))) {
    const subscribed = members.filter((m) => m.topicIds.has(topicId));
    if (subscribed.length === 0) continue;
    const minQuota = Math.floor(count / subscribed.length);
    let extra = count % subscribed.length;
    let next = 0;
    for (const m of subscribed) {
      let quota = minQuota;
      if (extra > 0) {
        quota++;
        extra--;
      }
      const end = Math.min(next + quota, count);
      const ps = new Set<number>();
      for (let p = next; p < end; p++) ps.add(p);
      next = end;
      if (ps.size > 0) sets.get(m.memberId)!.set(topicId, ps);
    }
  }
  return new Map([...sets].map(([id, s]) => [id, assignmentFrom(s)]));
}

export function uniformAssign(input: AssignorInput): Map<string, Assignment> {
  const members = [...input.members].sort((a, b) => compare(a.memberId, b.memberId));
  const byId = new Map(members.map((m) => [m.memberId, m]));
  const owner = new Map<string, string>(); // "topicId:partition" → member id
  const counts = new Map(members.map((m) => [m.memberId, 0]));
  const key = (t: string, p: number) => `${t}:${p}`;
  const valid = (m: AssignorMember, t: string, p: number) => m.topicIds.has(t) && p < (input.partitions.get(t) ?? 0);

  // 1. Stickiness: every member keeps what it had that it may still have.
  for (const m of members) {
    for (const [t, ps] of input.current.get(m.memberId) ?? new Map<string, number[]>()) {
      for (const p of ps) {
        if (!valid(m, t, p) || owner.has(key(t, p))) continue;
        owner.set(key(t, p), m.memberId);
        counts.set(m.memberId, counts.get(m.memberId)! + 1);
      }
    }
  }

  // 2. Every partition without an owner goes to the least loaded member subscribed to its topic; the partitions
  // with the fewest candidates go first.
  const eligible = new Map<string, AssignorMember[]>();
  for (const t of input.partitions.keys()) eligible.set(t, members.filter((m) => m.topicIds.has(t)));
  const free: { t: string; p: number }[] = [];
  for (const [t, n] of input.partitions) {
    if ((eligible.get(t) ?? []).length === 0) continue;
    for (let p = 0; p < n; p++) if (!owner.has(key(t, p))) free.push({ t, p });
  }
  free.sort((a, b) => eligible.get(a.t)!.length - eligible.get(b.t)!.length || compare(a.t, b.t) || a.p - b.p);
  const leastLoaded = (candidates: AssignorMember[]): AssignorMember => {
    let best = candidates[0];
    for (const m of candidates) if (counts.get(m.memberId)! < counts.get(best.memberId)!) best = m;
    return best;
  };
  for (const { t, p } of free) {
    const m = leastLoaded(eligible.get(t)!);
    owner.set(key(t, p), m.memberId);
    counts.set(m.memberId, counts.get(m.memberId)! + 1);
  }

  // 3. Balance: move partitions from a member to one subscribed to the topic with at least two fewer. Each move
  // lowers the sum of squared counts, so this ends.
  for (let moved = true; moved;) {
    moved = false;
    const entries = [...owner].sort(([a], [b]) => compare(b, a)); // highest partitions move first
    for (const [k, from] of entries) {
      const at = k.lastIndexOf(':');
      const t = k.slice(0, at);
      const to = leastLoaded(eligible.get(t)!);
      if (counts.get(to.memberId)! + 1 < counts.get(from)!) {
        owner.set(k, to.memberId);
        counts.set(from, counts.get(from)! - 1);
        counts.set(to.memberId, counts.get(to.memberId)! + 1);
        moved = true;
      }
    }
  }

  const sets = new Map(members.map((m) => [m.memberId, new Map<string, Set<number>>()]));
  for (const [k, id] of owner) {
    if (!byId.has(id)) continue;
    const at = k.lastIndexOf(':');
    const t = k.slice(0, at);
    const byTopic = sets.get(id)!;
    let s = byTopic.get(t);
    if (!s) byTopic.set(t, (s = new Set()));
    s.add(Number(k.slice(at + 1)));
  }
  return new Map([...sets].map(([id, s]) => [id, assignmentFrom(s)]));
}
