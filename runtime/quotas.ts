// Client quotas as Kafka enforces them: producer_byte_rate (Produce request bytes), consumer_byte_rate (Fetch
// response bytes) and request_percentage (handler time, 100 = one thread's whole time) per user and client id.
// The quota that applies is the first of Kafka's eight levels that sets the key: /users/<u>/clients/<c>,
// /users/<u>/clients/<default>, /users/<u>, /users/<default>/clients/<c>, /users/<default>/clients/<default>,
// /users/<default>, /clients/<c>, /clients/<default>. Usage is measured per matched entity (a default entity
// measures each user or client on its own), as a rate over quota.window.num samples of quota.window.size.seconds
// (Kafka's Rate: the elapsed time counts at least samples-1 whole windows). Over the quota, the throttle time is
// Kafka's: (rate - quota) / quota × the measured window, at most the whole window. The connection layer puts it in
// the response's throttle_time_ms and stops reading from the connection for that long (KIP-219).
// Without SASL every client's user is ANONYMOUS. Quotas live in PostgreSQL (store/client-quotas.ts); every
// broker reloads them when any broker changes them (LISTEN/NOTIFY).

import type { BrokerServices, Service } from './context.ts';
import type { QuotaEntity, QuotaRow } from '../store/index.ts';

export const QUOTA_ENTITY_TYPES = ['user', 'client-id'] as const;
export const QUOTA_KEYS = ['producer_byte_rate', 'consumer_byte_rate', 'request_percentage'] as const;
export type QuotaKey = (typeof QUOTA_KEYS)[number];

/** The principal name of clients that did not authenticate. */
export const ANONYMOUS_USER = 'ANONYMOUS';

const PRODUCE_KEY = 0;
const FETCH_KEY = 1;

/** One rate measured over `samples` windows of `windowMs`. */
class RateSensor {
  readonly #samples: number;
  readonly #windowMs: number;
  readonly #starts: number[] = [];
  readonly #totals: number[] = [];

  constructor(samples: number, windowMs: number) {
    this.#samples = samples;
    this.#windowMs = windowMs;
  }

  record(value: number, now: number): void {
    // Samples that ended more than samples × window ago no longer count.
    while (this.#starts.length > 0 && now - this.#starts[0] >= this.#samples * this.#windowMs) {
      this.#starts.shift();
      this.#totals.shift();
    }
    const last = this.#starts.length - 1;
    if (last >= 0 && now < this.#starts[last] + this.#windowMs) {
      this.#totals[last] += value;
      return;
    }
    this.#starts.push(now);
    this.#totals.push(value);
    if (this.#starts.length > this.#samples) {
      this.#starts.shift();
      this.#totals.shift();
    }
  }

