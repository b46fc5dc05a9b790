// Record batches (magic 2): a hand-built vector, batches made by real clients, round trips for every codec,
// CRC and truncation errors, Fetch-style partial batches, control batches and in-place offset rewrites.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import {
  BatchAttributes,
  CorruptRecordError,
  UnsupportedMagicError,
  batchSize,
  checkProducedBatch,
  controlRecordType,
  encodeBatch,
  encodeControlBatch,
  readBatches,
  readBatchesLenient,
  readControlRecord,
  setBaseOffset,
  setPartitionLeaderEpoch,
  type EncodeBatchInput,
  type KafkaRecord,
} from '../../codec/record-batch.ts';
import { Compression } from '../../codec/compression.ts';
import { crc32c } from '../../codec/crc32c.ts';

const fromHex = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const utf8 = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));
const codecs = [Compression.none, Compression.gzip, Compression.snappy, Compression.lz4, Compression.zstd];

/** Recomputes the CRC of a batch after a test edited a byte inside the CRC'd range. */
function fixCrc(batch: Uint8Array): void {
  new DataView(batch.buffer, batch.byteOffset).setUint32(17, crc32c(batch, 21, batch.length));
}

function sampleInput(): EncodeBatchInput {
  return {
    baseOffset: 0,
    baseTimestamp: 1_700_000_000_000,
    producerId: 77,
    producerEpoch: 2,
    baseSequence: 10,
    records: [
      { offsetDelta: 0, timestampDelta: 0, key: utf8('key-0'), value: utf8('value-0'), headers: [{ key: 'trace', value: utf8('abc') }] },
      { offsetDelta: 1, timestampDelta: 3, key: null, value: utf8('no key') },
      { offsetDelta: 2, timestampDelta: -5, key: utf8('k2'), value: null, headers: [] },
      {
        offsetDelta: 3,
        timestampDelta: 2 ** 40,
        key: new Uint8Array(0),
        value: new Uint8Array(0),
        headers: [
          { key: 'ünïcødé-🔑', value: null },
          { key: '', value: new Uint8Array([0, 255]) },
        ],
      },
    ],
  };
}

function assertRecordsEqual(actual: KafkaRecord[], expected: EncodeBatchInput['records']): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    assert.equal(a.attributes, 0);
    assert.equal(a.offsetDelta, e.offsetDelta);
    assert.equal(a.timestampDelta, e.timestampDelta);
    assert.deepEqual(a.key === null ? null : [...a.key], e.key === null ? null : [...e.key]);
    assert.deepEqual(a.value === null ? null : [...a.value], e.value === null ? null : [...e.value]);
    assert.deepEqual(
      a.headers.map((h) => [h.key, h.value === null ? null : [...h.value]]),
      (e.headers ?? []).map((h) => [h.key, h.value === null ? null : [...h.value]]),
    );
  }
}

// ---- known bytes ----

// Built by hand from the layout in NOTES.md.
const HAND_BATCH = [
  '0000000000000005', // baseOffset 5
  '0000004b', // batchLength 75
  '00000007', // partitionLeaderEpoch 7
  '02', // magic
  '53626cfc', // CRC-32C of everything below
  '0010', // attributes: transactional
  '00000001', // lastOffsetDelta
  '0000018bcfe56800', // baseTimestamp 1700000000000
  '0000018bcfe5680a', // maxTimestamp 1700000000010
  '00000000000004d2', // producerId 1234
  '0005', // producerEpoch
  '00000009', // baseSequence
  '00000002', // recordCount
  // record 0: length 13, attributes, timestampDelta 0, offsetDelta 0, key "k1", value "v1", 1 header "h" = null
  '1a 00 00 00 04 6b31 04 7631 02 02 68 01',
  // record 1: length 11, attributes, timestampDelta 10, offsetDelta 1, key null, value "hello", no headers
  '16 00 14 02 01 0a 68656c6c6f 00',
].join('');

