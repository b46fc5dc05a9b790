// Topic auto-creation as clients see it. On (the default): a kafkajs producer, a @platformatic/kafka metadata
// request and kcat's producer create unknown topics with the default partition count, and records land. Off
// (autoCreateTopics: false): each client gets UNKNOWN_TOPIC_OR_PARTITION and nothing is created. Unknown
// partitions of existing topics: the clients check them against Metadata (2 partitions) and nothing is written.
// (The broker's own per-partition UNKNOWN_TOPIC_OR_PARTITION answers are in tests/apis/produce.test.ts.)

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { Admin } from '@platformatic/kafka';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { platformaticProducer } from '../helpers/platformatic.ts';
import { errorText } from '../helpers/error-text.ts';
import { kcatConsume, kcatConsumeRun, kcatProduce, requireKcat, runKcat } from '../helpers/kcat-cli.ts';

const DEFAULT_PARTITIONS = 4;

let on: TestBroker;
let off: TestBroker;

before(async () => {
  requireKcat();
  [on, off] = await Promise.all([
    startTestBroker({ defaultPartitions: DEFAULT_PARTITIONS }),
    startTestBroker({ defaultPartitions: DEFAULT_PARTITIONS, autoCreateTopics: false }),
  ]);
});
after(async () => {
  await Promise.all([on?.stop(), off?.stop()]);
});

const kafkaFor = (tb: TestBroker) =>
  new Kafka({ clientId: 'e2e-auto-create', brokers: [tb.address], logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 50, maxRetryTime: 200 } });

async function partitionsOf(tb: TestBroker, topic: string): Promise<number | null> {
  return (await tb.store.getTopics([topic])).get(topic)?.partitions ?? null;
}

async function recordCount(tb: TestBroker, topic: string): Promise<number> {
  const [row] = await tb.store.sql<{ n: number }[]>`select count(*)::int as n from kafka.messages where topic = ${topic}`;
  return row.n;
}

test('on: a kafkajs producer creates an unknown topic with the default partition count', async () => {
  const topic = 'auto-kafkajs';
  const kafka = kafkaFor(on);
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  try {
    const result = await producer.send({ topic, acks: -1, messages: Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
    assert.ok(result.every((r) => r.errorCode === 0));
  } finally {
    await producer.disconnect();
  }
  assert.equal(await partitionsOf(on, topic), DEFAULT_PARTITIONS);
  assert.equal(await recordCount(on, topic), 20);
  const admin = kafka.admin();
  await admin.connect();
  try {
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    assert.equal(meta.topics[0].partitions.length, DEFAULT_PARTITIONS);
  } finally {
    await admin.disconnect();
  }
});

test('on: @platformatic/kafka metadata with autocreateTopics creates the topic; without it, it does not', async () => {
  const admin = new Admin({ clientId: 'e2e-auto-create', bootstrapBrokers: [on.address], retries: 0 });
  try {
    const meta = await admin.metadata({ topics: ['auto-platformatic'], autocreateTopics: true });
    assert.equal(meta.topics.get('auto-platformatic')?.partitionsCount, DEFAULT_PARTITIONS);
    assert.equal(await partitionsOf(on, 'auto-platformatic'), DEFAULT_PARTITIONS);

    const error = await admin.metadata({ topics: ['not-auto-platformatic'], autocreateTopics: false }).then(() => null, (e: unknown) => e);
    assert.ok(error, 'metadata of an unknown topic without auto-creation fails');
    // The library turns error code 3 (UNKNOWN_TOPIC_OR_PARTITION) in a Metadata answer into "Unknown topic <name>."
    assert.match(errorText(error), /Unknown topic not-auto-platformatic/);
    assert.equal(await partitionsOf(on, 'not-auto-platformatic'), null);
  } finally {
    await admin.close();
  }
});

test('on: kcat produces into an unknown topic, which is created, and reads the records back', async () => {
  const topic = 'auto-kcat';
  const records = Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));
  const run = await kcatProduce(on.address, topic, records);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(await partitionsOf(on, topic), DEFAULT_PARTITIONS);
  const got = await kcatConsume(on.address, topic);
  assert.deepEqual(got.map((r) => r.value).sort(), records.map((r) => r.value).sort());
});

