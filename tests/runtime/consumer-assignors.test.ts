// The KIP-848 server assignors and reconciliation as pure functions: the uniform assignor balances, keeps partitions
// where they are when it can and honours heterogeneous subscriptions; the range assignor gives contiguous ranges
// (static members first, Kafka's co-partitioning example); reconciliation revokes before it assigns and waits for
// partitions other members still hold.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rangeAssign, uniformAssign, type AssignorMember } from '../../runtime/groups/assignors.ts';
import { type Assignment, MemberState } from '../../runtime/groups/consumer-group.ts';
import { reconcile } from '../../runtime/groups/reconcile.ts';

const member = (memberId: string, topicIds: string[], instanceId: string | null = null): AssignorMember => ({ memberId, instanceId, topicIds: new Set(topicIds) });
const flat = (a: Assignment | undefined): string[] => [...(a ?? new Map<string, number[]>())].flatMap(([t, ps]) => ps.map((p) => `${t}${p}`)).sort();

test('uniform: balanced over homogeneous subscriptions, sticky when a member leaves', () => {
  const partitions = new Map([['A', 6], ['B', 3]]);
  const first = uniformAssign({ members: [member('m1', ['A', 'B']), member('m2', ['A', 'B']), member('m3', ['A', 'B'])], partitions, current: new Map() });
  assert.deepEqual([...first.values()].map((a) => flat(a).length), [3, 3, 3]);
  assert.equal(new Set([...first.values()].flatMap(flat)).size, 9, 'every partition once');
  const second = uniformAssign({ members: [member('m1', ['A', 'B']), member('m2', ['A', 'B'])], partitions, current: first });
  assert.ok(flat(first.get('m1')).every((p) => flat(second.get('m1')).includes(p)), 'm1 keeps its partitions');
  assert.ok(flat(first.get('m2')).every((p) => flat(second.get('m2')).includes(p)), 'm2 keeps its partitions');
  assert.deepEqual([...second.values()].map((a) => flat(a).length).sort(), [4, 5]);
  assert.equal(new Set([...second.values()].flatMap(flat)).size, 9);
});

test('uniform: heterogeneous subscriptions', () => {
  const partitions = new Map([['A', 4], ['B', 2]]);
  const out = uniformAssign({ members: [member('m1', ['A']), member('m2', ['A', 'B']), member('m3', ['C'])], partitions, current: new Map() });
  assert.ok(flat(out.get('m1')).every((p) => p.startsWith('A')), 'm1 only gets A');
  assert.deepEqual(flat(out.get('m3')), [], 'm3 subscribes to a topic that does not exist');
  assert.deepEqual([...flat(out.get('m1')), ...flat(out.get('m2'))].sort(), ['A0', 'A1', 'A2', 'A3', 'B0', 'B1']);
  assert.deepEqual([flat(out.get('m1')).length, flat(out.get('m2')).length], [3, 3]);
});

test('range: contiguous ranges, co-partitioned, static members first', () => {
  const partitions = new Map([['T1', 3], ['T2', 3]]);
  const out = rangeAssign({ members: [member('M1', ['T1', 'T2']), member('M0', ['T1', 'T2'])], partitions, current: new Map() });
  assert.deepEqual(flat(out.get('M0')), ['T10', 'T11', 'T20', 'T21']);
  assert.deepEqual(flat(out.get('M1')), ['T12', 'T22']);
  const statics = rangeAssign({ members: [member('a', ['T1']), member('z', ['T1'], 'I0')], partitions: new Map([['T1', 3]]), current: new Map() });
  assert.deepEqual([flat(statics.get('z')), flat(statics.get('a'))], [['T10', 'T11'], ['T12']]);
});

test('reconcile: revoke first, then move to the target epoch; wait for partitions others hold', () => {
  const target: Assignment = new Map([['A', [0, 1]]]);
  const start = { memberEpoch: 1, previousMemberEpoch: 0, state: MemberState.Stable, assigned: new Map([['A', [0, 1, 2, 3]]]), pendingRevocation: new Map() };
  const revoking = reconcile({ member: start, targetEpoch: 2, target, owned: null, heldByOther: () => false });
  assert.deepEqual([revoking.state, revoking.memberEpoch, flat(revoking.assigned), flat(revoking.pendingRevocation)], [MemberState.UnrevokedPartitions, 1, ['A0', 'A1'], ['A2', 'A3']]);
  const still = reconcile({ member: revoking, targetEpoch: 2, target, owned: [{ topicId: 'A', partitions: [0, 1, 3] }], heldByOther: () => false });
  assert.equal(still, revoking, 'A3 is still owned');
  const done = reconcile({ member: revoking, targetEpoch: 2, target, owned: [{ topicId: 'A', partitions: [0, 1] }], heldByOther: () => false });
  assert.deepEqual([done.state, done.memberEpoch, done.previousMemberEpoch, flat(done.assigned), flat(done.pendingRevocation)], [MemberState.Stable, 2, 1, ['A0', 'A1'], []]);

  const joining = { memberEpoch: 0, previousMemberEpoch: 0, state: MemberState.Stable, assigned: new Map(), pendingRevocation: new Map() };
  const waiting = reconcile({ member: joining, targetEpoch: 2, target: new Map([['A', [2, 3]]]), owned: [], heldByOther: (_t, p) => p === 3 });
  assert.deepEqual([waiting.state, waiting.memberEpoch, flat(waiting.assigned)], [MemberState.UnreleasedPartitions, 2, ['A2']]);
  const released = reconcile({ member: waiting, targetEpoch: 2, target: new Map([['A', [2, 3]]]), owned: null, heldByOther: () => false });
  assert.deepEqual([released.state, flat(released.assigned)], [MemberState.Stable, ['A2', 'A3']]);
});
