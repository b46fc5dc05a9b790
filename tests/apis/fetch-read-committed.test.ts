// read_committed over the raw protocol: an open transaction holds Fetch and ListOffsets (latest) at the last stable
// offset, for everybody's records behind it, while read_uncommitted sees everything; after an abort the fetched
// range lists the aborted transaction (producer id, first offset) and the marker goes out as a control batch; a
// committed transaction lists nothing; a read_committed long poll waiting at the last stable offset wakes when the
// transaction ends; a transaction past its timeout is aborted by the coordinator on its own, fencing its producer.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as listOffsetsApi from '../../apis/list-offsets.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { readControlRecord } from '../../codec/record-batch.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { fetchOne, flatten } from '../helpers/data-path.ts';
import { until } from '../helpers/eventually.ts';
import { addPartitions, endTxn, initOk, produceBatch, records, transactionState } from '../helpers/transactions.ts';
import type { Topic } from '../../store/types.ts';

const READ_UNCOMMITTED = 0;
const READ_COMMITTED = 1;

let tb: TestBroker;
let client: RawClient;
before(async () => {
  tb = await startTestBroker();
  client = await RawClient.connect(tb.port);
});
after(async () => {
  client?.close();
  await tb?.stop();
});

async function latest(topic: string, isolationLevel: number): Promise<number> {
  const res = await client.request<listOffsetsApi.ListOffsetsResponse>(listOffsetsApi, 7, {
    replicaId: -1,
    isolationLevel,
    topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] }],
    timeoutMs: 0,
  });
  const p = res.topics?.[0].partitions?.[0];
  assert.equal(p?.errorCode, ErrorCode.NONE);
  return p?.offset as number;
}

async function txnProduce(topic: Topic, id: string, p: { producerId: number; producerEpoch: number }, n: number, tag: string, baseSequence: number) {
  const res = await produceBatch(client, topic.name, 0, records(n, tag), { ...p, baseSequence, transactional: true, transactionalId: id });
  assert.equal(res.errorCode, ErrorCode.NONE, res.errorMessage ?? '');
}

test('read_committed: an open transaction holds readers at the last stable offset; aborted data is listed', async () => {
  const topic = await tb.store.createTopic({ name: 'rc', partitions: 1 });
  const id = 'rc-txn';
  const p = await initOk(client, id);
  assert.deepEqual(await addPartitions(client, id, p, [{ name: 'rc', partitions: [0] }]), [0]);
  await txnProduce(topic, id, p, 3, 'aborted', 0); // offsets 0-2, open
  const plain = await produceBatch(client, topic.name, 0, records(2, 'plain'), { producerId: -1, producerEpoch: -1, baseSequence: -1 });
  assert.equal(plain.baseOffset, 3);

  for (const version of [4, 12, 17]) {
    const committed = await fetchOne(client, version, topic, 0, 0, { isolationLevel: READ_COMMITTED });
    assert.deepEqual([committed.partition.highWatermark, committed.partition.lastStableOffset], [5, 0], `v${version}`);
    assert.deepEqual(committed.batches, [], 'nothing at or past the last stable offset');
    assert.deepEqual(committed.partition.abortedTransactions, []);
    const uncommitted = await fetchOne(client, version, topic, 0, 0, { isolationLevel: READ_UNCOMMITTED });
    assert.equal(uncommitted.partition.lastStableOffset, 0);
    assert.equal(uncommitted.partition.abortedTransactions, null);
    assert.deepEqual(flatten(uncommitted.batches).map((r) => r.value), ['aborted-0', 'aborted-1', 'aborted-2', 'plain-0', 'plain-1']);
  }
  assert.equal(await latest('rc', READ_COMMITTED), 0);
  assert.equal(await latest('rc', READ_UNCOMMITTED), 5);

  assert.equal(await endTxn(client, id, p, false), ErrorCode.NONE); // marker at offset 5
  const after = await fetchOne(client, 12, topic, 0, 0, { isolationLevel: READ_COMMITTED });
  assert.deepEqual([after.partition.highWatermark, after.partition.lastStableOffset], [6, 6]);
  assert.deepEqual(after.partition.abortedTransactions, [{ producerId: p.producerId, firstOffset: 0 }]);
  const marker = after.batches.at(-1)!;
  assert.deepEqual([marker.baseOffset, marker.attributes & 0x30, marker.producerId], [5, 0x30, p.producerId]);
  assert.deepEqual(readControlRecord(marker.records[0]), { commit: false, coordinatorEpoch: 0 });
  assert.equal(await latest('rc', READ_COMMITTED), 6);
  // The aborted range ended before offset 6: fetching from there lists nothing.
  const next = await initOk(client, id);
  assert.deepEqual(await addPartitions(client, id, next, [{ name: 'rc', partitions: [0] }]), [0]);
  await txnProduce(topic, id, next, 2, 'kept', 0); // 6-7
  assert.equal(await endTxn(client, id, next, true), ErrorCode.NONE); // marker 8
  const fromSix = await fetchOne(client, 12, topic, 0, 6, { isolationLevel: READ_COMMITTED });
  assert.deepEqual(fromSix.partition.abortedTransactions, []);
  assert.deepEqual(fromSix.batches.map((b) => [b.baseOffset, b.attributes & 0x30]), [[6, 0x10], [8, 0x30]]);
  assert.equal(readControlRecord(fromSix.batches[1].records[0]).commit, true);
});

