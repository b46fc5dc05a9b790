// Three real clients against the broker, every compression codec: kafkajs (with snappy/lz4/zstd codecs backed by
// ours), @platformatic/kafka (the newest, flexible protocol versions) and kcat (librdkafka). Each produces 10,000
// keyed records with headers into a 3-partition topic per codec and reads them back: keys, values, headers and
// timestamps must come back as sent, on the partitions Java's murmur2 partitioner picks, with contiguous offsets,
// stored with the codec the client used. Then every client reads what the other two wrote, the same way.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CompressionTypes, Kafka, logLevel, type Producer } from 'kafkajs';
import type { Consumer } from '@platformatic/kafka';
import { Compression } from '../../codec/compression.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { assertSameRecords, keyedRecords, placed, type E2ERecord, type Outgoing } from '../helpers/e2e-records.ts';
import { kafkajsFetchAll, kafkajsSend, registerKafkajsCodecs } from '../helpers/kafkajs.ts';
import { enablePlatformaticZstd, platformaticConsumer, platformaticFetchAll, platformaticProducer, platformaticSend, type PlatformaticProducer } from '../helpers/platformatic.ts';
import { kcatConsume, kcatProduce, requireKcat, type KcatConsumed } from '../helpers/kcat-cli.ts';

const PARTITIONS = 3;
const N = 10_000;
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
type Codec = (typeof CODECS)[number];
const KAFKAJS_CODEC: Record<Codec, CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};
const CLIENTS = ['kafkajs', 'platformatic', 'kcat'] as const;
type Client = (typeof CLIENTS)[number];

let tb: TestBroker;
let kafka: Kafka;
let kjsProducer: Producer;
let pltProducer: PlatformaticProducer;
let pltConsumer: Consumer;

/** What each (client, codec) topic should hold, filled by the producing tests for the cross reads. */
const expected = new Map<string, { records: E2ERecord[]; ignoreTimestamps: boolean }>();

