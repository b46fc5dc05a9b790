// Shadow mode end to end: a local broker forwards shadowed topics to an "external cluster" (a second pg-kafka broker
// on a database of its own, reached through a fault proxy): dual-write async with headers, timestamps and
// partitions equal on both sides and the offset mapping in SQL; committed transactions forwarded and aborted ones
// not; the external cluster down then back (local produce goes on, the lag drains); sync mode (answered after the
// external ack; with the external down an error, or the local result with shadow.sync.on.timeout=local); the
// percent dial by key; a record the external refuses is parked and the rest goes on; external-only drops forwarded
// rows; group offsets translated and committed externally; pause/resume.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { FaultProxy } from '../helpers/fault-proxy.ts';
import { sleep, until } from '../helpers/eventually.ts';
import { kafkajsFetchAll } from '../helpers/kafkajs.ts';
import { murmur2 } from '../../codec/murmur2.ts';

/** The dial's rule, written out here (not the forwarder's function): toPositive(murmur2(key)) % 100 < percent. */
const dialed = (key: string, percent: number) => ((murmur2(new TextEncoder().encode(key)) & 0x7fffffff) % 100) < percent;
import { shadowStatus, startReplay } from '../../store/shadow.ts';
import { spawnSync } from 'node:child_process';
import process from 'node:process';

let external: TestBroker;
let local: TestBroker;
let proxy: FaultProxy;
let localKafka: Kafka;
let externalKafka: Kafka;
const producers: Producer[] = [];

before(async () => {
  proxy = await FaultProxy.start();
  external = await startTestBroker({ advertisedPort: proxy.port });
  proxy.targetPort = external.port;
  local = await startTestBroker({ shadowBootstrapServers: `127.0.0.1:${proxy.port}` });
  localKafka = new Kafka({ clientId: 'shadow-test', brokers: [local.address], logLevel: logLevel.NOTHING });
  externalKafka = new Kafka({ clientId: 'shadow-test-ext', brokers: [external.address], logLevel: logLevel.NOTHING });
});
after(async () => {
  await Promise.all(producers.map((p) => p.disconnect().catch(() => {})));
  await local?.stop();
  await external?.stop();
  await proxy?.close();
});

async function producer(options: Parameters<Kafka['producer']>[0] = {}): Promise<Producer> {
  const p = localKafka.producer({ idempotent: true, maxInFlightRequests: 1, ...options });
  producers.push(p);
  await p.connect();
  return p;
}

async function createBoth(topic: string, partitions: number, configs: Record<string, string>, externalConfigs: Record<string, string> = {}): Promise<void> {
  const la = localKafka.admin();
  const ea = externalKafka.admin();
  await Promise.all([la.connect(), ea.connect()]);
  await ea.createTopics({ topics: [{ topic, numPartitions: partitions, configEntries: Object.entries(externalConfigs).map(([name, value]) => ({ name, value })) }] });
  await la.createTopics({ topics: [{ topic, numPartitions: partitions, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) }] });
  await Promise.all([la.disconnect(), ea.disconnect()]);
}

async function lagZero(topic: string, timeoutMs = 30_000): Promise<void> {
  await until(async () => {
    const rows = await shadowStatus(local.store.sql, topic);
    return rows.length > 0 && rows.every((r) => r.lagRecords === 0);
  }, timeoutMs, `${topic} forwarded`, 100);
}

const strip = (r: { partition: number; timestamp: number; key: string | null; value: string | null; headers: [string, string | null][] }) =>
  ({ partition: r.partition, timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers });

