// DeleteRecords conformance: codec round trip of every version; v0-2 move the log start offset (ListOffsets
// earliest and Fetch agree, the rows below it leave kafka.records, offsets of new records carry on); -1 means the
// high watermark; past the high watermark or below -1 is OFFSET_OUT_OF_RANGE; the log start never moves back;
// unknown topics and partitions; compact-only topics refuse; kafkajs's admin.deleteTopicRecords.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import * as deleteRecords from '../../apis/delete-records.ts';
import * as listOffsets from '../../apis/list-offsets.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { fetchOne, flatten, makeBatch, produceOne, sampleRecords } from '../helpers/data-path.ts';
import { until } from '../helpers/eventually.ts';
import type { Topic } from '../../store/types.ts';

type Res = deleteRecords.DeleteRecordsResponse;
type PartitionAnswer = NonNullable<NonNullable<Res['topics']>[number]['partitions']>[number];

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

async function del(version: number, topic: string, partitions: { partition: number; offset: number }[]): Promise<PartitionAnswer[]> {
  const res = await client.request<Res>(deleteRecords, version, {
    topics: [{ name: topic, partitions: partitions.map((p) => ({ partitionIndex: p.partition, offset: p.offset })) }],
    timeoutMs: 5000,
  });
  assert.equal(res.topics?.[0].name, topic);
  return res.topics?.[0].partitions ?? [];
}

async function earliest(topic: string, partition: number): Promise<number> {
  const res = await client.request<listOffsets.ListOffsetsResponse>(listOffsets, 7, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: topic, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp: -2 }] }],
    timeoutMs: 1000,
  });
  const p = res.topics?.[0].partitions?.[0];
  assert.equal(p?.errorCode, 0);
  return p?.offset as number;
}

async function storedOffsets(topic: Topic, partition: number): Promise<number[]> {
  const rows = await tb.store.sql<{ offset: number }[]>`
    select "offset" from kafka.records where topic_id = ${topic.id} and partition = ${partition} order by "offset"`;
  return rows.map((r) => r.offset);
}

async function produce(topic: Topic, partition: number, n: number, tag: string): Promise<number> {
  const res = await produceOne(client, 9, topic.name, partition, makeBatch(sampleRecords(n, tag)));
  assert.equal(res.errorCode, 0);
  return res.baseOffset as number;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

test('DeleteRecords: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(deleteRecords);
});

