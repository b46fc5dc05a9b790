// Produce conformance: codec round trip of every version; appends at every version 3-11 with every codec,
// read back with Fetch; v0-2 refused per partition; acks 0 (no answer, data lands, connection goes on) and bad
// acks; CRC, truncation, old magic, max.message.bytes, zstd before v7, keyless records on compacted topics
// (Kafka's record errors and message; kcat sees the error);
// unknown topics and partitions (never auto-created); LogAppendTime; several partitions in one request.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as produce from '../../apis/produce.ts';
import * as apiVersions from '../../apis/api-versions.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { Compression } from '../../codec/compression.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { kcatProduce, requireKcat } from '../helpers/kcat-cli.ts';
import { expected, fetchOne, flatten, makeBatch, produceOne, sampleRecords } from '../helpers/data-path.ts';
import type { Topic } from '../../store/types.ts';

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
  return tb.store.createTopic({ name: `produce-${++topicCount}`, partitions, configs });
}

const codecs = [Compression.none, Compression.gzip, Compression.snappy, Compression.lz4, Compression.zstd];

test('Produce: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(produce);
});

test('Produce: v3-11 append with every codec and the records come back through Fetch', async () => {
  const topic = await newTopic(2);
  let next = 0;
  for (let v = 3; v <= 11; v++) {
    for (const codec of codecs) {
      if (codec === Compression.zstd && v < 7) continue;
      const records = sampleRecords(5 + v, `v${v}c${codec}`);
      const p = await produceOne(client, v, topic.name, 1, makeBatch(records, { compression: codec }));
      assert.equal(p.errorCode, ErrorCode.NONE, `v${v} codec ${codec}: ${p.errorMessage}`);
      assert.equal(p.baseOffset, next, `v${v} codec ${codec} base offset`);
      assert.equal(p.logAppendTimeMs, -1);
      if (v >= 5) assert.equal(p.logStartOffset, 0);
      if (v >= 8) {
        assert.deepEqual(p.recordErrors, []);
        assert.equal(p.errorMessage, null);
      }
      const { batches } = await fetchOne(client, 12, topic, 1, next);
      assert.deepEqual(flatten(batches), expected(records, next), `v${v} codec ${codec} read back`);
      assert.equal(batches[0].attributes & 7, codec, 'producer codec kept (compression.type=producer)');
      next += records.length;
    }
  }
  assert.deepEqual(await tb.store.offsets(topic, 1), { logStartOffset: 0, highWatermark: next });
  assert.deepEqual(await tb.store.offsets(topic, 0), { logStartOffset: 0, highWatermark: 0 });
});

test('Produce: v0-2 partitions are answered UNSUPPORTED_FOR_MESSAGE_FORMAT and nothing is stored', async () => {
  const topic = await newTopic();
  for (let v = 0; v <= 2; v++) {
    const res = await client.request<produce.ProduceResponse>(produce, v, {
      transactionalId: null,
      acks: 1,
      timeoutMs: 1000,
      topicData: [{ name: topic.name, partitionData: [{ index: 0, records: makeBatch(sampleRecords(2)) }, { index: 3, records: null }] }],
    });
    const parts = res.responses?.[0].partitionResponses ?? [];
    assert.deepEqual(parts.map((p) => [p.index, p.errorCode, p.baseOffset]), [
      [0, ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT, -1],
      [3, ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT, -1],
    ], `v${v}`);
  }
  assert.equal((await tb.store.offsets(topic, 0)).highWatermark, 0);
});

