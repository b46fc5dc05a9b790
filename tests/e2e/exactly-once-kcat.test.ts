// Idempotent producing through kcat (librdkafka): 100,000 keyed records sent with enable.idempotence=true through
// a proxy that cuts connections right after Produce requests (the broker appends, the answer is lost, librdkafka
// sends the same batches again). Every row in PostgreSQL is read back: each record is there exactly once, in the
// order sent within its partition, and the broker answered some batches as duplicates. librdkafka's transactional
// producer (kcat with transactional.id commits at exit) and read_committed consumer: held at the last stable
// offset by an open transaction, never shown aborted records or markers.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { FaultProxy } from '../helpers/fault-proxy.ts';
import { kcatConsume, requireKcat, runKcat } from '../helpers/kcat-cli.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { addPartitions, endTxn, initOk, produceBatch, records as rawRecords } from '../helpers/transactions.ts';
import type { PartitionAppend, AppendOptions } from '../../store/types.ts';

const RECORDS = 100_000;
const PARTITIONS = 3;

let tb: TestBroker;
let proxy: FaultProxy;
let duplicates = 0;

before(async () => {
  requireKcat();
  proxy = await FaultProxy.start();
  tb = await startTestBroker({ advertisedPort: proxy.port });
  proxy.targetPort = tb.port;
  // Count the batches the store recognised as sent before.
  const append = tb.store.append.bind(tb.store);
  tb.store.append = async (parts: PartitionAppend[], options?: AppendOptions) => {
    const results = await append(parts, options);
    duplicates += results.filter((r) => r.duplicate).length;
    return results;
  };
});
after(async () => {
  await tb?.stop();
  await proxy?.close();
});

test('kcat: 100,000 idempotent records through dropped connections: no duplicates, no gaps, order kept', async (t) => {
  const topic = 'eos-kcat';
  await tb.store.createTopic({ name: topic, partitions: PARTITIONS });
  proxy.policy = { probability: 0.25, delayMs: 150, max: 12 };
  const records = Array.from({ length: RECORDS }, (_, i) => ({ key: `k${i % 997}`, value: String(i) }));
  const props = {
    'enable.idempotence': 'true',
    partitioner: 'murmur2_random',
    'linger.ms': '20',
    'batch.num.messages': '2000',
    'retry.backoff.ms': '50',
    'message.timeout.ms': '120000',
    'reconnect.backoff.ms': '10',
    'reconnect.backoff.max.ms': '200',
  };
  // -E: a cut connection is the only connection to the only broker, which kcat would otherwise take as fatal.
  const args = ['-P', '-E', '-b', `127.0.0.1:${proxy.port}`, '-t', topic, '-K', '\t', ...Object.entries(props).flatMap(([k, v]) => ['-X', `${k}=${v}`])];
  const started = Date.now();
  const run = await runKcat(args, records.map((r) => `${r.key}\t${r.value}`).join('\n') + '\n', 120_000);
  assert.equal(run.code, 0, `kcat failed: ${run.stderr}`);
  t.diagnostic(`kcat took ${Date.now() - started} ms`);
  assert.doesNotMatch(run.stderr, /Delivery failed/, run.stderr);

  const rows = await tb.store.sql<{ partition: number; offset: number; value: string; producerId: number; sequence: number }[]>`
    select r.partition, r."offset", convert_from(r.value, 'UTF8') as value, r.producer_id as "producerId", r.sequence
    from kafka.records r join kafka.topics t on t.id = r.topic_id where t.name = ${topic}
    order by r.partition, r."offset"`;
  assert.equal(rows.length, RECORDS, `${rows.length} rows for ${RECORDS} records (drops: ${proxy.drops}, duplicates answered: ${duplicates})`);
  const values = rows.map((r) => Number(r.value));
  assert.equal(new Set(values).size, RECORDS, 'no record twice');
  assert.deepEqual([Math.min(...values), Math.max(...values)], [0, RECORDS - 1], 'no record missing');
  for (let p = 0; p < PARTITIONS; p++) {
    const inPartition = rows.filter((r) => r.partition === p);
    assert.ok(inPartition.length > 0);
    inPartition.forEach((r, i) => {
      assert.equal(Number(r.offset), i, `partition ${p}: offsets without gaps`);
      if (i > 0) assert.ok(Number(r.value) > Number(inPartition[i - 1].value), `partition ${p}: order kept at offset ${i}`);
    });
    // One producer, sequences continuous from 0 (a new epoch would start again at 0).
    assert.equal(new Set(inPartition.map((r) => r.producerId)).size, 1);
    assert.deepEqual(inPartition.map((r) => r.sequence), inPartition.map((_, i) => i), `partition ${p}: sequences`);
  }
  t.diagnostic(`${proxy.produces} produce requests, ${proxy.drops} connections cut, ${duplicates} duplicate batches answered`);
  assert.ok(proxy.drops >= 1, `connections cut: ${proxy.drops} of ${proxy.produces} produce requests`);
  assert.ok(duplicates >= 1, `the broker answered ${duplicates} duplicate batches (${proxy.drops} cuts)`);
});

