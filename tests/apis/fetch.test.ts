// Fetch conformance: codec round trip of every version; every version 4-17 reads back what was produced (by name
// below v13, by topic id from v13) with offsets, isolation fields and session id 0; topic compression.type;
// batches as produced (old rows regrouped per producer run), never split by a tiny maxBytes (raw protocol and a
// kafkajs consumer), holes left by compaction; unknown topics, partitions and topic ids; OFFSET_OUT_OF_RANGE; size
// limits and KIP-74; long poll woken by a produce on another connection, ended by maxWaitMs, and by broker shutdown.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fetch from '../../apis/fetch.ts';
import * as produceApi from '../../apis/produce.ts';
import { transactionCoordinator } from '../../runtime/transactions/coordinator.ts';
import { readAhead } from '../../runtime/read-ahead.ts';
import { deleteRecordsBefore } from '../../store/retention.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { Compression } from '../../codec/compression.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import {
  batchesOf,
  expected,
  fetchOne,
  fetchRequest,
  flatten,
  makeBatch,
  produceOne,
  sampleRecords,
  type TestRecord,
} from '../helpers/data-path.ts';
import type { Topic } from '../../store/types.ts';
import type { RecordBatch } from '../../codec/record-batch.ts';
import { addPartitions, endTxn, initOk, produceBatch } from '../helpers/transactions.ts';
import { until } from '../helpers/eventually.ts';
import { Kafka, logLevel } from 'kafkajs';

let tb: TestBroker;
let client: RawClient;
before(async () => {
  tb = await startTestBroker();
  client = await RawClient.connect(tb.port);
});
after(async () => {
  client?.close();
  await tb?.stop();
});

let topicCount = 0;
async function newTopic(partitions = 1, configs: Record<string, string> = {}): Promise<Topic> {
  return tb.store.createTopic({ name: `fetch-${++topicCount}`, partitions, configs });
}

async function put(topic: Topic, partition: number, records: TestRecord[], options: Parameters<typeof makeBatch>[1] = {}): Promise<number> {
  const p = await produceOne(client, 11, topic.name, partition, makeBatch(records, options));
  assert.equal(p.errorCode, ErrorCode.NONE, p.errorMessage ?? '');
  return p.baseOffset as number;
}

test('Fetch: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(fetch);
});

test('Fetch: v4-17 read back what was produced, with offsets, isolation fields and session id 0', async () => {
  const topic = await newTopic(2);
  const first = sampleRecords(10, 'a');
  const second = sampleRecords(7, 'b');
  await put(topic, 1, first, { compression: Compression.gzip });
  await put(topic, 1, second, { compression: Compression.lz4 });
  const all = [...expected(first, 0), ...expected(second, 10)];
  for (let v = 4; v <= 17; v++) {
    for (const isolationLevel of [0, 1]) {
      const { response, partition: p, batches } = await fetchOne(client, v, topic, 1, 3, { isolationLevel });
      assert.equal(p.errorCode, ErrorCode.NONE, `v${v}`);
      assert.equal(p.partitionIndex, 1);
      assert.equal(p.highWatermark, 17);
      assert.equal(p.lastStableOffset, 17);
      if (v >= 5) assert.equal(p.logStartOffset, 0);
      assert.deepEqual(p.abortedTransactions, isolationLevel === 1 ? [] : null, `v${v} aborted transactions`);
      if (v >= 11) assert.equal(p.preferredReadReplica, -1);
      if (v >= 7) {
        assert.equal(response.sessionId, 0);
        assert.equal(response.errorCode, ErrorCode.NONE);
      }
      if (v >= 13) assert.equal(response.responses?.[0].topicId, topic.topicId);
      else assert.equal(response.responses?.[0].topic, topic.name);
      // The whole first batch comes back (from offset 0): the client skips records below its fetch offset.
      const got = flatten(batches);
      assert.deepEqual(got.filter((r) => r.offset >= 3), all.slice(3), `v${v} records`);
      assert.equal(batches[0].partitionLeaderEpoch, 0);
    }
  }
  // At the high watermark: no records, no error.
  const atEnd = await fetchOne(client, 12, topic, 1, 17);
  assert.equal(atEnd.partition.errorCode, ErrorCode.NONE);
  assert.equal(atEnd.batches.length, 0);
  // The other partition is empty.
  const empty = await fetchOne(client, 12, topic, 0, 0);
  assert.equal(empty.partition.highWatermark, 0);
  assert.equal(empty.batches.length, 0);
});

