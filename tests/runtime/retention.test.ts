// Log retention (runtime/retention.ts): with a short check interval, records older than retention.ms leave
// kafka.records, the log start offset moves (ListOffsets earliest and Fetch agree), offsets carry on; every
// record expired empties the log; retention.bytes counts keys, values and headers; retention.ms=-1 keeps
// everything; compact-only topics are left alone; an open transaction stops the move; a 25,000-row backlog goes in
// chunks of 10,000; a sweep lock held elsewhere makes a broker skip its pass.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as listOffsets from '../../apis/list-offsets.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { fetchOne, flatten, makeBatch, produceOne, type TestRecord } from '../helpers/data-path.ts';
import { until } from '../helpers/eventually.ts';
import { retentionService } from '../../runtime/retention.ts';
import { RETENTION_LOCK } from '../../store/retention.ts';
import { connect } from '../../store/db.ts';
import type { Topic } from '../../store/types.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let tb: TestBroker;
let client: RawClient;
before(async () => {
  tb = await startTestBroker({ logRetentionCheckIntervalMs: 100 });
  client = await RawClient.connect(tb.port);
});
after(async () => {
  client?.close();
  await tb?.stop();
});

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

function records(n: number, timestamp: number, tag = 'r'): TestRecord[] {
  return Array.from({ length: n }, (_, i) => ({ key: `${tag}-${i}`, value: `value-${i}`, timestamp: timestamp + i }));
}

async function produce(topic: Topic, list: TestRecord[], partition = 0): Promise<number> {
  const res = await produceOne(client, 9, topic.name, partition, makeBatch(list));
  assert.equal(res.errorCode, 0);
  return res.baseOffset as number;
}

async function stored(topic: Topic, partition = 0): Promise<number[]> {
  const rows = await tb.store.sql<{ offset: number }[]>`
    select "offset" from kafka.records where topic_id = ${topic.id} and partition = ${partition} order by "offset"`;
  return rows.map((r) => r.offset);
}

const logStart = async (topic: Topic, partition = 0) => (await tb.store.offsets(topic, partition)).logStartOffset;

async function earliest(topic: Topic, partition = 0): Promise<number> {
  const res = await client.request<listOffsets.ListOffsetsResponse>(listOffsets, 7, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: topic.name, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp: -2 }] }],
    timeoutMs: 1000,
  });
  assert.equal(res.topics?.[0].partitions?.[0].errorCode, 0);
  return res.topics?.[0].partitions?.[0].offset as number;
}

/** Two explicit passes: the second starts after everything set up before the call. */
async function sweepTwice(broker: TestBroker = tb): Promise<void> {
  const service = retentionService(broker.broker);
  await service.sweep();
  await service.sweep();
}

