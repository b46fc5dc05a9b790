// Read-ahead for Fetch: when a fetch leaves a partition with more stored records past what it returned, the read
// the consumer's next fetch will need is started at once, so PostgreSQL works while the answer travels and the
// client processes it. Stored records below the high watermark never change (offsets are not reused; retention
// and DeleteRecords only move the log start, which every fetch checks against fresh offsets first), so a read
// made ahead is as good as one made later. Entries are taken once, expire after a few seconds (a timer drops
// them even when no fetch comes any more, so a burst of load leaves nothing behind), and their reads together
// are capped in bytes.

import { clearTimeout, setTimeout } from 'node:timers';
import type { BrokerServices, Service } from './context.ts';
import type { StoredRecord, Topic } from '../store/types.ts';

/** Service name of the broker's single instance. */
export const readAheadService = 'fetch-read-ahead';

/** Most bytes of records read ahead and not yet taken, over all partitions. */
const MAX_PENDING_BYTES = 64 * 1024 * 1024;
/** A read nobody took within this time is dropped. */
const TTL_MS = 5_000;

interface Entry {
  readonly records: Promise<StoredRecord[]>;
  readonly maxBytes: number;
  readonly startedAt: number;
}

const key = (topicId: number, partition: number, offset: number): string => `${topicId}:${partition}:${offset}`;

export class ReadAhead implements Service {
  readonly #broker: BrokerServices;
  readonly #entries = new Map<string, Entry>();
  #pendingBytes = 0;
  #expiry: NodeJS.Timeout | null = null;

  constructor(broker: BrokerServices) {
    this.#broker = broker;
  }

  /** The read started ahead for this partition and offset, if any (it is handed out once). */
  take(topicId: number, partition: number, offset: number): Promise<StoredRecord[]> | undefined {
    const k = key(topicId, partition, offset);
    const entry = this.#entries.get(k);
    if (!entry) return undefined;
    this.#drop(k, entry);
    return entry.records;
  }

  /** Starts reading up to `maxBytes` from `offset` unless such a read is pending or the byte budget is spent. */
  start(topic: Topic, partition: number, offset: number, maxBytes: number): void {
    if (this.#broker.isClosing) return;
    this.#expire();
    const k = key(topic.id, partition, offset);
    if (this.#entries.has(k) || this.#pendingBytes + maxBytes > MAX_PENDING_BYTES) return;
    const records = this.#broker.store.read(topic, partition, { fromOffset: offset, maxBytes: Math.max(1, maxBytes) });
    records.catch(() => {}); // the fetch that takes it sees the error; one that never comes does not care
    this.#entries.set(k, { records, maxBytes, startedAt: Date.now() });
    this.#pendingBytes += maxBytes;
    this.#scheduleExpiry();
  }

  /** Reads started ahead and not yet taken (for tests). */
  get pending(): number {
    return this.#entries.size;
  }

  /** True when a read from this offset was started ahead and not yet taken (for tests). */
  has(topicId: number, partition: number, offset: number): boolean {
    return this.#entries.has(key(topicId, partition, offset));
  }

  close(): void {
    if (this.#expiry !== null) clearTimeout(this.#expiry);
    this.#expiry = null;
    this.#entries.clear();
    this.#pendingBytes = 0;
  }

  /** Drops expired entries once the oldest may have expired, again while any are left. */
  #scheduleExpiry(): void {
    if (this.#expiry !== null || this.#entries.size === 0) return;
    this.#expiry = setTimeout(() => {
      this.#expiry = null;
      this.#expire();
      this.#scheduleExpiry();
    }, TTL_MS + 100);
    this.#expiry.unref(); // never keeps the process alive
  }

  #drop(k: string, entry: Entry): void {
    this.#entries.delete(k);
    this.#pendingBytes -= entry.maxBytes;
  }

  #expire(): void {
    const oldest = Date.now() - TTL_MS;
    for (const [k, entry] of this.#entries) {
      if (entry.startedAt < oldest) this.#drop(k, entry);
    }
  }
}

/** The broker's ReadAhead, created on first use. */
export function readAhead(broker: BrokerServices): ReadAhead {
  return broker.service(readAheadService, (b) => new ReadAhead(b));
}
