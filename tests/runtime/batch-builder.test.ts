// Batch builder: StoredRecords become magic-2 batches: rows that know their batch as that batch, whole (holes
// kept, sequences unwrapped); older rows grouped per producer run (contiguous offsets and sequences, same producer
// and attributes); with the chosen codec, within a byte budget (KIP-74's first batch excepted), and read back to
// the same records.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildBatches } from '../../runtime/batch-builder.ts';
import { readBatches } from '../../codec/record-batch.ts';
import { Compression } from '../../codec/compression.ts';
import type { StoredRecord } from '../../store/types.ts';

const enc = new TextEncoder();

function rec(offset: number, o: Partial<StoredRecord> = {}): StoredRecord {
  return {
    offset,
    timestamp: 1_700_000_000_000 + offset * 3,
    key: enc.encode(`k${offset}`),
    value: enc.encode(`value-${offset}`),
    headerKeys: offset % 2 ? ['a', 'ü'] : null,
    headerValues: offset % 2 ? [enc.encode('x'), null] : null,
    producerId: -1,
    producerEpoch: -1,
    sequence: -1,
    attributes: 0,
    offsetDelta: -1, // a row from before migration 110: regrouped by producer runs
    lastOffsetDelta: -1,
    ...o,
  };
}

const producerCodec = { topicCodec: null, allowZstd: true };

test('buildBatches: groups producer runs and keeps producer fields, bits and records', () => {
  const records = [
    rec(10), rec(11),
    rec(12, { producerId: 5, producerEpoch: 2, sequence: 0x7ffffffe }),
    rec(13, { producerId: 5, producerEpoch: 2, sequence: 0x7fffffff }),
    rec(14, { producerId: 5, producerEpoch: 2, sequence: 0 }), // wraps: same batch
    rec(15, { producerId: 5, producerEpoch: 3, sequence: 1 }), // new epoch
    rec(16, { producerId: 6, producerEpoch: 0, sequence: 0, attributes: 0x10 | Compression.gzip }),
    rec(18), // offset gap
  ];
  const built = buildBatches(records, producerCodec, 1 << 20, true);
  assert.equal(built.nextOffset, 19);
  const batches = built.batches.flatMap((b) => readBatches(b));
  assert.deepEqual(batches.map((b) => [b.baseOffset, b.recordCount, b.producerId, b.producerEpoch, b.baseSequence, b.attributes]), [
    [10, 2, -1, -1, -1, 0],
    [12, 3, 5, 2, 0x7ffffffe, 0],
    [15, 1, 5, 3, 1, 0],
    [16, 1, 6, 0, 0, 0x10 | Compression.gzip],
    [18, 1, -1, -1, -1, 0],
  ]);
  assert.equal(built.bytes, built.batches.reduce((n, b) => n + b.length, 0));
  const flat = batches.flatMap((b) => b.records.map((r) => ({
    offset: b.baseOffset + r.offsetDelta,
    timestamp: b.baseTimestamp + r.timestampDelta,
    key: r.key,
    value: r.value,
    headers: r.headers,
  })));
  assert.deepEqual(flat, records.map((r) => ({
    offset: r.offset,
    timestamp: r.timestamp,
    key: r.key,
    value: r.value,
    headers: (r.headerKeys ?? []).map((k, i) => ({ key: k, value: r.headerValues?.[i] ?? null })),
  })));
});

test('buildBatches: the topic codec replaces the producer\'s; zstd falls back to none when not allowed', () => {
  const records = [rec(0, { attributes: Compression.lz4 }), rec(1, { attributes: Compression.zstd })];
  const codecs = (o: { topicCodec: number | null; allowZstd: boolean }) =>
    buildBatches(records, o, 1 << 20, true).batches.flatMap((b) => readBatches(b)).map((b) => b.attributes & 7);
  assert.deepEqual(codecs({ topicCodec: null, allowZstd: true }), [Compression.lz4, Compression.zstd]);
  assert.deepEqual(codecs({ topicCodec: null, allowZstd: false }), [Compression.lz4, Compression.none]);
  assert.deepEqual(codecs({ topicCodec: Compression.snappy, allowZstd: true }), [Compression.snappy, Compression.snappy]);
  assert.deepEqual(codecs({ topicCodec: Compression.zstd, allowZstd: false }), [Compression.none, Compression.none]);
});

