// Transactions across a broker restart (state in PostgreSQL): a producer stops mid-transaction with the broker;
// after the restart a read_committed consumer is held at the last stable offset until the transaction times out,
// is aborted by the coordinator and its records are never delivered; the old producer is fenced and a new producer
// with the same transactional.id carries on. Also: a new producer with the same transactional.id arriving before
// the timeout aborts the open transaction at once (fencing the old producer) and commits its own.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { ErrorCode } from '../../codec/errors.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { sleep, until } from '../helpers/eventually.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { addPartitions, endTxn, initOk, produceBatch, records, transactionState, type ProducerIdAndEpoch } from '../helpers/transactions.ts';

const TIMEOUT_MS = 3000;

let tb: TestBroker;
let databaseUrl: string;
const producers: Producer[] = [];
const consumers: Consumer[] = [];
const clients: RawClient[] = [];

before(async () => {
  tb = await startTestBroker();
  databaseUrl = tb.databaseUrl;
});
/** Disconnects the kafkajs clients (before a restart leaves them retrying a broker that is gone). */
async function disconnectAll(): Promise<void> {
  await Promise.all(consumers.splice(0).map((c) => c.disconnect().catch(() => {})));
  await Promise.all(producers.splice(0).map((p) => p.disconnect().catch(() => {})));
}

after(async () => {
  await disconnectAll();
  for (const c of clients) c.close();
  await tb?.stop();
});

async function raw(): Promise<RawClient> {
  const c = await RawClient.connect(tb.port);
  clients.push(c);
  return c;
}

/** Stops the broker (keeping the database) and starts a new one on it. */
async function restart(): Promise<void> {
  for (const c of clients.splice(0)) c.close();
  await tb.stopBroker();
  const first = tb;
  const next = await startTestBroker({}, { databaseUrl });
  tb = { ...next, stop: async () => { await next.stopBroker(); await first.stop(); } };
}

function kafkaClient(): Kafka {
  return new Kafka({ clientId: 'eos-restart', brokers: [tb.address], logLevel: logLevel.NOTHING });
}

async function readCommitted(kafka: Kafka, topic: string, groupId: string): Promise<string[]> {
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 100, sessionTimeout: 10_000, heartbeatInterval: 500 });
  consumers.push(consumer);
  const values: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ autoCommit: false, eachMessage: async ({ message }) => void values.push(message.value?.toString() ?? '') });
  return values;
}

/** Begins a transaction over the raw protocol and leaves it open with `n` records in partition 0. */
async function openTransaction(topic: string, transactionalId: string, n: number): Promise<ProducerIdAndEpoch> {
  const c = await raw();
  const p = await initOk(c, transactionalId, TIMEOUT_MS);
  assert.deepEqual(await addPartitions(c, transactionalId, p, [{ name: topic, partitions: [0] }]), [0]);
  const res = await produceBatch(c, topic, 0, records(n, 'open'), { ...p, baseSequence: 0, transactional: true, transactionalId });
  assert.equal(res.errorCode, ErrorCode.NONE);
  return p;
}

test('restart mid-transaction: the transaction times out and aborts; the old producer is fenced; a new one carries on', async () => {
  const topic = 'eos-restart-timeout';
  const id = 'eos-restart-timeout-txn';
  await tb.store.createTopic({ name: topic, partitions: 1 });
  const plain = kafkaClient().producer();
  producers.push(plain);
  await plain.connect();
  await plain.send({ topic, messages: [{ partition: 0, value: 'before' }] });
  const old = await openTransaction(topic, id, 3);
  await plain.send({ topic, messages: [{ partition: 0, value: 'behind' }] });
  await plain.disconnect();

  await restart();
  assert.equal((await transactionState(tb.store.sql, id))?.state, 'Ongoing', 'the open transaction survived the restart');
  const kafka = kafkaClient();
  const seen = await readCommitted(kafka, topic, 'eos-restart-reader');
  await until(() => seen.length >= 1, 15_000, 'the record before the transaction');
  // Held at the last stable offset until the coordinator aborts the transaction (its timeout is 3 s).
  await until(async () => (await transactionState(tb.store.sql, id))?.state === 'CompleteAbort', TIMEOUT_MS + 10_000, 'the abort');
  await until(() => seen.length >= 2, 15_000, 'the record behind the aborted transaction');
  await sleep(300);
  assert.deepEqual(seen, ['before', 'behind'], 'aborted records never delivered');

  // The old producer is fenced.
  const c = await raw();
  assert.equal(await endTxn(c, id, old, true), ErrorCode.PRODUCER_FENCED);
  const late = await produceBatch(c, topic, 0, records(1, 'late'), { ...old, baseSequence: 3, transactional: true, transactionalId: id });
  assert.equal(late.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);

  // A new producer with the same transactional.id works.
  const next = kafka.producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1 });
  producers.push(next);
  await next.connect();
  const txn = await next.transaction();
  await txn.send({ topic, messages: [{ partition: 0, value: 'after' }] });
  await txn.commit();
  await until(() => seen.length >= 3, 15_000, 'the new producer\'s record');
  assert.deepEqual(seen, ['before', 'behind', 'after']);
  const state = await transactionState(tb.store.sql, id);
  assert.equal(state?.producerId, old.producerId);
  assert.ok((state?.producerEpoch as number) > old.producerEpoch + 1, `epoch ${state?.producerEpoch} after ${old.producerEpoch}`);
  await disconnectAll();
});

test('restart mid-transaction: a new producer with the same transactional.id fences the old one before the timeout', async () => {
  const topic = 'eos-restart-fence';
  const id = 'eos-restart-fence-txn';
  await tb.store.createTopic({ name: topic, partitions: 1 });
  const c0 = await raw();
  const old = await initOk(c0, id, 60_000); // a long timeout: only the new producer ends it
  assert.deepEqual(await addPartitions(c0, id, old, [{ name: topic, partitions: [0] }]), [0]);
  assert.equal((await produceBatch(c0, topic, 0, records(2, 'zombie'), { ...old, baseSequence: 0, transactional: true, transactionalId: id })).errorCode, 0);

  await restart();
  const kafka = kafkaClient();
  const next = kafka.producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1, transactionTimeout: 60_000 });
  producers.push(next);
  await next.connect();
  // InitProducerId (kafkajs sends it with the first transaction): the open transaction is aborted under a bumped
  // epoch and kafkajs retries the CONCURRENT_TRANSACTIONS answer.
  const txn = await next.transaction();
  const zombie = await tb.store.sql<{ type: number; epoch: number }[]>`
    select get_byte(r.key, 3) as type, r.producer_epoch as epoch from kafka.records r join kafka.topics t on t.id = r.topic_id
    where t.name = ${topic} and (r.attributes & 32) <> 0 order by r."offset"`;
  assert.deepEqual(zombie.map((m) => [m.type, m.epoch]), [[0, old.producerEpoch + 1]], 'the old transaction was aborted');
  await txn.send({ topic, messages: [{ partition: 0, value: 'fresh' }] });
  await txn.commit();

  const c = await raw();
  assert.equal(await endTxn(c, id, old, true), ErrorCode.PRODUCER_FENCED, 'the zombie cannot commit');
  assert.deepEqual(await addPartitions(c, id, old, [{ name: topic, partitions: [0] }]), [ErrorCode.PRODUCER_FENCED]);
  const seen = await readCommitted(kafka, topic, 'eos-restart-fence-reader');
  await until(() => seen.length >= 1, 15_000, 'the committed record');
  await sleep(500);
  assert.deepEqual(seen, ['fresh']);
  await disconnectAll();
});
