// Log compaction (cleanup.policy=compact, runtime/retention.ts with store/compaction.ts): each key keeps its
// latest record, offsets and the log start stay, Fetch and kcat read the survivors across the gaps; a later pass
// compacts only what is new, against what is kept; tombstones stay for delete.retention.ms, then go; records
// younger than min.compaction.lag.ms, an open transaction's records and anything after them stay; a record of an
// aborted transaction supersedes nothing; transaction markers stay; `delete` topics are not compacted.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { fetchOne, flatten, makeBatch, produceOne, type TestRecord } from '../helpers/data-path.ts';
import { addPartitions, endTxn, initOk, produceBatch } from '../helpers/transactions.ts';
import { kcatConsume, requireKcat } from '../helpers/kcat-cli.ts';
import { retentionService } from '../../runtime/retention.ts';
import type { Topic } from '../../store/types.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let tb: TestBroker;
let client: RawClient;
before(async () => {
  // Passes run when the test asks (sweep), not on a timer.
  tb = await startTestBroker({ logRetentionCheckIntervalMs: 3_600_000 });
  client = await RawClient.connect(tb.port);
});
after(async () => {
  client?.close();
  await tb?.stop();
});

const kv = (key: string | null, value: string | null, timestamp = Date.now() - HOUR): TestRecord => ({ key, value, timestamp });

async function produce(topic: Topic, list: TestRecord[]): Promise<number> {
  const res = await produceOne(client, 9, topic.name, 0, makeBatch(list));
  assert.equal(res.errorCode, 0);
  return res.baseOffset as number;
}

/** Stored rows as "offset:key=value" (markers as "offset:marker"). */
async function stored(topic: Topic): Promise<string[]> {
  const rows = await tb.store.sql<{ offset: number; key: Uint8Array | null; value: Uint8Array | null; attributes: number }[]>`
    select "offset", key, value, attributes from kafka.records where topic_id = ${topic.id} and partition = 0 order by "offset"`;
  return rows.map((r) => ((r.attributes & 32) !== 0 ? `${r.offset}:marker` : `${r.offset}:${text(r.key)}=${text(r.value)}`));
}

const text = (b: Uint8Array | null) => (b === null ? 'null' : new TextDecoder().decode(b));
const sweep = (now = Date.now()) => retentionService(tb.broker).sweep(now);

test('compaction: each key keeps its latest record; offsets, log start and high watermark stay; Fetch reads across the gaps', async () => {
  const topic = await tb.store.createTopic({ name: 'compact-basic', partitions: 1, configs: { 'cleanup.policy': 'compact' } });
  await produce(topic, [kv('a', 'a1'), kv('b', 'b1'), kv('a', 'a2'), kv('c', 'c1'), kv('b', 'b2'), kv('a', 'a3')]);
  const result = await sweep();
  assert.ok(result && result.compactedRows === 3, `three superseded records removed (${JSON.stringify(result)})`);
  assert.deepEqual(await stored(topic), ['3:c=c1', '4:b=b2', '5:a=a3']);
  assert.deepEqual(await tb.store.offsets(topic, 0), { logStartOffset: 0, highWatermark: 6 });

  const fetched = await fetchOne(client, 12, topic, 0, 0);
  assert.deepEqual(flatten(fetched.batches).map((r) => `${r.offset}:${r.key}=${r.value}`), ['3:c=c1', '4:b=b2', '5:a=a3']);
  assert.equal(fetched.partition.highWatermark, 6);
  // The survivors go out in the batch they were written in: its base offset and last offset delta, as in Kafka.
  assert.deepEqual(fetched.batches.map((b) => [b.baseOffset, b.lastOffsetDelta, b.recordCount]), [[0, 5, 3]]);

  // The next pass compacts what is new against what is kept.
  await produce(topic, [kv('c', 'c2'), kv('d', 'd1')]);
  await sweep();
  assert.deepEqual(await stored(topic), ['4:b=b2', '5:a=a3', '6:c=c2', '7:d=d1']);
  const offset = await produce(topic, [kv('e', 'e1')]);
  assert.equal(offset, 8, 'offsets carry on');
});

