// Bad input from one client must not hurt the others or lose data. While a kafkajs producer keeps writing in the
// background, other connections send a frame cut in the middle, an oversized frame, random bytes, a batch with a
// wrong CRC, a record over message.max.bytes (through kafkajs and @platformatic/kafka), an unknown api key, and a
// produce request whose sender vanishes before the answer. After each: an already-open raw connection and the
// long-lived producer are still served, a fresh kafkajs producer works, and every acknowledged record is stored,
// once, at contiguous offsets. (tests/runtime/connection.test.ts and tests/apis/produce.test.ts check the error
// answers and closed connections themselves.)

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import * as apiVersions from '../../apis/api-versions.ts';
import * as produceApi from '../../apis/produce.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { Compression } from '../../codec/compression.ts';
import { Writer } from '../../codec/writer.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { makeBatch, produceOne, sampleRecords } from '../helpers/data-path.ts';
import { platformaticProducer } from '../helpers/platformatic.ts';
import { errorText } from '../helpers/error-text.ts';
import { sleep, until } from '../helpers/eventually.ts';

const MESSAGE_MAX_BYTES = 50_000;
const STEADY = 'bad-input-steady';
const RAW = 'bad-input-raw';
const FRESH = 'bad-input-fresh';

let tb: TestBroker;
let kafka: Kafka;
let steady: Producer;
let bystander: RawClient;
/** Records each topic's writers got acknowledged, per partition. */
const acked: Record<string, number[]> = { [STEADY]: [0, 0, 0], [RAW]: [0, 0, 0], [FRESH]: [0] };

/** The background writer: small batches to STEADY, one after the other, until stopped. */
let background: { stop(): Promise<void>; errors: string[]; sends: number } | null = null;

function startBackground(): void {
  let running = true;
  const state = { errors: [] as string[], sends: 0, stop: async () => {} };
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const partition = i % 3;
      try {
        await steady.send({ topic: STEADY, acks: -1, messages: Array.from({ length: 10 }, (_, j) => ({ partition, key: `bg-${i}-${j}`, value: `background ${i}/${j}` })) });
        acked[STEADY][partition] += 10;
        state.sends++;
      } catch (error) {
        state.errors.push(errorText(error));
      }
      await sleep(5);
    }
  })();
  state.stop = async () => {
    running = false;
    await loop;
  };
  background = state;
}

