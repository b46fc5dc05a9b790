// Produce from idempotent and transactional producers over the raw protocol: an identical batch sent again is
// written once (one set of rows in PostgreSQL) and answered with its original offsets, also after four more
// batches and after a broker restart; a skipped sequence is OUT_OF_ORDER_SEQUENCE_NUMBER; a stale epoch is
// INVALID_PRODUCER_EPOCH; a new epoch starts at sequence 0 (KIP-360); transactional records need a transactional id,
// the partition in the ongoing transaction and the transaction's epoch; non-transactional records from a producer
// with an open transaction are INVALID_TXN_STATE. Other partitions of the same request are appended regardless.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as produceApi from '../../apis/produce.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { makeBatch } from '../helpers/data-path.ts';
import { addPartitions, endTxn, initOk, produceBatch, produceBytes, records, storedRows } from '../helpers/transactions.ts';

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

let topicCount = 0;
async function newTopic(partitions = 1): Promise<string> {
  const name = `idem-${++topicCount}`;
  await tb.store.createTopic({ name, partitions });
  return name;
}

test('Produce: an identical batch sent again is written once and answered with its original offsets', async () => {
  const topic = await newTopic();
  const p = await initOk(client, null);
  const first = makeBatch(records(3, 'a'), { ...p, baseSequence: 0 });
  const second = makeBatch(records(2, 'b'), { ...p, baseSequence: 3 });
  assert.equal((await produceBytes(client, topic, 0, first)).baseOffset, 0);
  assert.equal((await produceBytes(client, topic, 0, second)).baseOffset, 3);
  for (const [bytes, offset] of [[first, 0], [second, 3], [first, 0]] as const) {
    const again = await produceBytes(client, topic, 0, bytes);
    assert.equal(again.errorCode, ErrorCode.NONE);
    assert.equal(again.baseOffset, offset, 'the original offset');
    assert.equal(again.logAppendTimeMs, -1);
  }
  const rows = await storedRows(tb.store.sql, topic, 0);
  assert.deepEqual(rows.map((r) => r.value), ['a-0', 'a-1', 'a-2', 'b-0', 'b-1'], 'one row set per batch');
  assert.deepEqual(rows.map((r) => r.sequence), [0, 1, 2, 3, 4]);
  // Duplicates are remembered for the last five batches.
  for (let i = 0; i < 5; i++) await produceBatch(client, topic, 0, records(1, `c${i}`), { ...p, baseSequence: 5 + i });
  const sixBack = await produceBytes(client, topic, 0, second);
  assert.equal(sixBack.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, 'older than the last five batches');
  const fiveBack = await produceBatch(client, topic, 0, records(1, 'c0'), { ...p, baseSequence: 5 });
  assert.equal(fiveBack.errorCode, ErrorCode.NONE);
  assert.equal(fiveBack.baseOffset, 5);
  assert.equal((await storedRows(tb.store.sql, topic, 0)).length, 10);
});

test('Produce: a skipped sequence is OUT_OF_ORDER_SEQUENCE_NUMBER and nothing is written; other partitions go on', async () => {
  const topic = await newTopic(2);
  const p = await initOk(client, null);
  await produceBatch(client, topic, 0, records(2, 'a'), { ...p, baseSequence: 0 });
  const gap = await client.request<produceApi.ProduceResponse>(produceApi, 11, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{
      name: topic,
      partitionData: [
        { index: 0, records: makeBatch(records(1, 'gap'), { ...p, baseSequence: 3 }) }, // 2 was skipped
        { index: 1, records: makeBatch(records(1, 'ok'), { ...p, baseSequence: 0 }) },
      ],
    }],
  });
  const [p0, p1] = gap.responses?.[0].partitionResponses ?? [];
  assert.equal(p0.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.equal(p0.baseOffset, -1);
  assert.match(p0.errorMessage ?? '', /out of order sequence number/);
  assert.equal(p1.errorCode, ErrorCode.NONE);
  assert.equal(p1.baseOffset, 0);
  assert.deepEqual((await storedRows(tb.store.sql, topic, 0)).map((r) => r.value), ['a-0', 'a-1']);
  // The right sequence still goes in.
  assert.equal((await produceBatch(client, topic, 0, records(1, 'next'), { ...p, baseSequence: 2 })).baseOffset, 2);
});

