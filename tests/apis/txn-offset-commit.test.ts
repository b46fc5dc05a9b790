// TxnOffsetCommit conformance: codec round trip of every version; offsets committed in a transaction stay invisible
// to OffsetFetch until it commits, and are dropped when it aborts; the group must have been added (AddOffsetsToTxn,
// else INVALID_TXN_STATE); another producer id INVALID_PRODUCER_ID_MAPPING, another epoch INVALID_PRODUCER_EPOCH;
// unknown partitions, a topic delete racing the commit, a partition named twice, oversized metadata per partition; v3 member checks (UNKNOWN_MEMBER_ID,
// ILLEGAL_GENERATION) against a real group member; the group of a committed transaction survives a restart.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as txnOffsetCommitApi from '../../apis/txn-offset-commit.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { fetchCommitted, racingTopicDelete, soloMember } from '../helpers/groups.ts';
import { addOffsets, addPartitions, endTxn, initOk, txnOffsetCommit } from '../helpers/transactions.ts';
import { consumerHeartbeat } from '../helpers/consumer-groups.ts';

let tb: TestBroker;
let client: RawClient;
const topic = 'toc';
before(async () => {
  tb = await startTestBroker();
  client = await RawClient.connect(tb.port);
  await tb.store.createTopic({ name: topic, partitions: 2 });
});
after(async () => {
  client?.close();
  await tb?.stop();
});

test('TxnOffsetCommit: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(txnOffsetCommitApi);
});

for (const commit of [true, false]) {
  test(`TxnOffsetCommit: offsets become visible only when the transaction commits (${commit ? 'commit' : 'abort'})`, async () => {
    const id = `toc-${commit}`;
    const group = `toc-group-${commit}`;
    const p = await initOk(client, id);
    assert.equal(await addOffsets(client, id, p, group), ErrorCode.NONE);
    assert.deepEqual(await txnOffsetCommit(client, id, p, group, topic, { 0: 5, 1: 7 }), [0, 0]);
    assert.deepEqual(await fetchCommitted(client, group, topic, [0, 1]), [-1, -1], 'pending: not visible yet');
    assert.deepEqual(await txnOffsetCommit(client, id, p, group, topic, { 0: 6 }), [0], 'a later commit in the same transaction replaces it');
    assert.equal(await endTxn(client, id, p, commit), ErrorCode.NONE);
    assert.deepEqual(await fetchCommitted(client, group, topic, [0, 1]), commit ? [6, 7] : [-1, -1]);
    const [{ n }] = await tb.store.sql<{ n: number }[]>`select count(*)::int as n from kafka.pending_txn_offsets where transactional_id = ${id}`;
    assert.equal(n, 0, 'nothing left pending');
  });
}

test('TxnOffsetCommit: a partition named twice is committed once, the last one winning, and answered twice', async () => {
  const id = 'toc-twice';
  const group = 'toc-twice-group';
  const p = await initOk(client, id);
  assert.equal(await addOffsets(client, id, p, group), ErrorCode.NONE);
  const partition = (partitionIndex: number, committedOffset: number) =>
    ({ partitionIndex, committedOffset, committedLeaderEpoch: -1, committedMetadata: 'm' });
  const res = await client.request<txnOffsetCommitApi.TxnOffsetCommitResponse>(txnOffsetCommitApi, 3, {
    transactionalId: id,
    groupId: group,
    producerId: p.producerId,
    producerEpoch: p.producerEpoch,
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    topics: [{ name: topic, partitions: [partition(0, 5), partition(1, 9), partition(0, 6)] }, { name: topic, partitions: [partition(0, 7)] }],
  });
  assert.deepEqual(res.topics?.map((t) => t.partitions?.map((x) => [x.partitionIndex, x.errorCode])), [[[0, 0], [1, 0], [0, 0]], [[0, 0]]]);
  assert.equal(await endTxn(client, id, p, true), ErrorCode.NONE);
  assert.deepEqual(await fetchCommitted(client, group, topic, [0, 1]), [7, 9]);
});

