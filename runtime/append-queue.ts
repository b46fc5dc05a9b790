// Append queue: each connection's Produce appends go to the store one transaction at a time, in arrival order;
// appends that queue up behind a running transaction go into the next one together when they share a
// transactional id (or both have none), so a client pipelining Produce requests pays one PostgreSQL commit per
// group instead of one per request, and the broker decodes the next requests while PostgreSQL writes. Appends
// with producer ids share a transaction too: the store checks their batches in order against the producer state,
// as it would one request after the other, and answers each partition on its own (a duplicate or a refused
// sequence stays that request's answer). When a merged transaction fails (it rolled back as a whole), its appends
// are retried one by one, so each request gets its own answer and one bad partition cannot fail its neighbours.

import type { BrokerServices, Service } from './context.ts';
import type { AppendOptions, PartitionAppend, PartitionAppendResult } from '../store/types.ts';

/** Service name of the broker's single instance. */
export const appendQueueService = 'append-queue';

/** Most records, and bytes of keys and values, one merged transaction takes (the head always goes, whatever its size). */
const MAX_GROUP_RECORDS = 10_000;
const MAX_GROUP_BYTES = 16 * 1024 * 1024;
/**
 * Most records a connection may have waiting behind its running transaction before its next Produce request may
 * start: decoded requests are held in memory, so a client pipelining faster than PostgreSQL writes is slowed here.
 */
const MAX_WAITING_RECORDS = 10_000;
const MAX_WAITING_BYTES = 16 * 1024 * 1024;

/** What enqueue() hands back: the append's outcome, and when the connection may queue more. */
export interface Queued {
  readonly result: Promise<PartitionAppendResult[]>;
  readonly room: Promise<void>;
}

interface ConnectionQueue {
  readonly entries: Entry[];
  /** Records in `entries` (waiting, not running). */
  waiting: number;
  /** Bytes of keys and values in `entries`. */
  waitingBytes: number;
  /** Called (and cleared) once the waiting records and bytes are within their limits. */
  roomWaiters: (() => void)[];
}

interface Entry {
  readonly parts: PartitionAppend[];
  readonly options: AppendOptions;
  readonly records: number;
  readonly bytes: number;
  resolve(results: PartitionAppendResult[]): void;
  reject(error: unknown): void;
}

export class AppendQueue implements Service {
  readonly #broker: BrokerServices;
  /** Queued entries per connection; a connection is present only while it has appends queued or running. */
  readonly #queues = new Map<number, ConnectionQueue>();

  constructor(broker: BrokerServices) {
    this.#broker = broker;
  }

  /** Appends (as store.append would) after every earlier append of the same connection. */
  enqueue(connectionId: number, parts: PartitionAppend[], options: AppendOptions = {}): Queued {
    let records = 0;
    let bytes = 0;
    for (const part of parts) {
      for (const batch of part.batches) {
        records += batch.records.length;
        for (const r of batch.records) bytes += (r.key?.length ?? 0) + (r.value?.length ?? 0);
      }
    }
    let queue = this.#queues.get(connectionId);
    const fresh = queue === undefined;
    if (queue === undefined) {
      queue = { entries: [], waiting: 0, waitingBytes: 0, roomWaiters: [] };
      this.#queues.set(connectionId, queue);
    }
    const q = queue;
    const result = new Promise<PartitionAppendResult[]>((resolve, reject) => {
      q.entries.push({ parts, options, records, bytes, resolve, reject });
      q.waiting += records;
      q.waitingBytes += bytes;
    });
    if (fresh) void this.#drain(connectionId, q);
    const room = hasRoom(q) ? Promise.resolve() : new Promise<void>((resolve) => q.roomWaiters.push(resolve));
    return { result, room };
  }

  /** Nothing to stop: at shutdown connections wait for their requests, and with them for these appends. */
  close(): void {}

  async #drain(connectionId: number, queue: ConnectionQueue): Promise<void> {
    while (queue.entries.length > 0) {
      const group = takeGroup(queue.entries);
      for (const e of group) {
        queue.waiting -= e.records;
        queue.waitingBytes -= e.bytes;
      }
      if (hasRoom(queue) && queue.roomWaiters.length > 0) {
        for (const wake of queue.roomWaiters.splice(0)) wake();
      }
      await this.#run(group);
    }
    this.#queues.delete(connectionId);
  }

  async #run(group: Entry[]): Promise<void> {
    const { store } = this.#broker;
    if (group.length > 1) {
      try {
        const results = await store.append(group.flatMap((e) => e.parts), group[0].options);
        let at = 0;
        for (const e of group) {
          e.resolve(results.slice(at, at + e.parts.length));
          at += e.parts.length;
        }
        return;
      } catch {
        // Rolled back as a whole: each append again on its own, below, for its own answer.
      }
    }
    for (const e of group) {
      try {
        e.resolve(await store.append(e.parts, e.options));
      } catch (error) {
        e.reject(error);
      }
    }
  }
}

function hasRoom(queue: ConnectionQueue): boolean {
  return queue.waiting <= MAX_WAITING_RECORDS && queue.waitingBytes <= MAX_WAITING_BYTES;
}

/** Appends share a transaction only with the same transactional id (null: none). */
const transactionalIdOf = (e: Entry): string | null => e.options.transactionalId ?? null;

/** The head of the queue and the appends right behind it with the same transactional id (within the group limits). */
function takeGroup(queue: Entry[]): Entry[] {
  const head = queue.shift() as Entry;
  const group = [head];
  let records = head.records;
  let bytes = head.bytes;
  while (
    queue.length > 0 && transactionalIdOf(queue[0]) === transactionalIdOf(head) &&
    records + queue[0].records <= MAX_GROUP_RECORDS && bytes + queue[0].bytes <= MAX_GROUP_BYTES
  ) {
    const next = queue.shift() as Entry;
    records += next.records;
    bytes += next.bytes;
    group.push(next);
  }
  return group;
}

/** The broker's AppendQueue, created on first use. */
export function appendQueue(broker: BrokerServices): AppendQueue {
  return broker.service(appendQueueService, (b) => new AppendQueue(b));
}