test('decodes a hand-built batch field by field', () => {
  const [b, ...rest] = readBatches(fromHex(HAND_BATCH));
  assert.equal(rest.length, 0);
  const { records, ...header } = b;
  assert.deepEqual(header, {
    baseOffset: 5,
    batchLength: 75,
    partitionLeaderEpoch: 7,
    magic: 2,
    crc: 0x53626cfc,
    attributes: BatchAttributes.transactional,
    lastOffsetDelta: 1,
    baseTimestamp: 1_700_000_000_000,
    maxTimestamp: 1_700_000_000_010,
    producerId: 1234,
    producerEpoch: 5,
    baseSequence: 9,
    recordCount: 2,
  });
  assert.equal(records.length, 2);
  assert.deepEqual(
    records.map((r) => ({ ...r, key: str(r.key), value: str(r.value), headers: r.headers.map((h) => [h.key, str(h.value)]) })),
    [
      { attributes: 0, timestampDelta: 0, offsetDelta: 0, key: 'k1', value: 'v1', headers: [['h', null]] },
      { attributes: 0, timestampDelta: 10, offsetDelta: 1, key: null, value: 'hello', headers: [] },
    ],
  );
});

test('encodes the hand-built batch byte for byte', () => {
  const bytes = encodeBatch({
    baseOffset: 5,
    partitionLeaderEpoch: 7,
    attributes: BatchAttributes.transactional,
    baseTimestamp: 1_700_000_000_000,
    producerId: 1234,
    producerEpoch: 5,
    baseSequence: 9,
    records: [
      { offsetDelta: 0, timestampDelta: 0, key: utf8('k1'), value: utf8('v1'), headers: [{ key: 'h', value: null }] },
      { offsetDelta: 1, timestampDelta: 10, key: null, value: utf8('hello') },
    ],
  });
  assert.equal(hex(bytes), HAND_BATCH.replace(/\s+/g, ''));
  assert.equal(bytes.byteLength, bytes.buffer.byteLength, 'no slack behind an uncompressed batch');
});

test('decodes batches produced by real clients (kafkajs; @platformatic/kafka with none, raw snappy, lz4)', () => {
  // kafkajs 2.2.4 RecordBatch v0: records k=hello (header a=b), null=world
  const kafkajs =
    '00000000000000000000004e0000000002f92d040500000000000100000174876e800000000174876e8007ffffffffffffffff0000000000000000000220000000026b0a68656c6c6f020261026216000e02010a776f726c6400';
  const [k] = readBatches(fromHex(kafkajs));
  assert.equal(k.recordCount, 2);
  assert.equal(k.producerId, -1);
  assert.equal(k.maxTimestamp, 1_600_000_000_007);
  assert.deepEqual(
    k.records.map((r) => [str(r.key), str(r.value), r.timestampDelta, r.offsetDelta, r.headers.map((h) => [h.key, str(h.value)])]),
    [
      ['k', 'hello', 0, 0, [['a', 'b']]],
      [null, 'world', 7, 1, []],
    ],
  );
  // @platformatic/kafka 1.x createRecordsBatch, same two messages, three codecs
  const platformatic = {
    [Compression.none]:
      '0000000000000000000000d70000000002e9884b4c0000000000010000018bcfe568000000018bcfe56805000000000000002a00030000000000000002340000000a6b65792d311276616c7565206f6e65020468310476319202000a020184027365636f6e642076616c7565207365636f6e642076616c7565207365636f6e642076616c7565207365636f6e642076616c7565207365636f6e642076616c7565207365636f6e642076616c7565207365636f6e642076616c7565207365636f6e642076616c7565207365636f6e642076616c7565207365636f6e642076616c75652000',
    [Compression.snappy]:
      '000000000000000000000069000000000285a7adbc0002000000010000018bcfe568000000018bcfe56805000000000000002a00030000000000000002a601a8340000000a6b65792d311276616c7565206f6e65020468310476319202000a020184027365636f6e642076051ffe0d00d20d000000',
    [Compression.lz4]:
      '0000000000000000000000790000000002a98592750003000000010000018bcfe568000000018bcfe56805000000000000002a0003000000000000000204224d1860408239000000f21b340000000a6b65792d311276616c7565206f6e65020468310476319202000a020184027365636f6e64201f000f0d005d60616c7565200000000000',
  };
  for (const [codec, h] of Object.entries(platformatic)) {
    const [b] = readBatches(fromHex(h));
    assert.equal(b.attributes & BatchAttributes.compressionMask, Number(codec));
    assert.equal(b.producerId, 42);
    assert.equal(b.producerEpoch, 3);
    assert.deepEqual(
      b.records.map((r) => [str(r.key), str(r.value), r.timestampDelta, r.headers.map((x) => [x.key, str(x.value)])]),
      [
        ['key-1', 'value one', 0, [['h1', 'v1']]],
        [null, 'second value '.repeat(10), 5, []],
      ],
    );
  }
});

