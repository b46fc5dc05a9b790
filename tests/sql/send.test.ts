// kafka.send from SQL sessions: records appear for Kafka consumers (kafkajs and kcat, with key, headers and
// partition) when the sending transaction commits and never when it rolls back; a long-open sending transaction
// does not delay a kcat producer on the same topic; Kafka's partitioner in SQL (kafka.murmur2, kafka.partition_for)
// equals codec/murmur2.ts and kafkajs's for many keys; the coordinator slot in SQL equals runtime/groups/slot.ts;
// errors for unknown topics (auto-creation off), oversized records and bad headers, at send time.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { connect, type Sql } from '../../store/db.ts';
import { murmur2, partitionForKey } from '../../codec/murmur2.ts';
import { slotFor } from '../../runtime/groups/slot.ts';
import { kafkajsFetchAll } from '../helpers/kafkajs.ts';
import { kcatConsume, kcatProduce, requireKcat } from '../helpers/kcat-cli.ts';
import { until, sleep } from '../helpers/eventually.ts';

let tb: TestBroker;
let off: TestBroker;
let app: Sql;
let appOff: Sql;

before(async () => {
  requireKcat();
  [tb, off] = await Promise.all([startTestBroker({ defaultPartitions: 3 }), startTestBroker({ autoCreateTopics: false })]);
  app = connect(tb.databaseUrl, { max: 4, applicationName: 'test app' });
  appOff = connect(off.databaseUrl, { max: 2, applicationName: 'test app' });
  // The mover publishes the broker's settings when it takes its lock.
  await until(async () => (await app`select 1 from kafka.sql_settings`).length === 1, 10_000, 'settings published');
  await until(async () => (await appOff`select 1 from kafka.sql_settings`).length === 1, 10_000, 'settings published (off)');
});
after(async () => {
  await Promise.all([app?.end(), appOff?.end()]);
  await Promise.all([tb?.stop(), off?.stop()]);
});

const kafkaFor = (t: TestBroker) => new Kafka({ clientId: 'sql-send', brokers: [t.address], logLevel: logLevel.NOTHING });

async function stored(t: TestBroker, topic: string): Promise<number> {
  const [row] = await t.store.sql<{ n: number }[]>`select count(*)::int as n from kafka.messages where topic = ${topic}`;
  return row.n;
}

test('kafka.murmur2 and kafka.partition_for equal the broker\'s and kafkajs\'s partitioner for many keys', async () => {
  const keys: Buffer[] = [Buffer.alloc(0), Buffer.from('a'), Buffer.from('ab'), Buffer.from('abc'), Buffer.from('abcd'), Buffer.from('ÿÿÿÿ\u00ff', 'latin1')];
  for (let i = 0; i < 1500; i++) keys.push(i % 2 === 0 ? randomBytes(i % 41) : Buffer.from(`order-${i}-${'x'.repeat(i % 9)}`));
  const rows = await app<{ h: number; p: number }[]>`
    select kafka.murmur2(k) as h, kafka.partition_for(k, 7) as p from unnest(${keys.map((k) => k.toString('hex'))}::text[]) with ordinality as u(hex, i), decode(hex, 'hex') as k order by i`;
  const kafkajsPartitioner = Partitioners.DefaultPartitioner();
  keys.forEach((key, i) => {
    assert.equal(rows[i].h, murmur2(key), `murmur2 of ${key.toString('hex')}`);
    assert.equal(rows[i].p, partitionForKey(key, 7));
    if (key.length > 0) {
      const partitionMetadata = Array.from({ length: 7 }, (_, p) => ({ partitionId: p, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] }));
      assert.equal(rows[i].p, kafkajsPartitioner({ topic: 't', partitionMetadata, message: { key, value: null } }), `kafkajs partition of ${key.toString('hex')}`);
    }
  });
});

