// Records for the end-to-end client tests in one comparable shape (text keys, values and headers), sample
// records with keys, headers and distinct timestamps, where Java's partitioner puts them, and a comparison
// that reports the first difference instead of dumping thousands of records.

import assert from 'node:assert/strict';
import { partitionForKey } from '../../codec/murmur2.ts';

export interface E2ERecord {
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: [string, string | null][];
}

/** What a producer is given: no partition (the partitioner picks) and no offset. */
export type Outgoing = Omit<E2ERecord, 'partition' | 'offset'>;

const enc = new TextEncoder();

/** n keyed records with two headers each and timestamps baseTimestamp + i. */
export function keyedRecords(tag: string, n: number, baseTimestamp: number): Outgoing[] {
  return Array.from({ length: n }, (_, i) => ({
    key: `${tag}-k${i}`,
    value: `${tag}-v${i}-${'x'.repeat(i % 23)}`,
    headers: [['idx', String(i)], ['tag', tag]],
    timestamp: baseTimestamp + i,
  }));
}

/** Java's default partition of a key (murmur2). */
export function javaPartition(key: string, partitions: number): number {
  return partitionForKey(enc.encode(key), partitions);
}

/** Where records sent in this order land: murmur2 partitions, offsets from `firstOffsets` (default 0) on. */
export function placed(records: Outgoing[], partitions: number, firstOffsets: number[] = []): E2ERecord[] {
  const next = Array.from({ length: partitions }, (_, p) => firstOffsets[p] ?? 0);
  return records.map((r) => {
    if (r.key === null) throw new Error('placed() needs keyed records');
    const partition = javaPartition(r.key, partitions);
    return { partition, offset: next[partition]++, timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers };
  });
}

export function byPartitionOffset(a: E2ERecord, b: E2ERecord): number {
  return a.partition - b.partition || a.offset - b.offset;
}

/** Asserts `got` (any order) equals `want` (any order); on a difference shows the first differing record. */
export function assertSameRecords(got: E2ERecord[], want: E2ERecord[], what: string, options: { ignoreTimestamps?: boolean } = {}): void {
  const g = [...got].sort(byPartitionOffset);
  const w = [...want].sort(byPartitionOffset);
  const strip = (r: E2ERecord | undefined) => (r && options.ignoreTimestamps ? { ...r, timestamp: 0 } : r);
  const n = Math.max(g.length, w.length);
  for (let i = 0; i < n; i++) {
    const a = strip(g[i]);
    const b = strip(w[i]);
    if (JSON.stringify(a) !== JSON.stringify(b)) {
      assert.deepEqual(a, b, `${what}: record #${i} of ${w.length} expected (got ${g.length} records)`);
    }
  }
  assert.equal(g.length, w.length, `${what}: record count`);
}
