// DescribeTopicPartitions conformance (KIP-966): codec round trip; topics in name order with partitions as
// Metadata presents them; every topic when none is asked for; unknown and invalid names; paging with
// responsePartitionLimit and the cursor (across and inside topics); a cursor naming a topic not asked for.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as describeTopicPartitions from '../../apis/describe-topic-partitions.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { TOPIC_OPERATIONS } from '../../runtime/authorized-operations.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';

type Req = describeTopicPartitions.DescribeTopicPartitionsRequest;
type Res = describeTopicPartitions.DescribeTopicPartitionsResponse;

let tb: TestBroker;
let client: RawClient;
before(async () => {
  tb = await startTestBroker({ nodeId: 7 });
  client = await RawClient.connect(tb.port);
  await tb.store.createTopic({ name: 'b-three', partitions: 3 });
  await tb.store.createTopic({ name: 'a-two', partitions: 2 });
  await tb.store.createTopic({ name: 'c-five', partitions: 5 });
});
after(async () => {
  client?.close();
  await tb?.stop();
});

const ask = (names: string[], limit = 2000, cursor: Req['cursor'] = null) =>
  client.request<Res>(describeTopicPartitions, 0, { topics: names.map((name) => ({ name })), responsePartitionLimit: limit, cursor });
const shape = (res: Res) => res.topics?.map((t) => [t.name, t.errorCode, t.partitions?.map((p) => p.partitionIndex)]);

test('DescribeTopicPartitions: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(describeTopicPartitions);
});

test('DescribeTopicPartitions: topics in name order, partitions led by this broker, unknown and invalid names', async () => {
  const res = await ask(['c-five', 'a-two', 'no-such', 'bad name', 'a-two']);
  assert.deepEqual(shape(res), [
    ['a-two', 0, [0, 1]],
    ['bad name', ErrorCode.INVALID_TOPIC_EXCEPTION, []],
    ['c-five', 0, [0, 1, 2, 3, 4]],
    ['no-such', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, []],
  ]);
  assert.equal(res.nextCursor, null);
  const a = res.topics?.[0];
  const stored = (await tb.store.getTopics(['a-two'])).get('a-two');
  assert.equal(a?.topicId, stored?.topicId);
  assert.equal(a?.isInternal, false);
  assert.equal(a?.topicAuthorizedOperations, TOPIC_OPERATIONS);
  assert.deepEqual(a?.partitions?.[1], {
    errorCode: 0, partitionIndex: 1, leaderId: 7, leaderEpoch: 0, replicaNodes: [7], isrNodes: [7],
    eligibleLeaderReplicas: [], lastKnownElr: [], offlineReplicas: [],
  });
  assert.equal((await tb.store.getTopics(['no-such'])).size, 0); // never auto-created
});

test('DescribeTopicPartitions: no topics asked for means every topic', async () => {
  const res = await ask([]);
  // The internal __consumer_offsets (50 partitions) comes first, in name order, as in Kafka.
  assert.deepEqual(shape(res), [['__consumer_offsets', 0, Array.from({ length: 50 }, (_, i) => i)], ['a-two', 0, [0, 1]], ['b-three', 0, [0, 1, 2]], ['c-five', 0, [0, 1, 2, 3, 4]]]);
});

test('DescribeTopicPartitions: responsePartitionLimit pages through topics with the cursor', async () => {
  const pages: unknown[] = [];
  // From the first of this test's topics (the internal __consumer_offsets sorts before them).
  let cursor: Req['cursor'] = { topicName: 'a-two', partitionIndex: 0 };
  for (let i = 0; i < 10; i++) {
    const res = await ask([], 3, cursor);
    pages.push(shape(res));
    cursor = res.nextCursor ? { topicName: res.nextCursor.topicName ?? '', partitionIndex: res.nextCursor.partitionIndex ?? 0 } : null;
    if (cursor === null) break;
    pages.push([cursor.topicName, cursor.partitionIndex]);
  }
  assert.deepEqual(pages, [
    [['a-two', 0, [0, 1]], ['b-three', 0, [0]]],
    ['b-three', 1],
    [['b-three', 0, [1, 2]], ['c-five', 0, [0]]],
    ['c-five', 1],
    [['c-five', 0, [1, 2, 3]]],
    ['c-five', 4],
    [['c-five', 0, [4]]],
  ]);
  // A page that ends exactly at the end of a topic points at the next topic's first partition.
  const exact = await ask(['a-two', 'b-three'], 2);
  assert.deepEqual(shape(exact), [['a-two', 0, [0, 1]]]);
  assert.deepEqual(exact.nextCursor, { topicName: 'b-three', partitionIndex: 0 });
  // Limits are clamped to 1..2000.
  assert.deepEqual(shape(await ask(['c-five'], 0)), [['c-five', 0, [0]]]);
});

test('DescribeTopicPartitions: a cursor must name a topic asked for, with a partition >= 0', async () => {
  const res = await ask(['a-two', 'b-three'], 2000, { topicName: 'c-five', partitionIndex: 0 });
  assert.deepEqual(shape(res), [['a-two', ErrorCode.INVALID_REQUEST, []], ['b-three', ErrorCode.INVALID_REQUEST, []]]);
  const negative = await ask(['a-two'], 2000, { topicName: 'a-two', partitionIndex: -1 });
  assert.equal(negative.topics?.[0].errorCode, ErrorCode.INVALID_REQUEST);
  const fine = await ask(['a-two', 'b-three'], 2000, { topicName: 'b-three', partitionIndex: 2 });
  assert.deepEqual(shape(fine), [['b-three', 0, [2]]]);
});