test('kafka.group_slot equals the coordinator\'s slot for group ids (also outside the BMP)', async () => {
  const ids = ['', 'g', 'billing', 'grüße', 'Aa', 'BB', 'polygenelubricants', 'emoji-😀-x', ...Array.from({ length: 300 }, (_, i) => `group-${i}-${randomBytes(3).toString('hex')}`)];
  const rows = await app<{ s: number }[]>`select kafka.group_slot(g) as s from unnest(${ids}::text[]) with ordinality as u(g, i) order by i`;
  ids.forEach((id, i) => assert.equal(rows[i].s, slotFor(id), id));
});

test('a committed send reaches kafkajs and kcat with key, headers and the key\'s partition; a rolled-back one never does', async () => {
  const topic = 'sql-commit';
  await tb.store.createTopic({ name: topic, partitions: 4 });
  const [{ p }] = await app.begin(async (tx) => {
    await tx`create table if not exists orders (id int primary key, item text)`;
    await tx`insert into orders values (1, 'book')`;
    return tx<{ p: number }[]>`select kafka.send(${topic}, 'order 1 placed', 'order-1', '[["source","sql"],["source","again"],["n",null]]'::jsonb) as p`;
  });
  assert.equal(p, partitionForKey(Buffer.from('order-1'), 4));
  await assert.rejects(app.begin(async (tx) => {
    await tx`insert into orders values (2, 'pen')`;
    await tx`select kafka.send(${topic}, 'order 2 placed', 'order-2')`;
    throw new Error('rollback');
  }), /rollback/);
  await until(async () => (await stored(tb, topic)) >= 1, 10_000, 'record moved');

  const [row] = await tb.store.sql<{ headers: unknown }[]>`select headers from kafka.messages where topic = ${topic}`;
  assert.deepEqual(row.headers, [{ key: 'source', value: 'sql' }, { key: 'source', value: 'again' }, { key: 'n', value: null }]);
  const kjs = await kafkajsFetchAll(kafkaFor(tb), topic);
  assert.equal(kjs.length, 1);
  assert.equal(kjs[0].key, 'order-1');
  assert.equal(kjs[0].value, 'order 1 placed');
  assert.equal(kjs[0].partition, p);
  assert.deepEqual(kjs[0].headers.slice(0, 2), [['source', 'sql'], ['source', 'again']]); // (the helper prints a null value as text)
  const kc = await kcatConsume(tb.address, topic);
  assert.deepEqual(kc.map((r) => [r.partition, r.key, r.value]), [[p, 'order-1', 'order 1 placed']]);
  assert.deepEqual(kc[0].headers.slice(0, 2), [['source', 'sql'], ['source', 'again']]);

  // Later sends still arrive, the rolled-back one never does.
  await app`select kafka.send(${topic}, 'after'::text)`;
  await until(async () => (await stored(tb, topic)) >= 2, 10_000, 'second record moved');
  await sleep(300);
  const values = (await tb.store.sql<{ value: string }[]>`select value from kafka.messages where topic = ${topic}`).map((r) => r.value).sort();
  assert.deepEqual(values, ['after', 'order 1 placed']);
  assert.equal((await app`select 1 from orders where id = 2`).length, 0);
});

test('value and key types, object headers, explicit partitions and send_batch', async () => {
  const topic = 'sql-types';
  await tb.store.createTopic({ name: topic, partitions: 2 });
  await app`select kafka.send(${topic}, '{"a": 1}'::jsonb, '{"id": 7}'::jsonb, '{"h": "v", "n": 5}'::jsonb, 1)`;
  await app`select kafka.send(${topic}, ${Buffer.from([0, 1, 2])}::bytea, ${Buffer.from('bk')}::bytea, null, 0)`;
  const parts = await app<{ p: number[] }[]>`
    select kafka.send_batch(${topic}, array['b1', 'b2', 'b3'], array['k1', null, 'k1'], null, array[null, 1, null]::int[]) as p`;
  assert.equal(parts[0].p[1], 1);
  assert.equal(parts[0].p[0], partitionForKey(Buffer.from('k1'), 2));
  assert.equal(parts[0].p[2], parts[0].p[0]);
  await until(async () => (await stored(tb, topic)) >= 5, 10_000, 'records moved');
  const rows = await tb.store.sql<{ partition: number; key: string | null; value: string; headers: unknown }[]>`
    select partition, key, value, headers from kafka.messages where topic = ${topic} order by partition, "offset"`;
  const json = rows.find((r) => r.value === '{"a": 1}');
  assert.ok(json);
  assert.equal(json.partition, 1);
  assert.equal(json.key, '{"id": 7}');
  assert.deepEqual(json.headers, [{ key: 'h', value: 'v' }, { key: 'n', value: '5' }]);
  const bin = rows.find((r) => r.key === 'bk');
  assert.equal(bin?.value, '\\x000102');
  // The batch's records of one key keep their order.
  const k1 = rows.filter((r) => r.key === 'k1').map((r) => r.value);
  assert.deepEqual(k1, ['b1', 'b3']);
});