before(async () => {
  tb = await startTestBroker({ messageMaxBytes: MESSAGE_MAX_BYTES });
  await tb.store.createTopic({ name: STEADY, partitions: 3 });
  await tb.store.createTopic({ name: RAW, partitions: 3 });
  await tb.store.createTopic({ name: FRESH, partitions: 1 });
  kafka = new Kafka({ clientId: 'e2e-bad-input', brokers: [tb.address], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  steady = kafka.producer({ allowAutoTopicCreation: false });
  await steady.connect();
  bystander = await RawClient.connect(tb.port);
  startBackground();
});
after(async () => {
  await background?.stop();
  bystander?.close();
  await steady?.disconnect();
  await tb?.stop();
});

async function storedCounts(topic: string): Promise<number[]> {
  const rows = await tb.store.sql<{ partition: number; n: number }[]>`
    select r.partition, count(*)::int as n from kafka.records r join kafka.topics t on t.id = r.topic_id
    where t.name = ${topic} group by r.partition`;
  const out = acked[topic].map(() => 0);
  for (const r of rows) out[r.partition] = r.n;
  return out;
}

/** The others are still served and nothing acknowledged is missing (or doubled). */
async function othersUnharmed(what: string): Promise<void> {
  const versions = await bystander.request<apiVersions.ApiVersionsResponse>(apiVersions, 3, { clientSoftwareName: 'bystander', clientSoftwareVersion: '1' });
  assert.equal(versions.errorCode, 0, `${what}: the open raw connection is answered`);
  const p = await produceOne(bystander, 9, RAW, 0, makeBatch(sampleRecords(3, 'bystander')));
  assert.equal(p.errorCode, ErrorCode.NONE, `${what}: the open raw connection can produce`);
  assert.equal(p.baseOffset, acked[RAW][0], `${what}: offsets continue`);
  acked[RAW][0] += 3;

  const fresh = kafka.producer({ allowAutoTopicCreation: false });
  await fresh.connect();
  try {
    await fresh.send({ topic: FRESH, acks: -1, messages: Array.from({ length: 5 }, (_, i) => ({ key: `f${i}`, value: `${what} ${i}` })) });
    acked[FRESH][0] += 5;
  } finally {
    await fresh.disconnect();
  }

  const before = background?.sends ?? 0;
  await until(() => (background?.sends ?? 0) > before + 2, 5000, `${what}: the background producer goes on`);
  assert.deepEqual(background?.errors, [], `${what}: background producer errors`);

  assert.deepEqual(await storedCounts(RAW), acked[RAW], `${what}: ${RAW} rows`);
  assert.deepEqual(await storedCounts(FRESH), acked[FRESH], `${what}: ${FRESH} rows`);
}

async function closedWithin(client: RawClient, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const closed = await Promise.race([client.closed.then(() => true), late]);
  clearTimeout(timer);
  return closed;
}

const hello = { clientSoftwareName: 'e2e', clientSoftwareVersion: '1' };

test('a frame cut in the middle waits for its rest, which is then answered; the others are served meanwhile', async () => {
  const slow = await RawClient.connect(tb.port);
  const whole = slow.encode(apiVersions, 3, hello, 77);
  const half = Math.floor(whole.length / 2);
  const answered = new Promise<Uint8Array>((resolve, reject) => {
    slow.socket.once('data', (d: Uint8Array) => resolve(d));
    slow.socket.once('close', () => reject(new Error('the slow connection was closed')));
  });
  slow.write(whole.subarray(0, 3)); // not even the whole size field
  await sleep(100);
  slow.write(whole.subarray(3, half));
  await othersUnharmed('half a frame pending');
  assert.equal(slow.isClosed, false, 'a connection with half a frame is kept');
  slow.write(whole.subarray(half));
  const frame = await answered;
  assert.equal(new DataView(frame.buffer, frame.byteOffset).getInt32(4), 77, 'the completed frame is answered');
  slow.close();

  // Half a frame and then the client goes away: nothing to answer, nothing left behind.
  const gone = await RawClient.connect(tb.port);
  gone.write(whole.subarray(0, half));
  await sleep(50);
  gone.close();
  await othersUnharmed('half a frame abandoned');
});

test('an oversized frame closes that connection only', async () => {
  const c = await RawClient.connect(tb.port);
  const w = new Writer();
  w.int32(0x7fffffff).int16(0).int16(0).int32(1);
  c.write(w.bytes());
  assert.equal(await closedWithin(c, 3000), true, 'closed');
  await othersUnharmed('oversized frame');
});

test('random bytes on many connections at once', async () => {
  const victims = await Promise.all(Array.from({ length: 30 }, () => RawClient.connect(tb.port)));
  for (const [i, v] of victims.entries()) {
    const junk = randomBytes(1 + ((i * 97) % 3000));
    if (i % 2 === 0 && junk.length >= 4) junk.writeInt32BE(junk.length - 4, 0); // a whole frame of garbage
    v.write(junk);
  }
  await sleep(200);
  for (const v of victims) v.close();
  await othersUnharmed('random bytes');
});

test('a batch with a wrong CRC is refused (CORRUPT_MESSAGE), nothing of it is stored, the connection goes on', async () => {
  const c = await RawClient.connect(tb.port);
  try {
    const batch = makeBatch(sampleRecords(50, 'crc'), { compression: Compression.gzip });
    batch[batch.length - 3] ^= 0x55;
    const bad = await produceOne(c, 9, RAW, 1, batch);
    assert.equal(bad.errorCode, ErrorCode.CORRUPT_MESSAGE);
    const good = await produceOne(c, 9, RAW, 1, makeBatch(sampleRecords(4, 'after-crc')));
    assert.equal(good.errorCode, ErrorCode.NONE);
    assert.equal(good.baseOffset, acked[RAW][1]);
    acked[RAW][1] += 4;
  } finally {
    c.close();
  }
  await othersUnharmed('wrong CRC');
});

test('a record over message.max.bytes: kafkajs and @platformatic/kafka get MESSAGE_TOO_LARGE and go on', async () => {
  const big = 'x'.repeat(MESSAGE_MAX_BYTES + 1000);
  const kjs = kafka.producer({ allowAutoTopicCreation: false });
  await kjs.connect();
  try {
    const error = await kjs.send({ topic: RAW, acks: -1, messages: [{ partition: 2, key: 'big', value: big }] }).then(() => null, (e: unknown) => e);
    assert.match(errorText(error), /MESSAGE_TOO_LARGE/, 'kafkajs sees MESSAGE_TOO_LARGE');
    await kjs.send({ topic: RAW, acks: -1, messages: [{ partition: 2, key: 'small', value: 'fits' }] });
    acked[RAW][2] += 1;
  } finally {
    await kjs.disconnect();
  }

  const plt = platformaticProducer(tb.address);
  try {
    const error = await plt.send({ acks: -1, messages: [{ topic: RAW, partition: 2, key: 'big', value: big }] }).then(() => null, (e: unknown) => e);
    assert.match(errorText(error), /MESSAGE_TOO_LARGE/, '@platformatic/kafka sees MESSAGE_TOO_LARGE');
    await plt.send({ acks: -1, messages: [{ topic: RAW, partition: 2, key: 'small', value: 'fits too' }] });
    acked[RAW][2] += 1;
  } finally {
    await plt.close();
  }
  await othersUnharmed('message too large');
});

test('an unknown api key closes that connection only', async () => {
  const c = await RawClient.connect(tb.port);
  const body = new Writer();
  body.int16(31_000).int16(0).int32(9).string('e2e');
  const w = new Writer();
  w.int32(body.bytes().length).raw(body.bytes());
  c.write(w.bytes());
  assert.equal(await closedWithin(c, 3000), true, 'closed');
  await othersUnharmed('unknown api key');
});

test('a producer that vanishes before the answer: its batch is stored whole or not at all', async (t) => {
  const c = await RawClient.connect(tb.port);
  const records = sampleRecords(500, 'vanished');
  c.write(c.encode(produceApi, 9, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: RAW, partitionData: [{ index: 1, records: makeBatch(records, { compression: Compression.lz4 }) }] }],
  }));
  c.close();
  // The broker may or may not have read the request before the connection went: if it did, the append shows up soon.
  const whole = acked[RAW][1] + records.length;
  await until(async () => (await storedCounts(RAW))[1] === whole, 2000, 'the vanished batch').catch(() => {});
  const [, stored] = await storedCounts(RAW);
  assert.ok(stored === acked[RAW][1] || stored === whole, `partition 1 holds ${stored}: not ${acked[RAW][1]} or ${whole}`);
  t.diagnostic(stored === whole ? 'the batch was stored' : 'the batch was not read');
  acked[RAW][1] = stored;
  await othersUnharmed('vanished producer');
});

test('in the end: every acknowledged record is stored once, at contiguous offsets matching the high watermarks', async () => {
  await background?.stop();
  assert.deepEqual(background?.errors, [], 'background producer errors');
  assert.ok((background?.sends ?? 0) > 20, `the background producer kept sending (${background?.sends} sends)`);
  for (const topic of [STEADY, RAW, FRESH]) {
    assert.deepEqual(await storedCounts(topic), acked[topic], `${topic}: rows per partition`);
    const t = (await tb.store.getTopics([topic])).get(topic);
    assert.ok(t);
    for (let p = 0; p < t.partitions; p++) {
      const rows: { n: number; lo: number | null; hi: number | null }[] = await tb.store.sql`
        select count(*)::int as n, min("offset")::int as lo, max("offset")::int as hi from kafka.records where topic_id = ${t.id} and partition = ${p}`;
      const row = rows[0];
      const offsets = await tb.store.offsets(t, p);
      assert.equal(offsets.highWatermark, row.n, `${topic}/${p}: high watermark = rows`);
      if (row.n > 0) assert.deepEqual([row.lo, row.hi], [0, row.n - 1], `${topic}/${p}: offsets 0..n-1`);
    }
  }
});
