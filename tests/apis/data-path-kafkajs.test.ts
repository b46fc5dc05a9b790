// The data path through a real client, kafkajs: its producer (Metadata + Produce) writes a few hundred records with
// keys and headers, its admin reads offsets (ListOffsets), and they are read back with kafkajs's own Fetch
// (its cluster/broker layer, so no consumer group is needed) and, when the broker serves the group APIs, with a
// kafkajs consumer. What comes back must equal what went in.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CompressionTypes, Kafka, logLevel, type IHeaders } from 'kafkajs';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';

let tb: TestBroker;
let kafka: Kafka;
before(async () => {
  tb = await startTestBroker();
  kafka = new Kafka({ clientId: 'data-path-test', brokers: [tb.address], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
});
after(async () => {
  await tb?.stop();
});

interface Sent {
  partition: number;
  key: string;
  value: string;
  headers: Record<string, string>;
}

function records(n: number, tag: string): Sent[] {
  return Array.from({ length: n }, (_, i) => ({
    partition: i % 3,
    key: `${tag}-key-${i}`,
    value: `${tag}-value-${i}-${'z'.repeat(i % 50)}`,
    headers: { 'trace-id': `t-${i}`, 'kind': i % 2 ? 'odd' : 'even' },
  }));
}

function headerText(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k] = String(v);
  return out;
}

interface Received {
  partition: number;
  offset: number;
  key: string;
  value: string;
  headers: Record<string, string>;
}

/** kafkajs's Cluster, for fetching without a consumer group (a private factory of the Kafka object). */
type Cluster = {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(node: { nodeId: string }): Promise<{
    fetch(request: unknown): Promise<{ responses: { topicName: string; partitions: { partition: number; errorCode: number; highWatermark: string; messages: { offset: string; key: Buffer | null; value: Buffer | null; headers?: IHeaders }[] }[] }[] }>;
  }>;
};

function createCluster(): Cluster {
  const sym = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  assert.ok(sym, 'kafkajs private cluster factory');
  const factory = (kafka as unknown as Record<symbol, (o: object) => Cluster>)[sym];
  return factory({ metadataMaxAge: 300000, allowAutoTopicCreation: false, maxInFlightRequests: null, isolationLevel: 1 });
}

async function fetchAllWithCluster(topic: string, partitions: number[]): Promise<Received[]> {
  const cluster = createCluster();
  await cluster.connect();
  await cluster.addTargetTopic(topic);
  const out: Received[] = [];
  try {
    const leaders = cluster.findLeaderForPartitions(topic, partitions);
    for (const [nodeId, ps] of Object.entries(leaders)) {
      const broker = await cluster.findBroker({ nodeId });
      const next = new Map(ps.map((p) => [p, 0]));
      for (let round = 0; round < 100; round++) {
        const res = await broker.fetch({
          maxWaitTime: 100,
          minBytes: 1,
          maxBytes: 1024 * 1024,
          topics: [{ topic, partitions: ps.map((p) => ({ partition: p, fetchOffset: String(next.get(p)), maxBytes: 4096 })) }],
        });
        let progressed = false;
        for (const p of res.responses[0].partitions) {
          assert.equal(p.errorCode, 0);
          for (const m of p.messages) {
            const offset = Number(m.offset);
            if (offset < (next.get(p.partition) as number)) continue;
            out.push({ partition: p.partition, offset, key: m.key?.toString() ?? '', value: m.value?.toString() ?? '', headers: headerText(m.headers) });
            next.set(p.partition, offset + 1);
            progressed = true;
          }
        }
        if (!progressed) break;
      }
    }
  } finally {
    await cluster.disconnect();
  }
  return out;
}

function compare(sent: Sent[], got: Received[]): void {
  for (const partition of [0, 1, 2]) {
    const want = sent.filter((s) => s.partition === partition).map((s, i) => ({ partition, offset: i, key: s.key, value: s.value, headers: s.headers }));
    const have = got.filter((g) => g.partition === partition).sort((a, b) => a.offset - b.offset);
    assert.deepEqual(have, want, `partition ${partition}`);
  }
}

test('kafkajs: produced records (keys, headers, none and gzip) come back equal, offsets via the admin', async () => {
  const topic = 'kafkajs-data-path';
  await tb.store.createTopic({ name: topic, partitions: 3 });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const sent = records(300, 'kjs');
  for (let i = 0; i < sent.length; i += 50) {
    const chunk = sent.slice(i, i + 50);
    const result = await producer.send({
      topic,
      acks: -1,
      compression: i % 100 === 0 ? CompressionTypes.None : CompressionTypes.GZIP,
      messages: chunk.map((s) => ({ partition: s.partition, key: s.key, value: s.value, headers: s.headers })),
    });
    assert.ok(result.every((r) => r.errorCode === 0));
  }
  await producer.disconnect();

  compare(sent, await fetchAllWithCluster(topic, [0, 1, 2]));

  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  assert.deepEqual(
    offsets.sort((a, b) => a.partition - b.partition).map((o) => [o.partition, o.low, o.high]),
    [[0, '0', '100'], [1, '0', '100'], [2, '0', '100']],
  );
  const byTime = await admin.fetchTopicOffsetsByTimestamp(topic, Date.now() + 60_000);
  assert.deepEqual(byTime.sort((a, b) => a.partition - b.partition).map((o) => o.offset), ['100', '100', '100'], 'no record after the time: the end');
  await admin.disconnect();
});

const groupApis = [8, 9, 10, 11, 12, 13, 14];

test('kafkajs: a consumer group reads back what a producer wrote', async (t) => {
  const missing = groupApis.filter((k) => !tb.broker.registry.get(k));
  if (missing.length > 0) {
    t.skip(`the broker does not serve api keys ${missing.join(', ')} yet`);
    return;
  }
  const topic = 'kafkajs-consumer';
  await tb.store.createTopic({ name: topic, partitions: 3 });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const sent = records(240, 'grp');
  await producer.send({ topic, acks: -1, messages: sent.map((s) => ({ partition: s.partition, key: s.key, value: s.value, headers: s.headers })) });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: 'data-path-group', maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const got: Received[] = [];
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        got.push({ partition, offset: Number(message.offset), key: message.key?.toString() ?? '', value: message.value?.toString() ?? '', headers: headerText(message.headers) });
        if (got.length === sent.length) resolve();
      },
    });
  });
  await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error(`consumed ${got.length} of ${sent.length}`)), 30_000))]);
  await consumer.disconnect();
  compare(sent, got);
});