test('off: a kafkajs producer gets UNKNOWN_TOPIC_OR_PARTITION and no topic appears', async () => {
  const topic = 'off-kafkajs';
  const producer = kafkaFor(off).producer({ allowAutoTopicCreation: true });
  await producer.connect();
  try {
    const error = await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'v' }] }).then(() => null, (e: unknown) => e);
    assert.ok(error, 'the send fails');
    assert.match(errorText(error), /UNKNOWN_TOPIC_OR_PARTITION|does not host this topic-partition/);
  } finally {
    await producer.disconnect();
  }
  assert.equal(await partitionsOf(off, topic), null);
});

test('off: @platformatic/kafka producer and metadata get UNKNOWN_TOPIC_OR_PARTITION', async () => {
  const producer = platformaticProducer(off.address);
  try {
    const error = await producer.send({ messages: [{ topic: 'off-platformatic', key: 'k', value: 'v' }], autocreateTopics: true }).then(() => null, (e: unknown) => e);
    assert.ok(error, 'the send fails');
    assert.match(errorText(error), /Unknown topic off-platformatic/);
  } finally {
    await producer.close();
  }
  assert.equal(await partitionsOf(off, 'off-platformatic'), null);
});

test('off: kcat cannot produce to or consume an unknown topic; -L shows the error', async () => {
  const topic = 'off-kcat';
  // librdkafka waits topic.metadata.propagation.max.ms for a topic to appear before failing its messages.
  const produced = await kcatProduce(off.address, topic, [{ key: 'k', value: 'v' }], { properties: { 'topic.metadata.propagation.max.ms': '500', 'message.timeout.ms': '10000' } });
  assert.match(produced.stderr, /Unknown topic/i, `kcat -P: ${produced.stderr}`);
  const consumed = await kcatConsumeRun(off.address, topic, { partition: 0, timeoutMs: 15_000 });
  assert.notEqual(consumed.code, 0, 'kcat -C fails');
  assert.match(consumed.stderr, /Unknown topic|UNKNOWN_TOPIC/i, `kcat -C: ${consumed.stderr}`);
  const listed = await runKcat(['-L', '-b', off.address, '-t', topic]);
  assert.match(listed.stdout + listed.stderr, /Unknown topic or partition/i, `kcat -L: ${listed.stdout}${listed.stderr}`);
  assert.equal(await partitionsOf(off, topic), null);
});

test('unknown partition: kcat -p 99 is kcat and @platformatic/kafka refuse it after Metadata; kafkajs gets no acknowledgement; nothing is written', async () => {
  const topic = 'known-topic';
  await on.store.createTopic({ name: topic, partitions: 2 });
  // librdkafka checks partitions against the Metadata answer, so these errors show the broker told it of 2 partitions.
  const produced = await kcatProduce(on.address, topic, [{ key: 'k', value: 'v' }], { partition: 99, properties: { 'message.timeout.ms': '10000' } });
  assert.match(produced.stderr, /Unknown partition/i, `kcat -P -p 99: ${produced.stderr}`);
  const consumed = await kcatConsumeRun(on.address, topic, { partition: 99, timeoutMs: 15_000 });
  assert.notEqual(consumed.code, 0, 'kcat -C -p 99 fails');
  assert.match(consumed.stderr, /partitions 0\.\.1\): partition 99 does not exist|Unknown partition/i, `kcat -C -p 99: ${consumed.stderr}`);

  // kafkajs drops records for partitions its Metadata does not list (a kafkajs quirk): nothing is acknowledged.
  const producer = kafkaFor(on).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const result = await producer.send({ topic, acks: -1, messages: [{ partition: 99, key: 'k', value: 'v' }] });
    assert.deepEqual(result.filter((r) => r.partition === 99 && r.errorCode === 0), [], 'no acknowledgement for partition 99');
  } finally {
    await producer.disconnect();
  }

  // @platformatic/kafka checks ListOffsets partitions against Metadata too.
  const admin = new Admin({ clientId: 'e2e-auto-create', bootstrapBrokers: [on.address], retries: 0 });
  try {
    const error = await admin.listOffsets({ topics: [{ name: topic, partitions: [{ partitionIndex: 99, timestamp: -1n }] }] }).then(() => null, (e: unknown) => e);
    assert.ok(error, 'ListOffsets for partition 99 fails');
    assert.match(errorText(error), /Unknown partition 99 for topic known-topic/);
  } finally {
    await admin.close();
  }
  assert.equal(await partitionsOf(on, topic), 2);
  assert.equal(await recordCount(on, topic), 0);
});
