// Append waiters: the broker service long-polling Fetch requests park on. One store.onAppend subscription
// wakes the waiters of the partition that grew (appends on this broker at once, other brokers' through
// LISTEN/NOTIFY); nothing polls. It also remembers the last high watermark notified per partition, so a fetch
// whose read raced with an append (read saw HW 9, the append of offset 9 committed before the fetch
// registered) is woken at once instead of sleeping through its wait. Fetch also reports the high watermarks it
// reads (observe), so the next fetch of a partition known to have data can read it speculatively. A wait also
// ends when its signal aborts (the connection closed), so a long poll of a vanished client holds nothing.

import type { BrokerServices, Service } from './context.ts';

/** Service name under which Fetch finds the single instance: `ctx.broker.service(appendWaitersService, ...)`. */
export const appendWaitersService = 'fetch-waiters';

/** A partition to watch and the high watermark the caller last read for it. */
export interface WatchedPartition {
  readonly topicId: number;
  readonly partition: number;
  readonly highWatermark: number;
}

/** Why a wait ended. */
export type WaitOutcome = 'appended' | 'timeout' | 'closing' | 'aborted';

interface Waiter {
  wake(outcome: WaitOutcome): void;
}

const key = (topicId: number, partition: number): string => `${topicId}:${partition}`;

export class AppendWaiters implements Service {
  readonly #waiters = new Map<string, Set<Waiter>>();
  readonly #all = new Set<Waiter>();
  readonly #latest = new Map<string, number>();
  readonly #unsubscribe: () => void;
  readonly #broker: BrokerServices;
  #closed = false;

  constructor(broker: BrokerServices) {
    this.#broker = broker;
    this.#unsubscribe = broker.store.onAppend((topicId, partition, highWatermark) => this.#notify(topicId, partition, highWatermark));
    void broker.closing.then(() => this.#wakeAll('closing'));
  }

  /** Number of requests parked right now (for tests and metrics). */
  get waiting(): number {
    return this.#all.size;
  }

  #wakeAll(outcome: WaitOutcome): void {
    for (const w of [...this.#all]) w.wake(outcome);
  }

  /** The highest high watermark seen for a partition (from notifications and observe()), if any. */
  knownHighWatermark(topicId: number, partition: number): number | undefined {
    return this.#latest.get(key(topicId, partition));
  }

  /** Records a high watermark read from the store (Fetch uses this to start reads before its offsets query ends). */
  observe(topicId: number, partition: number, highWatermark: number): void {
    const k = key(topicId, partition);
    const known = this.#latest.get(k);
    if (known === undefined || highWatermark > known) this.#latest.set(k, highWatermark);
  }

  #notify(topicId: number, partition: number, highWatermark: number): void {
    const k = key(topicId, partition);
    this.observe(topicId, partition, highWatermark);
    const set = this.#waiters.get(k);
    if (!set) return;
    for (const w of [...set]) w.wake('appended');
  }

  /** Number of partitions with a waiter right now (for tests). */
  get watchedPartitions(): number {
    return this.#waiters.size;
  }

  /**
   * Resolves when any of `partitions` gets data beyond the high watermark given for it, after `timeoutMs`,
   * when the broker starts closing, or when `signal` aborts, whichever comes first.
   */
  wait(partitions: readonly WatchedPartition[], timeoutMs: number, signal?: AbortSignal): Promise<WaitOutcome> {
    if (this.#closed || this.#broker.isClosing) return Promise.resolve('closing');
    if (signal?.aborted) return Promise.resolve('aborted');
    for (const p of partitions) {
      const known = this.#latest.get(key(p.topicId, p.partition));
      if (known !== undefined && known > p.highWatermark) return Promise.resolve('appended');
    }
    if (timeoutMs <= 0) return Promise.resolve('timeout');
    return new Promise<WaitOutcome>((resolve) => {
      const keys = [...new Set(partitions.map((p) => key(p.topicId, p.partition)))];
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = () => waiter.wake('aborted');
      const waiter: Waiter = {
        wake: (outcome) => {
          if (timer === undefined) return; // already woken
          clearTimeout(timer);
          timer = undefined;
          signal?.removeEventListener('abort', onAbort);
          this.#all.delete(waiter);
          for (const k of keys) {
            const set = this.#waiters.get(k);
            if (!set) continue;
            set.delete(waiter);
            if (set.size === 0) this.#waiters.delete(k);
          }
          resolve(outcome);
        },
      };
      timer = setTimeout(() => waiter.wake('timeout'), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#all.add(waiter);
      for (const k of keys) {
        let set = this.#waiters.get(k);
        if (!set) {
          set = new Set();
          this.#waiters.set(k, set);
        }
        set.add(waiter);
      }
    });
  }

  close(): void {
    this.#closed = true;
    this.#unsubscribe();
    this.#wakeAll('closing');
  }
}

/** The broker's AppendWaiters, created on first use. */
export function appendWaiters(broker: BrokerServices): AppendWaiters {
  return broker.service(appendWaitersService, (b) => new AppendWaiters(b));
}
