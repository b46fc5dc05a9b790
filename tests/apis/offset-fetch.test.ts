// OffsetFetch conformance: codec round trip of every version; every version reads committed offsets (-1 where
// none); v0 reports unknown partitions as UNKNOWN_TOPIC_OR_PARTITION, v1+ as -1; v2+ with a null topic list
// returns everything committed; v8+ answers several groups; v7+ with requireStable answers UNSTABLE_OFFSET_COMMIT
// for partitions whose offsets an open transaction has committed, and the committed offset once it ends; a broker
// that does not coordinate the group answers NOT_COORDINATOR (at group level from v2, on each partition before).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as offsetFetch from '../../apis/offset-fetch.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { commit } from '../helpers/groups.ts';
import { addOffsets, endTxn, initOk, txnOffsetCommit } from '../helpers/transactions.ts';
import { startGroupCoordinator } from '../../runtime/groups/coordinator.ts';
import { SLOT_COUNT, slotFor } from '../../runtime/groups/slot.ts';
import { until } from '../helpers/eventually.ts';

type Res = offsetFetch.OffsetFetchResponse;

let tb: TestBroker;
let client: RawClient;
before(async () => {
  tb = await startTestBroker();
  client = await RawClient.connect(tb.port);
  await tb.store.createTopic({ name: 'a', partitions: 2 });
  await tb.store.createTopic({ name: 'b', partitions: 1 });
  assert.deepEqual(await commit(client, 'g1', 'a', { 0: 5, 1: 6 }, { metadata: 'x', leaderEpoch: 2 }), [0, 0]);
  assert.deepEqual(await commit(client, 'g1', 'b', { 0: 7 }), [0]);
  assert.deepEqual(await commit(client, 'g2', 'b', { 0: 70 }), [0]);
});
after(async () => {
  client?.close();
  await tb?.stop();
});

const single = (groupId: string, topics: { name: string; partitionIndexes: number[] }[] | null) => ({ groupId, topics, groups: [], requireStable: false });

test('OffsetFetch: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(offsetFetch);
});

test('OffsetFetch v0-7: committed offsets of the requested partitions', async () => {
  for (let v = 0; v <= 7; v++) {
    const res = await client.request<Res>(offsetFetch, v, single('g1', [{ name: 'a', partitionIndexes: [1, 0] }, { name: 'b', partitionIndexes: [0] }]));
    assert.deepEqual(res.topics?.map((t) => [t.name, t.partitions?.map((p) => [p.partitionIndex, p.committedOffset, p.committedLeaderEpoch, p.metadata, p.errorCode])]), [
      ['a', [[1, 6, v >= 5 ? 2 : -1, 'x', 0], [0, 5, v >= 5 ? 2 : -1, 'x', 0]]],
      ['b', [[0, 7, -1, 'meta', 0]]],
    ], `v${v}`);
    if (v >= 2) assert.equal(res.errorCode, 0);
  }
});