test('buildBatches: stays within the budget, except the first batch when minOneBatch', () => {
  const big = (offset: number) => rec(offset, { value: new Uint8Array(5000), producerId: offset, sequence: 0, producerEpoch: 0 });
  const records = [big(0), big(1), big(2)];
  assert.equal(buildBatches(records, producerCodec, 100, false).batches.length, 0);
  const first = buildBatches(records, producerCodec, 100, true);
  assert.equal(first.batches.length, 1);
  assert.equal(first.nextOffset, 1);
  const two = buildBatches(records, producerCodec, 10_300, false);
  assert.equal(two.batches.length, 2);
  assert.ok(two.bytes <= 10_300);
  // A long run of one producer is cut to fit rather than dropped whole.
  const run = Array.from({ length: 200 }, (_, i) => rec(i));
  const cut = buildBatches(run, producerCodec, 2000, false);
  assert.ok(cut.bytes > 1000 && cut.bytes <= 2000, `bytes ${cut.bytes}`);
  assert.equal(cut.nextOffset, cut.batches.flatMap((b) => readBatches(b)).reduce((n, b) => n + b.recordCount, 0));
  assert.deepEqual(buildBatches([], producerCodec, 2000, true), { batches: [], bytes: 0, nextOffset: 0 });
});

test('buildBatches: rows that know their batch go out as that batch, whole, holes and all', () => {
  // A batch [20, 24] of producer 9 whose base sequence wrapped (0x7ffffffe, 0x7fffffff, 0, 1, 2); offsets 21 and 24
  // are gone (compaction). Then a batch [25, 26] with no producer, then a marker.
  const known = (offset: number, base: number, last: number, o: Partial<StoredRecord> = {}) =>
    rec(offset, { offsetDelta: offset - base, lastOffsetDelta: last, ...o });
  const seq = (offset: number) => [0x7ffffffe, 0x7fffffff, 0, 1, 2][offset - 20];
  const records = [
    known(22, 20, 4, { producerId: 9, producerEpoch: 1, sequence: seq(22) }),
    known(23, 20, 4, { producerId: 9, producerEpoch: 1, sequence: seq(23) }),
    known(25, 25, 1),
    known(26, 25, 1),
    known(27, 27, 0, { producerId: 9, producerEpoch: 1, attributes: 0x30 }),
  ];
  const header = (b: ReturnType<typeof readBatches>[number]) =>
    [b.baseOffset, b.lastOffsetDelta, b.recordCount, b.producerId, b.baseSequence, b.attributes & 0x30, b.records.map((r) => r.offsetDelta)];
  const all = buildBatches(records, producerCodec, 1 << 20, true);
  assert.deepEqual(all.batches.flatMap((b) => readBatches(b)).map(header), [
    [20, 4, 2, 9, 0x7ffffffe, 0, [2, 3]],
    [25, 1, 2, -1, -1, 0, [0, 1]],
    [27, 0, 1, 9, -1, 0x30, [0]],
  ]);
  assert.equal(all.nextOffset, 28);
  // A budget smaller than any batch: the first whole when minOneBatch, never a part of one.
  const one = buildBatches(records, producerCodec, 1, true);
  assert.deepEqual(one.batches.flatMap((b) => readBatches(b)).map((b) => [b.baseOffset, b.recordCount]), [[20, 2]]);
  assert.equal(one.nextOffset, 24);
  assert.equal(buildBatches(records, producerCodec, 1, false).batches.length, 0);
  // Rows that know their batch never merge with old rows beside them.
  const mixed = buildBatches([rec(24), known(25, 25, 1), known(26, 25, 1), rec(27)], producerCodec, 1 << 20, true);
  assert.deepEqual(mixed.batches.flatMap((b) => readBatches(b)).map((b) => [b.baseOffset, b.recordCount]), [[24, 1], [25, 2], [27, 1]]);
});
