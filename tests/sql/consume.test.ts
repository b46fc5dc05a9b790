// Consuming from SQL with exactly-once offsets: read kafka.messages past kafka.committed_offset, write results and
// kafka.commit_offset in one transaction; a transaction that rolls back takes its output and its offset with it;
// a kafkajs consumer of the group then resumes from the committed offset. A group with members refuses commits
// from SQL (naming its state). The views kafka.consumer_lag and kafka.topic_stats against known data; the roles
// kafka_sql_producer and kafka_sql_reader with a login role each; psql as a client (skipped without psql).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { connect, type Sql } from '../../store/db.ts';
import { until } from '../helpers/eventually.ts';

let tb: TestBroker;
let app: Sql;
const consumers: Consumer[] = [];

before(async () => {
  tb = await startTestBroker({ groupMinSessionTimeoutMs: 1000 });
  app = connect(tb.databaseUrl, { max: 4, applicationName: 'consume test' });
  await app`create table results (source_offset bigint primary key, doubled int not null)`;
});
after(async () => {
  await Promise.all(consumers.map((c) => c.disconnect().catch(() => {})));
  await app?.end();
  await tb?.stop();
});

const kafka = () => new Kafka({ clientId: 'sql-consume', brokers: [tb.address], logLevel: logLevel.NOTHING });

async function produce(topic: string, values: string[]): Promise<void> {
  const producer = kafka().producer();
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value, partition: 0 })) });
  } finally {
    await producer.disconnect();
  }
}

/** One consume-transform-commit step: up to `n` records past the committed offset, doubled into `results`. */
async function step(group: string, topic: string, n: number, fail = false): Promise<number> {
  return app.begin(async (tx) => {
    const rows = await tx<{ offset: number; value: string }[]>`
      select "offset", value from kafka.messages
      where topic = ${topic} and partition = 0 and "offset" >= coalesce(kafka.committed_offset(${group}, ${topic}, 0), 0)
      order by "offset" limit ${n}`;
    for (const r of rows) await tx`insert into results values (${r.offset}, ${Number(r.value) * 2})`;
    if (rows.length > 0) await tx`select kafka.commit_offset(${group}, ${topic}, 0, ${rows[rows.length - 1].offset + 1}, 'sql')`;
    if (fail) throw new Error('crash in the middle');
    return rows.length;
  }) as Promise<number>;
}

test('consume-transform-commit: a rollback takes output and offset back together; kafkajs resumes from the committed offset', async () => {
  const topic = 'sql-consume';
  const group = 'sql-billing';
  await tb.store.createTopic({ name: topic, partitions: 1 });
  await produce(topic, Array.from({ length: 10 }, (_, i) => String(i)));
  assert.equal(await step(group, topic, 4), 4);
  await assert.rejects(step(group, topic, 4, true), /crash in the middle/);
  const [c1] = await app<{ o: number | null }[]>`select kafka.committed_offset(${group}, ${topic}, 0) as o`;
  assert.equal(c1.o, 4, 'the rolled-back commit left the offset where it was');
  assert.deepEqual((await app<{ source_offset: number }[]>`select source_offset from results order by 1`).map((r) => r.source_offset), [0, 1, 2, 3]);
  assert.equal(await step(group, topic, 4), 4);
  assert.deepEqual((await app<{ source_offset: number }[]>`select source_offset from results order by 1`).map((r) => r.source_offset), [0, 1, 2, 3, 4, 5, 6, 7]);

  // A Kafka consumer of the group starts where SQL left off.
  const consumer = kafka().consumer({ groupId: group, sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 100 });
  consumers.push(consumer);
  const seen: number[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void seen.push(Number(message.offset)) });
  await until(() => seen.length >= 2, 30_000, 'kafkajs consumed the rest');
  assert.deepEqual(seen, [8, 9]);

  // While the group has members, SQL may not commit for it.
  await until(async () => (await app`select 1 from kafka.groups where group_id = ${group} and state = 'Stable'`).length === 1, 10_000, 'group stable');
  await assert.rejects(app`select kafka.commit_offset(${group}, ${topic}, 0, 3)`, (err: Error & { code?: string }) => err.code === '55000' && /group "sql-billing" is Stable, with 1 member/.test(err.message));
  await consumer.disconnect();
});

