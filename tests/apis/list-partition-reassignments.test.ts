// ListPartitionReassignments conformance: codec round trip; the answer is always an empty list, for every topic
// or for topics named.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as listPartitionReassignments from '../../apis/list-partition-reassignments.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';

type Res = listPartitionReassignments.ListPartitionReassignmentsResponse;

let tb: TestBroker;
let client: RawClient;
before(async () => {
  tb = await startTestBroker();
  client = await RawClient.connect(tb.port);
  await tb.store.createTopic({ name: 'steady', partitions: 2 });
});
after(async () => {
  client?.close();
  await tb?.stop();
});

test('ListPartitionReassignments: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(listPartitionReassignments);
});

test('ListPartitionReassignments v0: nothing is ever being reassigned', async () => {
  for (const topics of [null, [{ name: 'steady', partitionIndexes: [0, 1] }], [{ name: 'no-such', partitionIndexes: [0] }]]) {
    const res = await client.request<Res>(listPartitionReassignments, 0, { timeoutMs: 1000, topics });
    assert.deepEqual(res, { throttleTimeMs: 0, errorCode: 0, errorMessage: null, topics: [] });
  }
});
