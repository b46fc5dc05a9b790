// Consumer groups through @platformatic/kafka (1.x; its built-in assignor is round robin). Three consumers share
// a 6-partition topic; one that closes (and leaves) hands its partitions over; after a clean commit no record is
// read twice. Static membership: a static member killed and restarted (a child process) gets its partitions
// back without a rebalance; a second consumer with the same group instance id fences the first.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { sleep, until } from '../helpers/eventually.ts';
import { scriptCommand } from '../../runtime/platform.ts';

const SESSION_TIMEOUT_MS = 6000;

let tb: TestBroker;
let producer: Producer<string, string, string, string>;
const consumers: Consumer<string, string, string, string>[] = [];
const children: ChildProcess[] = [];

before(async () => {
  tb = await startTestBroker();
  producer = new Producer({ clientId: 'platformatic-groups-test', bootstrapBrokers: [tb.address], serializers: stringSerializers });
});
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await Promise.all(consumers.map((c) => closeQuietly(c)));
  await producer?.close();
  await tb?.stop();
});

async function closeQuietly(c: Consumer<string, string, string, string>): Promise<void> {
  try {
    await c.close(true);
  } catch {
    // already closed, or fenced
  }
}

async function produce(topic: string, partitions: number, perPartition: number, tag: string): Promise<void> {
  const messages = [];
  for (let i = 0; i < perPartition; i++) for (let p = 0; p < partitions; p++) messages.push({ topic, partition: p, value: `${tag}-${p}-${i}` });
  await producer.send({ messages });
}

interface JoinEvent {
  generationId?: number;
  memberId: string;
  assignments?: { topic: string; partitions: number[] }[];
}

interface Member {
  consumer: Consumer<string, string, string, string>;
  assignment: number[];
  generation: number;
  joins: number;
  records: string[];
  errors: unknown[];
}

async function member(groupId: string, topic: string, extra: { groupInstanceId?: string } = {}): Promise<Member> {
  const consumer = new Consumer({
    groupId,
    clientId: 'platformatic-groups-test',
    bootstrapBrokers: [tb.address],
    deserializers: stringDeserializers,
    sessionTimeout: SESSION_TIMEOUT_MS,
    rebalanceTimeout: 20_000,
    heartbeatInterval: 300,
    maxWaitTime: 100,
    autocommit: 100,
    ...extra,
  });
  consumers.push(consumer);
  const m: Member = { consumer, assignment: [], generation: -1, joins: 0, records: [], errors: [] };
  consumer.on('consumer:group:join', (e: JoinEvent) => {
    m.joins++;
    m.generation = e.generationId ?? -1;
    m.assignment = (e.assignments ?? []).filter((a) => a.topic === topic).flatMap((a) => a.partitions).sort((a, b) => a - b);
  });
  consumer.on('consumer:heartbeat:error', (e: { error: unknown }) => void m.errors.push(e.error));
  const stream = await consumer.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest' });
  stream.on('data', (message) => void m.records.push(message.value));
  stream.on('error', (err) => void m.errors.push(err));
  return m;
}

const disjointCover = (assignments: number[][], n: number) => {
  const all = assignments.flat();
  return assignments.every((a) => a.length > 0) && all.length === n && new Set(all).size === n;
};

test('platformatic: three consumers share six partitions; one that closes hands its partitions over', async () => {
  const topic = 'pk-six';
  const groupId = 'pk-three';
  await tb.store.createTopic({ name: topic, partitions: 6 });
  await produce(topic, 6, 5, 'a');
  const m1 = await member(groupId, topic);
  await until(() => m1.assignment.length === 6, 15_000, 'the first member to get all partitions');
  const m2 = await member(groupId, topic);
  const m3 = await member(groupId, topic);
  await until(() => disjointCover([m1.assignment, m2.assignment, m3.assignment], 6), 20_000, 'three members to share the partitions');
  assert.deepEqual([m1.assignment.length, m2.assignment.length, m3.assignment.length], [2, 2, 2]);
  await until(() => m1.records.length + m2.records.length + m3.records.length >= 30, 15_000, 'all 30 records');

  await m3.consumer.close(true);
  await until(() => disjointCover([m1.assignment, m2.assignment], 6), SESSION_TIMEOUT_MS + 5000, 'the closed member\'s partitions to move');
  // The client does not drop what a fetch sent before the rebalance returns for a partition it gave up: let those
  // fetches end before producing, so that each record has exactly one reader.
  await sleep(500);
  await produce(topic, 6, 1, 'b');
  await until(() => [...m1.records, ...m2.records].filter((v) => v.startsWith('b-')).length >= 6, 15_000, 'the new records');
  await sleep(300);
  assert.deepEqual([...m1.records, ...m2.records].filter((v) => v.startsWith('b-')).sort(), ['b-0-0', 'b-1-0', 'b-2-0', 'b-3-0', 'b-4-0', 'b-5-0']);
  const all = [...m1.records, ...m2.records, ...m3.records];
  assert.equal(new Set(all).size, all.length, 'nothing read twice');
  await Promise.all([m1.consumer.close(true), m2.consumer.close(true)]);
});

