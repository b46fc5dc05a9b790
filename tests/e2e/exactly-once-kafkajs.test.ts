// Exactly-once through kafkajs: consume-transform-produce with a transactional producer and sendOffsets (every
// input record turns into exactly one output record, and the group's committed offsets move with the output);
// aborted records are never seen by a read_committed consumer but are by a read_uncommitted one; an open
// transaction holds read_committed consumers at the last stable offset (also for non-transactional records behind
// it) until it commits; markers never reach the application.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { sleep, until } from '../helpers/eventually.ts';
import { fetchCommitted } from '../helpers/groups.ts';
import { RawClient } from '../helpers/raw-client.ts';

let tb: TestBroker;
let kafka: Kafka;
const producers: Producer[] = [];
const consumers: Consumer[] = [];

before(async () => {
  tb = await startTestBroker();
  kafka = new Kafka({ clientId: 'kafkajs-eos-test', brokers: [tb.address], logLevel: logLevel.NOTHING });
});
after(async () => {
  await Promise.all(consumers.map((c) => c.disconnect().catch(() => {})));
  await Promise.all(producers.map((p) => p.disconnect().catch(() => {})));
  await tb?.stop();
});

function transactionalProducer(transactionalId: string, transactionTimeout = 30_000): Producer {
  const p = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, transactionTimeout });
  producers.push(p);
  return p;
}

interface Seen {
  consumer: Consumer;
  values: string[];
  offsets: number[];
}

/** A consumer (no commits) reading `topic` from the beginning at the given isolation level. */
async function reader(topic: string, groupId: string, readUncommitted: boolean): Promise<Seen> {
  const consumer = kafka.consumer({ groupId, readUncommitted, maxWaitTimeInMs: 100, sessionTimeout: 10_000, heartbeatInterval: 500 });
  consumers.push(consumer);
  const seen: Seen = { consumer, values: [], offsets: [] };
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message }) => {
      seen.values.push(message.value?.toString() ?? '<null>');
      seen.offsets.push(Number(message.offset));
    },
  });
  return seen;
}

test('kafkajs: consume-transform-produce with sendOffsets processes every record exactly once', async () => {
  const input = 'eos-in';
  const output = 'eos-out';
  const groupId = 'eos-ctp';
  await tb.store.createTopic({ name: input, partitions: 3 });
  await tb.store.createTopic({ name: output, partitions: 2 });
  const plain = kafka.producer();
  producers.push(plain);
  await plain.connect();
  const n = 300;
  const sent: string[] = [];
  for (let i = 0; i < n; i++) sent.push(`r${i}`);
  await plain.send({ topic: input, messages: sent.map((value, i) => ({ partition: i % 3, value })) });

  const producer = transactionalProducer('eos-ctp-txn');
  await producer.connect();
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 100, sessionTimeout: 10_000, heartbeatInterval: 500 });
  consumers.push(consumer);
  await consumer.connect();
  await consumer.subscribe({ topic: input, fromBeginning: true });
  let processed = 0;
  let transactions = 0;
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch, heartbeat }) => {
      if (batch.messages.length === 0) return;
      const txn = await producer.transaction();
      try {
        await txn.send({ topic: output, messages: batch.messages.map((m) => ({ key: m.value, value: `out-${m.value?.toString()}` })) });
        const next = String(Number(batch.messages[batch.messages.length - 1].offset) + 1);
        await txn.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] }] });
        await txn.commit();
        processed += batch.messages.length;
        transactions++;
      } catch (err) {
        await txn.abort();
        throw err;
      }
      await heartbeat();
    },
  });
  await until(() => processed >= n, 30_000, `all ${n} input records to be processed (${processed})`);
  await consumer.disconnect();

  const out = await reader(output, 'eos-out-reader', false);
  await until(() => out.values.length >= n, 20_000, `the ${n} output records (${out.values.length})`);
  await sleep(500);
  assert.equal(out.values.length, n, 'each output record once');
  assert.deepEqual([...out.values].sort(), sent.map((v) => `out-${v}`).sort());
  assert.ok(transactions >= 3, `${transactions} transactions`);

  const raw = await RawClient.connect(tb.port);
  try {
    assert.deepEqual(await fetchCommitted(raw, groupId, input, [0, 1, 2]), [100, 100, 100], 'offsets committed with the transactions');
  } finally {
    raw.close();
  }
  // Every partition of the output ended with commit markers, never seen as records.
  const [{ markers }] = await tb.store.sql<{ markers: number }[]>`
    select count(*)::int as markers from kafka.records r join kafka.topics t on t.id = r.topic_id where t.name = ${output} and (r.attributes & 32) <> 0`;
  assert.ok(markers >= transactions, `${markers} markers`);
});