test('dual-write async: key, value, headers, timestamp and partition equal on both sides; mapping in SQL', async () => {
  await createBoth('dw', 3, { 'shadow.mode': 'dual-write' });
  const p = await producer();
  const base = Date.now() - 3_600_000;
  for (let i = 0; i < 30; i++) {
    await p.send({ topic: 'dw', messages: [{ partition: i % 3, key: `k${i}`, value: `v${i}`, timestamp: String(base + i), headers: { h: `x${i}`, n: String(i) } }] });
  }
  await lagZero('dw');
  const here = (await kafkajsFetchAll(localKafka, 'dw')).map(strip);
  const there = (await kafkajsFetchAll(externalKafka, 'dw')).map(strip);
  const order = (a: ReturnType<typeof strip>, b: ReturnType<typeof strip>) => a.partition - b.partition || a.timestamp - b.timestamp;
  assert.equal(there.length, 30);
  assert.deepEqual(there.sort(order), here.sort(order));
  assert.ok(there.every((r) => r.timestamp < Date.now() - 3_000_000), 'timestamps are the producer\'s');
  const [{ n }] = await local.store.sql<{ n: number }[]>`
    select coalesce(sum(local_last - local_first + 1), 0)::int as n from kafka.shadow_offsets o join kafka.topics t on t.id = o.topic_id where t.name = 'dw'`;
  assert.equal(n, 30);
  const status = await shadowStatus(local.store.sql, 'dw');
  assert.deepEqual(status.map((s) => [s.partition, s.mode, s.state, s.highWatermark, s.forwardedOffset]), [[0, 'dual-write', 'forwarding', 10, 10], [1, 'dual-write', 'forwarding', 10, 10], [2, 'dual-write', 'forwarding', 10, 10]]);
});

test('transactions: committed records forwarded, aborted ones and markers never', async () => {
  await createBoth('tx', 1, { 'shadow.mode': 'dual-write' });
  const p = await producer({ transactionalId: 'shadow-tx' });
  for (const [values, commit] of [[['a1', 'a2'], true], [['b1', 'b2'], false], [['c1'], true]] as const) {
    const t = await p.transaction();
    await t.send({ topic: 'tx', messages: values.map((value) => ({ value, partition: 0 })) });
    if (commit) await t.commit();
    else await t.abort();
  }
  await lagZero('tx');
  const there = await kafkajsFetchAll(externalKafka, 'tx');
  assert.deepEqual(there.map((r) => r.value), ['a1', 'a2', 'c1']);
});

test('external cluster down then back: local produce keeps working, the lag drains, nothing lost or doubled', async () => {
  await createBoth('down', 2, { 'shadow.mode': 'dual-write' });
  const p = await producer();
  await p.send({ topic: 'down', messages: [{ partition: 0, value: 'before' }] });
  await lagZero('down');
  proxy.down = true;
  try {
    for (let i = 0; i < 20; i++) await p.send({ topic: 'down', messages: [{ partition: i % 2, value: `during${i}` }] });
    await until(async () => (await shadowStatus(local.store.sql, 'down')).some((s) => s.state === 'waiting for external' && s.lagRecords > 0), 30_000, 'waiting for external', 100);
  } finally {
    proxy.down = false;
  }
  await lagZero('down', 60_000);
  const values = (await kafkajsFetchAll(externalKafka, 'down')).map((r) => r.value).sort();
  assert.deepEqual(values, ['before', ...Array.from({ length: 20 }, (_, i) => `during${i}`)].sort());
});

test('sync mode: answered after the external ack; external down: REQUEST_TIMED_OUT, or the local result with on.timeout=local', async () => {
  await createBoth('sync', 1, { 'shadow.mode': 'dual-write', 'shadow.acks': 'sync', 'shadow.sync.timeout.ms': '1500' });
  await createBoth('sync-local', 1, { 'shadow.mode': 'dual-write', 'shadow.acks': 'sync', 'shadow.sync.timeout.ms': '1500', 'shadow.sync.on.timeout': 'local' });
  const p = await producer({ idempotent: false, retry: { retries: 0 } });
  await p.send({ topic: 'sync', messages: [{ value: 's1' }] });
  assert.deepEqual((await kafkajsFetchAll(externalKafka, 'sync')).map((r) => r.value), ['s1'], 'forwarded before the answer');
  proxy.down = true;
  try {
    await assert.rejects(p.send({ topic: 'sync', messages: [{ value: 's2' }] }), (err: Error & { type?: string; cause?: { type?: string } }) => {
      assert.match(JSON.stringify({ m: err.message, t: err.type, c: err.cause?.type }), /REQUEST_TIMED_OUT|timed out|not acknowledge/i);
      return true;
    });
    const [meta] = await p.send({ topic: 'sync-local', messages: [{ value: 'l1' }] });
    assert.equal(meta.errorCode, 0);
  } finally {
    proxy.down = false;
  }
  await lagZero('sync', 60_000);
  await lagZero('sync-local', 60_000);
  assert.deepEqual((await kafkajsFetchAll(externalKafka, 'sync-local')).map((r) => r.value), ['l1']);
});

