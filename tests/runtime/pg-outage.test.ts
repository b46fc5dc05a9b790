// PostgreSQL outages are normal events. A broker (runtime/main.ts, a child process: a crash shows as its exit) on a
// PostgreSQL of this test's own, restarted the hard way (immediate shutdown) three times under a kafkajs producer,
// raw-protocol Fetch long polls and a kafkajs consumer group: the broker survives every restart, never closes a
// client's connection, logs at most one line per outage, fetches resume within 5 s (the producer within 10 s) of PostgreSQL
// being back and the group consumer within 10 s, and every acknowledged record is read by the group in the end.
// Then a broker killed with SIGKILL and started again with the same node id serves at once, groups included.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import * as fetchApi from '../../apis/fetch.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { connect } from '../../store/db.ts';
import { FaultyPostgres, freePort, startBrokerChild, type BrokerChild } from '../helpers/pg-fault.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { sleep, until } from '../helpers/eventually.ts';
import { isDeno } from '../../runtime/platform.ts';
import process from 'node:process';

const RESTARTS = 3;
/** How long PostgreSQL stays down each time. */
const DOWN_MS = 1000;

const cleanups: (() => Promise<unknown> | unknown)[] = [];
after(async () => {
  // Each bounded: a client stuck on a broken broker must not hold the file up.
  for (const c of cleanups.reverse()) await Promise.race([Promise.resolve().then(c).catch(() => {}), sleep(5000)]);
  // A kafkajs client whose disconnect gave up above keeps retrying against the stopped broker, and its timers keep
  // this file's process alive until the runner's per-file timeout. On Node, end the process once the results are
  // out (an unref'd timer: it fires only if something else still holds the event loop).
  if (!isDeno) setTimeout(() => process.exit(), 3000).unref();
});

let pgPromise: Promise<FaultyPostgres> | null = null;
function faultyPostgres(): Promise<FaultyPostgres> {
  pgPromise ??= FaultyPostgres.start().then((pg) => {
    cleanups.unshift(() => pg.stop());
    return pg;
  });
  return pgPromise;
}

const kafkaAt = (port: number, clientId: string) =>
  new Kafka({
    clientId,
    brokers: [`127.0.0.1:${port}`],
    logLevel: logLevel.NOTHING,
    retry: { retries: 100, initialRetryTime: 100, maxRetryTime: 500 },
  });

async function startBroker(url: string, args: string[] = []): Promise<BrokerChild> {
  const b = await startBrokerChild(url, await freePort(), args);
  cleanups.push(() => b.kill());
  return b;
}

function outputOf(b: BrokerChild): string {
  return b.output.join('');
}

