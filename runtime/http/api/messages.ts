// The message browser behind GET /api/topics/{topic}/messages and the console's live tail: reads a topic's
// records through the store (Store.read, the path Fetch uses), newest or oldest first, optionally from an offset or
// a timestamp, filtered by key or by a substring of the value, with a cursor for the next page. Transaction markers
// are left out. Values are shown as text (UTF-8; hex when not valid UTF-8), pretty-printed JSON, or hex.

import { Buffer } from 'node:buffer';
import type { BrokerServices } from '../../context.ts';
import type { StoredRecord, Topic } from '../../../store/types.ts';
import { BatchAttributes } from '../../../codec/record-batch.ts';
import { ApiError } from './context.ts';

export type ValueFormat = 'text' | 'json' | 'hex';

export interface BrowseQuery {
  partition?: number;
  offset?: number;
  timestamp?: number;
  limit: number;
  order: 'newest' | 'oldest';
  key?: string;
  contains?: string;
  format: ValueFormat;
  cursor?: string;
}

export interface ShownRecord { partition: number; offset: number; timestamp: number; key: string | null; value: string | null; headers: { key: string; value: string | null }[] }

/** Records looked at per partition and page at most (filters that match little stop here and hand out a cursor). */
const SCAN_LIMIT = 20_000;
const READ_BYTES = 1 << 20;
const textDecoder = new TextDecoder('utf-8', { fatal: true });

function asText(bytes: Uint8Array | null): string | null {
  if (bytes === null) return null;
  try {
    return textDecoder.decode(bytes);
  } catch {
    return null;
  }
}

export function show(bytes: Uint8Array | null, format: ValueFormat): string | null {
  if (bytes === null) return null;
  if (format === 'hex') return Buffer.from(bytes).toString('hex');
  const text = asText(bytes);
  if (text === null) return Buffer.from(bytes).toString('hex');
  if (format === 'json') {
    try {
      return JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      return text;
    }
  }
  return text;
}

export function shownRecord(partition: number, r: StoredRecord, format: ValueFormat): ShownRecord {
  return {
    partition, offset: r.offset, timestamp: r.timestamp, key: show(r.key, format === 'hex' ? 'hex' : 'text'), value: show(r.value, format),
    headers: (r.headerKeys ?? []).map((key, i) => ({ key, value: show(r.headerValues?.[i] ?? null, format === 'hex' ? 'hex' : 'text') })),
  };
}

/** Reads [from, to) of a partition, transaction markers left out. */
export async function readRange(broker: BrokerServices, topic: Topic, partition: number, from: number, to: number): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  let pos = from;
  while (pos < to) {
    const batch = await broker.store.read(topic, partition, { fromOffset: pos, maxBytes: READ_BYTES, toOffset: to });
    if (batch.length === 0) break;
    for (const r of batch) if (r.offset < to && (r.attributes & BatchAttributes.control) === 0) out.push(r);
    pos = batch[batch.length - 1].offset + 1;
  }
  return out;
}

function parseCursor(cursor: string | undefined): Map<number, number> {
  if (cursor === undefined) return new Map();
  try {
    const obj = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    const m = new Map<number, number>();
    for (const [k, v] of Object.entries(obj)) {
      if (!/^\d+$/.test(k) || typeof v !== 'number' || !Number.isSafeInteger(v)) throw new Error('bad');
      m.set(Number(k), v);
    }
    return m;
  } catch {
    throw new ApiError(400, 'INVALID_REQUEST', 'The cursor is not one this API handed out.');
  }
}

interface Candidate { partition: number; record: StoredRecord }

export async function browse(broker: BrokerServices, topic: Topic, q: BrowseQuery): Promise<{ records: ShownRecord[]; nextCursor: string | null }> {
  if (q.partition !== undefined && q.partition >= topic.partitions) {
    throw new ApiError(404, 'UNKNOWN_TOPIC_OR_PARTITION', `Topic '${topic.name}' has no partition ${q.partition}.`);
  }
  const cursor = parseCursor(q.cursor);
  const partitions = q.partition !== undefined ? [q.partition] : Array.from({ length: topic.partitions }, (_, i) => i);
  const matches = (r: StoredRecord) =>
    (q.key === undefined || asText(r.key) === q.key) && (q.contains === undefined || (asText(r.value) ?? '').includes(q.contains));
  const scans = await Promise.all(partitions.map(async (p) => {
    const offsets = await broker.store.offsets(topic, p);
    const hw = offsets.highWatermark;
    const tsOffset = q.timestamp === undefined ? undefined : ((await broker.store.offsetForTimestamp(topic, p, q.timestamp))?.offset ?? hw);
    const low = Math.max(offsets.logStartOffset, q.order === 'newest' ? (tsOffset ?? 0) : 0);
    const found: StoredRecord[] = [];
    let scanned = 0;
    if (q.order === 'oldest') {
      let pos = Math.max(offsets.logStartOffset, cursor.get(p) ?? q.offset ?? tsOffset ?? offsets.logStartOffset);
      while (pos < hw && found.length < q.limit && scanned < SCAN_LIMIT) {
        const to = Math.min(hw, pos + Math.max(q.limit, 500));
        for (const r of await readRange(broker, topic, p, pos, to)) {
          if (found.length >= q.limit) break;
          scanned++;
          if (matches(r)) found.push(r);
          pos = r.offset + 1;
        }
        if (found.length < q.limit) pos = Math.max(pos, to);
      }
      return { partition: p, found, scannedTo: pos, done: pos >= hw };
    }
    let end = Math.min(hw, cursor.get(p) ?? q.offset ?? hw);
    while (end > low && found.length < q.limit && scanned < SCAN_LIMIT) {
      const from = Math.max(low, end - Math.max(q.limit, 200));
      const chunk = await readRange(broker, topic, p, from, end);
      let next = from;
      for (let i = chunk.length - 1; i >= 0; i--) {
        if (found.length >= q.limit) {
          next = chunk[i].offset + 1;
          break;
        }
        scanned++;
        if (matches(chunk[i])) found.push(chunk[i]);
      }
      end = next;
    }
    return { partition: p, found, scannedTo: end, done: end <= low };
  }));
  const all: Candidate[] = scans.flatMap((s) => s.found.map((record) => ({ partition: s.partition, record })));
  const sign = q.order === 'oldest' ? 1 : -1;
  all.sort((a, b) => sign * (a.record.timestamp - b.record.timestamp) || a.partition - b.partition || sign * (a.record.offset - b.record.offset));
  const taken = all.slice(0, q.limit);
  const next: Record<number, number> = {};
  let more = false;
  for (const s of scans) {
    const mine = taken.filter((c) => c.partition === s.partition);
    let pos: number;
    if (mine.length === s.found.length) {
      pos = s.scannedTo;
      if (!s.done) more = true;
    } else {
      more = true;
      const last = mine.length > 0 ? mine[mine.length - 1].record.offset : undefined;
      pos = last === undefined ? (q.order === 'oldest' ? s.found[0].offset : s.found[0].offset + 1) : q.order === 'oldest' ? last + 1 : last;
    }
    next[s.partition] = pos;
  }
  return {
    records: taken.map((c) => shownRecord(c.partition, c.record, q.format)),
    nextCursor: more ? Buffer.from(JSON.stringify(next), 'utf8').toString('base64url') : null,
  };
}
