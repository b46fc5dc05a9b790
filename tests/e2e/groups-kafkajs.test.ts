// Consumer groups through kafkajs (its only assignor: round robin). Three consumers share a 6-partition topic;
// a member killed without leaving (a child process, SIGKILL) loses its partitions to the others within the
// session timeout; after a clean commit no record is read twice; a consumer carries on across a broker restart
// from its committed offsets, without reading anything twice.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { sleep, until } from '../helpers/eventually.ts';
import { scriptCommand } from '../../runtime/platform.ts';

const SESSION_TIMEOUT_MS = 6000;

let tb: TestBroker;
let kafka: Kafka;
let producer: Producer;
const consumers: Consumer[] = [];

before(async () => {
  tb = await startTestBroker();
  kafka = new Kafka({ clientId: 'kafkajs-groups-test', brokers: [tb.address], logLevel: logLevel.NOTHING });
  producer = kafka.producer();
  await producer.connect();
});
after(async () => {
  await Promise.all(consumers.map((c) => c.disconnect().catch(() => {})));
  await producer?.disconnect();
  await tb?.stop();
});

async function produce(p: Producer, topic: string, partitions: number, perPartition: number, tag: string): Promise<void> {
  const messages = [];
  for (let i = 0; i < perPartition; i++) for (let q = 0; q < partitions; q++) messages.push({ partition: q, value: `${tag}-${q}-${i}` });
  await p.send({ topic, messages });
}

interface Member {
  consumer: Consumer;
  assignment: number[];
  records: string[];
  protocol: string;
}

async function member(k: Kafka, groupId: string, topic: string): Promise<Member> {
  const consumer = k.consumer({ groupId, sessionTimeout: SESSION_TIMEOUT_MS, heartbeatInterval: 300, rebalanceTimeout: 20_000, maxWaitTimeInMs: 100 });
  consumers.push(consumer);
  const m: Member = { consumer, assignment: [], records: [], protocol: '' };
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    m.assignment = [...(e.payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
    m.protocol = e.payload.groupProtocol;
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void m.records.push(message.value?.toString() ?? '') });
  return m;
}

const disjointCover = (assignments: number[][], n: number) => {
  const all = assignments.flat();
  return assignments.every((a) => a.length > 0) && all.length === n && new Set(all).size === n;
};

test('kafkajs: three consumers share six partitions; a killed member\'s partitions move within the session timeout', async () => {
  const topic = 'kjs-six';
  const groupId = 'kjs-three';
  await tb.store.createTopic({ name: topic, partitions: 6 });
  await produce(producer, topic, 6, 5, 'a');

  // One member in a child process, so that it can die without leaving the group.
  const [cmd, args] = scriptCommand(fileURLToPath(new URL('./fixtures/kafkajs-member.ts', import.meta.url)), [tb.address, groupId, topic, String(SESSION_TIMEOUT_MS)]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const remote = { assignment: [] as number[], records: [] as string[] };
  let buffered = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffered += chunk;
    let at: number;
    while ((at = buffered.indexOf('\n')) >= 0) {
      const event = JSON.parse(buffered.slice(0, at)) as { join?: number[]; record?: string };
      buffered = buffered.slice(at + 1);
      if (event.join) remote.assignment = [...event.join].sort((a, b) => a - b);
      if (event.record !== undefined) remote.records.push(event.record);
    }
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    await until(() => remote.assignment.length === 6, 20_000, 'the first member to get all partitions');
    const m2 = await member(kafka, groupId, topic);
    const m3 = await member(kafka, groupId, topic);
    await until(() => disjointCover([remote.assignment, m2.assignment, m3.assignment], 6), 20_000, 'three members to share the partitions');
    assert.deepEqual([remote.assignment.length, m2.assignment.length, m3.assignment.length], [2, 2, 2]);
    assert.equal(m2.protocol, 'RoundRobinAssigner');
    await until(() => remote.records.length + m2.records.length + m3.records.length >= 30, 15_000, 'all 30 records');

    const killedAt = Date.now();
    child.kill('SIGKILL');
    await exited;
    await until(() => disjointCover([m2.assignment, m3.assignment], 6), SESSION_TIMEOUT_MS + 10_000, 'the killed member\'s partitions to move');
    const moved = Date.now() - killedAt;
    assert.ok(moved <= SESSION_TIMEOUT_MS + 5000, `partitions moved after ${moved} ms`);

    await produce(producer, topic, 6, 1, 'b');
    await until(() => [...m2.records, ...m3.records].filter((v) => v.startsWith('b-')).length >= 6, 15_000, 'the new records');
    await sleep(300);
    assert.deepEqual([...m2.records, ...m3.records].filter((v) => v.startsWith('b-')).sort(), ['b-0-0', 'b-1-0', 'b-2-0', 'b-3-0', 'b-4-0', 'b-5-0']);
    await Promise.all([m2.consumer.disconnect(), m3.consumer.disconnect()]);
  } finally {
    child.kill('SIGKILL');
  }
});