test('DeleteRecords v0-2: moves the log start offset; fetch, ListOffsets and kafka.records agree', async () => {
  for (const v of [0, 1, 2]) {
    const topic = await tb.store.createTopic({ name: `dr-v${v}`, partitions: 2 });
    await produce(topic, 0, 10, 'a');
    await produce(topic, 1, 3, 'b');
    const [p0] = await del(v, topic.name, [{ partition: 0, offset: 4 }]);
    assert.deepEqual(p0, { partitionIndex: 0, lowWatermark: 4, errorCode: 0 }, `v${v}`);
    assert.equal(await earliest(topic.name, 0), 4);
    assert.equal(await earliest(topic.name, 1), 0, 'other partitions untouched');

    const below = await fetchOne(client, 12, topic, 0, 3);
    assert.equal(below.partition.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
    const at = await fetchOne(client, 12, topic, 0, 4);
    assert.equal(at.partition.errorCode, 0);
    assert.equal(at.partition.logStartOffset, 4);
    assert.deepEqual(flatten(at.batches).map((r) => r.offset), range(4, 10));

    await until(async () => (await storedOffsets(topic, 0))[0] === 4, 5000, 'rows below 4 deleted');
    assert.deepEqual(await storedOffsets(topic, 0), range(4, 10));
    assert.deepEqual(await storedOffsets(topic, 1), range(0, 3));

    // New records continue after the old high watermark.
    assert.equal(await produce(topic, 0, 2, 'c'), 10);
    assert.deepEqual(await storedOffsets(topic, 0), range(4, 12));
  }
});

test('DeleteRecords: -1 deletes up to the high watermark; the log start never moves back', async () => {
  const topic = await tb.store.createTopic({ name: 'dr-hw', partitions: 1 });
  await produce(topic, 0, 7, 'a');
  assert.deepEqual(await del(2, topic.name, [{ partition: 0, offset: 3 }]), [{ partitionIndex: 0, lowWatermark: 3, errorCode: 0 }]);
  // An offset below the current log start is no error: the low watermark stays where it is.
  assert.deepEqual(await del(2, topic.name, [{ partition: 0, offset: 1 }]), [{ partitionIndex: 0, lowWatermark: 3, errorCode: 0 }]);
  assert.deepEqual(await del(2, topic.name, [{ partition: 0, offset: -1 }]), [{ partitionIndex: 0, lowWatermark: 7, errorCode: 0 }]);
  assert.equal(await earliest(topic.name, 0), 7);
  await until(async () => (await storedOffsets(topic, 0)).length === 0, 5000, 'every row deleted');
  const empty = await fetchOne(client, 12, topic, 0, 7);
  assert.equal(empty.partition.errorCode, 0);
  assert.equal(empty.partition.highWatermark, 7);
  assert.equal(empty.partition.logStartOffset, 7);
  assert.equal(await produce(topic, 0, 1, 'b'), 7);
});

test('DeleteRecords: offsets past the high watermark or below -1 are OFFSET_OUT_OF_RANGE; nothing moves', async () => {
  const topic = await tb.store.createTopic({ name: 'dr-range', partitions: 1 });
  await produce(topic, 0, 5, 'a');
  const answers = await del(1, topic.name, [{ partition: 0, offset: 6 }]);
  assert.deepEqual(answers, [{ partitionIndex: 0, lowWatermark: -1, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE }]);
  assert.equal((await del(1, topic.name, [{ partition: 0, offset: -2 }]))[0].errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
  assert.equal(await earliest(topic.name, 0), 0);
  // Exactly the high watermark is allowed.
  assert.deepEqual(await del(1, topic.name, [{ partition: 0, offset: 5 }]), [{ partitionIndex: 0, lowWatermark: 5, errorCode: 0 }]);
});

test('DeleteRecords: unknown topics and partitions get UNKNOWN_TOPIC_OR_PARTITION; compact-only topics POLICY_VIOLATION', async () => {
  const topic = await tb.store.createTopic({ name: 'dr-known', partitions: 2 });
  await produce(topic, 0, 2, 'a');
  const res = await client.request<Res>(deleteRecords, 2, {
    topics: [
      { name: 'dr-nope', partitions: [{ partitionIndex: 0, offset: 0 }] },
      { name: topic.name, partitions: [{ partitionIndex: 2, offset: 0 }, { partitionIndex: -1, offset: 0 }, { partitionIndex: 0, offset: 1 }] },
    ],
    timeoutMs: 1000,
  });
  assert.deepEqual(res.topics, [
    { name: 'dr-nope', partitions: [{ partitionIndex: 0, lowWatermark: -1, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }] },
    {
      name: topic.name,
      partitions: [
        { partitionIndex: 2, lowWatermark: -1, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION },
        { partitionIndex: -1, lowWatermark: -1, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION },
        { partitionIndex: 0, lowWatermark: 1, errorCode: 0 },
      ],
    },
  ]);

  const compact = await tb.store.createTopic({ name: 'dr-compact', partitions: 1, configs: { 'cleanup.policy': 'compact' } });
  await produce(compact, 0, 3, 'a');
  assert.deepEqual(await del(2, compact.name, [{ partition: 0, offset: 2 }]), [{ partitionIndex: 0, lowWatermark: -1, errorCode: ErrorCode.POLICY_VIOLATION }]);
  assert.equal(await earliest(compact.name, 0), 0);
  const both = await tb.store.createTopic({ name: 'dr-compact-delete', partitions: 1, configs: { 'cleanup.policy': 'compact,delete' } });
  await produce(both, 0, 3, 'a');
  assert.deepEqual(await del(2, both.name, [{ partition: 0, offset: 2 }]), [{ partitionIndex: 0, lowWatermark: 2, errorCode: 0 }]);
});

test('DeleteRecords: kafkajs admin.deleteTopicRecords', async () => {
  const topic = await tb.store.createTopic({ name: 'dr-kafkajs', partitions: 2 });
  await produce(topic, 0, 8, 'a');
  await produce(topic, 1, 4, 'b');
  const kafka = new Kafka({ clientId: 'delete-records-test', brokers: [tb.address], logLevel: logLevel.NOTHING });
  const admin = kafka.admin({ retry: { retries: 0 } });
  await admin.connect();
  try {
    await admin.fetchTopicMetadata({ topics: [topic.name] }); // deleteTopicRecords needs the topic's metadata loaded
    await admin.deleteTopicRecords({ topic: topic.name, partitions: [{ partition: 0, offset: '5' }, { partition: 1, offset: '-1' }] });
    const offsets = await admin.fetchTopicOffsets(topic.name);
    const byPartition = new Map(offsets.map((o) => [o.partition, { low: o.low, high: o.high }]));
    assert.deepEqual(byPartition.get(0), { low: '5', high: '8' });
    assert.deepEqual(byPartition.get(1), { low: '4', high: '4' });
    // Errors come back as a KafkaJSDeleteTopicRecordsError (wrapped by the retrier) naming the partition.
    type PartitionsError = Error & { partitions?: { partition: number; error: { type: string } }[] };
    await assert.rejects(admin.deleteTopicRecords({ topic: topic.name, partitions: [{ partition: 0, offset: '9' }] }), (err: Error & { cause?: PartitionsError }) => {
      assert.equal(err.cause?.name, 'KafkaJSDeleteTopicRecordsError');
      assert.equal(err.cause?.partitions?.[0].partition, 0);
      assert.equal(err.cause?.partitions?.[0].error.type, 'OFFSET_OUT_OF_RANGE');
      return true;
    });
  } finally {
    await admin.disconnect();
  }
  await until(async () => (await storedOffsets(topic, 0))[0] === 5 && (await storedOffsets(topic, 1)).length === 0, 5000, 'rows deleted');
});