test('a group first committed from SQL is known to its coordinator: OffsetFetch through kafkajs admin', async () => {
  const topic = 'sql-admin';
  await tb.store.createTopic({ name: topic, partitions: 2 });
  // The coordinator exists (and has loaded its slots) before the group is created from SQL.
  const admin = kafka().admin();
  await admin.connect();
  try {
    await admin.fetchOffsets({ groupId: 'warm-up', topics: [topic] });
    await app`select kafka.commit_offset('sql-made', ${topic}, 1, 42, 'm')`;
    const offsets = await admin.fetchOffsets({ groupId: 'sql-made', topics: [topic] });
    const p1 = offsets[0].partitions.find((p) => p.partition === 1);
    assert.equal(p1?.offset, '42');
    assert.equal(p1?.metadata, 'm');
    await until(async () => (await admin.listGroups()).groups.some((g) => g.groupId === 'sql-made'), 10_000, 'group listed');
  } finally {
    await admin.disconnect();
  }
});

test('kafka.consumer_lag and kafka.topic_stats against known data', async () => {
  const topic = 'sql-stats';
  await tb.store.createTopic({ name: topic, partitions: 2 });
  await app`select kafka.send_batch(${topic}, array['aaaa', 'bb', 'cccccc'], array['k1', 'k2', 'k3'], array['{"h": "xy"}'::jsonb, null, null], array[0, 0, 1])`;
  await until(async () => (await app`select 1 from kafka.messages where topic = ${topic}`).length === 3, 10_000, 'moved');
  await app`select kafka.commit_offset('lagging', ${topic}, 0, 1)`;
  const lag = await app`select group_id, topic, partition, committed_offset, log_end_offset, lag, committed_at is not null as has_time from kafka.consumer_lag where group_id = 'lagging'`;
  assert.deepEqual(lag.map((r) => ({ ...r })), [{ group_id: 'lagging', topic, partition: 0, committed_offset: 1, log_end_offset: 2, lag: 1, has_time: true }]);
  const stats = await app`
    select partition, log_start_offset, log_end_offset, records, bytes, first_timestamp <= last_timestamp as ordered,
           last_timestamp > now() - interval '1 minute' as recent
    from kafka.topic_stats where topic = ${topic} order by partition`;
  assert.deepEqual(stats.map((r) => ({ ...r })), [
    // k1 + aaaa + h + xy, k2 + bb
    { partition: 0, log_start_offset: 0, log_end_offset: 2, records: 2, bytes: 2 + 4 + 1 + 2 + 2 + 2, ordered: true, recent: true },
    { partition: 1, log_start_offset: 0, log_end_offset: 1, records: 1, bytes: 2 + 6, ordered: true, recent: true },
  ]);
});

test('roles: kafka_sql_producer may send but not read records; kafka_sql_reader may read and commit but not send', async () => {
  const suffix = randomBytes(4).toString('hex');
  const producer = `test_producer_${suffix}`;
  const reader = `test_reader_${suffix}`;
  const password = randomBytes(12).toString('hex');
  await app.unsafe(`create role ${producer} login password '${password}' in role kafka_sql_producer`);
  await app.unsafe(`create role ${reader} login password '${password}' in role kafka_sql_reader`);
  const as = (user: string) => {
    const u = new URL(tb.databaseUrl);
    u.username = user;
    u.password = password;
    return connect(u.toString(), { max: 1 });
  };
  const p = as(producer);
  const r = as(reader);
  try {
    const topic = 'sql-roles';
    await tb.store.createTopic({ name: topic, partitions: 1 });
    await p.begin((tx) => tx`select kafka.send(${topic}, 'from the producer role'::text, 'k')`);
    await assert.rejects(p`select count(*) from kafka.records`, /permission denied/);
    await until(async () => (await r`select 1 from kafka.messages where topic = ${topic}`).length === 1, 10_000, 'moved, read by the reader role');
    await r`select kafka.commit_offset('role-group', ${topic}, 0, 1)`;
    const [row] = await r<{ o: number }[]>`select kafka.committed_offset('role-group', ${topic}, 0) as o`;
    assert.equal(row.o, 1);
    await assert.rejects(r`select kafka.send(${topic}, 'x'::text)`, /permission denied/);
  } finally {
    await Promise.all([p.end(), r.end()]);
    await app.unsafe(`drop role ${producer}`);
    await app.unsafe(`drop role ${reader}`);
  }
});

const hasPsql = spawnSync('psql', ['--version'], { stdio: 'ignore' }).status === 0;

test('psql: send in a transaction from the command line', { skip: hasPsql ? false : 'psql is not installed' }, async () => {
  const topic = 'sql-psql';
  await tb.store.createTopic({ name: topic, partitions: 1 });
  const run = spawnSync('psql', [tb.databaseUrl, '-v', 'ON_ERROR_STOP=1', '-q', '-c',
    `begin; select kafka.send('${topic}', 'from psql', 'k', '{"via": "psql"}'); commit;`], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  await until(async () => (await app`select 1 from kafka.messages where topic = ${topic} and value = 'from psql'`).length === 1, 10_000, 'moved');
});