test('platformatic: after a clean commit no record is read twice', async () => {
  const topic = 'pk-exactly';
  const groupId = 'pk-exactly-group';
  await tb.store.createTopic({ name: topic, partitions: 6 });
  await produce(topic, 6, 4, 'first');
  const m1 = await member(groupId, topic);
  await until(() => m1.records.length >= 24, 15_000, 'the first 24 records');
  await sleep(400); // two auto-commit intervals
  await m1.consumer.close(true);
  await produce(topic, 6, 1, 'second');
  const m2 = await member(groupId, topic);
  await until(() => m2.records.length >= 6, 15_000, 'the new records');
  await sleep(500);
  assert.deepEqual([...m2.records].sort(), ['second-0-0', 'second-1-0', 'second-2-0', 'second-3-0', 'second-4-0', 'second-5-0']);
  await m2.consumer.close(true);
});

function spawnMember(groupId: string, topic: string, instanceId: string): { events: { join: number[]; generation: number; memberId: string }[]; child: ChildProcess } {
  const script = fileURLToPath(new URL('./fixtures/platformatic-member.ts', import.meta.url));
  const [cmd, args] = scriptCommand(script, [tb.address, groupId, topic, instanceId, '10000']);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const events: { join: number[]; generation: number; memberId: string }[] = [];
  let buffered = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buffered += chunk;
    let at: number;
    while ((at = buffered.indexOf('\n')) >= 0) {
      events.push(JSON.parse(buffered.slice(0, at)));
      buffered = buffered.slice(at + 1);
    }
  });
  return { events, child };
}

test('platformatic: a restarted static member gets its partitions back without a rebalance', async () => {
  const topic = 'pk-static';
  const groupId = 'pk-static-group';
  await tb.store.createTopic({ name: topic, partitions: 6 });
  const first = spawnMember(groupId, topic, 'pk-static-1');
  await until(() => first.events.at(-1)?.join.length === 6, 20_000, 'the static member\'s assignment');
  const other = await member(groupId, topic);
  await until(() => disjointCover([first.events.at(-1)?.join ?? [], other.assignment], 6), 20_000, 'two members');
  const before = first.events.at(-1)!;
  const otherJoins = other.joins;
  const otherGeneration = other.generation;

  const gone = new Promise((resolve) => first.child.once('exit', resolve));
  first.child.kill('SIGKILL');
  await gone;
  const again = spawnMember(groupId, topic, 'pk-static-1');
  await until(() => again.events.length > 0, 20_000, 'the restarted static member to join');
  const back = again.events[0];
  assert.deepEqual(back.join, before.join, 'the same partitions');
  assert.equal(back.generation, before.generation, 'the same generation: no rebalance');
  assert.notEqual(back.memberId, before.memberId);
  await sleep(1000);
  assert.equal(other.joins, otherJoins, 'the other member did not rejoin');
  assert.equal(other.generation, otherGeneration);
  again.child.kill('SIGKILL');
  await other.consumer.close(true);
});

test('platformatic: a second consumer with the same group instance id fences the first', async () => {
  const topic = 'pk-fenced';
  const groupId = 'pk-fenced-group';
  await tb.store.createTopic({ name: topic, partitions: 2 });
  const first = await member(groupId, topic, { groupInstanceId: 'pk-twin' });
  await until(() => first.assignment.length === 2, 15_000, 'the first instance\'s assignment');
  const second = await member(groupId, topic, { groupInstanceId: 'pk-twin' });
  await until(() => second.assignment.length === 2, 15_000, 'the second instance\'s assignment');
  await until(() => first.errors.length > 0, 5000, 'the first instance to be told it is fenced');
  const codes = first.errors.map((e) => (e as { response?: { errorCode?: number } }).response?.errorCode);
  assert.ok(codes.includes(82), `FENCED_INSTANCE_ID (82) in the heartbeat errors: ${codes.join(',')}`);
  await second.consumer.close(true);
  await closeQuietly(first.consumer);
});