test('kafkajs: aborted records are never seen by read_committed consumers; read_uncommitted sees everything', async () => {
  const topic = 'eos-abort';
  await tb.store.createTopic({ name: topic, partitions: 2 });
  const producer = transactionalProducer('eos-abort-txn');
  await producer.connect();
  const expectCommitted: string[] = [];
  const all: string[] = [];
  for (let round = 0; round < 6; round++) {
    const commit = round % 2 === 0;
    const txn = await producer.transaction();
    const values = Array.from({ length: 10 }, (_, i) => `${commit ? 'c' : 'a'}${round}-${i}`);
    await txn.send({ topic, messages: values.map((value, i) => ({ partition: i % 2, value })) });
    if (commit) {
      await txn.commit();
      expectCommitted.push(...values);
    } else {
      await txn.abort();
    }
    all.push(...values);
  }
  const committed = await reader(topic, 'eos-abort-rc', false);
  const uncommitted = await reader(topic, 'eos-abort-ru', true);
  await until(() => committed.values.length >= expectCommitted.length && uncommitted.values.length >= all.length, 20_000,
    `the records (${committed.values.length}/${expectCommitted.length}, ${uncommitted.values.length}/${all.length})`);
  await sleep(500);
  assert.deepEqual([...committed.values].sort(), [...expectCommitted].sort(), 'read_committed: only committed records');
  assert.deepEqual([...uncommitted.values].sort(), [...all].sort(), 'read_uncommitted: aborted ones too, markers never');
});

test('kafkajs: an open transaction holds read_committed consumers at the last stable offset until it commits', async () => {
  const topic = 'eos-lso';
  await tb.store.createTopic({ name: topic, partitions: 1 });
  const producer = transactionalProducer('eos-lso-txn');
  await producer.connect();
  const plain = kafka.producer();
  producers.push(plain);
  await plain.connect();
  await plain.send({ topic, messages: [{ value: 'before' }] });

  const txn = await producer.transaction();
  await txn.send({ topic, messages: [{ value: 'txn-1' }, { value: 'txn-2' }] });
  await plain.send({ topic, messages: [{ value: 'behind' }] }); // after the open transaction's first offset

  const committed = await reader(topic, 'eos-lso-rc', false);
  const uncommitted = await reader(topic, 'eos-lso-ru', true);
  await until(() => uncommitted.values.length >= 4, 15_000, 'read_uncommitted to see everything');
  await until(() => committed.values.length >= 1, 15_000, 'read_committed to see the first record');
  await sleep(1500);
  assert.deepEqual(committed.values, ['before'], 'held at the last stable offset');
  assert.deepEqual(uncommitted.values, ['before', 'txn-1', 'txn-2', 'behind']);

  await txn.commit();
  await until(() => committed.values.length >= 4, 15_000, 'read_committed to go on after the commit');
  await sleep(300);
  assert.deepEqual(committed.values, ['before', 'txn-1', 'txn-2', 'behind']);
  assert.deepEqual(committed.offsets, [0, 1, 2, 3]);
});
