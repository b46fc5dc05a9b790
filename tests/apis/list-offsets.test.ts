// ListOffsets conformance: codec round trip of every version; every version 1-10 answers each special timestamp
// (-1 latest, -2 earliest, -3 max timestamp, -4 earliest local, -5 latest tiered) and look-ups by time;
// empty partitions; read_committed; unknown topics and partitions; a partition listed twice; v0's list of offsets.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as listOffsets from '../../apis/list-offsets.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { makeBatch, produceOne } from '../helpers/data-path.ts';
import type { Topic } from '../../store/types.ts';

let tb: TestBroker;
let client: RawClient;
after(async () => {
  client?.close();
  await tb?.stop();
});

type PartitionAnswer = NonNullable<NonNullable<listOffsets.ListOffsetsResponse['topics']>[number]['partitions']>[number];

async function list(version: number, topic: string, partitions: { partition: number; timestamp: number }[], isolationLevel = 0): Promise<PartitionAnswer[]> {
  const res = await client.request<listOffsets.ListOffsetsResponse>(listOffsets, version, {
    replicaId: -1,
    isolationLevel,
    topics: [{ name: topic, partitions: partitions.map((p) => ({ partitionIndex: p.partition, currentLeaderEpoch: -1, timestamp: p.timestamp })) }],
    timeoutMs: 1000,
  });
  assert.equal(res.topics?.[0].name, topic);
  return res.topics?.[0].partitions ?? [];
}

async function one(version: number, topic: string, partition: number, timestamp: number, isolationLevel = 0): Promise<PartitionAnswer> {
  return (await list(version, topic, [{ partition, timestamp }], isolationLevel))[0];
}

const T0 = 1_700_000_000_000;
let topic: Topic;

before(async () => {
  tb = await startTestBroker();
  client = await RawClient.connect(tb.port);
  topic = await tb.store.createTopic({ name: 'list-offsets', partitions: 3 });
  // Partition 0: offsets 0-5 with timestamps T0+0, +10, +20, +50 (max), +30, +40.
  const deltas = [0, 10, 20, 50, 30, 40];
  const first = makeBatch(deltas.slice(0, 3).map((d, i) => ({ key: `k${i}`, value: 'v', timestamp: T0 + d })));
  const second = makeBatch(deltas.slice(3).map((d, i) => ({ key: `k${i + 3}`, value: 'v', timestamp: T0 + d })));
  assert.equal((await produceOne(client, 9, topic.name, 0, first)).errorCode, 0);
  assert.equal((await produceOne(client, 9, topic.name, 0, second)).errorCode, 0);
  // Partition 1: one record; partition 2 stays empty.
  assert.equal((await produceOne(client, 9, topic.name, 1, makeBatch([{ key: null, value: 'x', timestamp: T0 }]))).errorCode, 0);
});

test('ListOffsets: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(listOffsets);
});

test('ListOffsets v0: the offset found as a one-element list (none when nothing is found)', async () => {
  const answers = await Promise.all([[0, -1], [0, -2], [0, T0 + 25], [0, T0 + 1000], [2, -1]].map(([p, ts]) => one(0, topic.name, p, ts)));
  assert.deepEqual(answers.map((a) => [a.errorCode, a.oldStyleOffsets]), [[0, [6]], [0, [0]], [0, [3]], [0, []], [0, [0]]]);
  const [unknown] = await list(0, topic.name, [{ partition: 9, timestamp: -1 }]);
  assert.deepEqual([unknown.errorCode, unknown.oldStyleOffsets], [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, []]);
});

