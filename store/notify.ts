// Cross-process signals over LISTEN/NOTIFY. `kafka_quotas` (no payload) is sent inside the transaction that changes
// client quotas. `kafka_topics` (payload: a topic name, or BROKER_CONFIGS_SIGNAL) is sent
// inside the transaction that changes the topic (or the dynamic broker configs). `kafka_append` (payload:
// "<origin> topicId:partition:highWatermark,...") is sent after the append commits, by a coalescing notifier on its own connection with synchronous_commit off: a NOTIFY inside the
// append transaction would hold PostgreSQL's global notify lock until the commit is flushed, serialising every
// producer's commit, and would cost a statement per produce. Here a burst of appends shares one NOTIFY, sent off
// the produce path; the cost is one round trip of extra latency for consumers on other brokers. A broker alone on
// its database sends none (Store.setAppendAudience).
import type { Sql } from 'postgres';

export const TOPICS_CHANNEL = 'kafka_topics';
/** Payload on TOPICS_CHANNEL meaning "dynamic broker configs changed" ('*' is not allowed in topic names). */
export const BROKER_CONFIGS_SIGNAL = '*broker-configs';
export const APPEND_CHANNEL = 'kafka_append';
/** Client quotas changed (no payload): sent inside the transaction that changes them. */
export const QUOTAS_CHANNEL = 'kafka_quotas';

/** NOTIFY payloads must stay under 8000 bytes. */
const MAX_PAYLOAD = 7000;

export interface AppendSignal {
  topicId: number;
  partition: number;
  highWatermark: number;
}

export class AppendNotifier {
  private readonly sql: Sql;
  private readonly origin: string;
  private readonly log: (message: string) => void;
  private pending = new Map<string, number>();
  private sending: Promise<void> | null = null;

  constructor(sql: Sql, origin: string, log: (message: string) => void) {
    this.sql = sql;
    this.origin = origin;
    this.log = log;
  }

  push(topicId: number, partition: number, highWatermark: number): void {
    const key = `${topicId}:${partition}`;
    if ((this.pending.get(key) ?? -1) < highWatermark) this.pending.set(key, highWatermark);
    this.sending ??= this.drain();
  }

  /** Resolves once everything pushed so far has been sent. */
  async flush(): Promise<void> {
    while (this.sending) await this.sending;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.size > 0) {
        const batch = this.pending;
        this.pending = new Map();
        for (const payload of payloads(this.origin, batch)) {
          await this.sql`select pg_notify(${APPEND_CHANNEL}, ${payload})`;
        }
      }
    } catch (error) {
      this.log(`could not send append notifications: ${(error as Error).message}`);
    } finally {
      this.sending = null;
    }
  }
}

function payloads(origin: string, batch: Map<string, number>): string[] {
  const out: string[] = [];
  let current = '';
  for (const [key, hw] of batch) {
    const entry = `${key}:${hw}`;
    if (current && current.length + entry.length + 1 > MAX_PAYLOAD) {
      out.push(`${origin} ${current}`);
      current = '';
    }
    current = current ? `${current},${entry}` : entry;
  }
  if (current) out.push(`${origin} ${current}`);
  return out;
}

/** Parses a `kafka_append` payload; null when it came from `origin` itself (already signalled locally). */
export function parseAppendPayload(payload: string, origin: string): AppendSignal[] | null {
  const space = payload.indexOf(' ');
  if (space < 0 || payload.slice(0, space) === origin) return null;
  const signals: AppendSignal[] = [];
  for (const entry of payload.slice(space + 1).split(',')) {
    const [topicId, partition, highWatermark] = entry.split(':').map(Number);
    if (Number.isFinite(topicId) && Number.isFinite(partition) && Number.isFinite(highWatermark)) {
      signals.push({ topicId, partition, highWatermark });
    }
  }
  return signals;
}