// ---- round trips ----

test('encode then decode with every compression: fields, headers, nulls, negative and large timestamps', () => {
  for (const codec of codecs) {
    const input = sampleInput();
    const bytes = encodeBatch(input, codec);
    assert.equal(batchSize(bytes), bytes.length);
    const [b] = readBatches(bytes);
    assert.equal(b.attributes, codec);
    assert.equal(b.baseOffset, 0);
    assert.equal(b.batchLength, bytes.length - 12);
    assert.equal(b.partitionLeaderEpoch, -1);
    assert.equal(b.lastOffsetDelta, 3);
    assert.equal(b.recordCount, 4);
    assert.equal(b.baseTimestamp, 1_700_000_000_000);
    assert.equal(b.maxTimestamp, 1_700_000_000_000 + 2 ** 40);
    assert.equal(b.producerId, 77);
    assert.equal(b.producerEpoch, 2);
    assert.equal(b.baseSequence, 10);
    assert.equal(b.crc, crc32c(bytes, 21));
    assertRecordsEqual(b.records, input.records);
    if (codec === Compression.none) assert.equal(bytes.buffer.byteLength, bytes.length, 'sizes computed exactly');
  }
});

test('header keys are UTF-8 as TextEncoder writes them, lone surrogates included', () => {
  const keys = ['\ud800x', 'a\udc00', '\ud83d\ude00\ud83d', 'ß'.repeat(70), 'k'.repeat(200)];
  const bytes = encodeBatch({
    baseOffset: 0,
    baseTimestamp: 0,
    records: [{ offsetDelta: 0, timestampDelta: 0, key: null, value: null, headers: keys.map((key) => ({ key, value: null })) }],
  });
  assert.equal(bytes.buffer.byteLength, bytes.length);
  const decoded = readBatches(bytes)[0].records[0].headers.map((h) => h.key);
  assert.deepEqual(decoded, keys.map((k) => new TextDecoder().decode(new TextEncoder().encode(k))));
  assert.equal(decoded[0], '\ufffdx');
});

test('defaults, negative base timestamp, large offsets and attribute bits', () => {
  const bytes = encodeBatch(
    {
      baseOffset: 2 ** 50 + 3,
      attributes: BatchAttributes.timestampType | BatchAttributes.compressionMask, // compression bits are replaced
      baseTimestamp: -1,
      maxTimestamp: 123,
      records: [{ offsetDelta: 0, timestampDelta: -(2 ** 45), key: null, value: null }],
    },
    Compression.lz4,
  );
  const [b] = readBatches(bytes);
  assert.equal(b.baseOffset, 2 ** 50 + 3);
  assert.equal(b.attributes, BatchAttributes.timestampType | Compression.lz4);
  assert.equal(b.baseTimestamp, -1);
  assert.equal(b.maxTimestamp, 123);
  assert.equal(b.producerId, -1);
  assert.equal(b.producerEpoch, -1);
  assert.equal(b.baseSequence, -1);
  assert.equal(b.records[0].timestampDelta, -(2 ** 45));
  assert.equal(b.records[0].key, null);
  assert.equal(b.records[0].value, null);
});