  /** The window the rate is measured over, in ms: since the oldest sample, and at least samples-1 windows. */
  windowMs(now: number): number {
    let elapsed = this.#starts.length === 0 ? 0 : now - this.#starts[0];
    const full = Math.floor(elapsed / this.#windowMs);
    const minFull = this.#samples - 1;
    if (full < minFull) elapsed += (minFull - full) * this.#windowMs;
    return Math.max(elapsed, this.#windowMs);
  }

  /** Per second. */
  rate(now: number): number {
    let total = 0;
    for (const t of this.#totals) total += t;
    return total / (this.windowMs(now) / 1000);
  }
}

/** Who a request is from, for quotas. */
export interface QuotaClient {
  user: string;
  clientId: string;
}

/** A matched quota: its bound and the sensor key of the entity it was matched at. */
interface Applied {
  bound: number;
  sensor: string;
}

function entityKey(entity: QuotaEntity): string {
  const user = 'user' in entity ? (entity.user === null ? 'd' : `n${entity.user}`) : '-';
  const client = 'client-id' in entity ? (entity['client-id'] === null ? 'd' : `n${entity['client-id']}`) : '-';
  return `${user}\u0000${client}`;
}

export class QuotaManager implements Service {
  readonly #broker: BrokerServices;
  /** Entity key ("<user part>\0<client part>": n<name>, d default, - absent) → key → value. */
  #quotas = new Map<string, Map<string, number>>();
  readonly #sensors = new Map<string, RateSensor>();
  readonly #unsubscribe: () => void;
  #loading: Promise<void> | null = null;
  #reloadAgain = false;

  constructor(broker: BrokerServices) {
    this.#broker = broker;
    this.#unsubscribe = broker.store.onQuotasChanged(() => void this.reload());
    void this.reload();
  }

  /** Whether any quota is set (when none, recording is skipped). */
  get active(): boolean {
    return this.#quotas.size > 0;
  }

  /** Reloads the quotas from PostgreSQL (coalesced: a change during a load loads again after it). */
  reload(): Promise<void> {
    if (this.#loading) {
      this.#reloadAgain = true;
      return this.#loading;
    }
    this.#loading = (async () => {
      do {
        this.#reloadAgain = false;
        try {
          this.#set(await this.#broker.store.listClientQuotas());
        } catch (err) {
          this.#broker.log.warn('quotas: reload failed', { err: err as Error });
        }
      } while (this.#reloadAgain);
      this.#loading = null;
    })();
    return this.#loading;
  }

  #set(rows: QuotaRow[]): void {
    const quotas = new Map<string, Map<string, number>>();
    for (const r of rows) {
      const k = entityKey(r.entity);
      let m = quotas.get(k);
      if (!m) quotas.set(k, (m = new Map()));
      m.set(r.key, r.value);
    }
    this.#quotas = quotas;
  }

  /** Kafka's eight levels, most specific first: the first that sets `key`. */
  #applied(client: QuotaClient, key: QuotaKey): Applied | null {
    const u = `n${client.user}`;
    const c = `n${client.clientId}`;
    const levels: [string, string, string][] = [
      [u, c, `${client.user}\u0000${client.clientId}`],
      [u, 'd', `${client.user}\u0000${client.clientId}`],
      [u, '-', `${client.user}\u0000`],
      ['d', c, `${client.user}\u0000${client.clientId}`],
      ['d', 'd', `${client.user}\u0000${client.clientId}`],
      ['d', '-', `${client.user}\u0000`],
      ['-', c, `\u0000${client.clientId}`],
      ['-', 'd', `\u0000${client.clientId}`],
    ];
    for (const [user, clientPart, tags] of levels) {
      const bound = this.#quotas.get(`${user}\u0000${clientPart}`)?.get(key);
      if (bound !== undefined) return { bound, sensor: `${key}\u0000${tags}` };
    }
    return null;
  }

  /** The quota that applies to the client for `key`, or null (for tests and tools). */
  quotaFor(client: QuotaClient, key: QuotaKey): number | null {
    return this.#applied(client, key)?.bound ?? null;
  }

  /**
   * Records one request's usage and returns how long to throttle the client (0 within its quotas): produce bytes,
   * fetch response bytes, and handler time against request_percentage.
   */
  record(client: QuotaClient, apiKey: number, requestBytes: number, responseBytes: number, handlerMs: number, now = Date.now()): number {
    if (!this.active) return 0;
    let throttle = 0;
    if (apiKey === PRODUCE_KEY) throttle = Math.max(throttle, this.#recordOne(client, 'producer_byte_rate', requestBytes, now));
    if (apiKey === FETCH_KEY) throttle = Math.max(throttle, this.#recordOne(client, 'consumer_byte_rate', responseBytes, now));
    // request_percentage: handler time in ms per second, as a percentage of one thread (1000 ms/s = 100).
    throttle = Math.max(throttle, this.#recordOne(client, 'request_percentage', handlerMs / 10, now));
    return throttle;
  }

  #recordOne(client: QuotaClient, key: QuotaKey, value: number, now: number): number {
    const applied = this.#applied(client, key);
    if (!applied) return 0;
    const { config } = this.#broker;
    const windowMs = config.quotaWindowSizeSeconds * 1000;
    let sensor = this.#sensors.get(applied.sensor);
    if (!sensor) this.#sensors.set(applied.sensor, (sensor = new RateSensor(config.quotaWindowNum, windowMs)));
    sensor.record(value, now);
    const rate = sensor.rate(now);
    if (rate <= applied.bound) return 0;
    const measured = sensor.windowMs(now);
    if (applied.bound <= 0) return config.quotaWindowNum * windowMs;
    return Math.min(Math.round(((rate - applied.bound) / applied.bound) * measured), config.quotaWindowNum * windowMs);
  }

  close(): void {
    this.#unsubscribe();
  }
}

const quotaService = 'quotas';

export function quotaManager(broker: BrokerServices): QuotaManager {
  return broker.service(quotaService, (b) => new QuotaManager(b));
}
