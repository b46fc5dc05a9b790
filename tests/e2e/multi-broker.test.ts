// Two broker processes' worth of brokers on one database (A and B, node ids 1 and 2), clients bootstrapped to A
// only: kafkajs produces through A and consumes with a group whose coordinator is B (the two share the coordinator
// slots; the group is one of a slot B holds), which works end to end (join, sync, fetch, commit, resume from committed
// offsets); kcat consuming from B reads what kafkajs produced through A; a Fetch long poll on B is woken by a
// produce through A (LISTEN/NOTIFY across the two stores' connections).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import * as findCoordinator from '../../apis/find-coordinator.ts';
import * as metadata from '../../apis/metadata.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { until } from '../helpers/eventually.ts';
import { describe as describeGroup } from '../helpers/groups.ts';
import { fetchOne, flatten, makeBatch, produceOne } from '../helpers/data-path.ts';
import { kcatConsume, requireKcat } from '../helpers/kcat-cli.ts';
import { startGroupCoordinator } from '../../runtime/groups/coordinator.ts';
import { SLOT_COUNT, slotFor } from '../../runtime/groups/slot.ts';

const TOPIC = 'multi';
const PARTITIONS = 3;
/** A group of a slot B coordinates (chosen once the two brokers share the slots). */
let GROUP = '';

let a: TestBroker;
let b: TestBroker;
let kafka: Kafka;
let producer: Producer;
const consumers: Consumer[] = [];

before(async () => {
  requireKcat();
  a = await startTestBroker({ nodeId: 1 });
  b = await startTestBroker({ nodeId: 2 }, { databaseUrl: a.databaseUrl });
  const heldBy = (x: TestBroker) => startGroupCoordinator(x.broker).leases.heldSlots();
  await until(() => heldBy(a).length + heldBy(b).length === SLOT_COUNT && heldBy(b).length > 0, 20_000, 'A and B to share the coordinator slots');
  for (let i = 0; !heldBy(b).includes(slotFor(GROUP)) || GROUP === ''; i++) GROUP = `multi-group-${i}`;
  await a.store.createTopic({ name: TOPIC, partitions: PARTITIONS });
  kafka = new Kafka({ clientId: 'multi-broker-test', brokers: [a.address], logLevel: logLevel.NOTHING });
  producer = kafka.producer();
  await producer.connect();
});
after(async () => {
  await Promise.all(consumers.map((c) => c.disconnect().catch(() => {})));
  await producer?.disconnect();
  await b?.stopBroker();
  await a?.stop();
});

type FindRes = findCoordinator.FindCoordinatorResponse;

async function send(tag: string, count: number): Promise<string[]> {
  const values = Array.from({ length: count }, (_, i) => `${tag}-${i}`);
  await producer.send({ topic: TOPIC, acks: -1, messages: values.map((value, i) => ({ partition: i % PARTITIONS, value })) });
  return values;
}

async function consume(values: Set<string>, seen: string[]): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId: GROUP, sessionTimeout: 6000, heartbeatInterval: 300, maxWaitTimeInMs: 100 });
  consumers.push(consumer);
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value?.toString() ?? '') });
  await until(() => [...values].every((v) => seen.includes(v)), 20_000, `the consumer to read ${values.size} records`);
  return consumer;
}

test('A lists B in its Metadata; the group coordinator is B, as both brokers say', async () => {
  const ca = await RawClient.connect(a.port);
  const cb = await RawClient.connect(b.port);
  try {
    // B holds the group's slot: B names itself, and A names B.
    const fromB = await cb.request<FindRes>(findCoordinator, 3, { key: GROUP, keyType: 0, coordinatorKeys: [] });
    assert.deepEqual([fromB.errorCode, fromB.nodeId, fromB.host, fromB.port], [0, 2, '127.0.0.1', b.port]);
    const fromA = await ca.request<FindRes>(findCoordinator, 3, { key: GROUP, keyType: 0, coordinatorKeys: [] });
    assert.deepEqual([fromA.errorCode, fromA.nodeId, fromA.host, fromA.port], [0, 2, '127.0.0.1', b.port], 'A names B');

    await until(async () => ((await ca.request<metadata.MetadataResponse>(metadata, 12, { topics: [] })).brokers?.length ?? 0) === 2, 5000, 'A to list B');
    const meta = await ca.request<metadata.MetadataResponse>(metadata, 12, { topics: [{ name: TOPIC, topicId: '00000000-0000-0000-0000-000000000000' }] });
    assert.deepEqual(meta.brokers?.map((x) => [x.nodeId, x.port]), [[1, a.port], [2, b.port]]);
    assert.ok(meta.topics?.[0].partitions?.every((p) => p.leaderId === 1), 'A leads the partitions it answers for: kafkajs produces through A');
  } finally {
    ca.close();
    cb.close();
  }
});