test('errors at send time: unknown topic with auto-creation off, oversized record, bad headers, bad partition, mismatched batch', async () => {
  await assert.rejects(appOff`select kafka.send('nope', 'x'::text)`, (err: Error & { code?: string }) => err.code === '42704' && /unknown topic "nope"/.test(err.message));
  await off.store.createTopic({ name: 'small', partitions: 1, configs: { 'max.message.bytes': '100' } });
  await assert.rejects(appOff`select kafka.send('small', ${'x'.repeat(101)}::text)`, (err: Error & { code?: string }) => err.code === '54000' && /max\.message\.bytes \(100\)/.test(err.message));
  await appOff`select kafka.send('small', ${'x'.repeat(90)}::text)`;
  await assert.rejects(appOff`select kafka.send('small', 'x'::text, null, '[["k"]]'::jsonb)`, /\[key, value\] pair/);
  await assert.rejects(appOff`select kafka.send('small', 'x'::text, null, '"h"'::jsonb)`, /headers must be/);
  await assert.rejects(appOff`select kafka.send('small', 'x'::text, null, null, 3)`, /has no partition 3/);
  await assert.rejects(appOff`select kafka.send_batch('small', array['a','b'], array['k'])`, /as many elements/);
  await until(async () => (await stored(off, 'small')) === 1, 10_000, 'the valid record moved');
});

test('auto-creation on: an unknown topic is created by the broker with the default partitions', async () => {
  const [{ p }] = await app<{ p: number }[]>`select kafka.send('sql-auto', 'v'::text, 'k') as p`;
  assert.equal(p, partitionForKey(Buffer.from('k'), 3));
  await until(async () => (await stored(tb, 'sql-auto')) === 1, 10_000, 'auto-created and moved');
  assert.equal((await tb.store.getTopics(['sql-auto'])).get('sql-auto')?.partitions, 3);
  await assert.rejects(app`select kafka.send('bad name!', 'v'::text)`, /invalid topic name/);
  await tb.store.createTopic({ name: 'sql.dotted', partitions: 1 });
  await assert.rejects(app`select kafka.send('sql_dotted', 'v'::text)`, /collides with an existing topic/);
});

test('a long-open transaction that sent does not delay a kcat producer or another SQL sender on the same topic', async () => {
  const topic = 'sql-long';
  await tb.store.createTopic({ name: topic, partitions: 1 });
  const holder = await app.reserve();
  try {
    await holder`begin`;
    await holder`select kafka.send(${topic}, 'from the long transaction'::text, 'k')`;
    const started = Date.now();
    const run = await kcatProduce(tb.address, topic, [{ key: 'k', value: 'from kcat' }], { properties: { 'message.timeout.ms': '5000' } });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(Date.now() - started < 4000, 'kcat produced while the transaction stayed open');
    await app`select kafka.send(${topic}, 'from another session'::text, 'k')`;
    await until(async () => (await stored(tb, topic)) === 2, 10_000, 'kcat and the other session\'s records visible');
    await holder`commit`;
  } finally {
    holder.release();
  }
  await until(async () => (await stored(tb, topic)) === 3, 10_000, 'the long transaction\'s record after its commit');
  const values = (await tb.store.sql<{ value: string }[]>`select value from kafka.messages where topic = ${topic} order by "offset"`).map((r) => r.value);
  assert.deepEqual(values, ['from kcat', 'from another session', 'from the long transaction']);
});
