// ListOffsets through real clients: earliest, latest, by time and the record with the largest timestamp, asked by
// kafkajs (admin.fetchTopicOffsets / fetchTopicOffsetsByTimestamp), @platformatic/kafka (admin.listOffsets, the
// newest version, raw answers) and kcat (-Q look-ups, and -o beginning / end / -N / s@<ms> starting points).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { Admin } from '@platformatic/kafka';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { platformaticProducer } from '../helpers/platformatic.ts';
import { kcatConsume, kcatProduce, requireKcat, runKcat } from '../helpers/kcat-cli.ts';

const TOPIC = 'list-offsets-e2e';
const T0 = 1_700_000_000_000;
/** Partition 0: 100 records at T0 + 10·i, except offset 40 which carries the largest timestamp, T0 + 5000. */
const p0Timestamp = (i: number) => (i === 40 ? T0 + 5000 : T0 + 10 * i);
/** Partition 1: 50 records at T0 + 2000 + i. Partition 2 stays empty until the last test. */
const p1Timestamp = (i: number) => T0 + 2000 + i;

let tb: TestBroker;
let kafka: Kafka;
let admin: Admin;

before(async () => {
  requireKcat();
  tb = await startTestBroker();
  kafka = new Kafka({ clientId: 'e2e-list-offsets', brokers: [tb.address], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  admin = new Admin({ clientId: 'e2e-list-offsets', bootstrapBrokers: [tb.address], retries: 1 });
  await tb.store.createTopic({ name: TOPIC, partitions: 3 });

  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  await producer.send({
    topic: TOPIC,
    acks: -1,
    messages: Array.from({ length: 100 }, (_, i) => ({ partition: 0, key: `k${i}`, value: `p0-${i}`, timestamp: String(p0Timestamp(i)) })),
  });
  await producer.disconnect();

  const plt = platformaticProducer(tb.address);
  await plt.send({ acks: -1, messages: Array.from({ length: 50 }, (_, i) => ({ topic: TOPIC, partition: 1, key: `k${i}`, value: `p1-${i}`, timestamp: BigInt(p1Timestamp(i)) })) });
  await plt.close();
});
after(async () => {
  await admin?.close();
  await tb?.stop();
});

const byPartition = <T extends { partition: number }>(list: T[]) => [...list].sort((a, b) => a.partition - b.partition);

test('kafkajs admin: earliest and latest of every partition', async () => {
  const a = kafka.admin();
  await a.connect();
  try {
    const offsets = byPartition(await a.fetchTopicOffsets(TOPIC));
    assert.deepEqual(offsets.map((o) => [o.partition, o.low, o.high, o.offset]), [
      [0, '0', '100', '100'],
      [1, '0', '50', '50'],
      [2, '0', '0', '0'],
    ]);
  } finally {
    await a.disconnect();
  }
});

test('kafkajs admin: offsets by timestamp (first record at or after it; none: the end)', async () => {
  const a = kafka.admin();
  await a.connect();
  try {
    const at = async (ts: number) => byPartition(await a.fetchTopicOffsetsByTimestamp(TOPIC, ts)).map((o) => Number(o.offset));
    assert.deepEqual(await at(T0 - 1), [0, 0, 0], 'before everything');
    assert.deepEqual(await at(T0), [0, 0, 0], 'exactly the first timestamp');
    assert.deepEqual(await at(T0 + 155), [16, 0, 0], 'between two records');
    assert.deepEqual(await at(T0 + 160), [16, 0, 0], 'exactly a record');
    assert.deepEqual(await at(T0 + 995), [40, 0, 0], 'only the out-of-order record of partition 0 is later');
    assert.deepEqual(await at(T0 + 2010), [40, 10, 0]);
    assert.deepEqual(await at(T0 + 10_000), [100, 50, 0], 'after everything: kafkajs turns -1 into the end');
  } finally {
    await a.disconnect();
  }
});

test('@platformatic/kafka admin: raw ListOffsets answers, max timestamp (-3) included', async () => {
  const list = async (partition: number, timestamp: bigint) => {
    const res = await admin.listOffsets({ topics: [{ name: TOPIC, partitions: [{ partitionIndex: partition, timestamp }] }] });
    const p = res[0]?.partitions[0];
    assert.ok(p, 'an answer for the partition');
    return [Number(p.offset), Number(p.timestamp)];
  };
  assert.deepEqual((await list(0, -2n))[0], 0, 'earliest');
  assert.deepEqual((await list(0, -1n))[0], 100, 'latest');
  assert.deepEqual(await list(0, -3n), [40, T0 + 5000], 'max timestamp');
  assert.deepEqual(await list(1, -3n), [49, T0 + 2049], 'max timestamp, in order');
  assert.deepEqual(await list(0, BigInt(T0 + 155)), [16, T0 + 160], 'by time: the record found and its timestamp');
  assert.deepEqual(await list(0, BigInt(T0 + 10_000)), [-1, -1], 'by time after everything: -1');
  assert.deepEqual((await list(2, -2n))[0], 0, 'empty partition: earliest');
  assert.deepEqual((await list(2, -1n))[0], 0, 'empty partition: latest');
  assert.deepEqual(await list(2, -3n), [-1, -1], 'empty partition: no max timestamp');
  assert.deepEqual(await list(2, BigInt(T0)), [-1, -1], 'empty partition: nothing by time');
});

test('kcat -Q: offsets by timestamp', async () => {
  const run = await runKcat(['-Q', '-b', tb.address, '-t', `${TOPIC}:0:${T0 + 155}`, '-t', `${TOPIC}:1:${T0 + 2010}`, '-t', `${TOPIC}:2:${T0}`]);
  assert.equal(run.code, 0, run.stderr);
  const got = run.stdout.trim().split('\n').sort();
  assert.deepEqual(got, [`${TOPIC} [0] offset 16`, `${TOPIC} [1] offset 10`, `${TOPIC} [2] offset -1`]);
});

test('kcat -o: beginning, end, relative to the end, an offset, a timestamp', async () => {
  const offsets = async (partition: number, offset: string, count?: number) =>
    (await kcatConsume(tb.address, TOPIC, { partition, offset, count })).map((r) => r.offset);
  assert.deepEqual(await offsets(1, 'beginning'), Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual(await offsets(0, 'end'), []);
  assert.deepEqual(await offsets(0, '-1'), [99]);
  assert.deepEqual(await offsets(0, '-5'), [95, 96, 97, 98, 99]);
  assert.deepEqual(await offsets(1, '30', 5), [30, 31, 32, 33, 34]);
  const fromTime = await kcatConsume(tb.address, TOPIC, { partition: 0, offset: `s@${T0 + 155}` });
  assert.deepEqual(fromTime.map((r) => r.offset), Array.from({ length: 84 }, (_, i) => 16 + i));
  assert.equal(fromTime[0].timestamp, T0 + 160);
  assert.equal(fromTime[0].value, 'p0-16');
  const p1FromTime = await kcatConsume(tb.address, TOPIC, { partition: 1, offset: `s@${T0 + 2010}` });
  assert.equal(p1FromTime[0]?.offset, 10);
});

test('latest moves with new records (kcat produces into the empty partition)', async () => {
  const run = await kcatProduce(tb.address, TOPIC, Array.from({ length: 7 }, (_, i) => ({ key: `n${i}`, value: `p2-${i}` })), { partition: 2 });
  assert.equal(run.code, 0, run.stderr);
  const a = kafka.admin();
  await a.connect();
  try {
    const offsets = byPartition(await a.fetchTopicOffsets(TOPIC));
    assert.deepEqual(offsets.map((o) => [o.low, o.high]), [['0', '100'], ['0', '50'], ['0', '7']]);
  } finally {
    await a.disconnect();
  }
  const latest = await admin.listOffsets({ topics: [{ name: TOPIC, partitions: [{ partitionIndex: 2, timestamp: -1n }] }] });
  assert.equal(Number(latest[0].partitions[0].offset), 7);
});