test('percent dial: the records whose key hashes below the percent are forwarded, deterministically', async () => {
  for (const percent of [0, 10, 50, 100]) {
    const topic = `pct${percent}`;
    await createBoth(topic, 1, { 'shadow.mode': 'dual-write', 'shadow.forward.percent': String(percent) });
    const p = await producer();
    const keys = Array.from({ length: 200 }, (_, i) => `key-${i}`);
    await p.send({ topic, messages: keys.map((key) => ({ key, value: key })) });
    await lagZero(topic);
    const expected = keys.filter((k) => dialed(k, percent));
    if (percent === 0) assert.equal(expected.length, 0);
    if (percent === 100) assert.equal(expected.length, 200);
    if (percent === 10 || percent === 50) assert.ok(expected.length > 0 && expected.length < 200);
    assert.deepEqual((await kafkajsFetchAll(externalKafka, topic)).map((r) => r.key), expected, `${percent}%`);
  }
});

test('a record the external cluster refuses (too large) is parked; the rest goes on', async () => {
  await createBoth('park', 1, { 'shadow.mode': 'dual-write' }, { 'max.message.bytes': '2000' });
  const p = await producer();
  await p.send({ topic: 'park', messages: [{ value: 'small1' }] });
  await p.send({ topic: 'park', messages: [{ value: 'x'.repeat(5000) }] });
  await p.send({ topic: 'park', messages: [{ value: 'small2' }] });
  await lagZero('park');
  assert.deepEqual((await kafkajsFetchAll(externalKafka, 'park')).map((r) => r.value), ['small1', 'small2']);
  const parked = await local.store.sql<{ offset: number; error: string }[]>`
    select k."offset", k.error from kafka.shadow_parked k join kafka.topics t on t.id = k.topic_id where t.name = 'park'`;
  assert.equal(parked.length, 1);
  assert.equal(parked[0].offset, 1);
  assert.match(parked[0].error, /MESSAGE_TOO_LARGE/);
  assert.equal((await shadowStatus(local.store.sql, 'park'))[0].parked, 1);
});

test('external-only: forwarded records are no longer kept locally', async () => {
  await createBoth('xo', 1, { 'shadow.mode': 'external-only' });
  const p = await producer();
  await p.send({ topic: 'xo', messages: [{ value: 'e1' }, { value: 'e2' }, { value: 'e3' }] });
  await lagZero('xo');
  await until(async () => {
    const [{ n }] = await local.store.sql<{ n: number }[]>`select count(*)::int as n from kafka.records r join kafka.topics t on t.id = r.topic_id where t.name = 'xo'`;
    return n === 0;
  }, 20_000, 'local rows deleted', 100);
  const [{ lso }] = await local.store.sql<{ lso: number }[]>`select p.log_start_offset as lso from kafka.partitions p join kafka.topics t on t.id = p.topic_id where t.name = 'xo'`;
  assert.equal(lso, 3);
  assert.deepEqual((await kafkajsFetchAll(externalKafka, 'xo')).map((r) => r.value), ['e1', 'e2', 'e3']);
});

test('group offsets: committed offsets translated through the mapping and committed on the external cluster', async () => {
  await createBoth('grp', 1, { 'shadow.mode': 'dual-write', 'shadow.forward.percent': '50' });
  const p = await producer();
  const keys = Array.from({ length: 40 }, (_, i) => `g-${i}`);
  await p.send({ topic: 'grp', messages: keys.map((key) => ({ key, value: key })) });
  await lagZero('grp');
  const admin = localKafka.admin();
  await admin.connect();
  await admin.setOffsets({ groupId: 'mover', topic: 'grp', partitions: [{ partition: 0, offset: '20' }] });
  await admin.disconnect();
  // The consumer has read local offsets 0..19; on the external side it must stand at the first forwarded record at or after 20.
  const forwardedKeys = keys.filter((k) => dialed(k, 50));
  const expected = forwardedKeys.filter((k) => keys.indexOf(k) < 20).length;
  const ea = externalKafka.admin();
  await ea.connect();
  try {
    await until(async () => {
      const [o] = await ea.fetchOffsets({ groupId: 'mover', topics: ['grp'] });
      return o?.partitions[0]?.offset === String(expected);
    }, 30_000, 'external group offset synced', 200);
  } finally {
    await ea.disconnect();
  }
  const there = await kafkajsFetchAll(externalKafka, 'grp');
  assert.deepEqual(there.slice(expected).map((r) => r.key), forwardedKeys.filter((k) => keys.indexOf(k) >= 20), 'the moved consumer reads no record twice and skips none');
  await sleep(0);
});