test('Produce: a stale epoch is INVALID_PRODUCER_EPOCH; a new epoch starts at sequence 0 (KIP-360)', async () => {
  const topic = await newTopic();
  const p = await initOk(client, null);
  await produceBatch(client, topic, 0, records(2, 'e0'), { ...p, baseSequence: 0 });
  // An idempotent producer bumps its own epoch and starts over at sequence 0.
  const bumped = { producerId: p.producerId, producerEpoch: p.producerEpoch + 1 };
  assert.equal((await produceBatch(client, topic, 0, records(1, 'e1-bad'), { ...bumped, baseSequence: 5 })).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.equal((await produceBatch(client, topic, 0, records(1, 'e1'), { ...bumped, baseSequence: 0 })).errorCode, ErrorCode.NONE);
  const stale = await produceBatch(client, topic, 0, records(1, 'stale'), { ...p, baseSequence: 2 });
  assert.equal(stale.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
  assert.deepEqual((await storedRows(tb.store.sql, topic, 0)).map((r) => [r.value, r.producerEpoch]), [['e0-0', 0], ['e0-1', 0], ['e1-0', 1]]);
});

test('Produce: transactional records need a transactional id, an added partition and the current epoch', async () => {
  const topic = await newTopic(2);
  const txnId = 'idem-txn';
  const p = await initOk(client, txnId);
  const send = (partition: number, o: { transactionalId?: string | null; producerEpoch?: number; baseSequence?: number; transactional?: boolean } = {}) =>
    produceBatch(client, topic, partition, records(1, `t${partition}`), {
      producerId: p.producerId,
      producerEpoch: o.producerEpoch ?? p.producerEpoch,
      baseSequence: o.baseSequence ?? 0,
      transactional: o.transactional ?? true,
      transactionalId: o.transactionalId === undefined ? txnId : o.transactionalId,
    });
  assert.equal((await send(0, { transactionalId: null })).errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  assert.equal((await send(0)).errorCode, ErrorCode.INVALID_TXN_STATE, 'no ongoing transaction');
  assert.deepEqual(await addPartitions(client, txnId, p, [{ name: topic, partitions: [0] }]), [ErrorCode.NONE]);
  assert.equal((await send(1)).errorCode, ErrorCode.INVALID_TXN_STATE, 'partition 1 was not added');
  assert.equal((await send(0, { transactionalId: 'another-id' })).errorCode, ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  assert.equal((await send(0, { producerEpoch: p.producerEpoch + 1 })).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
  const ok = await send(0);
  assert.equal(ok.errorCode, ErrorCode.NONE);
  assert.equal(ok.baseOffset, 0);
  // While its transaction is open here, the producer may not write non-transactional records to the partition.
  assert.equal((await send(0, { transactional: false, baseSequence: 1 })).errorCode, ErrorCode.INVALID_TXN_STATE);
  assert.equal(await endTxn(client, txnId, p, true), ErrorCode.NONE);
  assert.equal((await send(0, { baseSequence: 1 })).errorCode, ErrorCode.INVALID_TXN_STATE, 'the transaction ended');
  assert.deepEqual((await storedRows(tb.store.sql, topic, 0)).map((r) => (r.control ? 'marker' : r.value)), ['t0-0', 'marker']);
  assert.deepEqual(await storedRows(tb.store.sql, topic, 1), []);
});

test('Produce: duplicate detection survives a broker restart (producer state is in PostgreSQL)', async () => {
  const topic = await newTopic();
  const p = await initOk(client, null);
  const batch = makeBatch(records(4, 'r'), { ...p, baseSequence: 0 });
  assert.equal((await produceBytes(client, topic, 0, batch)).baseOffset, 0);
  client.close();
  await tb.stopBroker();
  const again = await startTestBroker({}, { databaseUrl: tb.databaseUrl });
  const stop = tb.stop;
  tb = { ...again, stop: async () => { await again.stopBroker(); await stop(); } };
  client = await RawClient.connect(tb.port);
  const retry = await produceBytes(client, topic, 0, batch);
  assert.equal(retry.errorCode, ErrorCode.NONE);
  assert.equal(retry.baseOffset, 0);
  assert.equal((await produceBatch(client, topic, 0, records(1, 'gap'), { ...p, baseSequence: 5 })).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.equal((await produceBatch(client, topic, 0, records(1, 'next'), { ...p, baseSequence: 4 })).baseOffset, 4);
  assert.equal((await storedRows(tb.store.sql, topic, 0)).length, 5);
});

test('Produce: the same batch sent on five connections at once is written once; all get the same offset', async () => {
  const topic = await newTopic();
  const p = await initOk(client, null);
  await produceBatch(client, topic, 0, records(1, 'first'), { ...p, baseSequence: 0 });
  const batch = makeBatch(records(3, 'race'), { ...p, baseSequence: 1 });
  const others = await Promise.all(Array.from({ length: 5 }, () => RawClient.connect(tb.port)));
  try {
    const answers = await Promise.all(others.map((c) => produceBytes(c, topic, 0, batch)));
    assert.deepEqual(answers.map((a) => [a.errorCode, a.baseOffset]), Array.from({ length: 5 }, () => [ErrorCode.NONE, 1]));
  } finally {
    for (const c of others) c.close();
  }
  assert.deepEqual((await storedRows(tb.store.sql, topic, 0)).map((r) => r.value), ['first-0', 'race-0', 'race-1', 'race-2']);
});