test('OffsetFetch: nothing committed is -1; unknown partitions are an error at v0 only', async () => {
  const v0 = await client.request<Res>(offsetFetch, 0, single('g1', [{ name: 'a', partitionIndexes: [5] }, { name: 'zzz', partitionIndexes: [0] }]));
  assert.deepEqual(v0.topics?.map((t) => t.partitions?.[0].errorCode), [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  const v1 = await client.request<Res>(offsetFetch, 1, single('g1', [{ name: 'a', partitionIndexes: [5] }, { name: 'zzz', partitionIndexes: [0] }]));
  assert.deepEqual(v1.topics?.map((t) => [t.partitions?.[0].committedOffset, t.partitions?.[0].errorCode]), [[-1, 0], [-1, 0]]);
  const unknownGroup = await client.request<Res>(offsetFetch, 6, single('nobody', [{ name: 'a', partitionIndexes: [0] }]));
  assert.deepEqual([unknownGroup.errorCode, unknownGroup.topics?.[0].partitions?.[0].committedOffset, unknownGroup.topics?.[0].partitions?.[0].metadata], [0, -1, '']);
});

test('OffsetFetch v2+: a null topic list returns every committed offset', async () => {
  for (const v of [2, 6, 7]) {
    const res = await client.request<Res>(offsetFetch, v, single('g1', null));
    assert.equal(res.errorCode, 0);
    assert.deepEqual(res.topics?.map((t) => [t.name, t.partitions?.map((p) => [p.partitionIndex, p.committedOffset])]), [['a', [[0, 5], [1, 6]]], ['b', [[0, 7]]]], `v${v}`);
  }
  const none = await client.request<Res>(offsetFetch, 7, single('nobody', null));
  assert.deepEqual([none.errorCode, none.topics], [0, []]);
});

test('OffsetFetch v8-9: several groups in one request', async () => {
  for (const v of [8, 9]) {
    const res = await client.request<Res>(offsetFetch, v, {
      groupId: '',
      topics: null,
      groups: [
        { groupId: 'g1', memberId: null, memberEpoch: -1, topics: [{ name: 'b', partitionIndexes: [0] }] },
        { groupId: 'g2', memberId: null, memberEpoch: -1, topics: null },
        { groupId: 'nobody', memberId: null, memberEpoch: -1, topics: [{ name: 'a', partitionIndexes: [0] }] },
      ],
      requireStable: true,
    });
    assert.deepEqual(res.groups?.map((g) => [g.groupId, g.errorCode, g.topics?.map((t) => [t.name, t.partitions?.map((p) => p.committedOffset)])]), [
      ['g1', 0, [['b', [7]]]],
      ['g2', 0, [['b', [70]]]],
      ['nobody', 0, [['a', [-1]]]],
    ], `v${v}`);
  }
});

test('OffsetFetch: a broker that does not coordinate the group answers NOT_COORDINATOR', async () => {
  const other = await startTestBroker({ nodeId: 5 }, { databaseUrl: tb.databaseUrl });
  try {
    // The two brokers share the coordinator slots: ask the newcomer about a group of a slot the first one keeps.
    const heldBy = (x: TestBroker) => startGroupCoordinator(x.broker).leases.heldSlots();
    await until(() => heldBy(tb).length + heldBy(other).length === SLOT_COUNT && heldBy(other).length > 0, 20_000, 'the brokers to share the slots');
    let group = 'g1';
    for (let i = 0; !heldBy(tb).includes(slotFor(group)); i++) group = `g-not-coordinated-${i}`;
    const c = await RawClient.connect(other.port);
    const v1 = await c.request<Res>(offsetFetch, 1, single(group, [{ name: 'a', partitionIndexes: [0, 1] }]));
    assert.deepEqual(v1.topics?.[0].partitions?.map((p) => [p.committedOffset, p.errorCode]), [[-1, ErrorCode.NOT_COORDINATOR], [-1, ErrorCode.NOT_COORDINATOR]]);
    const v7 = await c.request<Res>(offsetFetch, 7, single(group, null));
    assert.equal(v7.errorCode, ErrorCode.NOT_COORDINATOR);
    const v8 = await c.request<Res>(offsetFetch, 8, { groupId: '', topics: null, groups: [{ groupId: group, memberId: null, memberEpoch: -1, topics: null }], requireStable: false });
    assert.equal(v8.groups?.[0].errorCode, ErrorCode.NOT_COORDINATOR);
    c.close();
  } finally {
    await other.stopBroker();
  }
});

test('OffsetFetch v7+ requireStable: UNSTABLE_OFFSET_COMMIT while a transaction holds offsets, then its offsets', async () => {
  assert.deepEqual(await commit(client, 'g-stable', 'a', { 0: 1, 1: 2 }), [0, 0]);
  const p = await initOk(client, 'stable-txn');
  assert.equal(await addOffsets(client, 'stable-txn', p, 'g-stable'), ErrorCode.NONE);
  assert.deepEqual(await txnOffsetCommit(client, 'stable-txn', p, 'g-stable', 'a', { 0: 9 }), [0]);

  type Partition = { partitionIndex?: number; committedOffset?: number | bigint; errorCode?: number };
  const shape = (parts: Partition[] | undefined) => (parts ?? []).map((x) => [x.partitionIndex, x.committedOffset, x.errorCode]);
  const v7 = async (requireStable: boolean, topics: { name: string; partitionIndexes: number[] }[] | null) => {
    const res = await client.request<Res>(offsetFetch, 7, { ...single('g-stable', topics), requireStable });
    assert.equal(res.errorCode, ErrorCode.NONE);
    return shape(res.topics?.[0]?.partitions);
  };
  const v8 = async (requireStable: boolean) => {
    const res = await client.request<Res>(offsetFetch, 8, {
      groupId: '', topics: null, requireStable,
      groups: [{ groupId: 'g-stable', memberId: null, memberEpoch: -1, topics: [{ name: 'a', partitionIndexes: [0, 1] }] }],
    });
    return shape(res.groups?.[0]?.topics?.[0]?.partitions);
  };
  const U = ErrorCode.UNSTABLE_OFFSET_COMMIT;
  const requested = [{ name: 'a', partitionIndexes: [0, 1] }];
  assert.deepEqual(await v7(true, requested), [[0, -1, U], [1, 2, 0]], 'partition 0 has offsets pending');
  assert.deepEqual(await v7(false, requested), [[0, 1, 0], [1, 2, 0]], 'without requireStable: the last committed offsets');
  assert.deepEqual(await v7(true, null), [[0, -1, U], [1, 2, 0]], 'every committed offset, the pending one unstable');
  assert.deepEqual(await v8(true), [[0, -1, U], [1, 2, 0]]);
  assert.deepEqual(await v8(false), [[0, 1, 0], [1, 2, 0]]);

  assert.equal(await endTxn(client, 'stable-txn', p, true), ErrorCode.NONE);
  assert.deepEqual(await v7(true, requested), [[0, 9, 0], [1, 2, 0]], 'committed: stable again, with the transaction\'s offset');
  assert.deepEqual(await v8(true), [[0, 9, 0], [1, 2, 0]]);
});