test('Produce: acks=0 gets no answer, the data lands and the next request is answered', async () => {
  const topic = await newTopic();
  const c = await RawClient.connect(tb.port);
  for (const v of [3, 9, 11]) {
    const before = (await tb.store.offsets(topic, 0)).highWatermark;
    c.write(c.encode(produce, v, {
      transactionalId: null,
      acks: 0,
      timeoutMs: 1000,
      topicData: [{ name: topic.name, partitionData: [{ index: 0, records: makeBatch(sampleRecords(3)) }] }],
    }));
    // The next answer on this connection is the ApiVersions one (its correlation id is checked by request()).
    const av = await c.request<apiVersions.ApiVersionsResponse>(apiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' });
    assert.equal(av.errorCode, 0);
    assert.equal((await tb.store.offsets(topic, 0)).highWatermark, before + 3, `v${v}: acks=0 data landed`);
  }
  // acks=0 with an error: still no answer, and the connection goes on.
  c.write(c.encode(produce, 9, {
    transactionalId: null,
    acks: 0,
    timeoutMs: 1000,
    topicData: [{ name: 'no-such-topic', partitionData: [{ index: 0, records: makeBatch(sampleRecords(1)) }] }],
  }));
  const p = await produceOne(c, 9, topic.name, 0, makeBatch(sampleRecords(1)), 1);
  assert.equal(p.errorCode, ErrorCode.NONE);
  assert.equal(p.baseOffset, 9);
  c.close();
});

test('Produce: acks other than -1, 0, 1 get INVALID_REQUIRED_ACKS', async () => {
  const topic = await newTopic();
  for (const acks of [2, -2]) {
    const p = await produceOne(client, 9, topic.name, 0, makeBatch(sampleRecords(1)), acks);
    assert.equal(p.errorCode, ErrorCode.INVALID_REQUIRED_ACKS);
  }
  assert.equal((await tb.store.offsets(topic, 0)).highWatermark, 0);
});

test('Produce: a wrong CRC is CORRUPT_MESSAGE and the connection keeps working', async () => {
  const topic = await newTopic();
  for (const v of [3, 8, 11]) {
    const batch = makeBatch(sampleRecords(4), { compression: Compression.lz4 });
    batch[batch.length - 1] ^= 0xff;
    const p = await produceOne(client, v, topic.name, 0, batch);
    assert.equal(p.errorCode, ErrorCode.CORRUPT_MESSAGE, `v${v}`);
    assert.equal(p.baseOffset, -1);
    if (v >= 8) assert.match(p.errorMessage ?? '', /CRC/);
  }
  const ok = await produceOne(client, 11, topic.name, 0, makeBatch(sampleRecords(2)));
  assert.equal(ok.errorCode, ErrorCode.NONE);
  assert.equal(ok.baseOffset, 0);
});

test('Produce: truncated, empty and old-format records are refused per partition', async () => {
  const topic = await newTopic();
  const whole = makeBatch(sampleRecords(3));
  const truncated = await produceOne(client, 9, topic.name, 0, whole.subarray(0, whole.length - 5));
  assert.equal(truncated.errorCode, ErrorCode.CORRUPT_MESSAGE);
  const empty = await produceOne(client, 9, topic.name, 0, new Uint8Array(0));
  assert.equal(empty.errorCode, ErrorCode.INVALID_RECORD);
  const none = await produceOne(client, 9, topic.name, 0, null);
  assert.equal(none.errorCode, ErrorCode.INVALID_RECORD);
  const magic1 = whole.slice();
  magic1[16] = 1;
  const old = await produceOne(client, 9, topic.name, 0, magic1);
  assert.equal(old.errorCode, ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT);
  assert.equal((await tb.store.offsets(topic, 0)).highWatermark, 0);
});

test('Produce: a batch over max.message.bytes is MESSAGE_TOO_LARGE; one at the limit is accepted', async () => {
  const topic = await newTopic(1, { 'max.message.bytes': '2000' });
  const big = makeBatch([{ key: 'k', value: 'v'.repeat(3000) }]);
  for (const v of [3, 8, 11]) {
    const p = await produceOne(client, v, topic.name, 0, big);
    assert.equal(p.errorCode, ErrorCode.MESSAGE_TOO_LARGE, `v${v}`);
    if (v >= 8) assert.match(p.errorMessage ?? '', /2000/);
  }
  // Compressed: the batch's own (compressed) size is what counts, as in Kafka.
  const packed = makeBatch([{ key: 'k', value: 'v'.repeat(3000) }], { compression: Compression.gzip });
  assert.ok(packed.length < 2000);
  assert.equal((await produceOne(client, 9, topic.name, 0, packed)).errorCode, ErrorCode.NONE);
  // The broker default (message.max.bytes 1048588) applies without a topic setting.
  const other = await newTopic();
  const huge = makeBatch([{ key: null, value: 'x'.repeat(1048588) }]);
  assert.equal((await produceOne(client, 9, other.name, 0, huge)).errorCode, ErrorCode.MESSAGE_TOO_LARGE);
  const fits = makeBatch([{ key: null, value: 'x'.repeat(1048588 - 100) }]);
  assert.equal((await produceOne(client, 9, other.name, 0, fits)).errorCode, ErrorCode.NONE);
});

test('Produce: zstd before v7 is UNSUPPORTED_COMPRESSION_TYPE', async () => {
  const topic = await newTopic();
  const p = await produceOne(client, 6, topic.name, 0, makeBatch(sampleRecords(2), { compression: Compression.zstd }));
  assert.equal(p.errorCode, ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
});

test('Produce: unknown topics and partitions are UNKNOWN_TOPIC_OR_PARTITION and no topic is created', async () => {
  const topic = await newTopic(2);
  const res = await client.request<produce.ProduceResponse>(produce, 11, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 1000,
    topicData: [
      { name: 'produce-never-created', partitionData: [{ index: 0, records: makeBatch(sampleRecords(1)) }] },
      { name: topic.name, partitionData: [
        { index: 2, records: makeBatch(sampleRecords(1)) },
        { index: -1, records: makeBatch(sampleRecords(1)) },
        { index: 1, records: makeBatch(sampleRecords(2)) },
      ] },
    ],
  });
  assert.deepEqual(res.responses?.map((t) => [t.name, t.partitionResponses?.map((p) => [p.index, p.errorCode, p.baseOffset])]), [
    ['produce-never-created', [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1]]],
    [topic.name, [[2, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1], [-1, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1], [1, ErrorCode.NONE, 0]]],
  ]);
  assert.equal((await tb.store.getTopics(['produce-never-created'])).size, 0);
  assert.equal((await tb.store.offsets(topic, 1)).highWatermark, 2);
});