test('Fetch: compression.type of the topic decides the codec of the batches sent', async () => {
  const cases: { config: string | null; produced: number; version: number; sent: number }[] = [
    { config: null, produced: Compression.snappy, version: 12, sent: Compression.snappy },
    { config: 'producer', produced: Compression.zstd, version: 12, sent: Compression.zstd },
    { config: 'gzip', produced: Compression.none, version: 12, sent: Compression.gzip },
    { config: 'lz4', produced: Compression.gzip, version: 12, sent: Compression.lz4 },
    { config: 'snappy', produced: Compression.none, version: 4, sent: Compression.snappy },
    { config: 'uncompressed', produced: Compression.lz4, version: 16, sent: Compression.none },
    { config: 'zstd', produced: Compression.none, version: 17, sent: Compression.zstd },
    // Below v10 a client cannot read zstd: the batch goes out uncompressed.
    { config: 'zstd', produced: Compression.none, version: 9, sent: Compression.none },
    { config: null, produced: Compression.zstd, version: 8, sent: Compression.none },
  ];
  for (const c of cases) {
    const topic = await newTopic(1, c.config === null ? {} : { 'compression.type': c.config });
    const records = sampleRecords(20, `c-${c.config}`);
    await put(topic, 0, records, { compression: c.produced });
    const { batches } = await fetchOne(client, c.version, topic, 0, 0);
    assert.equal(batches.length, 1);
    assert.equal(batches[0].attributes & 7, c.sent, `${c.config} produced ${c.produced} v${c.version}`);
    assert.deepEqual(flatten(batches), expected(records, 0));
  }
});

test('Fetch: batches come back as produced, with producer fields and transactional bits', async () => {
  const topic = await newTopic();
  const r = (n: number, tag: string) => sampleRecords(n, tag);
  await put(topic, 0, r(2, 'a')); // non-idempotent
  await put(topic, 0, r(3, 'b')); // non-idempotent: a batch of its own all the same
  await put(topic, 0, r(2, 'c'), { producerId: 7, producerEpoch: 1, baseSequence: 0 });
  await put(topic, 0, r(2, 'd'), { producerId: 7, producerEpoch: 1, baseSequence: 2 }); // contiguous, still its own batch
  await put(topic, 0, r(2, 'e'), { producerId: 7, producerEpoch: 2, baseSequence: 0 });
  // Transactional records, in a transaction begun through the coordinator, then committed (a marker follows).
  const txn = transactionCoordinator(tb.broker);
  const { producerId } = await txn.initProducerId('fetch-rebuild', 60_000, null);
  assert.equal(await txn.addToTransaction('fetch-rebuild', producerId, 0, [{ topicId: topic.id, partition: 0 }], []), ErrorCode.NONE);
  const produced = await client.request<produceApi.ProduceResponse>(produceApi, 11, {
    transactionalId: 'fetch-rebuild',
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: topic.name, partitionData: [{ index: 0, records: makeBatch(r(2, 'f'), { producerId, producerEpoch: 0, baseSequence: 0, attributes: 0x10 }) }] }],
  });
  assert.equal(produced.responses?.[0].partitionResponses?.[0].errorCode, ErrorCode.NONE);
  assert.equal(await txn.endTransaction('fetch-rebuild', producerId, 0, true), ErrorCode.NONE);
  const { batches } = await fetchOne(client, 12, topic, 0, 0);
  assert.deepEqual(
    batches.map((b) => [b.baseOffset, b.recordCount, b.producerId, b.producerEpoch, b.baseSequence, b.attributes & 0x30]),
    [
      [0, 2, -1, -1, -1, 0],
      [2, 3, -1, -1, -1, 0],
      [5, 2, 7, 1, 0, 0],
      [7, 2, 7, 1, 2, 0],
      [9, 2, 7, 2, 0, 0],
      [11, 2, producerId, 0, 0, 0x10],
      [13, 1, producerId, 0, -1, 0x30], // the commit marker: a control batch of its own
    ],
  );
  assert.equal(flatten(batches).length, 14);
  // Rows written before migration 110 know no batch: they are regrouped per producer run, as they always were.
  await tb.store.sql`update kafka.records set offset_delta = null, last_offset_delta = null where topic_id = ${topic.id}`;
  const old = await fetchOne(client, 12, topic, 0, 0);
  assert.deepEqual(
    old.batches.map((b) => [b.baseOffset, b.recordCount, b.producerId, b.producerEpoch, b.baseSequence, b.attributes & 0x30]),
    [
      [0, 5, -1, -1, -1, 0],
      [5, 4, 7, 1, 0, 0],
      [9, 2, 7, 2, 0, 0],
      [11, 2, producerId, 0, 0, 0x10],
      [13, 1, producerId, 0, -1, 0x30],
    ],
  );
});