test('large batches (many records, values beyond one compression block) round-trip', () => {
  const value = new Uint8Array(1024);
  for (let i = 0; i < value.length; i++) value[i] = (i * 7) & 0xff;
  const records = Array.from({ length: 300 }, (_, i) => ({
    offsetDelta: i,
    timestampDelta: i * 1000,
    key: utf8(`key-${i}`),
    value,
    headers: [{ key: 'n', value: utf8(String(i)) }],
  }));
  for (const codec of codecs) {
    const bytes = encodeBatch({ baseOffset: 1000, baseTimestamp: 1, records }, codec);
    const [b] = readBatches(bytes);
    assert.equal(b.recordCount, 300);
    assert.equal(b.lastOffsetDelta, 299);
    assert.equal(b.maxTimestamp, 1 + 299_000);
    assertRecordsEqual(b.records, records);
  }
});

test('an empty batch encodes lastOffsetDelta -1 and zero records', () => {
  const [b] = readBatches(encodeBatch({ baseOffset: 9, baseTimestamp: 5, records: [] }));
  assert.equal(b.recordCount, 0);
  assert.equal(b.lastOffsetDelta, -1);
  assert.equal(b.maxTimestamp, 5);
  assert.deepEqual(b.records, []);
});

test('several batches in a row, and decodeRecords: false', () => {
  const a = encodeBatch({ ...sampleInput(), baseOffset: 0 }, Compression.gzip);
  const c = encodeBatch({ ...sampleInput(), baseOffset: 4 }, Compression.none);
  const both = new Uint8Array(a.length + c.length);
  both.set(a);
  both.set(c, a.length);
  const batches = readBatches(both);
  assert.deepEqual(batches.map((b) => [b.baseOffset, b.records.length]), [[0, 4], [4, 4]]);
  const headersOnly = readBatches(both, { decodeRecords: false });
  assert.deepEqual(headersOnly.map((b) => [b.baseOffset, b.recordCount, b.records.length]), [[0, 4, 0], [4, 4, 0]]);
  assert.equal(batchSize(both, a.length), c.length);
  assert.equal(batchSize(both, both.length - 5), -1);
});

// ---- errors ----

test('a flipped byte anywhere under the CRC gives CorruptRecordError (code 2)', () => {
  for (const codec of [Compression.none, Compression.snappy]) {
    const bytes = encodeBatch(sampleInput(), codec);
    for (let i = 17; i < bytes.length; i++) {
      const bad = bytes.slice();
      bad[i] ^= 0x10;
      assert.throws(
        () => readBatches(bad),
        (e: unknown) => e instanceof CorruptRecordError && e.code === 2 && /CRC/.test(e.message),
        `byte ${i}`,
      );
    }
  }
});

test('bytes outside the CRC can change; verifyCrc: false skips the check', () => {
  const bytes = encodeBatch(sampleInput());
  const moved = bytes.slice();
  moved[7] = 9; // baseOffset
  moved.set([0, 0, 0, 3], 12); // partitionLeaderEpoch
  const [b] = readBatches(moved);
  assert.equal(b.baseOffset, 9);
  assert.equal(b.partitionLeaderEpoch, 3);
  const valueAt = Buffer.from(bytes).indexOf('value-0');
  const edited = bytes.slice();
  edited[valueAt] = 'V'.charCodeAt(0);
  assert.throws(() => readBatches(edited), CorruptRecordError);
  assert.equal(str(readBatches(edited, { verifyCrc: false })[0].records[0].value), 'Value-0');
});

test('magic 0 and 1 give UnsupportedMagicError (code 43), itself a CorruptRecordError', () => {
  // a magic-1 message set entry: offset, size, crc, magic 1, attributes, timestamp, key -1, value "x"
  const v1 = fromHex('0000000000000000' + '00000017' + '00000000' + '01' + '00' + '0000000000000000' + 'ffffffff' + '00000001' + '78');
  assert.throws(
    () => readBatches(v1),
    (e: unknown) => e instanceof UnsupportedMagicError && e.code === 43 && e.magic === 1 && e instanceof CorruptRecordError,
  );
  const v0 = encodeBatch(sampleInput());
  v0[16] = 0;
  assert.throws(() => readBatches(v0), UnsupportedMagicError);
});

