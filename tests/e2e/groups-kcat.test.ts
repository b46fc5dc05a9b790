// Consumer groups through kcat (librdkafka), every assignor it offers: range, roundrobin, cooperative-sticky.
// Three consumers share a 6-partition topic and read every record once; a killed one's partitions move within
// the session timeout; cooperative-sticky members keep their partitions through rebalances. After a clean commit
// nothing is read twice. Static membership: a restarted static member gets its partitions back without a
// rebalance; a second consumer with the same group.instance.id fences the first (FENCED_INSTANCE_ID).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { KcatConsumer, type KcatOptions } from '../helpers/kcat.ts';
import { sleep, until } from '../helpers/eventually.ts';

const SESSION_TIMEOUT_MS = 6000;

let tb: TestBroker;
let producer: Producer;
const running: KcatConsumer[] = [];

before(async () => {
  tb = await startTestBroker();
  const kafka = new Kafka({ clientId: 'kcat-groups-test', brokers: [tb.address], logLevel: logLevel.NOTHING });
  producer = kafka.producer();
  await producer.connect();
});
after(async () => {
  await Promise.all(running.map((c) => c.kill()));
  await producer?.disconnect();
  await tb?.stop();
});

function consumer(o: Omit<KcatOptions, 'address'>): KcatConsumer {
  const c = new KcatConsumer({ address: tb.address, sessionTimeoutMs: SESSION_TIMEOUT_MS, ...o });
  running.push(c);
  return c;
}

/** `perPartition` records in each of the topic's partitions, values "<tag>-<partition>-<i>". */
async function produce(topic: string, partitions: number, perPartition: number, tag: string): Promise<void> {
  const messages = [];
  for (let p = 0; p < partitions; p++) for (let i = 0; i < perPartition; i++) messages.push({ partition: p, value: `${tag}-${p}-${i}` });
  await producer.send({ topic, messages });
}

function assertDisjointCover(consumers: KcatConsumer[], partitions: number, what: string): void {
  const all = consumers.flatMap((c) => [...c.assignment]);
  assert.equal(all.length, partitions, `${what}: each partition once (${consumers.map((c) => [...c.assignment].join(',')).join(' | ')})`);
  assert.equal(new Set(all).size, partitions, what);
}

const covers = (consumers: KcatConsumer[], partitions: number) => () => {
  const all = consumers.flatMap((c) => [...c.assignment]);
  return consumers.every((c) => c.assignment.size > 0) && all.length === partitions && new Set(all).size === partitions;
};

for (const strategy of ['range', 'roundrobin', 'cooperative-sticky']) {
  test(`kcat ${strategy}: three consumers share six partitions; a killed one's partitions move within the session timeout`, async () => {
    const topic = `kcat-${strategy}`;
    const groupId = `kcat-group-${strategy}`;
    await tb.store.createTopic({ name: topic, partitions: 6 });
    await produce(topic, 6, 10, 'a');

    const c1 = consumer({ groupId, topics: [topic], strategy });
    await until(() => c1.assignment.size === 6, 15_000, 'the first consumer to get all partitions');
    const c2 = consumer({ groupId, topics: [topic], strategy });
    await until(covers([c1, c2], 6), 15_000, 'two consumers to share the partitions');
    const c3 = consumer({ groupId, topics: [topic], strategy });
    await until(covers([c1, c2, c3], 6), 15_000, 'three consumers to share the partitions');
    assertDisjointCover([c1, c2, c3], 6, 'three members');
    for (const c of [c1, c2, c3]) assert.equal(c.assignment.size, 2, `${strategy}: two partitions each`);

    await until(() => [c1, c2, c3].reduce((n, c) => n + c.records.length, 0) >= 60, 15_000, 'all 60 records');
    const read = [c1, c2, c3].flatMap((c) => c.records.map((r) => r.value));
    assert.equal(read.length, 60, 'each record read once');
    assert.equal(new Set(read).size, 60);

    if (strategy === 'cooperative-sticky') {
      // Incremental rebalancing: members give up some partitions, never all of them at once.
      for (const c of [c1, c2]) for (const r of c.revokes) assert.ok(r.count < r.before, `a cooperative revoke took ${r.count} of ${r.before}`);
    }

    const killedAt = Date.now();
    await c3.kill();
    await until(covers([c1, c2], 6), SESSION_TIMEOUT_MS + 8000, 'the killed consumer\'s partitions to move');
    const moved = Date.now() - killedAt;
    assert.ok(moved <= SESSION_TIMEOUT_MS + 5000, `partitions moved after ${moved} ms`);
    assertDisjointCover([c1, c2], 6, 'two members left');

    // The survivors read what comes next, once.
    await produce(topic, 6, 1, 'b');
    await until(() => [c1, c2].flatMap((c) => c.records).filter((r) => r.value.startsWith('b-')).length >= 6, 15_000, 'the new records');
    await sleep(500);
    const next = [c1, c2].flatMap((c) => c.records.map((r) => r.value)).filter((v) => v.startsWith('b-'));
    assert.deepEqual(next.sort(), ['b-0-0', 'b-1-0', 'b-2-0', 'b-3-0', 'b-4-0', 'b-5-0']);
    await Promise.all([c1.stop(), c2.stop()]);
  });
}