test('replay from earliest and from a timestamp while live traffic continues: per-partition order kept', async () => {
  await createBoth('rp', 1, { 'shadow.mode': 'dual-write' });
  const p = await producer();
  const base = Date.now() - 60_000;
  await p.send({ topic: 'rp', messages: Array.from({ length: 10 }, (_, i) => ({ value: `h${i}`, timestamp: String(base + i * 1000) })) });
  await lagZero('rp');
  const [topic] = (await local.store.listTopics()).filter((t) => t.name === 'rp');
  const live = (async () => {
    for (let i = 0; i < 10; i++) await p.send({ topic: 'rp', messages: [{ value: `live${i}` }] });
  })();
  await startReplay(local.store.sql, topic.id, new Map([[0, 0]]));
  await live;
  await lagZero('rp');
  const fromTs = await local.store.offsetForTimestamp(topic, 0, base + 5000);
  assert.equal(fromTs?.offset, 5);
  await startReplay(local.store.sql, topic.id, new Map([[0, fromTs!.offset]]));
  await until(async () => (await shadowStatus(local.store.sql, 'rp'))[0].replayTo === null && (await shadowStatus(local.store.sql, 'rp'))[0].lagRecords === 0, 30_000, 'replay done', 100);
  const values = (await kafkajsFetchAll(externalKafka, 'rp')).map((r) => r.value as string);
  // Each replay re-sends a range in order; live records come after what was being forwarded, never in between.
  const localValues = [...Array.from({ length: 10 }, (_, i) => `h${i}`), ...Array.from({ length: 10 }, (_, i) => `live${i}`)];
  assert.deepEqual(values.slice(0, 10), localValues.slice(0, 10), 'first pass');
  const rest = values.slice(10);
  // After the first pass: a run of the log from offset 0 (first replay), then from offset 5 (second): each run in log order.
  const runs: string[][] = [];
  for (const v of rest) {
    const at = localValues.indexOf(v);
    const last = runs[runs.length - 1];
    if (last && localValues.indexOf(last[last.length - 1]) === at - 1) last.push(v);
    else runs.push([v]);
  }
  for (const run of runs) assert.deepEqual(run, localValues.slice(localValues.indexOf(run[0]), localValues.indexOf(run[0]) + run.length));
  assert.ok(rest.includes('live9') && values.filter((v) => v === 'h5').length >= 3, 'both replays forwarded');
  const [mapped] = await local.store.sql<{ e: number }[]>`select external_base as e from kafka.shadow_offsets where topic_id = ${topic.id} and local_first <= 19 and local_last >= 19`;
  assert.ok(mapped.e >= 19, 'the mapping points at the latest copy');
});

test('npm run shadow: status, pause/resume, cutover-check exit codes', async () => {
  const run = (...args: string[]) => spawnSync(process.execPath, ['--import', './runtime/node/register.mjs', 'runtime/shadow/cli.ts', ...args], {
    cwd: new URL('../..', import.meta.url), env: { ...process.env, DATABASE_URL: local.databaseUrl }, encoding: 'utf8',
  });
  const ready = run('cutover-check', 'dw');
  assert.equal(ready.status, 0, ready.stdout + ready.stderr);
  const parked = run('cutover-check', 'park');
  assert.equal(parked.status, 1, parked.stdout + parked.stderr);
  assert.match(parked.stdout, /parked/);
  assert.equal(run('pause', 'dw').status, 0);
  const p = await producer();
  await p.send({ topic: 'dw', messages: [{ partition: 0, value: 'while paused' }] });
  await sleep(1500);
  const status = run('status', 'dw');
  assert.match(status.stdout, /paused/);
  assert.equal(run('cutover-check', 'dw').status, 1, 'lag while paused');
  assert.equal(run('resume', 'dw').status, 0);
  await lagZero('dw');
  assert.equal(run('cutover-check', 'dw').status, 0);
});