test('three immediate PostgreSQL restarts under produce, fetch long polls and a consumer group', async () => {
  const pg = await faultyPostgres();
  const broker = await startBroker(pg.url, ['--node-id', '1']);
  const kafka = kafkaAt(broker.port, 'pg-outage');
  const topic = 'outage';
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
  await admin.disconnect();

  // Producer: batches of 5 keyed records, acks=all; every acknowledged key is remembered.
  const producer: Producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  cleanups.push(() => producer.disconnect());
  const acked = new Map<string, number>(); // key -> when acknowledged
  let lastAckAt = 0;
  let producing = true;
  cleanups.push(() => (producing = false));
  const produceLoop = (async () => {
    for (let n = 0; producing; n++) {
      const keys = Array.from({ length: 5 }, (_, i) => `k-${n}-${i}`);
      try {
        await producer.send({ topic, acks: -1, timeout: 5000, messages: keys.map((key) => ({ key, value: `value of ${key}` })) });
        const now = Date.now();
        for (const key of keys) acked.set(key, now);
        lastAckAt = now;
      } catch {
        await sleep(100);
      }
      await sleep(20);
    }
  })();

  // Consumer group: remembers every key it is handed.
  const consumer: Consumer = kafka.consumer({ groupId: 'outage-group', sessionTimeout: 10_000, heartbeatInterval: 1000, maxWaitTimeInMs: 2000 });
  cleanups.push(() => consumer.disconnect());
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const consumed = new Map<string, number>(); // key -> when first received
  await consumer.run({
    eachMessage: async ({ message }) => {
      const key = message.key?.toString() ?? '';
      if (!consumed.has(key)) consumed.set(key, Date.now());
    },
  });

  // Fetch long polls on one connection, at the tail of partition 0: answers must keep coming, with retriable
  // errors at worst, and the connection must stay open.
  const raw = await RawClient.connect(broker.port);
  cleanups.push(() => raw.close());
  const fetchErrors = new Set<number>();
  let lastFetchOkAt = 0;
  let fetching = true;
  cleanups.push(() => (fetching = false));
  const fetchLoop = (async () => {
    let offset = 0;
    while (fetching && !raw.isClosed) {
      const res = await raw.request<fetchApi.FetchResponse>(fetchApi, 11, {
        replicaId: -1, maxWaitMs: 1000, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
        topics: [{ topic, partitions: [{ partition: 0, fetchOffset: offset, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, logStartOffset: -1 }] }],
        forgottenTopicsData: [], rackId: '',
      }).catch(() => null);
      const p = res?.responses?.[0]?.partitions?.[0];
      if (!p) continue;
      if (p.errorCode === ErrorCode.NONE) {
        lastFetchOkAt = Date.now();
        offset = Math.max(offset, Number(p.highWatermark ?? offset));
      } else {
        fetchErrors.add(p.errorCode ?? -1);
        await sleep(100);
      }
    }
  })();

  await until(() => acked.size >= 50 && consumed.size >= 25, 30_000, 'produce and the consumer group to get going');
  for (let i = 0; i < RESTARTS; i++) {
    await pg.crash();
    await sleep(DOWN_MS);
    await pg.restart();
    const upAt = Date.now();
    // The broker answers within about a second of PostgreSQL being back; a kafkajs send caught in the outage may
    // first wait out its own 5 s request timeout and retry backoff, so the client-side bound is 10 s.
    await until(() => lastAckAt > upAt, 10_000, `restart ${i + 1}: the producer to be acknowledged again within 10 s`);
    await until(() => lastFetchOkAt > upAt, 5000, `restart ${i + 1}: fetches to be answered without error within 5 s`);
    await until(() => [...consumed.values()].some((t) => t > upAt), 10_000, `restart ${i + 1}: the group consumer to receive records within 10 s`);
    assert.ok(broker.alive(), `restart ${i + 1}: the broker survived:\n${outputOf(broker).slice(-4000)}`);
    await sleep(1000); // some load between restarts
  }

  producing = false;
  await produceLoop;
  // Everything acknowledged reaches the group consumer (at least once), and is stored.
  await until(() => [...acked.keys()].every((k) => consumed.has(k)), 20_000, 'the group consumer to receive every acknowledged record');
  fetching = false;
  await fetchLoop;
  const sql = connect(pg.url, { max: 1 });
  try {
    const rows = await sql<{ key: string }[]>`select distinct convert_from(key, 'UTF8') as key from kafka.records r join kafka.topics t on t.id = r.topic_id where t.name = ${topic}`;
    const stored = new Set(rows.map((r) => r.key));
    const missing = [...acked.keys()].filter((k) => !stored.has(k));
    assert.deepEqual(missing, [], 'every acknowledged record is stored');
  } finally {
    await sql.end({ timeout: 1 });
  }

  const out = outputOf(broker);
  assert.ok(broker.alive(), 'the broker is still running');
  assert.equal(raw.isClosed, false, 'the fetching connection was never closed');
  for (const code of fetchErrors) assert.ok(code === ErrorCode.NOT_LEADER_OR_FOLLOWER || code === ErrorCode.REQUEST_TIMED_OUT, `fetch error ${code} is retriable`);
  assert.doesNotMatch(out, /request failed|closing connection|uncaught/, 'no request closed its connection');
  assert.doesNotMatch(out, / ERROR /, 'nothing logged as an error: an outage is a normal event');
  const outages = out.split('\n').filter((l) => l.includes('PostgreSQL is unreachable')).length;
  assert.ok(outages <= RESTARTS, `at most one outage line per restart (${outages}):\n${out.slice(-4000)}`);
  assert.doesNotMatch(out, /stopped coordinating slot/, 'the broker kept coordinating its groups');
});

test('a broker killed with SIGKILL and started again with the same node id serves at once, its groups too', async () => {
  const pg = await faultyPostgres();
  const topic = 'takeover';
  const first = await startBroker(pg.url, ['--node-id', '7']);
  const kafka1 = kafkaAt(first.port, 'takeover-1');
  const producer1 = kafka1.producer();
  await producer1.connect();
  await producer1.send({ topic, messages: [{ key: 'a', value: 'before the crash' }] });
  await producer1.disconnect();
  const consumer1 = kafka1.consumer({ groupId: 'takeover-group', sessionTimeout: 6000, heartbeatInterval: 500 });
  await consumer1.connect();
  await consumer1.subscribe({ topic, fromBeginning: true });
  let seen1 = 0;
  await consumer1.run({ eachMessage: async () => void seen1++ });
  await until(() => seen1 > 0, 20_000, 'the first broker to coordinate the group');
  // The member leaves (a consumer of a dead broker would retry for long); the broker's registration and its
  // coordinator leases stay behind, fresh, as after any crash.
  await consumer1.disconnect();
  await first.kill('SIGKILL');

  const t0 = Date.now();
  const second = await startBroker(pg.url, ['--node-id', '7']);
  const startedMs = Date.now() - t0;
  const out = outputOf(second);
  assert.match(out, /took over the node id from a crashed process/, out);
  // The old registration heartbeated until the kill: waiting for it to lapse took 20 s (staleMs) and more.
  assert.ok(startedMs < 10_000, `started in ${startedMs} ms`);

  const kafka2 = kafkaAt(second.port, 'takeover-2');
  const producer2 = kafka2.producer();
  await producer2.connect();
  cleanups.push(() => producer2.disconnect());
  await producer2.send({ topic, messages: [{ key: 'b', value: 'after the restart' }] });
  const consumer2 = kafka2.consumer({ groupId: 'takeover-group', sessionTimeout: 6000, heartbeatInterval: 500 });
  cleanups.push(() => consumer2.disconnect());
  await consumer2.connect();
  await consumer2.subscribe({ topic, fromBeginning: true });
  const got: string[] = [];
  const t1 = Date.now();
  await consumer2.run({ eachMessage: async ({ message }) => void got.push(message.key?.toString() ?? '') });
  await until(() => got.includes('b'), 10_000, 'the group consumer on the restarted broker to receive the new record');
  assert.ok(Date.now() - t1 < 10_000);
  assert.ok(second.alive());
});