test('truncated input: strict reading throws, lenient reading keeps the whole batches', () => {
  const bytes = encodeBatch(sampleInput(), Compression.lz4);
  for (let n = 1; n < bytes.length; n++) {
    const cut = bytes.subarray(0, n);
    assert.throws(() => readBatches(cut), CorruptRecordError, `${n} bytes`);
    assert.deepEqual(readBatchesLenient(cut), [], `${n} bytes`);
  }
  assert.deepEqual(readBatches(new Uint8Array(0)), []);
});

test('a Fetch-style buffer with a trailing partial batch decodes its whole batches only', () => {
  const parts = [0, 4, 8].map((base) => encodeBatch({ ...sampleInput(), baseOffset: base }, Compression.zstd));
  const full = parts[0].length + parts[1].length;
  const buf = new Uint8Array(full + parts[2].length - 20);
  buf.set(parts[0]);
  buf.set(parts[1], parts[0].length);
  buf.set(parts[2].subarray(0, parts[2].length - 20), full);
  const batches = readBatchesLenient(buf);
  assert.deepEqual(batches.map((b) => b.baseOffset), [0, 4]);
  assert.equal(batches[1].records.length, 4);
  assert.deepEqual(readBatchesLenient(buf.subarray(0, full + 7)).map((b) => b.baseOffset), [0, 4], 'partial header');
  assert.throws(() => readBatches(buf), /truncated/);
  // a corrupt whole batch still throws in lenient mode
  const bad = buf.slice();
  bad[parts[0].length + 30] ^= 1;
  assert.throws(() => readBatchesLenient(bad), CorruptRecordError);
});

test('record count and record sizes must agree with the bytes', () => {
  const bytes = encodeBatch(sampleInput());
  const view = new DataView(bytes.buffer);
  const more = bytes.slice();
  new DataView(more.buffer).setInt32(57, 5);
  fixCrc(more);
  assert.throws(() => readBatches(more), CorruptRecordError);
  const fewer = bytes.slice();
  new DataView(fewer.buffer).setInt32(57, 3);
  fixCrc(fewer);
  assert.throws(() => readBatches(fewer), /more than its 3 declared records/);
  const negative = bytes.slice();
  new DataView(negative.buffer).setInt32(57, -1);
  fixCrc(negative);
  assert.throws(() => readBatches(negative), /invalid record count/);
  const huge = bytes.slice();
  new DataView(huge.buffer).setInt32(57, 0x7fffffff);
  fixCrc(huge);
  assert.throws(() => readBatches(huge), CorruptRecordError);
  // first record's length varint one too large
  const longer = bytes.slice();
  longer[61] += 2;
  fixCrc(longer);
  assert.throws(() => readBatches(longer), CorruptRecordError);
  // batchLength below the header size / negative
  const short = bytes.slice(0, 40);
  new DataView(short.buffer).setInt32(8, 28);
  assert.throws(() => readBatches(short), /below the minimum/);
  const neg = bytes.slice();
  new DataView(neg.buffer).setInt32(8, -3);
  assert.throws(() => readBatchesLenient(neg), /invalid record batch length/);
  assert.equal(view.getInt32(57), 4);
});

test('unknown or broken compression in a CRC-valid batch is CorruptRecordError', () => {
  const bytes = encodeBatch(sampleInput(), Compression.gzip);
  const unknown = bytes.slice();
  unknown[22] = (unknown[22] & ~7) | 6;
  fixCrc(unknown);
  assert.throws(() => readBatches(unknown), /unknown compression codec 6/);
  const broken = bytes.slice();
  broken[broken.length - 6] ^= 0xff; // inside gzip's CRC-32 trailer
  fixCrc(broken);
  assert.throws(() => readBatches(broken), (e: unknown) => e instanceof CorruptRecordError && /decompress/.test(e.message));
});

// ---- in-place rewrites ----

