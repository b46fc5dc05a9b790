// The console's sampler: every 10 s it records each topic's produce rate (records/s, from the change in its high
// watermarks) and each group's total lag, in memory for the last hour (360 samples each, bounded; topics and
// groups that disappear are dropped). A broker service (one per broker), started with the HTTP endpoint.

import type { BrokerServices, Service } from '../context.ts';
import { groupLag, listGroups } from '../http/api/kafka.ts';

export const SAMPLE_INTERVAL_MS = 10_000;
const KEEP = 360;

export interface LagSample { time: number; lag: number }

export class ConsoleSampler implements Service {
  readonly #broker: BrokerServices;
  readonly #timer: ReturnType<typeof setInterval>;
  /** Per topic: the last total of high watermarks and when it was read. */
  readonly #lastTotals = new Map<string, { time: number; total: number }>();
  readonly #rates = new Map<string, number[]>();
  readonly #lags = new Map<string, LagSample[]>();
  #running: Promise<void> | null = null;

  constructor(broker: BrokerServices, intervalMs = SAMPLE_INTERVAL_MS) {
    this.#broker = broker;
    this.#timer = setInterval(() => void this.sample(), intervalMs);
    (this.#timer as { unref?: () => void }).unref?.();
    void this.sample();
  }

  /** Records/s of each sample, oldest first. */
  rates(topic: string): number[] {
    return this.#rates.get(topic) ?? [];
  }

  lag(groupId: string): LagSample[] {
    return this.#lags.get(groupId) ?? [];
  }

  /** Takes one sample now (the timer calls it; overlapping calls share the running one). */
  sample(): Promise<void> {
    this.#running ??= this.#take().catch((err: unknown) => {
      if (!this.#broker.isClosing) this.#broker.log.warn('console sample failed', { err: err as Error });
    }).finally(() => (this.#running = null));
    return this.#running;
  }

  async #take(): Promise<void> {
    const now = Date.now();
    const topics = await this.#broker.store.listTopics();
    const parts = topics.flatMap((topic) => Array.from({ length: topic.partitions }, (_, partition) => ({ topic, partition })));
    const offsets = await this.#broker.store.offsetsMany(parts);
    const totals = new Map<string, number>();
    parts.forEach((p, i) => totals.set(p.topic.name, (totals.get(p.topic.name) ?? 0) + offsets[i].highWatermark));
    for (const name of [...this.#rates.keys()]) if (!totals.has(name)) (this.#rates.delete(name), this.#lastTotals.delete(name));
    for (const [name, total] of totals) {
      const last = this.#lastTotals.get(name);
      this.#lastTotals.set(name, { time: now, total });
      if (!last) continue;
      const rate = now > last.time ? Math.max(0, ((total - last.total) * 1000) / (now - last.time)) : 0;
      push(this.#rates, name, Math.round(rate * 100) / 100);
    }
    const groups = await listGroups(this.#broker);
    const ids = new Set(groups.map((g) => g.groupId));
    for (const id of [...this.#lags.keys()]) if (!ids.has(id)) this.#lags.delete(id);
    for (const g of groups) {
      const rows = await groupLag(this.#broker, g.groupId).catch(() => null);
      if (rows) push(this.#lags, g.groupId, { time: now, lag: rows.reduce((s, r) => s + r.lag, 0) });
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  list.push(value);
  if (list.length > KEEP) list.splice(0, list.length - KEEP);
}

export function consoleSampler(broker: BrokerServices): ConsoleSampler {
  return broker.service('console-sampler', (b) => new ConsoleSampler(b));
}