test('kcat: a transactional producer commits every record once; read_committed consumers see them and no markers', async () => {
  const topic = 'eos-kcat-txn';
  await tb.store.createTopic({ name: topic, partitions: 2 });
  proxy.policy = { probability: 0, delayMs: 0, max: 0 };
  const lines = Array.from({ length: 5000 }, (_, i) => `k${i}\tt${i}`).join('\n') + '\n';
  const run = await runKcat(['-P', '-b', tb.address, '-t', topic, '-K', '\t', '-X', 'transactional.id=kcat-txn', '-X', 'partitioner=murmur2_random'], lines, 60_000);
  assert.equal(run.code, 0, run.stderr);
  const got = await kcatConsume(tb.address, topic, { properties: { 'isolation.level': 'read_committed' } });
  assert.equal(got.length, 5000);
  assert.equal(new Set(got.map((r) => r.value)).size, 5000);
  const markers = await tb.store.sql<{ partition: number; type: number }[]>`
    select r.partition, get_byte(r.key, 3) as type from kafka.records r join kafka.topics t on t.id = r.topic_id
    where t.name = ${topic} and (r.attributes & 32) <> 0 order by r.partition`;
  assert.deepEqual(markers.map((m) => [m.partition, m.type]), [[0, 1], [1, 1]], 'a commit marker in each partition');
});

test('kcat: a read_committed consumer stops at an open transaction and never sees its aborted records', async () => {
  const topic = 'eos-kcat-rc';
  await tb.store.createTopic({ name: topic, partitions: 1 });
  const client = await RawClient.connect(tb.port);
  try {
    const plain = { producerId: -1, producerEpoch: -1, baseSequence: -1 };
    await produceBatch(client, topic, 0, rawRecords(2, 'before'), plain);
    const p = await initOk(client, 'kcat-rc-txn');
    assert.deepEqual(await addPartitions(client, 'kcat-rc-txn', p, [{ name: topic, partitions: [0] }]), [0]);
    await produceBatch(client, topic, 0, rawRecords(3, 'aborted'), { ...p, baseSequence: 0, transactional: true, transactionalId: 'kcat-rc-txn' });
    await produceBatch(client, topic, 0, rawRecords(1, 'behind'), plain);

    const held = await kcatConsume(tb.address, topic, { properties: { 'isolation.level': 'read_committed' } });
    assert.deepEqual(held.map((r) => r.value), ['before-0', 'before-1'], 'stopped at the last stable offset');
    const everything = await kcatConsume(tb.address, topic, { properties: { 'isolation.level': 'read_uncommitted' } });
    assert.deepEqual(everything.map((r) => r.value), ['before-0', 'before-1', 'aborted-0', 'aborted-1', 'aborted-2', 'behind-0']);

    assert.equal(await endTxn(client, 'kcat-rc-txn', p, false), 0);
    const after = await kcatConsume(tb.address, topic, { properties: { 'isolation.level': 'read_committed' } });
    assert.deepEqual(after.map((r) => [r.offset, r.value]), [[0, 'before-0'], [1, 'before-1'], [5, 'behind-0']]);
    const uncommitted = await kcatConsume(tb.address, topic, { properties: { 'isolation.level': 'read_uncommitted' } });
    assert.equal(uncommitted.length, 6, 'the abort marker is not a record');
  } finally {
    client.close();
  }
});
