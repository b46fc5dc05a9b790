// Shared pieces of the store tests: a store on a fresh database, and builders for appends.
import { after } from 'node:test';
import { Buffer } from 'node:buffer';
import type { KafkaRecord } from '../../codec/record-batch.ts';
import { openStore, type Store } from '../../store/index.ts';
import type { AppendBatch, PartitionAppend, Topic } from '../../store/types.ts';
import { createTestDatabase } from '../helpers/database.ts';

/** A fresh database and `count` stores on it (like that many brokers), all closed and dropped after the file. */
export async function openStores(count = 1): Promise<{ url: string; stores: Store[] }> {
  const db = await createTestDatabase();
  const stores: Store[] = [];
  for (let i = 0; i < count; i++) stores.push(await openStore(db.url));
  after(async () => {
    for (const store of stores) await store.close();
    await db.drop();
  });
  return { url: db.url, stores };
}

export function record(value: string | null, options: Partial<KafkaRecord> = {}): KafkaRecord {
  return {
    attributes: 0,
    timestampDelta: 0,
    offsetDelta: 0,
    key: null,
    value: value === null ? null : Buffer.from(value),
    headers: [],
    ...options,
  };
}

/** A batch of records whose offset deltas are set from their position. */
export function batch(records: KafkaRecord[], options: Partial<Omit<AppendBatch, 'records'>> = {}): AppendBatch {
  return {
    attributes: 0,
    baseTimestamp: 1_700_000_000_000,
    producerId: -1,
    producerEpoch: -1,
    baseSequence: -1,
    ...options,
    records: records.map((r, i) => ({ ...r, offsetDelta: i })),
  };
}

export function values(count: number, prefix = 'v'): KafkaRecord[] {
  return Array.from({ length: count }, (_, i) => record(`${prefix}${i}`));
}

export function part(topic: Topic, partition: number, batches: AppendBatch[], logAppendTime?: number): PartitionAppend {
  return logAppendTime === undefined ? { topic, partition, batches } : { topic, partition, batches, logAppendTime };
}

export const text = (bytes: Uint8Array | null): string | null => (bytes === null ? null : Buffer.from(bytes).toString());

/** Waits until `check` returns true (polling), or fails after `ms`. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