test('TxnOffsetCommit: a commit racing a topic delete gets UNKNOWN_TOPIC_OR_PARTITION, and the connection stays', async () => {
  const doomed = await tb.store.createTopic({ name: 'toc-racing-delete', partitions: 1 });
  const id = 'toc-racing';
  const group = 'toc-racing-group';
  const p = await initOk(client, id);
  assert.equal(await addOffsets(client, id, p, group), ErrorCode.NONE);
  assert.deepEqual(await txnOffsetCommit(client, id, p, group, doomed.name, { 0: 1 }), [0]); // cached by the broker
  const codes = await racingTopicDelete(tb.store.sql, doomed.id, () => txnOffsetCommit(client, id, p, group, doomed.name, { 0: 2 }));
  assert.deepEqual(codes, [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  assert.deepEqual(await txnOffsetCommit(client, id, p, group, topic, { 1: 3 }), [0], 'the connection still serves');
  assert.equal(await endTxn(client, id, p, true), ErrorCode.NONE);
  assert.deepEqual(await fetchCommitted(client, group, topic, [1]), [3]);
});

test('TxnOffsetCommit: the transaction must hold the group and match the producer', async () => {
  const id = 'toc-errors';
  const p = await initOk(client, id);
  assert.deepEqual(await txnOffsetCommit(client, id, p, 'toc-g', topic, { 0: 1 }), [ErrorCode.INVALID_TXN_STATE], 'no transaction');
  assert.deepEqual(await addPartitions(client, id, p, [{ name: topic, partitions: [0] }]), [0]);
  assert.deepEqual(await txnOffsetCommit(client, id, p, 'toc-g', topic, { 0: 1 }), [ErrorCode.INVALID_TXN_STATE], 'group not added');
  assert.equal(await addOffsets(client, id, p, 'toc-g'), ErrorCode.NONE);
  assert.deepEqual(await txnOffsetCommit(client, id, { ...p, producerId: p.producerId + 1 }, 'toc-g', topic, { 0: 1 }), [ErrorCode.INVALID_PRODUCER_ID_MAPPING]);
  assert.deepEqual(await txnOffsetCommit(client, 'toc-nobody', p, 'toc-g', topic, { 0: 1 }), [ErrorCode.INVALID_PRODUCER_ID_MAPPING]);
  assert.deepEqual(await txnOffsetCommit(client, id, { ...p, producerEpoch: p.producerEpoch + 1 }, 'toc-g', topic, { 0: 1 }), [ErrorCode.INVALID_PRODUCER_EPOCH]);
  assert.deepEqual(await txnOffsetCommit(client, id, p, 'toc-g', topic, { 0: 1, 5: 1 }), [ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  assert.deepEqual(await txnOffsetCommit(client, id, p, 'toc-g', topic, { 1: 1 }, { metadata: 'm'.repeat(4097) }), [ErrorCode.OFFSET_METADATA_TOO_LARGE]);
  assert.deepEqual(await txnOffsetCommit(client, id, p, '', topic, { 0: 1 }), [ErrorCode.INVALID_GROUP_ID]);
  assert.equal(await endTxn(client, id, p, true), ErrorCode.NONE);
  assert.deepEqual(await fetchCommitted(client, 'toc-g', topic, [0, 1]), [1, -1]);
});

test('TxnOffsetCommit v3: member id and generation are checked against the group', async () => {
  const id = 'toc-member';
  const group = 'toc-member-group';
  const member = await soloMember(client, { groupId: group, sessionTimeoutMs: 30_000 });
  const p = await initOk(client, id);
  assert.equal(await addOffsets(client, id, p, group), ErrorCode.NONE);
  const commit = (o: { generationId?: number; memberId?: string; version?: number }) => txnOffsetCommit(client, id, p, group, topic, { 0: 3 }, o);
  assert.deepEqual(await commit({ memberId: 'nobody', generationId: member.generationId }), [ErrorCode.UNKNOWN_MEMBER_ID]);
  assert.deepEqual(await commit({ memberId: member.memberId, generationId: member.generationId + 1 }), [ErrorCode.ILLEGAL_GENERATION]);
  assert.deepEqual(await commit({ memberId: member.memberId, generationId: member.generationId }), [ErrorCode.NONE]);
  // Before v3 there is nothing to check: a stable group accepts it.
  assert.deepEqual(await commit({ version: 2, memberId: 'ignored', generationId: 99 }), [ErrorCode.NONE]);
  assert.equal(await endTxn(client, id, p, true), ErrorCode.NONE);
  assert.deepEqual(await fetchCommitted(client, group, topic, [0]), [3]);
});

test('TxnOffsetCommit: a group first seen in a transaction keeps its committed offsets after a restart', async () => {
  const id = 'toc-restart';
  const group = 'toc-restart-group';
  const p = await initOk(client, id);
  assert.equal(await addOffsets(client, id, p, group), ErrorCode.NONE);
  assert.deepEqual(await txnOffsetCommit(client, id, p, group, topic, { 1: 42 }), [0]);
  assert.equal(await endTxn(client, id, p, true), ErrorCode.NONE);
  assert.deepEqual(await fetchCommitted(client, group, topic, [1]), [42]);
  client.close();
  await tb.stopBroker();
  const again = await startTestBroker({}, { databaseUrl: tb.databaseUrl });
  const stop = tb.stop;
  tb = { ...again, stop: async () => { await again.stopBroker(); await stop(); } };
  client = await RawClient.connect(tb.port);
  let committed: (number | bigint)[] = [];
  for (let i = 0; i < 100; i++) {
    committed = await fetchCommitted(client, group, topic, [1]).catch(() => [-2]);
    if (committed[0] === 42) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(committed, [42]);
});

test('TxnOffsetCommit: a KIP-848 consumer group checks the member epoch', async () => {
  const group = 'toc-kip848';
  const memberId = 'toc-member-1';
  const joined = await consumerHeartbeat(client, { groupId: group, memberId, memberEpoch: 0, rebalanceTimeoutMs: 30000, subscribedTopicNames: [topic], topicPartitions: [] });
  assert.equal(joined.errorCode, ErrorCode.NONE);
  const epoch = joined.memberEpoch as number;
  assert.ok(epoch > 0);
  const id = 'toc-kip848-txn';
  const p = await initOk(client, id);
  assert.equal(await addOffsets(client, id, p, group), ErrorCode.NONE);
  assert.deepEqual(await txnOffsetCommit(client, id, p, group, topic, { 0: 3 }, { memberId, generationId: epoch + 1 }), [ErrorCode.STALE_MEMBER_EPOCH]);
  assert.deepEqual(await txnOffsetCommit(client, id, p, group, topic, { 0: 3 }, { memberId: 'nobody', generationId: epoch }), [ErrorCode.UNKNOWN_MEMBER_ID]);
  assert.deepEqual(await txnOffsetCommit(client, id, p, group, topic, { 0: 3 }, { memberId, generationId: epoch }), [ErrorCode.NONE]);
  assert.equal(await endTxn(client, id, p, true), ErrorCode.NONE);
  assert.deepEqual(await fetchCommitted(client, group, topic, [0]), [3]);
});
