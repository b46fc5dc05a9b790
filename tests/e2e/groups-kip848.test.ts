// KIP-848 consumer groups with a real client: node-rdkafka (librdkafka >= 2.12) with group.protocol=consumer.
// One consumer takes all six partitions; two more join and the partitions spread 2/2/2; two leave and the first
// takes everything back. Records produced while the group is settled are consumed exactly once across the changes
// (members commit every record, each change waits until the commits are in, and a member taking a partition over
// starts from the committed offset); records produced while members join are all consumed (at least once). The
// committed offsets end at the end of every partition. node-rdkafka is a native (nan) addon: it loads on Node
// only, so this file is skipped on Deno.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import process from 'node:process';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { until } from '../helpers/eventually.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { describeConsumerGroup } from '../helpers/consumer-groups.ts';
import { fetchCommitted } from '../helpers/groups.ts';
import { isDeno } from '../../runtime/platform.ts';

type Rdkafka = typeof import('node-rdkafka');
type KafkaConsumer = import('node-rdkafka').KafkaConsumer;

/** node-rdkafka, or why it cannot be loaded here. */
function loadRdkafka(): Rdkafka | string {
  if (isDeno) return 'node-rdkafka native addon does not load on Deno';
  try {
    return createRequire(import.meta.url)('node-rdkafka') as Rdkafka;
  } catch (err) {
    return `node-rdkafka could not be loaded: ${(err as Error).message}`;
  }
}

const rdkafka = loadRdkafka();
const TOPIC = 'kip848-six';
const GROUP = 'kip848-group';
const PARTITIONS = 6;

let tb: TestBroker;
let producer: Producer;
let admin: RawClient;

before(async () => {
  if (typeof rdkafka === 'string') return;
  tb = await startTestBroker({ groupConsumerHeartbeatIntervalMs: 200, groupConsumerSessionTimeoutMs: 10_000 });
  const kafka = new Kafka({ clientId: 'kip848-producer', brokers: [tb.address], logLevel: logLevel.NOTHING });
  producer = kafka.producer();
  await producer.connect();
  admin = await RawClient.connect(tb.port);
});
after(async () => {
  admin?.close();
  await producer?.disconnect();
  await tb?.stop();
});

interface Member {
  name: string;
  consumer: KafkaConsumer;
  assigned: Set<number>;
  records: string[];
  errors: string[];
}

async function startMember(k: Rdkafka, name: string): Promise<Member> {
  const consumer = new k.KafkaConsumer({
    'metadata.broker.list': tb.address,
    'broker.address.family': 'v4',
    'group.id': GROUP,
    'group.protocol': 'consumer',
    'client.id': name,
    'enable.auto.commit': false,
    'rebalance_cb': true,
    'fetch.wait.max.ms': 100,
    'topic.metadata.refresh.interval.ms': 1000,
    // KIP848_DEBUG=cgrp,fetch,... prints librdkafka's debug log.
    ...(process.env.KIP848_DEBUG ? { debug: process.env.KIP848_DEBUG, event_cb: true } : {}),
  }, { 'auto.offset.reset': 'earliest' });
  if (process.env.KIP848_DEBUG) consumer.on('event.log', (l) => console.error(`[${name}] ${l.fac} ${l.message}`));
  const m: Member = { name, consumer, assigned: new Set(), records: [], errors: [] };
  consumer.on('rebalance', (err, assignment) => {
    for (const a of assignment) {
      if (a.topic !== TOPIC) continue;
      if (err.code === k.CODES.ERRORS.ERR__ASSIGN_PARTITIONS) m.assigned.add(a.partition);
      else if (err.code === k.CODES.ERRORS.ERR__REVOKE_PARTITIONS) m.assigned.delete(a.partition);
    }
  });
  consumer.on('event.error', (err) => void m.errors.push(`${err.code}: ${err.message}`));
  consumer.on('data', (message) => {
    m.records.push(message.value?.toString() ?? '');
    // Every record is committed (asynchronously: commitMessageSync blocks node-rdkafka's flowing consume loop).
    consumer.commitMessage(message);
  });
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
  consumer.subscribe([TOPIC]);
  consumer.consume();
  return m;
}

async function stopMember(m: Member): Promise<void> {
  if (!m.consumer.isConnected()) return;
  await new Promise<void>((resolve) => m.consumer.disconnect(() => resolve()));
}

