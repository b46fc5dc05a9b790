// AddPartitionsToTxn conformance: codec round trip of every version; v0-3 add partitions (the transaction becomes
// Ongoing, its start time set once); errors for an unknown transactional id, another producer id, a fenced epoch
// (by version); a partition that does not exist fails the request (UNKNOWN_TOPIC_OR_PARTITION, the others
// OPERATION_NOT_ATTEMPTED, nothing added); v4-5 batch transactions, add, and verify only.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as addPartitionsToTxn from '../../apis/add-partitions-to-txn.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { addPartitions, initOk, transactionState } from '../helpers/transactions.ts';

let tb: TestBroker;
let client: RawClient;
const topic = 'apt';
before(async () => {
  tb = await startTestBroker();
  client = await RawClient.connect(tb.port);
  await tb.store.createTopic({ name: topic, partitions: 3 });
});
after(async () => {
  client?.close();
  await tb?.stop();
});

async function txnPartitions(transactionalId: string): Promise<string[]> {
  const rows = await tb.store.sql<{ p: string }[]>`
    select t.name || '-' || p.partition as p from kafka.transaction_partitions p join kafka.topics t on t.id = p.topic_id
    where p.transactional_id = ${transactionalId} order by 1`;
  return rows.map((r) => r.p);
}

test('AddPartitionsToTxn: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(addPartitionsToTxn);
});

test('AddPartitionsToTxn v0-3: partitions join the transaction, which becomes Ongoing', async () => {
  for (let v = 0; v <= 3; v++) {
    const id = `apt-v${v}`;
    const p = await initOk(client, id);
    assert.deepEqual(await addPartitions(client, id, p, [{ name: topic, partitions: [0, 2] }], v), [0, 0], `v${v}`);
    const [first] = await tb.store.sql<{ start: number }[]>`select start_timestamp as start from kafka.transactions where transactional_id = ${id}`;
    assert.deepEqual(await addPartitions(client, id, p, [{ name: topic, partitions: [2, 1] }], v), [0, 0]);
    const [second] = await tb.store.sql<{ start: number }[]>`select start_timestamp as start from kafka.transactions where transactional_id = ${id}`;
    assert.equal(Number(second.start), Number(first.start), 'the transaction began with the first partition');
    assert.equal((await transactionState(tb.store.sql, id))?.state, 'Ongoing');
    assert.deepEqual(await txnPartitions(id), ['apt-0', 'apt-1', 'apt-2']);
  }
});

test('AddPartitionsToTxn: unknown transactional id, other producer id, fenced epoch', async () => {
  const p = await initOk(client, 'apt-errors');
  const parts = [{ name: topic, partitions: [0, 1] }];
  assert.deepEqual(await addPartitions(client, 'apt-nobody', p, parts), [ErrorCode.INVALID_PRODUCER_ID_MAPPING, ErrorCode.INVALID_PRODUCER_ID_MAPPING]);
  assert.deepEqual(await addPartitions(client, 'apt-errors', { ...p, producerId: p.producerId + 99 }, parts), [49, 49]);
  const stale = { ...p, producerEpoch: p.producerEpoch - 1 };
  assert.deepEqual(await addPartitions(client, 'apt-errors', stale, parts, 2), [ErrorCode.PRODUCER_FENCED, ErrorCode.PRODUCER_FENCED]);
  assert.deepEqual(await addPartitions(client, 'apt-errors', stale, parts, 1), [ErrorCode.INVALID_PRODUCER_EPOCH, ErrorCode.INVALID_PRODUCER_EPOCH]);
  assert.equal((await transactionState(tb.store.sql, 'apt-errors'))?.state, 'Empty');
});

test('AddPartitionsToTxn: a partition that does not exist fails the whole request', async () => {
  const p = await initOk(client, 'apt-unknown');
  const errors = await addPartitions(client, 'apt-unknown', p, [{ name: topic, partitions: [0, 7] }, { name: 'apt-no-such-topic', partitions: [0] }]);
  assert.deepEqual(errors, [ErrorCode.OPERATION_NOT_ATTEMPTED, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  assert.deepEqual(await txnPartitions('apt-unknown'), []);
  assert.equal((await transactionState(tb.store.sql, 'apt-unknown'))?.state, 'Empty');
});

test('AddPartitionsToTxn v4-5: batched transactions, added or verified only', async () => {
  const a = await initOk(client, 'apt-batch-a');
  const b = await initOk(client, 'apt-batch-b');
  for (const version of [4, 5]) {
    const res = await client.request<addPartitionsToTxn.AddPartitionsToTxnResponse>(addPartitionsToTxn, version, {
      transactions: [
        { transactionalId: 'apt-batch-a', ...a, verifyOnly: false, topics: [{ name: topic, partitions: [0] }] },
        { transactionalId: 'apt-batch-b', ...b, verifyOnly: true, topics: [{ name: topic, partitions: [1] }] },
      ],
      v3AndBelowTransactionalId: '',
      v3AndBelowProducerId: 0,
      v3AndBelowProducerEpoch: 0,
      v3AndBelowTopics: [],
    });
    assert.equal(res.errorCode, ErrorCode.NONE);
    assert.deepEqual(res.resultsByTransaction?.map((t) => [t.transactionalId, t.topicResults?.[0].resultsByPartition?.[0].partitionErrorCode]), [
      ['apt-batch-a', ErrorCode.NONE],
      ['apt-batch-b', ErrorCode.INVALID_TXN_STATE], // not in b's transaction, and verifying adds nothing
    ]);
  }
  assert.deepEqual(await txnPartitions('apt-batch-b'), []);
  const verify = (producerEpoch: number, partitions: number[]) =>
    client.request<addPartitionsToTxn.AddPartitionsToTxnResponse>(addPartitionsToTxn, 4, {
      transactions: [{ transactionalId: 'apt-batch-a', producerId: a.producerId, producerEpoch, verifyOnly: true, topics: [{ name: topic, partitions }] }],
      v3AndBelowTransactionalId: '',
      v3AndBelowProducerId: 0,
      v3AndBelowProducerEpoch: 0,
      v3AndBelowTopics: [],
    }).then((res) => res.resultsByTransaction?.[0].topicResults?.[0].resultsByPartition?.map((r) => r.partitionErrorCode));
  assert.deepEqual(await verify(a.producerEpoch, [0, 1]), [ErrorCode.NONE, ErrorCode.INVALID_TXN_STATE]);
  assert.deepEqual(await verify(a.producerEpoch + 1, [0]), [ErrorCode.PRODUCER_FENCED]);
});