test('read_committed: a long poll waiting at the last stable offset wakes when the transaction commits', async () => {
  const topic = await tb.store.createTopic({ name: 'rc-wait', partitions: 1 });
  const id = 'rc-wait-txn';
  const p = await initOk(client, id);
  assert.deepEqual(await addPartitions(client, id, p, [{ name: 'rc-wait', partitions: [0] }]), [0]);
  await txnProduce(topic, id, p, 2, 'w', 0);
  const reader = await RawClient.connect(tb.port);
  try {
    const started = Date.now();
    const waiting = fetchOne(reader, 12, topic, 0, 0, { isolationLevel: READ_COMMITTED, maxWaitMs: 10_000, minBytes: 1 });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await endTxn(client, id, p, true), ErrorCode.NONE);
    const got = await waiting;
    assert.ok(Date.now() - started < 5000, `woke after ${Date.now() - started} ms`);
    assert.deepEqual(flatten(got.batches).slice(0, 2).map((r) => r.value), ['w-0', 'w-1']);
    assert.equal(got.partition.lastStableOffset, 3);
  } finally {
    reader.close();
  }
});

test('read_committed: a transaction past its timeout is aborted on its own and its producer fenced', async () => {
  const topic = await tb.store.createTopic({ name: 'rc-timeout', partitions: 1 });
  const id = 'rc-timeout-txn';
  const p = await initOk(client, id, 1000);
  assert.deepEqual(await addPartitions(client, id, p, [{ name: 'rc-timeout', partitions: [0] }]), [0]);
  await txnProduce(topic, id, p, 2, 'late', 0);
  assert.equal(await latest('rc-timeout', READ_COMMITTED), 0);
  await until(async () => (await transactionState(tb.store.sql, id))?.state === 'CompleteAbort', 10_000, 'the timed-out transaction to be aborted');
  assert.equal((await transactionState(tb.store.sql, id))?.producerEpoch, p.producerEpoch + 1, 'aborted under a bumped epoch');
  assert.equal(await latest('rc-timeout', READ_COMMITTED), 3);
  const fetched = await fetchOne(client, 12, topic, 0, 0, { isolationLevel: READ_COMMITTED });
  assert.deepEqual(fetched.partition.abortedTransactions, [{ producerId: p.producerId, firstOffset: 0 }]);
  // The producer that let it time out is fenced everywhere.
  assert.equal(await endTxn(client, id, p, true), ErrorCode.PRODUCER_FENCED);
  assert.deepEqual(await addPartitions(client, id, p, [{ name: 'rc-timeout', partitions: [0] }]), [ErrorCode.PRODUCER_FENCED]);
  const stale = await produceBatch(client, 'rc-timeout', 0, records(1, 'x'), { ...p, baseSequence: 2, transactional: true, transactionalId: id });
  assert.equal(stale.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
});