test('kcat: after a clean commit no record is read twice', async () => {
  const topic = 'kcat-exactly';
  const groupId = 'kcat-exactly-group';
  await tb.store.createTopic({ name: topic, partitions: 6 });
  await produce(topic, 6, 5, 'first');
  const c1 = consumer({ groupId, topics: [topic] });
  await until(() => c1.records.length >= 30, 15_000, 'the first 30 records');
  await sleep(500); // an auto-commit interval
  await c1.stop(); // commits and leaves
  assert.equal(c1.records.length, 30);

  const c2 = consumer({ groupId, topics: [topic] });
  await until(() => c2.stderr.filter((l) => l.includes('Reached end of topic')).length >= 6, 15_000, 'the second consumer to reach the end of every partition');
  assert.equal(c2.records.length, 0, 'nothing read twice');
  await produce(topic, 6, 1, 'second');
  await until(() => c2.records.length >= 6, 15_000, 'the new records');
  await sleep(300);
  assert.deepEqual(c2.records.map((r) => r.value).sort(), ['second-0-0', 'second-1-0', 'second-2-0', 'second-3-0', 'second-4-0', 'second-5-0']);
  await c2.stop();
});

test('kcat: a restarted static member gets its partitions back without a rebalance', async () => {
  const topic = 'kcat-static';
  const groupId = 'kcat-static-group';
  await tb.store.createTopic({ name: topic, partitions: 6 });
  const opts = { groupId, topics: [topic], strategy: 'roundrobin', sessionTimeoutMs: 10_000 };
  const s1 = consumer({ ...opts, groupInstanceId: 'static-1' });
  await until(() => s1.assignment.size === 6, 15_000, 'the static member\'s assignment');
  const d = consumer(opts);
  await until(covers([s1, d], 6), 15_000, 'two members');
  const before = [...s1.assignment].sort();
  const dynamicRebalances = d.rebalances;
  const dynamicAssignment = [...d.assignment].sort();

  await s1.kill();
  const s2 = consumer({ ...opts, groupInstanceId: 'static-1' });
  await until(() => s2.assignment.size > 0, 8000, 'the restarted static member\'s assignment');
  assert.deepEqual([...s2.assignment].sort(), before, 'the same partitions');
  await sleep(1500);
  assert.equal(d.rebalances, dynamicRebalances, 'the other member saw no rebalance');
  assert.deepEqual([...d.assignment].sort(), dynamicAssignment);
  await Promise.all([s2.stop(), d.stop()]);
});

test('kcat: a second consumer with the same group.instance.id fences the first (FENCED_INSTANCE_ID)', async () => {
  const topic = 'kcat-fenced';
  await tb.store.createTopic({ name: topic, partitions: 6 });
  const opts = { groupId: 'kcat-fenced-group', topics: [topic], groupInstanceId: 'twin' };
  const first = consumer(opts);
  await until(() => first.assignment.size === 6, 15_000, 'the first instance\'s assignment');
  const second = consumer(opts);
  await until(() => second.assignment.size === 6, 15_000, 'the second instance\'s assignment');
  const code = await Promise.race([first.exited, sleep(10_000).then(() => 'still running')]);
  assert.notEqual(code, 'still running', 'the fenced instance stops');
  assert.ok(first.stderr.some((l) => /fenced/i.test(l)), `the first instance reports it was fenced:\n${first.stderr.join('\n')}`);
  await second.stop();
});