test('compaction: kcat reads a compacted partition from the beginning', async () => {
  requireKcat();
  const topic = await tb.store.createTopic({ name: 'compact-kcat', partitions: 1, configs: { 'cleanup.policy': 'compact' } });
  await produce(topic, [kv('k1', 'old'), kv('k2', 'x'), kv('k1', 'new'), kv('k3', 'y'), kv('k2', 'z')]);
  await sweep();
  const out = await kcatConsume(tb.address, topic.name);
  assert.deepEqual(out.map((r) => `${r.offset} ${r.key}=${r.value}`), ['2 k1=new', '3 k3=y', '4 k2=z']);
});

test('compaction: a tombstone removes the key at once and goes itself after delete.retention.ms', async () => {
  const topic = await tb.store.createTopic({ name: 'compact-tombstone', partitions: 1, configs: { 'cleanup.policy': 'compact', 'delete.retention.ms': String(DAY) } });
  const now = Date.now();
  await produce(topic, [kv('a', 'a1', now - 2 * HOUR), kv('b', 'b1', now - 2 * HOUR), kv('a', null, now - HOUR)]);
  await sweep(now);
  assert.deepEqual(await stored(topic), ['1:b=b1', '2:a=null'], 'the tombstone stays for now');
  await sweep(now + DAY - 2 * HOUR);
  assert.deepEqual(await stored(topic), ['1:b=b1', '2:a=null'], 'younger than delete.retention.ms');
  await sweep(now + DAY);
  assert.deepEqual(await stored(topic), ['1:b=b1'], 'older than delete.retention.ms: gone');
  assert.deepEqual(await tb.store.offsets(topic, 0), { logStartOffset: 0, highWatermark: 3 });
});

test('compaction: records younger than min.compaction.lag.ms stay, and so does all that follows them', async () => {
  const topic = await tb.store.createTopic({ name: 'compact-lag', partitions: 1, configs: { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': String(HOUR) } });
  const now = Date.now();
  await produce(topic, [kv('a', 'a1', now - 3 * HOUR), kv('a', 'a2', now - 2 * HOUR), kv('a', 'a3', now - 10_000), kv('a', 'a4', now - 3 * HOUR)]);
  await sweep(now);
  assert.deepEqual(await stored(topic), ['1:a=a2', '2:a=a3', '3:a=a4'], 'compacted below the first young record only');
  await sweep(now + 2 * HOUR);
  assert.deepEqual(await stored(topic), ['3:a=a4'], 'once old enough, the rest');
});

test('compaction: an aborted record supersedes nothing; an open transaction stops compaction; markers stay', async () => {
  const topic = await tb.store.createTopic({ name: 'compact-txn', partitions: 1, configs: { 'cleanup.policy': 'compact' } });
  await produce(topic, [kv('a', 'a1'), kv('b', 'b1')]);
  const id = 'compact-txn-producer';
  const p = await initOk(client, id);
  assert.deepEqual(await addPartitions(client, id, p, [{ name: topic.name, partitions: [0] }]), [0]);
  const txnRecord = (key: string, value: string, baseSequence: number) =>
    produceBatch(client, topic.name, 0, [kv(key, value)], { ...p, baseSequence, transactional: true, transactionalId: id });
  assert.equal((await txnRecord('a', 'aborted', 0)).errorCode, 0);
  assert.equal(await endTxn(client, id, p, false), 0);
  await sweep();
  assert.deepEqual(await stored(topic), ['0:a=a1', '1:b=b1', '2:a=aborted', '3:marker'], 'the aborted record does not remove a1');

  // An open transaction: nothing from its first record on is compacted, even plain records after it.
  assert.deepEqual(await addPartitions(client, id, p, [{ name: topic.name, partitions: [0] }]), [0]);
  assert.equal((await txnRecord('b', 'open', 1)).errorCode, 0);
  await produce(topic, [kv('a', 'a2')]);
  await sweep();
  assert.deepEqual(await stored(topic), ['0:a=a1', '1:b=b1', '2:a=aborted', '3:marker', '4:b=open', '5:a=a2']);
  assert.equal(await endTxn(client, id, p, true), 0);
  await sweep();
  assert.deepEqual(await stored(topic), ['3:marker', '4:b=open', '5:a=a2', '6:marker'], 'committed: it supersedes like any record');
});

test('compaction: topics with cleanup.policy=delete are not compacted', async () => {
  const topic = await tb.store.createTopic({ name: 'compact-not', partitions: 1, configs: { 'retention.ms': '-1' } });
  await produce(topic, [kv('a', 'a1'), kv('a', 'a2')]);
  await sweep();
  assert.deepEqual(await stored(topic), ['0:a=a1', '1:a=a2']);
});