test('retention.ms: old records leave kafka.records on the timer; log start, ListOffsets and Fetch agree; offsets carry on', async () => {
  const topic = await tb.store.createTopic({ name: 'ret-time', partitions: 2, configs: { 'retention.ms': String(HOUR) } });
  const now = Date.now();
  await produce(topic, records(5, now - 2 * HOUR, 'old'));
  await produce(topic, records(3, now, 'new'));
  await produce(topic, records(4, now - 3 * HOUR, 'other'), 1);
  await until(async () => (await logStart(topic)) === 5 && (await stored(topic)).length === 3, 5000, 'the five old records deleted');
  assert.deepEqual(await stored(topic), range(5, 8));
  assert.equal(await earliest(topic), 5);

  const below = await fetchOne(client, 12, topic, 0, 4);
  assert.equal(below.partition.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
  const at = await fetchOne(client, 12, topic, 0, 5);
  assert.equal(at.partition.errorCode, 0);
  assert.equal(at.partition.logStartOffset, 5);
  assert.deepEqual(flatten(at.batches).map((r) => r.key), ['new-0', 'new-1', 'new-2']);

  // Partition 1: every record expired: the log is empty and starts at the high watermark.
  await until(async () => (await logStart(topic, 1)) === 4, 5000, 'partition 1 emptied');
  assert.deepEqual(await stored(topic, 1), []);
  const empty = await fetchOne(client, 12, topic, 1, 4);
  assert.equal(empty.partition.errorCode, 0);
  assert.equal(empty.partition.highWatermark, 4);
  assert.equal(flatten(empty.batches).length, 0);

  assert.equal(await produce(topic, records(2, Date.now(), 'later')), 8);
  assert.equal(await produce(topic, records(1, Date.now(), 'later'), 1), 4, 'partition 1 carries on at 4');
});

test('retention.ms: the default is 7 days', async () => {
  const topic = await tb.store.createTopic({ name: 'ret-default', partitions: 1 });
  const now = Date.now();
  await produce(topic, records(3, now - 8 * DAY, 'eight-days'));
  await produce(topic, records(2, now - 6 * DAY, 'six-days'));
  await until(async () => (await logStart(topic)) === 3, 5000, 'records older than 7 days deleted');
  await sweepTwice();
  assert.deepEqual(await stored(topic), [3, 4]);
  assert.equal(await logStart(topic), 3);
});

test('retention.ms=-1 keeps everything; compact-only topics are left alone, compact,delete ones are not', async () => {
  const ancient = Date.now() - 3650 * DAY;
  const forever = await tb.store.createTopic({ name: 'ret-forever', partitions: 1, configs: { 'retention.ms': '-1' } });
  const compact = await tb.store.createTopic({ name: 'ret-compact', partitions: 1, configs: { 'cleanup.policy': 'compact', 'retention.ms': '1000', 'retention.bytes': '0' } });
  const both = await tb.store.createTopic({ name: 'ret-compact-delete', partitions: 1, configs: { 'cleanup.policy': 'compact,delete', 'retention.ms': '1000' } });
  for (const t of [forever, compact, both]) await produce(t, records(6, ancient));
  await sweepTwice();
  assert.deepEqual(await stored(forever), range(0, 6));
  assert.equal(await earliest(forever), 0);
  assert.deepEqual(await stored(compact), range(0, 6));
  assert.equal(await earliest(compact), 0);
  assert.deepEqual(await stored(both), []);
  assert.equal(await earliest(both), 6);
});

test('retention.bytes: the oldest records go until keys, values and headers fit', async () => {
  // Each record: key "kk" (2) + value of 10 + header "hk" (2) with value of 8 = 22 bytes; 10 records = 220.
  const topic = await tb.store.createTopic({ name: 'ret-bytes', partitions: 1, configs: { 'retention.bytes': '100' } });
  const now = Date.now();
  await produce(topic, Array.from({ length: 10 }, (_, i) => ({ key: 'kk', value: `value-${String(i).padStart(4, '0')}`, headers: [{ key: 'hk', value: `hv-${String(i).padStart(5, '0')}` }], timestamp: now })));
  await until(async () => (await logStart(topic)) === 6, 5000, 'the six oldest records deleted (4 × 22 = 88 <= 100)');
  await sweepTwice();
  assert.deepEqual(await stored(topic), range(6, 10));
  assert.equal(await earliest(topic), 6);

  // The newest record alone larger than retention.bytes: everything goes (record by record, no active segment).
  const tiny = await tb.store.createTopic({ name: 'ret-bytes-tiny', partitions: 1, configs: { 'retention.bytes': '5' } });
  await produce(tiny, [{ key: null, value: 'x'.repeat(50), timestamp: now }]);
  await sweepTwice();
  assert.equal(await logStart(tiny), 1);
  assert.deepEqual(await stored(tiny), []);
});

test('retention never passes an open transaction (the last stable offset)', async () => {
  const topic = await tb.store.createTopic({ name: 'ret-txn', partitions: 1, configs: { 'retention.ms': String(HOUR) } });
  await produce(topic, records(10, Date.now() - 2 * HOUR));
  // A producer whose transaction began at offset 4 and is still open.
  await tb.store.sql`
    insert into kafka.producer_state (topic_id, partition, producer_id, producer_epoch, txn_first_offset, updated_ms)
    values (${topic.id}, 0, 987654, 0, 4, ${Date.now()})`;
  await sweepTwice();
  assert.equal(await logStart(topic), 4);
  assert.deepEqual(await stored(topic), range(4, 10));
  await tb.store.sql`delete from kafka.producer_state where topic_id = ${topic.id}`;
  await until(async () => (await logStart(topic)) === 10, 5000, 'the rest deleted once the transaction is gone');
  await until(async () => (await stored(topic)).length === 0, 5000, 'rows deleted');
});

test('a 25,000-record backlog is deleted in chunks of 10,000; a sweep lock held elsewhere skips the pass', async () => {
  // A broker of its own (its timer never fires during the test), so the explicit sweeps below do all the work.
  const other = await startTestBroker();
  const lockHolder = connect(other.databaseUrl, { max: 1 });
  try {
    const topic = await other.store.createTopic({ name: 'ret-chunks', partitions: 1, configs: { 'retention.ms': String(HOUR) } });
    const old = Date.now() - 2 * HOUR;
    await other.store.sql`
      insert into kafka.records (topic_id, partition, "offset", timestamp, key, value)
      select ${topic.id}, 0, g, ${old}::bigint + g, convert_to('k' || g, 'UTF8'), convert_to('v' || g, 'UTF8')
      from generate_series(0, 24999) g`;
    await other.store.sql`update kafka.partitions set next_offset = 25000 where topic_id = ${topic.id}`;
    const service = retentionService(other.broker);

    // Another session holds the lock (another broker sweeping): this broker skips its pass.
    const [held] = await lockHolder<{ ok: boolean }[]>`select pg_try_advisory_lock(${RETENTION_LOCK.toString()}::bigint) as ok`;
    assert.equal(held.ok, true);
    assert.equal(await service.sweep(), null);
    assert.equal((await other.store.offsets(topic, 0)).logStartOffset, 0);
    await lockHolder`select pg_advisory_unlock(${RETENTION_LOCK.toString()}::bigint)`;

    const result = await service.sweep();
    assert.deepEqual(result, { advanced: 1, deletedRows: 25_000, deleteStatements: 3, compactedRows: 0 });
    const [{ count }] = await other.store.sql<{ count: number }[]>`select count(*)::int as count from kafka.records where topic_id = ${topic.id}`;
    assert.equal(count, 0);
    assert.equal((await other.store.offsets(topic, 0)).logStartOffset, 25_000);
    assert.deepEqual(await service.sweep(), { advanced: 0, deletedRows: 0, deleteStatements: 0, compactedRows: 0 }, 'nothing left to do');
  } finally {
    await lockHolder.end({ timeout: 5 });
    await other.stop();
  }
});
