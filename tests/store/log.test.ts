import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { UnknownPartitionError } from '../../store/index.ts';
import { SMALL_APPEND_RECORDS } from '../../store/append-small.ts';
import { batch, openStores, part, record, text, values } from './fixtures.ts';

test('append assigns contiguous offsets per partition and returns them', async () => {
  const { stores: [store] } = await openStores();
  const topic = await store.createTopic({ name: 'contiguous', partitions: 2 });

  const [first] = await store.append([part(topic, 0, [batch(values(3))])]);
  assert.deepEqual(first, { baseOffset: 0, batchBaseOffsets: [0], logStartOffset: 0, highWatermark: 3 });

  const results = await store.append([
    part(topic, 0, [batch(values(2)), batch(values(4))]),
    part(topic, 1, [batch(values(5))]),
  ]);
  assert.deepEqual(results, [
    { baseOffset: 3, batchBaseOffsets: [3, 5], logStartOffset: 0, highWatermark: 9 },
    { baseOffset: 0, batchBaseOffsets: [0], logStartOffset: 0, highWatermark: 5 },
  ]);

  // The same partition twice in one call: sub-ranges in input order.
  const twice = await store.append([part(topic, 1, [batch(values(2))]), part(topic, 1, [batch(values(1))])]);
  assert.deepEqual(twice.map((r) => [r.baseOffset, r.highWatermark]), [[5, 8], [7, 8]]);

  const all = await store.read(topic, 0, { fromOffset: 0, maxBytes: 1 << 20 });
  assert.deepEqual(all.map((r) => r.offset), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(all.map((r) => text(r.value)), ['v0', 'v1', 'v2', 'v0', 'v1', 'v0', 'v1', 'v2', 'v3']);
  assert.deepEqual(await store.offsets(topic, 0), { logStartOffset: 0, highWatermark: 9 });
  assert.deepEqual(await store.offsetsMany([{ topic, partition: 1 }, { topic, partition: 0 }]), [
    { logStartOffset: 0, highWatermark: 8 },
    { logStartOffset: 0, highWatermark: 9 },
  ]);
});

for (const [path, count] of [['one statement', 2], ['COPY', SMALL_APPEND_RECORDS + 1]] as const) {
test(`an append to a partition that does not exist appends nothing and throws UnknownPartitionError (${path} path)`, async () => {
  const { stores: [store] } = await openStores();
  const topic = await store.createTopic({ name: 'small', partitions: 1 });
  await assert.rejects(
    store.append([part(topic, 0, [batch(values(count))]), part(topic, 3, [batch(values(1))])]),
    (error: unknown) => error instanceof UnknownPartitionError && error.partitions.length === 1 && error.partitions[0].partition === 3,
  );
  assert.deepEqual(await store.offsets(topic, 0), { logStartOffset: 0, highWatermark: 0 });
  assert.deepEqual(await store.read(topic, 0, { fromOffset: 0, maxBytes: 1000 }), []);
  await assert.rejects(store.offsetsMany([{ topic, partition: 0 }, { topic, partition: 7 }]), UnknownPartitionError);
  // The pool is still usable.
  assert.equal((await store.append([part(topic, 0, [batch(values(1))])]))[0].baseOffset, 0);
});
}

test('read respects fromOffset, toOffset and maxBytes, and returns at least one record', async () => {
  const { stores: [store] } = await openStores();
  const topic = await store.createTopic({ name: 'reads', partitions: 1 });
  const big = (i: number) => record('x'.repeat(99) + String(i % 10)); // 100 bytes each
  // Batches of one record: maxBytes may stop the read after any of them.
  await store.append([part(topic, 0, Array.from({ length: 50 }, (_, i) => batch([big(i)])))]);

  const from10 = await store.read(topic, 0, { fromOffset: 10, maxBytes: 1 << 20 });
  assert.deepEqual(from10.map((r) => r.offset), Array.from({ length: 40 }, (_, i) => 10 + i));

  const bounded = await store.read(topic, 0, { fromOffset: 10, maxBytes: 1 << 20, toOffset: 15 });
  assert.deepEqual(bounded.map((r) => r.offset), [10, 11, 12, 13, 14]);

  const limited = await store.read(topic, 0, { fromOffset: 0, maxBytes: 450 });
  assert.ok(limited.length >= 4 && limited.length <= 5, `got ${limited.length} records for 450 bytes`);
  assert.equal(limited[0].offset, 0);

  const tiny = await store.read(topic, 0, { fromOffset: 20, maxBytes: 1 });
  assert.deepEqual(tiny.map((r) => r.offset), [20]);

  assert.deepEqual(await store.read(topic, 0, { fromOffset: 50, maxBytes: 1000 }), []);
  assert.deepEqual(await store.read(topic, 0, { fromOffset: 5, maxBytes: 1000, toOffset: 5 }), []);

  // Many small reads in a row (the read path must not leave connections stuck).
  for (let i = 0; i < 60; i++) assert.equal((await store.read(topic, 0, { fromOffset: i % 50, maxBytes: 150 }))[0].offset, i % 50);
});

test('read never stops inside a batch: the rest of the last record\'s batch comes too, and rows know their batch', async () => {
  const { stores: [store] } = await openStores();
  const topic = await store.createTopic({ name: 'whole-batches', partitions: 1 });
  const big = (i: number) => record('x'.repeat(99) + String(i % 10));
  for (const n of [3, 40, 2]) await store.append([part(topic, 0, [batch(Array.from({ length: n }, (_, i) => big(i)))])]);
  const batchOf = (r: { offset: number; offsetDelta: number; lastOffsetDelta: number }) => [r.offset - r.offsetDelta, r.lastOffsetDelta];
  assert.deepEqual((await store.read(topic, 0, { fromOffset: 0, maxBytes: 1 })).map((r) => r.offset), [0, 1, 2]);
  assert.deepEqual((await store.read(topic, 0, { fromOffset: 1, maxBytes: 1 })).map((r) => r.offset), [1, 2], 'from inside a batch: to its end');
  const forty = await store.read(topic, 0, { fromOffset: 3, maxBytes: 150 });
  assert.deepEqual(forty.map((r) => r.offset), Array.from({ length: 40 }, (_, i) => 3 + i), 'past the row estimate: the rest is read');
  assert.deepEqual([...new Set(forty.map((r) => JSON.stringify(batchOf(r))))], ['[3,39]']);
  assert.deepEqual((await store.read(topic, 0, { fromOffset: 3, maxBytes: 150, toOffset: 10 })).map((r) => r.offset), [3, 4, 5, 6, 7, 8, 9], 'toOffset still bounds');
  assert.deepEqual((await store.read(topic, 0, { fromOffset: 43, maxBytes: 1 })).map(batchOf), [[43, 1], [43, 1]]);
});

for (const [path, filler] of [['one statement', 0], ['COPY', SMALL_APPEND_RECORDS]] as const) {
test(`keys, values and headers round trip, including nulls and empty bytes (${path} path)`, async () => {
  const { stores: [store] } = await openStores();
  const topic = await store.createTopic({ name: 'shapes', partitions: 1 });
  // Appends of more than SMALL_APPEND_RECORDS records go by COPY, smaller ones in one statement.
  const binary = Buffer.from([0, 255, 1, 254, 0x80]);
  await store.append([
    part(topic, 0, [
      batch([
        record(null, { key: null }),
        record('', { key: Buffer.alloc(0) }),
        record('with headers', {
          key: Buffer.from('k'),
          headers: [
            { key: 'a', value: Buffer.from('1') },
            { key: 'ü-nicode', value: binary },
            { key: 'nothing', value: null },
            { key: 'a', value: Buffer.from('2') },
          ],
        }),
        record(null, { key: binary, headers: [{ key: '', value: Buffer.alloc(0) }] }),
        ...values(filler, 'filler'),
      ]),
    ]),
  ]);
  const [a, b, c, d] = await store.read(topic, 0, { fromOffset: 0, maxBytes: 1 << 20 });
  assert.equal(a.key, null);
  assert.equal(a.value, null);
  assert.equal(a.headerKeys, null);
  assert.equal(a.headerValues, null);
  assert.deepEqual([...b.key!], []);
  assert.deepEqual([...b.value!], []);
  assert.equal(text(c.key), 'k');
  assert.equal(text(c.value), 'with headers');
  assert.deepEqual(c.headerKeys, ['a', 'ü-nicode', 'nothing', 'a']);
  assert.deepEqual(c.headerValues!.map((v) => (v === null ? null : [...v])), [[49], [...binary], null, [50]]);
  assert.deepEqual([...d.key!], [...binary]);
  assert.equal(d.value, null);
  assert.deepEqual(d.headerKeys, ['']);
  assert.deepEqual(d.headerValues!.map((v) => v && [...v]), [[]]);

  // The view for people shows text.
  const rows = await store.sql<{ key: string | null; value: string | null; headers: unknown }[]>`
    select key, value, headers from kafka.messages where topic = 'shapes' order by "offset"`;
  assert.deepEqual(rows[2], {
    key: 'k',
    value: 'with headers',
    headers: [
      { key: 'a', value: '1' },
      { key: 'ü-nicode', value: '\\x00ff01fe80' },
      { key: 'nothing', value: null },
      { key: 'a', value: '2' },
    ],
  });
  assert.equal(rows[0].headers, null);
  assert.equal(rows.length, 4 + filler);
});
}

test('timestamps, producer fields, sequences and attributes are stored per record', async () => {
  const { stores: [store] } = await openStores();
  const topic = await store.createTopic({ name: 'meta', partitions: 2 });
  const base = 1_700_000_000_000;
  await store.append([
    part(topic, 0, [
      batch([record('a', { timestampDelta: 0 }), record('b', { timestampDelta: 5 }), record('c', { timestampDelta: 2 })], {
        baseTimestamp: base,
        producerId: 42,
        producerEpoch: 3,
        baseSequence: 2147483646,
        attributes: 0x13,
      }),
    ]),
    part(topic, 1, [batch(values(2), { baseTimestamp: base })], base + 99),
  ]);
  const recs = await store.read(topic, 0, { fromOffset: 0, maxBytes: 1 << 20 });
  assert.deepEqual(
    recs.map((r) => [r.offset, r.timestamp, r.producerId, r.producerEpoch, r.sequence, r.attributes]),
    [
      [0, base, 42, 3, 2147483646, 0x13],
      [1, base + 5, 42, 3, 2147483647, 0x13],
      [2, base + 2, 42, 3, 0, 0x13], // sequences wrap after Int32.MAX
    ],
  );
  const logAppend = await store.read(topic, 1, { fromOffset: 0, maxBytes: 1 << 20 });
  assert.deepEqual(logAppend.map((r) => [r.timestamp, r.sequence, r.producerId]), [[base + 99, -1, -1], [base + 99, -1, -1]]);
});

test('offsetForTimestamp and maxTimestamp', async () => {
  const { stores: [store] } = await openStores();
  const topic = await store.createTopic({ name: 'times', partitions: 2 });
  const base = 1_000_000;
  // Timestamps by offset: 0:100 1:300 2:200 3:300 4:150
  const deltas = [100, 300, 200, 300, 150];
  await store.append([part(topic, 0, [batch(deltas.map((d) => record('x', { timestampDelta: d })), { baseTimestamp: base })])]);

  assert.deepEqual(await store.offsetForTimestamp(topic, 0, base), { offset: 0, timestamp: base + 100 });
  assert.deepEqual(await store.offsetForTimestamp(topic, 0, base + 101), { offset: 1, timestamp: base + 300 });
  assert.deepEqual(await store.offsetForTimestamp(topic, 0, base + 250), { offset: 1, timestamp: base + 300 });
  assert.equal(await store.offsetForTimestamp(topic, 0, base + 301), null);
  assert.deepEqual(await store.maxTimestamp(topic, 0), { offset: 1, timestamp: base + 300 });
  assert.equal(await store.maxTimestamp(topic, 1), null);
  assert.equal(await store.offsetForTimestamp(topic, 1, 0), null);
});

test('a 2 MiB value and a large batch go through COPY in several chunks', async () => {
  const { stores: [store] } = await openStores();
  const topic = await store.createTopic({ name: 'large', partitions: 1 });
  const huge = Buffer.alloc(2 * 1024 * 1024, 7);
  huge[huge.length - 1] = 9;
  const many = Array.from({ length: 3000 }, (_, i) => record(`r${i}-` + 'y'.repeat(500)));
  const [result] = await store.append([part(topic, 0, [batch([record(null, { value: huge }), ...many])])]);
  assert.equal(result.highWatermark, 3001);
  const [first] = await store.read(topic, 0, { fromOffset: 0, maxBytes: 1 });
  assert.equal(first.value!.length, huge.length);
  assert.equal(first.value![huge.length - 1], 9);
  let next = 1;
  while (next < 3001) {
    const got = await store.read(topic, 0, { fromOffset: next, maxBytes: 64 * 1024 });
    assert.ok(got.length > 0);
    assert.equal(text(got[0].value)!.split('-')[0], `r${next - 1}`);
    next = got[got.length - 1].offset + 1;
  }
  assert.equal(next, 3001);
});

for (const [path, count] of [['one statement', 3], ['COPY', SMALL_APPEND_RECORDS + 3]] as const) {
test(`an append the server rejects fails and rolls back instead of hanging (${path} path; postgres.js #1173 for COPY)`, async () => {
  const { stores: [store] } = await openStores();
  const topic = await store.createTopic({ name: 'conflict', partitions: 1 });
  await store.append([part(topic, 0, [batch(values(2))])]);
  // A stray row where the next append will go: the insert hits a primary key violation.
  await store.sql`insert into kafka.records (topic_id, partition, "offset", timestamp) values (${topic.id}, 0, 3, 0)`;
  await assert.rejects(store.append([part(topic, 0, [batch(values(count))])]), (error: unknown) => (error as { code?: string }).code === '23505');
  assert.deepEqual(await store.offsets(topic, 0), { logStartOffset: 0, highWatermark: 2 });
  const stuck = await store.sql<{ n: number }[]>`
    select count(*)::int as n from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'`;
  assert.equal(stuck[0].n, 0);
  await store.sql`delete from kafka.records where topic_id = ${topic.id} and "offset" = 3`;
  assert.equal((await store.append([part(topic, 0, [batch(values(count))])]))[0].baseOffset, 2);
});
}

test('a large read is split into two offset ranges read at once, returned in order with nothing skipped', async () => {
  const { stores: [store] } = await openStores();
  const topic = await store.createTopic({ name: 'split-read', partitions: 1 });
  const all3000 = values(3000);
  await store.append([part(topic, 0, Array.from({ length: 300 }, (_, i) => batch(all3000.slice(i * 10, i * 10 + 10))))]);
  // Gaps at the split point (a fresh store assumes 1 KiB records: 1 MiB asks for 1,025 rows, split at 513).
  await store.sql`delete from kafka.records where topic_id = ${topic.id} and partition = 0 and "offset" between 500 and 520`;
  const stored = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i).filter((o) => o < 500 || o > 520);
  const first = await store.read(topic, 0, { fromOffset: 0, maxBytes: 1 << 20 });
  // 1,025 rows end at offset 1032; its batch (of ten records) ends at 1039.
  assert.deepEqual(first.map((r) => r.offset), stored(0, 1040), 'both halves, the gap at the split skipped, no row lost, the last batch whole');
  // Now sized for small records: one read asks for everything; the end bound falls in the first half.
  const bounded = await store.read(topic, 0, { fromOffset: 10, maxBytes: 1 << 20, toOffset: 1500 });
  assert.deepEqual(bounded.map((r) => r.offset), stored(10, 1500));
  const all = await store.read(topic, 0, { fromOffset: 0, maxBytes: 1 << 20 });
  assert.deepEqual(all.map((r) => r.offset), stored(0, 3000));
  assert.deepEqual(all.slice(0, 3).map((r) => text(r.value)), ['v0', 'v1', 'v2']);
});