before(async () => {
  requireKcat();
  registerKafkajsCodecs();
  enablePlatformaticZstd();
  tb = await startTestBroker();
  kafka = new Kafka({ clientId: 'e2e-roundtrip', brokers: [tb.address], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  kjsProducer = kafka.producer({ allowAutoTopicCreation: false });
  await kjsProducer.connect();
  pltProducer = platformaticProducer(tb.address);
  pltConsumer = platformaticConsumer(tb.address);
});
after(async () => {
  await kjsProducer?.disconnect();
  await pltProducer?.close();
  await pltConsumer?.close();
  await tb?.stop();
});

const topicName = (client: Client, codec: Codec) => `rt-${client}-${codec}`;

/** Distinct timestamps for every record of every topic: an hour ago, then one millisecond apart. */
function recordsFor(client: Client, codec: Codec): Outgoing[] {
  const slot = CLIENTS.indexOf(client) * CODECS.length + CODECS.indexOf(codec);
  return keyedRecords(`${client}-${codec}`, N, Date.now() - 3_600_000 + slot * N);
}

/** How many stored records came with each codec (the low attribute bits of their batches). */
async function storedCodecs(topic: string): Promise<Map<number, number>> {
  const rows = await tb.store.sql<{ codec: number; n: number }[]>`
    select (r.attributes & 7)::int as codec, count(*)::int as n from kafka.records r join kafka.topics t on t.id = r.topic_id
    where t.name = ${topic} group by 1 order by 1`;
  return new Map(rows.map((r) => [r.codec, r.n]));
}

async function assertStoredCodec(client: Client, codec: Codec, topic: string): Promise<void> {
  const counts = await storedCodecs(topic);
  const want = Compression[codec];
  if (client !== 'kcat' || want === Compression.none) {
    assert.deepEqual([...counts], [[want, N]], 'stored with the codec the client used');
    return;
  }
  // librdkafka sends a batch uncompressed when compressing does not make it smaller (a batch of a record or two).
  assert.deepEqual([...counts.keys()].filter((c) => c !== want && c !== Compression.none), [], `only ${codec} or none: ${JSON.stringify([...counts])}`);
  assert.ok((counts.get(want) ?? 0) >= N * 0.9, `most records stored with ${codec}: ${JSON.stringify([...counts])}`);
}

function fromKcat(records: KcatConsumed[]): E2ERecord[] {
  // kcat prints null keys and values as empty text: none of these records has one.
  return records.map((r) => ({ partition: r.partition, offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers }));
}

async function consume(client: Client, topic: string): Promise<E2ERecord[]> {
  switch (client) {
    case 'kafkajs':
      return kafkajsFetchAll(kafka, topic);
    case 'platformatic':
      return platformaticFetchAll(pltConsumer, topic);
    case 'kcat':
      return fromKcat(await kcatConsume(tb.address, topic));
  }
}

async function produce(client: Client, codec: Codec, topic: string): Promise<{ records: E2ERecord[]; ignoreTimestamps: boolean; window: [number, number] }> {
  const outgoing = recordsFor(client, codec);
  const start = Date.now();
  switch (client) {
    case 'kafkajs':
      await kafkajsSend(kjsProducer, topic, outgoing, KAFKAJS_CODEC[codec]);
      break;
    case 'platformatic':
      await platformaticSend(pltProducer, topic, outgoing, codec);
      break;
    case 'kcat': {
      // kcat takes one set of headers for all records and stamps them itself (CreateTime at produce time).
      const headers: [string, string][] = [['tag', `kcat-${codec}`], ['via', 'librdkafka']];
      outgoing.forEach((r) => (r.headers = headers));
      const run = await kcatProduce(tb.address, topic, outgoing.map((r) => ({ key: r.key, value: r.value as string })), { compression: codec, headers });
      assert.equal(run.code, 0, `kcat -P: ${run.stderr}`);
      break;
    }
  }
  return { records: placed(outgoing, PARTITIONS), ignoreTimestamps: client === 'kcat', window: [start - 1, Date.now() + 1] };
}

for (const client of CLIENTS) {
  test(`${client}: 10,000 keyed records with headers, each codec, come back as sent on murmur2 partitions`, async (t) => {
    for (const codec of CODECS) {
      await t.test(codec, async () => {
        const topic = topicName(client, codec);
        await tb.store.createTopic({ name: topic, partitions: PARTITIONS });
        const sent = await produce(client, codec, topic);
        expected.set(topic, { records: sent.records, ignoreTimestamps: sent.ignoreTimestamps });
        await assertStoredCodec(client, codec, topic);
        const got = await consume(client, topic);
        assertSameRecords(got, sent.records, `${client} ${codec}`, { ignoreTimestamps: sent.ignoreTimestamps });
        if (sent.ignoreTimestamps) {
          const [from, to] = sent.window;
          const outside = got.filter((r) => r.timestamp < from || r.timestamp > to);
          assert.equal(outside.length, 0, `timestamps within the produce window [${from}, ${to}]: ${JSON.stringify(outside[0])}`);
        }
      });
    }
  });
}

test('cross-client: every client reads what the other two wrote, identically to the writer', async (t) => {
  for (const codec of CODECS) {
    for (const writer of CLIENTS) {
      const topic = topicName(writer, codec);
      const want = expected.get(topic);
      for (const reader of CLIENTS.filter((c) => c !== writer)) {
        await t.test(`${codec}: ${writer} → ${reader}`, async () => {
          assert.ok(want, `${topic} was not produced`);
          const got = await consume(reader, topic);
          assertSameRecords(got, want.records, `${writer} → ${reader} (${codec})`, { ignoreTimestamps: want.ignoreTimestamps });
          if (want.ignoreTimestamps) {
            // kcat stamped these itself: every reader must see the timestamps kcat reads back.
            assertSameRecords(got, fromKcat(await kcatConsume(tb.address, topic)), `${writer} → ${reader} (${codec}) timestamps`);
          }
        });
      }
    }
  }
});