test('kafkajs bootstrapped to A: produce through A, a consumer group coordinated by B reads, commits and resumes', async () => {
  const first = await send('one', 30);
  const seen: string[] = [];
  const consumer = await consume(new Set(first), seen);
  assert.equal(seen.length, first.length, 'each record once');

  // B coordinates the group (A does not know it); the committed offsets reach the end of every partition.
  const cb = await RawClient.connect(b.port);
  const ca = await RawClient.connect(a.port);
  try {
    const atB = await describeGroup(cb, GROUP);
    assert.equal(atB.errorCode, 0);
    assert.equal(atB.groupState, 'Stable');
    assert.equal(atB.members?.length, 1);
    const atA = await describeGroup(ca, GROUP);
    assert.equal(atA.errorCode, ErrorCode.NOT_COORDINATOR);
  } finally {
    ca.close();
    cb.close();
  }
  const admin = kafka.admin();
  await admin.connect();
  try {
    await until(async () => {
      const [t] = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
      return t.partitions.every((p) => Number(p.offset) === first.length / PARTITIONS);
    }, 10_000, 'the committed offsets to reach the end');
  } finally {
    await admin.disconnect();
  }
  await consumer.disconnect();

  // A new member of the group resumes from the committed offsets: only the records produced since.
  const second = await send('two', 9);
  const again: string[] = [];
  await consume(new Set(second), again);
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(again.sort(), [...second].sort(), 'nothing read twice');
});

test('kcat consuming from B reads what kafkajs produced through A', async () => {
  const values = await send('kcat', 12);
  const records = await kcatConsume(b.address, TOPIC);
  const read = new Set(records.map((r) => r.value));
  for (const v of values) assert.ok(read.has(v), `kcat from B lacks ${v}`);
  const stored = await Promise.all(Array.from({ length: PARTITIONS }, async (_, p) => (await b.store.offsets((await b.store.getTopics([TOPIC])).get(TOPIC)!, p)).highWatermark));
  assert.equal(records.length, stored.reduce((x, y) => x + y, 0), 'every record in the topic, once');
});

test('a Fetch long poll on B is woken by a produce through A', async () => {
  const topic = (await b.store.getTopics([TOPIC])).get(TOPIC);
  assert.ok(topic);
  const { highWatermark } = await b.store.offsets(topic, 0);
  const cb = await RawClient.connect(b.port);
  const ca = await RawClient.connect(a.port);
  try {
    const started = Date.now();
    let answered = 0;
    const poll = fetchOne(cb, 12, topic, 0, highWatermark, { maxWaitMs: 15_000, minBytes: 1 }).then((r) => ((answered = Date.now()), r));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(answered, 0, 'the poll waits while nothing is appended');
    const produced = await produceOne(ca, 9, TOPIC, 0, makeBatch([{ key: null, value: 'wake-up' }]));
    assert.equal(produced.errorCode, 0);
    assert.equal(produced.baseOffset, highWatermark);
    const { partition, batches } = await poll;
    assert.equal(partition.errorCode, 0);
    assert.deepEqual(flatten(batches).map((r) => [r.offset, r.value]), [[highWatermark, 'wake-up']]);
    const waited = answered - started;
    assert.ok(waited >= 500 && waited < 5000, `answered after ${waited} ms: woken by the produce, not the 15 s timeout`);
  } finally {
    ca.close();
    cb.close();
  }
});
