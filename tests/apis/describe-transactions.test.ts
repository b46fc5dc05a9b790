// DescribeTransactions conformance: codec round trip; the state, timeout, start time, producer id and epoch and
// the partitions of each transactional id, through Empty, Ongoing and CompleteCommit; unknown and empty ids.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as describeTransactions from '../../apis/describe-transactions.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { addPartitions, endTxn, initOk } from '../helpers/transactions.ts';

let tb: TestBroker;
let client: RawClient;
before(async () => {
  tb = await startTestBroker();
  client = await RawClient.connect(tb.port);
  await tb.store.createTopic({ name: 'dt-a', partitions: 2 });
  await tb.store.createTopic({ name: 'dt-b', partitions: 1 });
});
after(async () => {
  client?.close();
  await tb?.stop();
});

async function describe(ids: string[]) {
  const res = await client.request<describeTransactions.DescribeTransactionsResponse>(describeTransactions, 0, { transactionalIds: ids });
  return res.transactionStates ?? [];
}

test('DescribeTransactions: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(describeTransactions);
});

test('DescribeTransactions: state, timeout, start time, producer and partitions', async () => {
  const p = await initOk(client, 'dt', 45_000);
  let [s] = await describe(['dt']);
  assert.deepEqual(s, {
    errorCode: 0, transactionalId: 'dt', transactionState: 'Empty', transactionTimeoutMs: 45_000, transactionStartTimeMs: -1,
    producerId: p.producerId, producerEpoch: p.producerEpoch, topics: [],
  });
  const before = Date.now();
  assert.deepEqual(await addPartitions(client, 'dt', p, [{ name: 'dt-b', partitions: [0] }, { name: 'dt-a', partitions: [1, 0] }]), [0, 0, 0]);
  [s] = await describe(['dt']);
  assert.equal(s.transactionState, 'Ongoing');
  assert.ok((s.transactionStartTimeMs as number) >= before - 1000 && (s.transactionStartTimeMs as number) <= Date.now());
  assert.deepEqual(s.topics, [{ topic: 'dt-a', partitions: [0, 1] }, { topic: 'dt-b', partitions: [0] }]);
  assert.equal(await endTxn(client, 'dt', p, true), 0);
  [s] = await describe(['dt']);
  assert.deepEqual([s.transactionState, s.topics], ['CompleteCommit', []]);

  const [unknown, empty] = await describe(['dt-nobody', '']);
  assert.equal(unknown.errorCode, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
  assert.equal(unknown.transactionalId, 'dt-nobody');
  assert.equal(empty.errorCode, ErrorCode.INVALID_REQUEST);
});
