// DescribeProducers conformance: codec round trip; the producers with state in a partition, with epoch, last
// sequence, last timestamp, coordinator epoch and the start offset of an open transaction; unknown partitions.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as describeProducers from '../../apis/describe-producers.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { addPartitions, endTxn, initOk, produceBatch } from '../helpers/transactions.ts';

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

async function describe(topic: string, partitions: number[]) {
  const res = await client.request<describeProducers.DescribeProducersResponse>(describeProducers, 0, { topics: [{ name: topic, partitionIndexes: partitions }] });
  return res.topics?.[0].partitions ?? [];
}

test('DescribeProducers: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(describeProducers);
});

test('DescribeProducers: idempotent and transactional producers of a partition', async () => {
  const topic = 'dp';
  await tb.store.createTopic({ name: topic, partitions: 2 });
  const idem = await initOk(client, null);
  const txn = await initOk(client, 'dp-txn');
  const ts = 1_700_000_000_000;
  assert.equal((await produceBatch(client, topic, 0, [{ key: null, value: 'a', timestamp: ts }, { key: null, value: 'b', timestamp: ts + 5 }], { ...idem, baseSequence: 0 })).errorCode, 0);
  assert.deepEqual(await addPartitions(client, 'dp-txn', txn, [{ name: topic, partitions: [0] }]), [0]);
  assert.equal((await produceBatch(client, topic, 0, [{ key: null, value: 't', timestamp: ts + 9 }], { ...txn, baseSequence: 0, transactional: true, transactionalId: 'dp-txn' })).errorCode, 0);

  const [p0, p1, p9] = await describe(topic, [0, 1, 9]);
  assert.equal(p0.errorCode, ErrorCode.NONE);
  assert.deepEqual(p0.activeProducers?.sort((a, b) => (a.producerId as number) - (b.producerId as number)), [
    { producerId: idem.producerId, producerEpoch: 0, lastSequence: 1, lastTimestamp: ts + 5, coordinatorEpoch: -1, currentTxnStartOffset: -1 },
    { producerId: txn.producerId, producerEpoch: 0, lastSequence: 0, lastTimestamp: ts + 9, coordinatorEpoch: -1, currentTxnStartOffset: 2 },
  ].sort((a, b) => a.producerId - b.producerId));
  assert.deepEqual([p1.errorCode, p1.activeProducers], [ErrorCode.NONE, []]);
  assert.equal(p9.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);

  assert.equal(await endTxn(client, 'dp-txn', txn, true), 0);
  const after = (await describe(topic, [0]))[0].activeProducers?.find((p) => p.producerId === txn.producerId);
  assert.equal(after?.currentTxnStartOffset, -1);
  assert.equal(after?.coordinatorEpoch, 0, 'the marker set the coordinator epoch');
  assert.equal((await describe('dp-no-such-topic', [0]))[0].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
});