test('Fetch: a tiny maxBytes gets one whole batch at a time, exactly as produced, never a part of one', async () => {
  const topic = await newTopic();
  const id = 'fetch-whole-batches';
  const p = await initOk(client, id);
  assert.deepEqual(await addPartitions(client, id, p, [{ name: topic.name, partitions: [0] }]), [ErrorCode.NONE]);
  for (const [tag, baseSequence] of [['t1', 0], ['t2', 2]] as const) {
    const res = await produceBatch(client, topic.name, 0, sampleRecords(2, tag), { ...p, baseSequence, transactional: true, transactionalId: id });
    assert.equal(res.errorCode, ErrorCode.NONE);
  }
  assert.equal(await endTxn(client, id, p, true), ErrorCode.NONE);
  await put(topic, 0, sampleRecords(3, 'plain'), { compression: Compression.gzip });
  await put(topic, 0, sampleRecords(40, 'idem'), { producerId: p.producerId + 1000, producerEpoch: 0, baseSequence: 0x7fffffff - 9 });
  const header = (b: RecordBatch) => [b.baseOffset, b.lastOffsetDelta, b.recordCount, b.producerId, b.producerEpoch, b.baseSequence, b.attributes & 0x30];
  const produced = [
    [0, 1, 2, p.producerId, p.producerEpoch, 0, 0x10],
    [2, 1, 2, p.producerId, p.producerEpoch, 2, 0x10],
    [4, 0, 1, p.producerId, p.producerEpoch, -1, 0x30], // the commit marker
    [5, 2, 3, -1, -1, -1, 0],
    [8, 39, 40, p.producerId + 1000, 0, 0x7fffffff - 9, 0], // its sequences wrap past int32 max
  ];
  for (const isolationLevel of [0, 1]) {
    for (const limits of [{ maxBytes: 1 }, { partitionMaxBytes: 1 }, { maxBytes: 80 }]) {
      const seen: unknown[] = [];
      for (let offset = 0, rounds = 0; offset < 48; rounds++) {
        assert.ok(rounds < 10, 'consumption makes progress');
        const { batches } = await fetchOne(client, 12, topic, 0, offset, { ...limits, isolationLevel });
        assert.equal(batches.length, 1, `one batch per answer (${JSON.stringify(limits)}, offset ${offset})`);
        seen.push(header(batches[0]));
        offset = batches[0].baseOffset + batches[0].lastOffsetDelta + 1;
      }
      assert.deepEqual(seen, produced, JSON.stringify(limits));
    }
  }
  // From the middle of a batch: that batch's header, as written.
  const mid = await fetchOne(client, 12, topic, 0, 1, { maxBytes: 1 });
  assert.deepEqual(mid.batches.map((b) => [b.baseOffset, b.lastOffsetDelta, b.producerId, b.baseSequence]), [[0, 1, p.producerId, 0]]);
  assert.ok(flatten(mid.batches).some((r) => r.offset === 1));
  // Records gone from a batch (as compaction or retention leave it): the batch keeps its base offset and last
  // offset delta, the records left their offsets.
  await tb.store.sql`delete from kafka.records where topic_id = ${topic.id} and "offset" in (5, 7, 8)`;
  const holed = await fetchOne(client, 12, topic, 0, 5, { maxBytes: 1 });
  assert.deepEqual(holed.batches.map(header), [[5, 2, 1, -1, -1, -1, 0]]);
  assert.deepEqual(flatten(holed.batches).map((r) => r.offset), [6]);
  const headless = await fetchOne(client, 12, topic, 0, 8, { maxBytes: 1 });
  assert.deepEqual(headless.batches.map(header), [[8, 39, 39, p.producerId + 1000, 0, 0x7fffffff - 9, 0]]);
  assert.deepEqual(flatten(headless.batches).map((r) => r.offset), Array.from({ length: 39 }, (_, i) => 9 + i));
});