test('Produce: LogAppendTime topics stamp every record with the append time', async () => {
  const topic = await newTopic(1, { 'message.timestamp.type': 'LogAppendTime' });
  const old = Date.now() - 3_600_000;
  const records = sampleRecords(4, 'lat', old);
  const t0 = Date.now();
  const p = await produceOne(client, 9, topic.name, 0, makeBatch(records, { compression: Compression.snappy }));
  const t1 = Date.now();
  assert.equal(p.errorCode, ErrorCode.NONE);
  assert.ok((p.logAppendTimeMs ?? 0) >= t0 && (p.logAppendTimeMs ?? 0) <= t1, 'logAppendTimeMs is the append time');
  const { batches } = await fetchOne(client, 12, topic, 0, 0);
  assert.equal(batches[0].attributes & 0x08, 0x08, 'timestamp type bit set');
  for (const r of flatten(batches)) assert.equal(r.timestamp, p.logAppendTimeMs);
  const stored = await tb.store.read(topic, 0, { fromOffset: 0, maxBytes: 1 << 20 });
  assert.deepEqual(stored.map((r) => r.timestamp), [1, 2, 3, 4].map(() => p.logAppendTimeMs));
});

test('Produce: keyless records on a compacted topic are INVALID_RECORD with record errors', async () => {
  const topic = await newTopic(1, { 'cleanup.policy': 'compact' });
  const p = await produceOne(client, 9, topic.name, 0, makeBatch([
    { key: 'a', value: '1' },
    { key: null, value: '2' },
    { key: 'c', value: '3' },
    { key: null, value: '4' },
  ]));
  assert.equal(p.errorCode, ErrorCode.INVALID_RECORD);
  const message = `Compacted topic cannot accept message without key in topic partition ${topic.name}-0`;
  assert.deepEqual(p.recordErrors, [{ batchIndex: 1, batchIndexErrorMessage: message }, { batchIndex: 3, batchIndexErrorMessage: message }]);
  assert.equal(p.errorMessage, 'One or more records have been rejected due to 2 record errors in total, and only showing the first three errors at most: ' +
    `[RecordError(batchIndex=1, message='${message}'), RecordError(batchIndex=3, message='${message}')]`);
  assert.equal(p.baseOffset, -1);
  // Below v8 there are no record errors: the error code alone. compact,delete compacts too.
  const both = await newTopic(1, { 'cleanup.policy': 'compact,delete' });
  const v7 = await produceOne(client, 7, both.name, 0, makeBatch([{ key: null, value: '1' }]));
  assert.equal(v7.errorCode, ErrorCode.INVALID_RECORD);
  assert.equal((await produceOne(client, 9, topic.name, 0, makeBatch([{ key: 'a', value: '1' }]))).errorCode, ErrorCode.NONE);
  assert.equal((await tb.store.offsets(topic, 0)).highWatermark, 1, 'only the keyed batch was appended');
});