test('kafkajs: after a clean commit no record is read twice', async () => {
  const topic = 'kjs-exactly';
  const groupId = 'kjs-exactly-group';
  await tb.store.createTopic({ name: topic, partitions: 6 });
  await produce(producer, topic, 6, 10, 'first');
  const m1 = await member(kafka, groupId, topic);
  await until(() => m1.records.length >= 60, 15_000, 'the first 60 records');
  await m1.consumer.disconnect(); // commits and leaves
  const admin = kafka.admin();
  await admin.connect();
  const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
  assert.deepEqual(committed[0].partitions.map((p) => [p.partition, p.offset]).sort((a, b) => Number(a[0]) - Number(b[0])), [0, 1, 2, 3, 4, 5].map((p) => [p, '10']));
  await admin.disconnect();

  await produce(producer, topic, 6, 1, 'second');
  const m2 = await member(kafka, groupId, topic);
  await until(() => m2.records.length >= 6, 15_000, 'the new records');
  await sleep(500);
  assert.deepEqual([...m2.records].sort(), ['second-0-0', 'second-1-0', 'second-2-0', 'second-3-0', 'second-4-0', 'second-5-0']);
  assert.equal(m1.records.length, 60);
  assert.equal(new Set(m1.records).size, 60);
  await m2.consumer.disconnect();
});

test('kafkajs: a consumer carries on across a broker restart from its committed offsets', async () => {
  const first = await startTestBroker();
  const port = first.port;
  let second: TestBroker | null = null;
  const k = new Kafka({ clientId: 'kafkajs-restart', brokers: [first.address], logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 } });
  const p1 = k.producer();
  try {
    await first.store.createTopic({ name: 'restart', partitions: 3 });
    await p1.connect();
    await produce(p1, 'restart', 3, 10, 'before');
    const m = await member(k, 'restart-group', 'restart');
    await until(() => m.records.length >= 30, 15_000, 'the records before the restart');
    await sleep(500); // let the last commit land
    await p1.disconnect();
    await first.stopBroker();

    second = await startTestBroker({ port }, { databaseUrl: first.databaseUrl });
    const p2 = k.producer();
    await p2.connect();
    await produce(p2, 'restart', 3, 5, 'after');
    await p2.disconnect();
    await until(() => m.records.filter((v) => v.startsWith('after-')).length >= 15, 30_000, 'the records after the restart');
    await sleep(500);
    assert.equal(m.records.length, 45, 'nothing read twice');
    assert.equal(new Set(m.records).size, 45);
    await m.consumer.disconnect();
  } finally {
    await second?.stopBroker();
    await first.stop();
  }
});

test('kafkajs admin: list, describe, set offsets, delete groups', async () => {
  const topic = 'kjs-admin';
  const groupId = 'kjs-admin-group';
  await tb.store.createTopic({ name: topic, partitions: 2 });
  await produce(producer, topic, 2, 3, 'x');
  const m = await member(kafka, groupId, topic);
  await until(() => m.records.length >= 6, 15_000, 'the records');
  const admin = kafka.admin();
  await admin.connect();
  try {
    const listed = await admin.listGroups();
    assert.ok(listed.groups.some((g) => g.groupId === groupId && g.protocolType === 'consumer'));
    const described = await admin.describeGroups([groupId]);
    assert.equal(described.groups[0].state, 'Stable');
    assert.equal(described.groups[0].protocol, 'RoundRobinAssigner');
    assert.equal(described.groups[0].members.length, 1);
    await assert.rejects(admin.deleteGroups([groupId]), 'a group with members cannot be deleted');

    await m.consumer.disconnect();
    assert.equal((await admin.describeGroups([groupId])).groups[0].state, 'Empty');
    // An empty group's offsets can be set from outside (generation -1).
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '1' }, { partition: 1, offset: '2' }] });
    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    assert.deepEqual(offsets[0].partitions.map((p) => [p.partition, p.offset]).sort(), [[0, '1'], [1, '2']]);
    const deleted = await admin.deleteGroups([groupId]);
    assert.deepEqual(deleted.map((d) => [d.groupId, d.errorCode]), [[groupId, 0]]);
    assert.equal((await admin.describeGroups([groupId])).groups[0].state, 'Dead');
  } finally {
    await admin.disconnect();
  }
});