/** Waits until the group's committed offsets are at `offset` on every partition. */
async function committedAt(offset: number): Promise<void> {
  const want = JSON.stringify(Array(PARTITIONS).fill(offset));
  await until(async () => JSON.stringify(await fetchCommitted(admin, GROUP, TOPIC, [0, 1, 2, 3, 4, 5])) === want, 30_000, `committed offsets at ${offset}`);
}

async function produce(tag: string, perPartition: number): Promise<string[]> {
  const messages = [];
  for (let i = 0; i < perPartition; i++) for (let p = 0; p < PARTITIONS; p++) messages.push({ partition: p, value: `${tag}-${p}-${i}` });
  await producer.send({ topic: TOPIC, messages });
  return messages.map((m) => m.value);
}

/** The members hold disjoint sets of partitions that cover the topic, with these sizes (any order). */
function spread(members: Member[], sizes: number[]): boolean {
  const all = members.flatMap((m) => [...m.assigned]);
  return new Set(all).size === PARTITIONS && all.length === PARTITIONS &&
    JSON.stringify(members.map((m) => m.assigned.size).sort()) === JSON.stringify([...sizes].sort());
}

const title = 'node-rdkafka (group.protocol=consumer): 1 → 3 → 1 members, every record consumed exactly once, commits respected';
// Skipped (with the reason) where node-rdkafka cannot load: on Deno, which runs Node-API addons only.
test(title, { skip: typeof rdkafka === 'string' ? rdkafka : false }, async (t) => {
  if (typeof rdkafka === 'string') {
    t.skip(rdkafka);
    return;
  }
  assert.ok(rdkafka.librdkafkaVersion >= '2.12.0', `librdkafka ${rdkafka.librdkafkaVersion}`);
  await tb.store.createTopic({ name: TOPIC, partitions: PARTITIONS });
  const members: Member[] = [];
  const consumed = () => members.flatMap((m) => m.records);
  const expected: string[] = [];
  try {
    // One member: every partition.
    const first = await startMember(rdkafka, 'kip848-a');
    members.push(first);
    await until(() => first.assigned.size === PARTITIONS, 30_000, 'the first member to get all six partitions');
    expected.push(...(await produce('one', 5)));
    await until(() => consumed().length >= expected.length, 30_000, 'the first batch');
    await committedAt(5);

    // Three members: two partitions each. Records produced while they join are not lost.
    members.push(await startMember(rdkafka, 'kip848-b'));
    const during = await produce('during', 2);
    members.push(await startMember(rdkafka, 'kip848-c'));
    await until(() => spread(members, [2, 2, 2]), 30_000, 'the partitions to spread over three members');
    await until(() => during.every((r) => consumed().includes(r)), 30_000, 'the records produced during the change');
    await committedAt(7);
    let g = await describeConsumerGroup(admin, GROUP);
    await until(async () => (g = await describeConsumerGroup(admin, GROUP)).groupState === 'Stable', 30_000, 'a stable group');
    assert.equal(g.members?.length, 3);
    assert.deepEqual(g.members?.map((m) => m.clientId).sort(), ['kip848-a', 'kip848-b', 'kip848-c']);
    expected.push(...(await produce('three', 5)));
    const quiet = () => consumed().filter((r) => !r.startsWith('during-'));
    await until(() => quiet().length >= expected.length, 30_000, 'the second batch');
    for (const m of members) assert.ok(m.records.some((r) => r.startsWith('three-')), `${m.name} consumed some of the second batch`);
    await committedAt(12);

    // Back to one member: the other two leave.
    await stopMember(members[1]);
    await stopMember(members[2]);
    await until(() => first.assigned.size === PARTITIONS, 30_000, 'the first member to get every partition back');
    expected.push(...(await produce('back', 5)));
    await until(() => quiet().length >= expected.length, 30_000, 'the third batch');
    await until(async () => (g = await describeConsumerGroup(admin, GROUP)).members?.length === 1 && g.groupState === 'Stable', 30_000, 'one stable member');

    // Exactly once: nothing lost, nothing read twice (a member taking over a partition resumed at the commit).
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual([...quiet()].sort(), [...expected].sort());
    await committedAt(17);
    for (const m of members) assert.deepEqual(m.errors, [], `${m.name} reported no errors`);
  } finally {
    await Promise.all(members.map(stopMember));
  }
  const g = await describeConsumerGroup(admin, GROUP);
  assert.deepEqual([g.groupState, g.members?.length], ['Empty', 0], 'the last member left on close');
});