test('Produce: kcat producing without a key to a compacted topic reports the error', async () => {
  requireKcat();
  const topic = await newTopic(1, { 'cleanup.policy': 'compact' });
  const run = await kcatProduce(tb.address, topic.name, [{ key: null, value: 'no key' }], { partition: 0 });
  assert.notEqual(run.code, 0, `kcat exits with an error: ${run.stderr}`);
  assert.match(run.stderr, /Broker failed to validate record/, 'librdkafka names INVALID_RECORD so');
  assert.equal((await tb.store.offsets(topic, 0)).highWatermark, 0);
  const keyed = await kcatProduce(tb.address, topic.name, [{ key: 'k', value: 'keyed' }], { partition: 0 });
  assert.equal(keyed.code, 0, keyed.stderr);
  assert.equal((await tb.store.offsets(topic, 0)).highWatermark, 1);
});

test('Produce: several topics and partitions in one request, one bad, the rest appended', async () => {
  const a = await newTopic(3);
  const b = await newTopic(1);
  const bad = makeBatch(sampleRecords(2));
  bad[30] ^= 1;
  const res = await client.request<produce.ProduceResponse>(produce, 10, {
    transactionalId: null,
    acks: 1,
    timeoutMs: 1000,
    topicData: [
      { name: a.name, partitionData: [
        { index: 0, records: makeBatch(sampleRecords(2)) },
        { index: 2, records: bad },
        { index: 1, records: makeBatch(sampleRecords(3)) },
      ] },
      { name: b.name, partitionData: [{ index: 0, records: makeBatch(sampleRecords(4)) }] },
    ],
  });
  assert.deepEqual(res.responses?.map((t) => t.partitionResponses?.map((p) => [p.index, p.errorCode, p.baseOffset])), [
    [[0, ErrorCode.NONE, 0], [2, ErrorCode.CORRUPT_MESSAGE, -1], [1, ErrorCode.NONE, 0]],
    [[0, ErrorCode.NONE, 0]],
  ]);
  const hws = await tb.store.offsetsMany([0, 1, 2].map((partition) => ({ topic: a, partition })).concat([{ topic: b, partition: 0 }]));
  assert.deepEqual(hws.map((o) => o.highWatermark), [2, 3, 0, 4]);
});

test('Produce: producer id, epoch and sequences are stored as sent', async () => {
  const topic = await newTopic();
  const p = await produceOne(client, 11, topic.name, 0, makeBatch(sampleRecords(3), { producerId: 4242, producerEpoch: 3, baseSequence: 10 }));
  assert.equal(p.errorCode, ErrorCode.NONE);
  const stored = await tb.store.read(topic, 0, { fromOffset: 0, maxBytes: 1 << 20 });
  assert.deepEqual(stored.map((r) => [r.producerId, r.producerEpoch, r.sequence]), [[4242, 3, 10], [4242, 3, 11], [4242, 3, 12]]);
});
