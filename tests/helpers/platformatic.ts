// @platformatic/kafka (1.x) for end-to-end tests: a producer with Java's partitioner, and reading whole
// partitions without a consumer group (Consumer.fetch, the newest Fetch version, topics by id) into E2ERecords.
// Node before 22.15 has no zstd in node:zlib, which the library relies on: there its zstd codec is backed by ours.

import { Buffer } from 'node:buffer';
import { compatibilityPartitioner, compressionsAlgorithms, Consumer, Producer, type CompressionAlgorithmValue } from '@platformatic/kafka';
import { Compression, compress, decompress } from '../../codec/compression.ts';
import type { E2ERecord, Outgoing } from './e2e-records.ts';
import { errorText } from './error-text.ts';

type Bytes = Buffer | { buffer: Buffer };
const plain = (d: Bytes): Uint8Array => (d instanceof Uint8Array ? d : d.buffer);

/** Lets the library use zstd on runtimes whose node:zlib lacks it (Node 20), with codec/compression.ts. */
export function enablePlatformaticZstd(): void {
  const zstd = compressionsAlgorithms.zstd as { available: boolean; compressSync(d: Bytes): Buffer; decompressSync(d: Bytes): Buffer };
  if (zstd.available) return;
  zstd.compressSync = (d) => Buffer.from(compress(Compression.zstd, plain(d)));
  zstd.decompressSync = (d) => Buffer.from(decompress(Compression.zstd, plain(d)));
  zstd.available = true;
}

export type PlatformaticProducer = Producer<string, string, string, string>;

/** A string producer; keyed records go where Java's partitioner puts them (the library's default does not). */
export function platformaticProducer(address: string, clientId = 'e2e-platformatic'): PlatformaticProducer {
  const text = (s: string | undefined) => (s === undefined ? undefined : Buffer.from(s));
  return new Producer<string, string, string, string>({
    clientId,
    bootstrapBrokers: [address],
    serializers: { key: text, value: text, headerKey: text, headerValue: text },
    partitioner: compatibilityPartitioner,
    retries: 1,
  });
}

/** Sends records in chunks, in order (one send at a time). */
export async function platformaticSend(
  producer: PlatformaticProducer,
  topic: string,
  records: Outgoing[],
  compression: CompressionAlgorithmValue,
  chunk = 2500,
): Promise<void> {
  for (let i = 0; i < records.length; i += chunk) {
    await producer.send({
      acks: -1,
      compression,
      messages: records.slice(i, i + chunk).map((r) => ({
        topic,
        key: r.key ?? undefined,
        value: r.value ?? undefined,
        headers: new Map(r.headers.map(([k, v]) => [k, v ?? ''])),
        timestamp: BigInt(r.timestamp),
      })),
    });
  }
}

export function platformaticConsumer(address: string, clientId = 'e2e-platformatic-reader'): Consumer {
  // The group id is required by the constructor, but Consumer.fetch never joins a group.
  return new Consumer({ clientId, groupId: `${clientId}-unused`, bootstrapBrokers: [address], retries: 1 });
}

const text = (b: Buffer | null | undefined): string | null => (b === null || b === undefined ? null : b.toString('utf8'));

/** Reads every partition of `topic` from `from` (default 0) to its high watermark with Consumer.fetch. */
export async function platformaticFetchAll(consumer: Consumer, topic: string, from: number[] = []): Promise<E2ERecord[]> {
  const metadata = await consumer.metadata({ topics: [topic], forceUpdate: true });
  const t = metadata.topics.get(topic);
  if (!t) throw new Error(`no metadata for ${topic}`);
  const partitions = Array.from({ length: t.partitionsCount }, (_, p) => p);
  const next = partitions.map((p) => BigInt(from[p] ?? 0));
  const end = partitions.map(() => -1n);
  const out: E2ERecord[] = [];
  for (let round = 0; round < 10_000; round++) {
    const open = partitions.filter((p) => end[p] < 0n || next[p] < end[p]);
    if (open.length === 0) return out;
    const res = await consumer.fetch({
      node: t.partitions[open[0]].leader,
      maxWaitTime: 50,
      maxBytes: 8 * 1024 * 1024,
      topics: [{
        topicId: t.id,
        partitions: open.map((partition) => ({ partition, fetchOffset: next[partition], partitionMaxBytes: 1024 * 1024, currentLeaderEpoch: -1, lastFetchedEpoch: -1 })),
      }],
    }).catch((error: unknown) => {
      throw new Error(`@platformatic/kafka fetch of ${topic} failed: ${errorText(error)}`, { cause: error });
    });
    for (const answer of res.responses.flatMap((r) => r.partitions)) {
      const p = answer.partitionIndex;
      if (answer.errorCode !== 0) throw new Error(`fetch ${topic}/${p}: error ${answer.errorCode}`);
      end[p] = answer.highWatermark;
      for (const batch of answer.records ?? []) {
        if ((batch.attributes & 0x20) !== 0) continue; // control batch
        const logAppendTime = (batch.attributes & 0x08) !== 0;
        for (const r of batch.records) {
          const offset = batch.firstOffset + BigInt(r.offsetDelta);
          if (offset < next[p]) continue;
          out.push({
            partition: p,
            offset: Number(offset),
            timestamp: Number(logAppendTime ? batch.maxTimestamp : batch.firstTimestamp + r.timestampDelta),
            key: text(r.key),
            value: text(r.value),
            headers: r.headers.map(([k, v]) => [text(k) ?? '', text(v)]),
          });
          next[p] = offset + 1n;
        }
      }
    }
  }
  throw new Error(`platformaticFetchAll(${topic}): no end after 10000 fetches`);
}