test('setBaseOffset and setPartitionLeaderEpoch rewrite in place and keep the CRC valid', () => {
  for (const codec of [Compression.none, Compression.zstd]) {
    const bytes = encodeBatch(sampleInput(), codec);
    const crcBefore = hex(bytes.subarray(17, 21));
    setBaseOffset(bytes, 2 ** 40 + 17);
    setPartitionLeaderEpoch(bytes, 12);
    assert.equal(hex(bytes.subarray(17, 21)), crcBefore);
    const [b] = readBatches(bytes);
    assert.equal(b.baseOffset, 2 ** 40 + 17);
    assert.equal(b.partitionLeaderEpoch, 12);
    setBaseOffset(bytes, 0);
    assert.equal(readBatches(bytes)[0].baseOffset, 0);
  }
  // works on a view into a larger buffer
  const a = encodeBatch(sampleInput());
  const buf = new Uint8Array(a.length * 2);
  buf.set(a);
  buf.set(a, a.length);
  setBaseOffset(buf.subarray(a.length), 4);
  assert.deepEqual(readBatches(buf).map((b) => b.baseOffset), [0, 4]);
});

// ---- control batches ----

test('control batches: commit and abort markers round-trip', () => {
  for (const commit of [true, false]) {
    const bytes = encodeControlBatch({ baseOffset: 50, producerId: 9000, producerEpoch: 4, timestamp: 1_700_000_000_123, commit, coordinatorEpoch: 31 });
    const [b] = readBatches(bytes);
    assert.equal(b.attributes, BatchAttributes.transactional | BatchAttributes.control);
    assert.equal(b.baseOffset, 50);
    assert.equal(b.producerId, 9000);
    assert.equal(b.producerEpoch, 4);
    assert.equal(b.baseSequence, -1);
    assert.equal(b.baseTimestamp, 1_700_000_000_123);
    assert.equal(b.maxTimestamp, 1_700_000_000_123);
    assert.equal(b.recordCount, 1);
    const r = b.records[0];
    assert.equal(hex(r.key!), commit ? '00000001' : '00000000');
    assert.equal(hex(r.value!), '00000000001f');
    assert.equal(controlRecordType(r), commit ? 1 : 0);
    assert.deepEqual(readControlRecord(r), { commit, coordinatorEpoch: 31 });
  }
});

test('readControlRecord rejects non-marker control records and short keys or values', () => {
  const rec = (key: string | null, value: string | null): KafkaRecord => ({
    attributes: 0,
    timestampDelta: 0,
    offsetDelta: 0,
    key: key === null ? null : fromHex(key),
    value: value === null ? null : fromHex(value),
    headers: [],
  });
  assert.deepEqual(readControlRecord(rec('00000001', '0000ffffffff')), { commit: true, coordinatorEpoch: -1 });
  assert.equal(controlRecordType(rec('00000002', '')), 2);
  assert.throws(() => readControlRecord(rec('00000002', '000000000000')), /not a transaction marker/);
  assert.throws(() => readControlRecord(rec('0000', '000000000000')), CorruptRecordError);
  assert.throws(() => readControlRecord(rec(null, '000000000000')), CorruptRecordError);
  assert.throws(() => readControlRecord(rec('00000001', '0000')), CorruptRecordError);
  assert.throws(() => readControlRecord(rec('ffff0001', '000000000000')), CorruptRecordError);
});

test('checkProducedBatch applies the broker-side batch checks', () => {
  const [ok] = readBatches(encodeBatch(sampleInput()));
  checkProducedBatch(ok);
  assert.throws(() => checkProducedBatch({ ...ok, baseOffset: 3 }), /should be 0/);
  assert.throws(() => checkProducedBatch({ ...ok, lastOffsetDelta: 7 }), /inconsistent/);
  assert.throws(() => checkProducedBatch({ ...ok, recordCount: 0, lastOffsetDelta: -1 }), /inconsistent/);
  const [control] = readBatches(encodeControlBatch({ baseOffset: 0, producerId: 1, producerEpoch: 0, timestamp: 0, commit: true, coordinatorEpoch: 0 }));
  assert.throws(() => checkProducedBatch(control), /control records/);
});