test('ListOffsets: v1-10 answer latest, earliest and look-ups by time', async () => {
  for (let v = 1; v <= 10; v++) {
    const epoch = v >= 4 ? 0 : -1;
    const notFound = { errorCode: 0, offset: -1, timestamp: -1, leaderEpoch: -1 };
    const pick = (p: PartitionAnswer) => ({ errorCode: p.errorCode, offset: p.offset, timestamp: p.timestamp, leaderEpoch: p.leaderEpoch });
    assert.deepEqual(pick(await one(v, topic.name, 0, -1)), { errorCode: 0, offset: 6, timestamp: -1, leaderEpoch: epoch }, `v${v} latest`);
    assert.deepEqual(pick(await one(v, topic.name, 0, -2)), { errorCode: 0, offset: 0, timestamp: -1, leaderEpoch: epoch }, `v${v} earliest`);
    // By time: exact, between two records (the first at or after), before everything, after everything.
    assert.deepEqual(pick(await one(v, topic.name, 0, T0 + 20)), { errorCode: 0, offset: 2, timestamp: T0 + 20, leaderEpoch: epoch }, `v${v} exact`);
    assert.deepEqual(pick(await one(v, topic.name, 0, T0 + 25)), { errorCode: 0, offset: 3, timestamp: T0 + 50, leaderEpoch: epoch }, `v${v} between`);
    assert.deepEqual(pick(await one(v, topic.name, 0, T0 + 35)), { errorCode: 0, offset: 3, timestamp: T0 + 50, leaderEpoch: epoch }, `v${v} first at or after`);
    assert.deepEqual(pick(await one(v, topic.name, 0, T0 - 1000)), { errorCode: 0, offset: 0, timestamp: T0, leaderEpoch: epoch }, `v${v} before all`);
    assert.deepEqual(pick(await one(v, topic.name, 0, T0 + 51)), notFound, `v${v} after all`);
    // Empty partition.
    assert.deepEqual(pick(await one(v, topic.name, 2, -1)), { errorCode: 0, offset: 0, timestamp: -1, leaderEpoch: epoch });
    assert.deepEqual(pick(await one(v, topic.name, 2, T0)), notFound);
  }
});

test('ListOffsets: -3 max timestamp (v7+), -4 earliest local (v8+), -5 latest tiered (v9+)', async () => {
  for (let v = 7; v <= 10; v++) {
    const max = await one(v, topic.name, 0, -3);
    assert.deepEqual([max.errorCode, max.offset, max.timestamp, max.leaderEpoch], [0, 3, T0 + 50, 0], `v${v} max timestamp`);
    const emptyMax = await one(v, topic.name, 2, -3);
    assert.deepEqual([emptyMax.offset, emptyMax.timestamp], [-1, -1], `v${v} max timestamp of an empty partition`);
    if (v >= 8) {
      const local = await one(v, topic.name, 0, -4);
      assert.deepEqual([local.errorCode, local.offset, local.timestamp, local.leaderEpoch], [0, 0, -1, 0], `v${v} earliest local`);
    }
    if (v >= 9) {
      const tiered = await one(v, topic.name, 0, -5);
      assert.deepEqual([tiered.errorCode, tiered.offset, tiered.timestamp], [0, -1, -1], `v${v} latest tiered`);
    }
  }
});

test('ListOffsets: several partitions in one request, in order; read_committed latest', async () => {
  const got = await list(6, topic.name, [{ partition: 1, timestamp: -1 }, { partition: 0, timestamp: -1 }, { partition: 2, timestamp: -2 }]);
  assert.deepEqual(got.map((p) => [p.partitionIndex, p.offset]), [[1, 1], [0, 6], [2, 0]]);
  for (const v of [2, 5, 10]) {
    assert.equal((await one(v, topic.name, 0, -1, 1)).offset, 6, `v${v} read_committed latest = last stable offset`);
  }
});

test('ListOffsets: unknown topics and partitions, and a partition listed twice', async () => {
  for (const v of [1, 6, 10]) {
    const unknown = await one(v, 'no-such-topic', 0, -1);
    assert.deepEqual([unknown.errorCode, unknown.offset, unknown.timestamp], [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1, -1], `v${v}`);
    assert.equal((await one(v, topic.name, 3, -1)).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal((await one(v, topic.name, -1, -2)).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  }
  const dup = await list(6, topic.name, [{ partition: 0, timestamp: -1 }, { partition: 1, timestamp: -1 }, { partition: 0, timestamp: -2 }]);
  assert.deepEqual(dup.map((p) => [p.partitionIndex, p.errorCode]), [[0, ErrorCode.INVALID_REQUEST], [1, 0], [0, ErrorCode.INVALID_REQUEST]]);
  assert.equal((await tb.store.getTopics(['no-such-topic'])).size, 0);
});
