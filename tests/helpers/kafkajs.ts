// kafkajs for end-to-end tests: snappy, lz4 and zstd codecs (kafkajs ships gzip only) backed by
// codec/compression.ts, ordered sends, and reading whole partitions without a consumer group through kafkajs's
// own Fetch (its cluster/broker layer, reached through a private factory of the Kafka object).

import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import kafkajs, { CompressionTypes, type IHeaders, type Kafka, type Producer } from 'kafkajs';
import { Compression, compress, decompress } from '../../codec/compression.ts';
import type { E2ERecord, Outgoing } from './e2e-records.ts';

/** Registers snappy, lz4 and zstd with kafkajs (compress(encoder) → Buffer, decompress(Buffer) → Buffer). */
export function registerKafkajsCodecs(): void {
  const codec = (type: number) => () => ({
    async compress(encoder: { buffer: Buffer }): Promise<Buffer> {
      return Buffer.from(compress(type, encoder.buffer));
    },
    async decompress(buffer: Buffer): Promise<Buffer> {
      return Buffer.from(decompress(type, buffer));
    },
  });
  // A named import of CompressionCodecs fails: Node's CommonJS export detection does not see it.
  const codecs = kafkajs.CompressionCodecs;
  codecs[CompressionTypes.Snappy] = codec(Compression.snappy);
  codecs[CompressionTypes.LZ4] = codec(Compression.lz4);
  codecs[CompressionTypes.ZSTD] = codec(Compression.zstd);
}

/** Sends records in chunks, one send at a time (so per-partition order is the send order). */
export async function kafkajsSend(producer: Producer, topic: string, records: Outgoing[], compression: CompressionTypes, chunk = 2500): Promise<void> {
  for (let i = 0; i < records.length; i += chunk) {
    const results = await producer.send({
      topic,
      acks: -1,
      compression,
      messages: records.slice(i, i + chunk).map((r) => ({
        key: r.key,
        value: r.value,
        headers: Object.fromEntries(r.headers.map(([k, v]) => [k, v ?? undefined])),
        timestamp: String(r.timestamp),
      })),
    });
    assert.ok(results.every((r) => r.errorCode === 0), `kafkajs send: ${JSON.stringify(results)}`);
  }
}

interface FetchedMessage {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: IHeaders;
  isControlRecord?: boolean;
}

/** kafkajs's Cluster (not exported): enough of it to fetch without a consumer group. */
interface Cluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  refreshMetadata(): Promise<void>;
  findTopicPartitionMetadata(topic: string): { partitionId: number; leader: number }[];
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(node: { nodeId: string }): Promise<{
    fetch(request: unknown): Promise<{
      responses: { topicName: string; partitions: { partition: number; errorCode: number; highWatermark: string; messages: FetchedMessage[] }[] }[];
    }>;
  }>;
}

function createCluster(kafka: Kafka): Cluster {
  const sym = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  assert.ok(sym, 'kafkajs private cluster factory');
  const factory = (kafka as unknown as Record<symbol, (o: object) => Cluster>)[sym];
  return factory({ metadataMaxAge: 300000, allowAutoTopicCreation: false, maxInFlightRequests: null, isolationLevel: 1 });
}

const text = (b: Buffer | null | undefined): string | null => (b === null || b === undefined ? null : b.toString('utf8'));

function headerPairs(headers: IHeaders | undefined): [string, string | null][] {
  const out: [string, string | null][] = [];
  for (const [k, v] of Object.entries(headers ?? {})) {
    for (const one of Array.isArray(v) ? v : [v]) out.push([k, one === undefined ? null : String(one)]);
  }
  return out;
}

/** Reads every partition of `topic` to its high watermark with kafkajs's Fetch. */
export async function kafkajsFetchAll(kafka: Kafka, topic: string): Promise<E2ERecord[]> {
  const cluster = createCluster(kafka);
  await cluster.connect();
  const out: E2ERecord[] = [];
  try {
    await cluster.addTargetTopic(topic);
    const partitions = cluster.findTopicPartitionMetadata(topic).map((p) => p.partitionId);
    for (const [nodeId, ps] of Object.entries(cluster.findLeaderForPartitions(topic, partitions))) {
      const broker = await cluster.findBroker({ nodeId });
      const next = new Map(ps.map((p) => [p, 0]));
      const end = new Map(ps.map((p) => [p, -1]));
      for (let round = 0; ; round++) {
        const open = ps.filter((p) => (end.get(p) as number) < 0 || (next.get(p) as number) < (end.get(p) as number));
        if (open.length === 0) break;
        if (round > 10_000) throw new Error(`kafkajsFetchAll(${topic}): no end after 10000 fetches`);
        const res = await broker.fetch({
          maxWaitTime: 50,
          minBytes: 1,
          maxBytes: 8 * 1024 * 1024,
          topics: [{ topic, partitions: open.map((p) => ({ partition: p, fetchOffset: String(next.get(p)), maxBytes: 1024 * 1024 })) }],
        });
        for (const p of res.responses.flatMap((r) => r.partitions)) {
          if (p.errorCode !== 0) throw new Error(`kafkajs fetch ${topic}/${p.partition}: error ${p.errorCode}`);
          end.set(p.partition, Number(p.highWatermark));
          for (const m of p.messages) {
            const offset = Number(m.offset);
            if (m.isControlRecord || offset < (next.get(p.partition) as number)) continue;
            out.push({ partition: p.partition, offset, timestamp: Number(m.timestamp), key: text(m.key), value: text(m.value), headers: headerPairs(m.headers) });
            next.set(p.partition, offset + 1);
          }
        }
      }
    }
  } finally {
    await cluster.disconnect();
  }
  return out;
}