test('Fetch: unknown topics, partitions and topic ids', async () => {
  const topic = await newTopic(2);
  const byName = await fetchOne(client, 12, { name: 'fetch-no-such-topic', topicId: '00000000-0000-0000-0000-000000000000' }, 0, 0);
  assert.equal(byName.partition.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  assert.equal(byName.partition.highWatermark, -1);
  for (const v of [13, 17]) {
    const byId = await fetchOne(client, v, { name: '', topicId: '6b3c3b1e-1d7e-4f38-9a3a-0123456789ab' }, 0, 0);
    assert.equal(byId.partition.errorCode, ErrorCode.UNKNOWN_TOPIC_ID, `v${v}`);
    assert.equal(byId.response.responses?.[0].topicId, '6b3c3b1e-1d7e-4f38-9a3a-0123456789ab');
  }
  for (const v of [4, 12, 13]) {
    const partition = await fetchOne(client, v, topic, 2, 0);
    assert.equal(partition.partition.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `v${v}`);
  }
  // An unknown partition next to a good one: the good one is still served, at once.
  await put(topic, 0, sampleRecords(3));
  const started = Date.now();
  const res = await client.request<fetch.FetchResponse>(fetch, 12, fetchRequest(12, topic, [{ partition: 5, offset: 0 }, { partition: 0, offset: 0 }], { maxWaitMs: 3000, minBytes: 1 << 20 }));
  assert.ok(Date.now() - started < 2000, 'an error answers at once');
  const parts = res.responses?.[0].partitions ?? [];
  assert.deepEqual(parts.map((p) => p.errorCode), [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.NONE]);
  assert.equal(flatten(batchesOf(parts[1])).length, 3);
});

test('Fetch: offsets outside [log start, high watermark] are OFFSET_OUT_OF_RANGE', async () => {
  const topic = await newTopic();
  await put(topic, 0, sampleRecords(4));
  for (const v of [4, 12, 17]) {
    for (const offset of [5, 100, -1]) {
      const { partition } = await fetchOne(client, v, topic, 0, offset);
      assert.equal(partition.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE, `v${v} offset ${offset}`);
      assert.equal(flatten(batchesOf(partition)).length, 0);
    }
    assert.equal((await fetchOne(client, v, topic, 0, 4)).partition.errorCode, ErrorCode.NONE);
  }
});

test('Fetch: size limits, and KIP-74: the first partition with data always gets one whole batch', async () => {
  const topic = await newTopic(3);
  const big = [{ key: 'k', value: 'v'.repeat(10_000) }];
  await put(topic, 0, big);
  await put(topic, 0, big, { producerId: 1, producerEpoch: 0, baseSequence: 0 }); // a second batch
  await put(topic, 1, big);
  // partitionMaxBytes 100: partition 0 still gets its first batch whole, and only that one; partition 1 gets none.
  const res = await client.request<fetch.FetchResponse>(fetch, 12, fetchRequest(12, topic, [{ partition: 2, offset: 0 }, { partition: 0, offset: 0 }, { partition: 1, offset: 0 }], { partitionMaxBytes: 100 }));
  const [p2, p0, p1] = res.responses?.[0].partitions ?? [];
  assert.equal(flatten(batchesOf(p2)).length, 0);
  assert.deepEqual(batchesOf(p0).map((b) => [b.baseOffset, b.recordCount]), [[0, 1]]);
  assert.equal(flatten(batchesOf(p0))[0].value?.length, 10_000);
  assert.equal(batchesOf(p1).length, 0);
  assert.equal(p1.highWatermark, 1, 'partitions without room still report their offsets');
  // The request's maxBytes also caps the answer after the first batch.
  const capped = await client.request<fetch.FetchResponse>(fetch, 12, fetchRequest(12, topic, [{ partition: 0, offset: 0 }, { partition: 1, offset: 0 }], { maxBytes: 15_000 }));
  const [c0, c1] = capped.responses?.[0].partitions ?? [];
  assert.deepEqual(batchesOf(c0).map((b) => b.baseOffset), [0]);
  assert.equal(batchesOf(c1).length, 0);
  // With room, everything comes.
  const roomy = await client.request<fetch.FetchResponse>(fetch, 12, fetchRequest(12, topic, [{ partition: 0, offset: 0 }, { partition: 1, offset: 0 }]));
  const [r0, r1] = roomy.responses?.[0].partitions ?? [];
  assert.deepEqual(batchesOf(r0).map((b) => b.baseOffset), [0, 1]);
  assert.equal(batchesOf(r1).length, 1);
  // Many small records in batches smaller than the limit, read in a loop with partitionMaxBytes 4096: every
  // answer within the limit, whole batches only, and every record exactly once, in order.
  const many = await newTopic();
  const produced: TestRecord[] = [];
  for (let i = 0; i < 25; i++) {
    const records = sampleRecords(20, `m${i}`);
    produced.push(...records);
    await put(many, 0, records);
  }
  const seen: ReturnType<typeof flatten> = [];
  for (let offset = 0, rounds = 0; offset < 500; rounds++) {
    assert.ok(rounds < 200, 'consumption makes progress');
    const { partition, batches } = await fetchOne(client, 12, many, 0, offset, { partitionMaxBytes: 4096 });
    const size = (partition.records as Uint8Array).length;
    assert.ok(size > 0 && size <= 4096, `size ${size}`);
    assert.ok(batches.every((b) => b.recordCount === 20 && b.baseOffset % 20 === 0), 'whole batches');
    const got = flatten(batches).filter((r) => r.offset >= offset);
    seen.push(...got);
    offset = got[got.length - 1].offset + 1;
  }
  assert.deepEqual(seen, expected(produced, 0));
});

test('Fetch: the next fetch is read ahead, and a read made ahead is never served below the log start', async () => {
  const topic = await newTopic();
  const produced: TestRecord[] = [];
  for (let i = 0; i < 3; i++) {
    const records = sampleRecords(50, `ra${i}`);
    produced.push(...records);
    await put(topic, 0, records);
  }
  const ahead = readAhead(tb.broker);
  const seen: ReturnType<typeof flatten> = [];
  let offset = 0;
  for (let rounds = 0; offset < 150; rounds++) {
    assert.ok(rounds < 100, 'consumption makes progress');
    assert.equal(ahead.has(topic.id, 0, offset), rounds > 0, `a read from ${offset} was started ahead (round ${rounds})`);
    const { batches } = await fetchOne(client, 12, topic, 0, offset, { partitionMaxBytes: 1000 });
    assert.equal(ahead.has(topic.id, 0, offset), false, 'taken');
    const got = flatten(batches).filter((r) => r.offset >= offset);
    seen.push(...got);
    offset = got[got.length - 1].offset + 1;
  }
  assert.deepEqual(seen, expected(produced, 0));
  assert.equal(ahead.has(topic.id, 0, 150), false, 'nothing is read ahead past the high watermark');

  // A read started ahead, then the log start moves past it: the fetch is OFFSET_OUT_OF_RANGE.
  const first = await fetchOne(client, 12, topic, 0, 0, { partitionMaxBytes: 1000 });
  const next = flatten(first.batches).at(-1)!.offset + 1;
  assert.ok(ahead.has(topic.id, 0, next));
  assert.equal((await deleteRecordsBefore(tb.store.sql, topic.id, 0, next + 10)).kind, 'ok');
  const late = await fetchOne(client, 12, topic, 0, next);
  assert.equal(late.partition.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
  assert.equal(late.batches.length, 0);
});

test('Fetch: an incremental fetch (session epoch > 0) gets FETCH_SESSION_ID_NOT_FOUND', async () => {
  const topic = await newTopic();
  const response = await client.request<fetch.FetchResponse>(fetch, 12, fetchRequest(12, topic, [{ partition: 0, offset: 0 }], { sessionId: 123, sessionEpoch: 1 }));
  assert.deepEqual(response.responses, []);
  assert.equal(response.errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
  assert.equal(response.sessionId, 0);
  // A full fetch asking for a new session (epoch 0) is served, sessionless.
  const full = await client.request<fetch.FetchResponse>(fetch, 12, fetchRequest(12, topic, [{ partition: 0, offset: 0 }], { sessionEpoch: 0 }));
  assert.equal(full.errorCode, ErrorCode.NONE);
  assert.equal(full.sessionId, 0);
});

test('Fetch: a long poll returns as soon as a record is produced from another connection', async () => {
  const topic = await newTopic(2);
  const waiter = await RawClient.connect(tb.port);
  for (const v of [4, 12, 17]) {
    const hw = (await tb.store.offsets(topic, 1)).highWatermark;
    const started = Date.now();
    const pending = waiter.request<fetch.FetchResponse>(fetch, v, fetchRequest(v, topic, [{ partition: 0, offset: 0 }, { partition: 1, offset: hw }], { maxWaitMs: 10_000, minBytes: 1 }));
    await new Promise((r) => setTimeout(r, 200));
    await put(topic, 1, [{ key: 'wake', value: `up-${v}` }]);
    const res = await pending;
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 190 && elapsed < 3000, `v${v}: answered after ${elapsed} ms`);
    const p1 = res.responses?.[0].partitions?.[1];
    assert.ok(p1);
    assert.deepEqual(flatten(batchesOf(p1)).map((r) => r.value), [`up-${v}`]);
    assert.equal(p1.highWatermark, hw + 1);
  }
  waiter.close();
});

test('Fetch: a long poll with nothing to read returns after maxWaitMs, empty', async () => {
  const topic = await newTopic();
  for (const [v, wait] of [[4, 300], [12, 500], [17, 300]] as const) {
    const started = Date.now();
    const { partition } = await fetchOne(client, v, topic, 0, 0, { maxWaitMs: wait, minBytes: 1 });
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= wait - 20 && elapsed < wait + 1500, `v${v}: ${elapsed} ms for maxWaitMs ${wait}`);
    assert.equal(partition.errorCode, ErrorCode.NONE);
    assert.equal(batchesOf(partition).length, 0);
  }
  // minBytes not reached: waits, then answers with what there is.
  await put(topic, 0, sampleRecords(2));
  const started = Date.now();
  const { batches } = await fetchOne(client, 12, topic, 0, 0, { maxWaitMs: 300, minBytes: 1 << 20 });
  assert.ok(Date.now() - started >= 280);
  assert.equal(flatten(batches).length, 2);
  // maxWaitMs 0 answers at once.
  const quick = Date.now();
  await fetchOne(client, 12, topic, 0, 2, { maxWaitMs: 0, minBytes: 1 });
  assert.ok(Date.now() - quick < 250);
});

test('Fetch: a parked long poll ends when the broker shuts down', async () => {
  const own = await startTestBroker();
  try {
    const topic = await own.store.createTopic({ name: 'shutdown', partitions: 1 });
    const c = await RawClient.connect(own.port);
    const started = Date.now();
    const pending = c.request<fetch.FetchResponse>(fetch, 12, fetchRequest(12, topic, [{ partition: 0, offset: 0 }], { maxWaitMs: 30_000 }));
    await new Promise((r) => setTimeout(r, 200));
    await own.stopBroker();
    const res = await pending;
    assert.ok(Date.now() - started < 5000, 'answered at shutdown');
    assert.equal(res.responses?.[0].partitions?.[0].errorCode, ErrorCode.NONE);
    c.close();
  } finally {
    await own.stop();
  }
});

test('Fetch: a kafkajs consumer with a tiny maxBytes sees exactly the batches a transactional producer wrote', async () => {
  const topic = await newTopic();
  const kafka = new Kafka({ clientId: 'fetch-batches', brokers: [tb.address], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
  const producer = kafka.producer({ transactionalId: 'fetch-kafkajs-batches', idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const consumer = kafka.consumer({ groupId: 'fetch-kafkajs-batches', maxBytes: 1, maxBytesPerPartition: 1, maxWaitTimeInMs: 100 });
  try {
    const txn = await producer.transaction();
    await txn.send({ topic: topic.name, messages: [{ value: 'a0' }, { value: 'a1' }] });
    await txn.send({ topic: topic.name, messages: [{ value: 'b0' }, { value: 'b1' }, { value: 'b2' }] });
    await txn.commit();
    await producer.send({ topic: topic.name, messages: [{ value: 'c0' }, { value: 'c1' }] });
    await consumer.connect();
    await consumer.subscribe({ topic: topic.name, fromBeginning: true });
    const seen: { first: string; last: string; values: string[] }[] = [];
    await consumer.run({
      eachBatch: async ({ batch }) => {
        if (batch.isEmpty()) return;
        seen.push({ first: batch.firstOffset() ?? '', last: batch.lastOffset(), values: batch.messages.map((m) => m.value?.toString() ?? '') });
      },
    });
    await until(() => seen.flatMap((b) => b.values).length >= 7, 30_000, 'every record consumed');
    // The commit marker at offset 5 is a batch of its own, which kafkajs leaves out of eachBatch.
    assert.deepEqual(seen, [
      { first: '0', last: '1', values: ['a0', 'a1'] },
      { first: '2', last: '4', values: ['b0', 'b1', 'b2'] },
      { first: '6', last: '7', values: ['c0', 'c1'] },
    ]);
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
  }
});
