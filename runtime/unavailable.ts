// Requests that failed because PostgreSQL could not be reached: the answer each API gives then (a retriable Kafka
// error, as Kafka answers while a partition's leader or a coordinator is away, instead of a closed connection), and
// the outage monitor that logs one line when the database is lost and one when it is back.

import { ErrorCode } from '../codec/errors.ts';
import { inRange, parseRange } from '../codec/schema.ts';
import { ping } from '../store/health.ts';
import { isDatabaseUnavailable } from '../store/errors.ts';
import type { BrokerServices, RequestContext, Service } from './context.ts';
import type { ApiModule } from './registry.ts';

export { isDatabaseUnavailable };

/**
 * The answer to a request whose handler failed because the database is unreachable, or null when the API has none
 * (the connection is then closed). A module's own `errorResponse` fills in its partitions or groups with its
 * `unavailableError`; a response with a top-level ErrorCode (the group and transaction coordinator APIs) gets
 * COORDINATOR_NOT_AVAILABLE there, everything else at its defaults.
 */
export function unavailableResponse(mod: ApiModule, request: unknown, ctx: RequestContext, version: number): unknown {
  if (mod.errorResponse) return mod.errorResponse(request, mod.unavailableError ?? ErrorCode.NOT_LEADER_OR_FOLLOWER, ctx);
  const topLevel = mod.schema.response.some((f) => f.name === 'ErrorCode' && inRange(parseRange(f.versions), version));
  return topLevel ? { throttleTimeMs: 0, errorCode: mod.unavailableError ?? ErrorCode.COORDINATOR_NOT_AVAILABLE } : null;
}

/** How often the monitor asks whether PostgreSQL is back. */
const PROBE_MS = 250;
/** How long PostgreSQL must answer, with no request failing for want of it, before the outage counts as over. */
const SETTLE_MS = 3000;

/**
 * Logs one WARN line when a store call finds PostgreSQL unreachable, then pings it until it answers and nothing
 * failed for SETTLE_MS (a restarting server answers some connections while refusing others), and logs one INFO
 * line with how long it was away. Requests failing meanwhile are answered, not logged.
 */
export class DatabaseOutage implements Service {
  readonly #broker: BrokerServices;
  #since: number | null = null;
  #lastFailure = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #closed = false;

  constructor(broker: BrokerServices) {
    this.#broker = broker;
  }

  /** True while an outage is being watched (between the first failure and the end of it). */
  get active(): boolean {
    return this.#since !== null;
  }

  /** A store call failed with `err` (isDatabaseUnavailable): starts watching unless already. */
  report(err: unknown): void {
    this.#lastFailure = Date.now();
    if (this.#since !== null || this.#closed || this.#broker.isClosing) return;
    this.#since = this.#lastFailure;
    this.#broker.log.warn('PostgreSQL is unreachable: answering requests with retriable errors until it is back', {
      err: (err as Error).message,
    });
    this.#schedule(PROBE_MS);
  }

  #schedule(ms: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = null;
      ping(this.#broker.store.sql).then(
        () => {
          if (this.#since === null || this.#closed) return;
          const quiet = Date.now() - this.#lastFailure;
          if (quiet < SETTLE_MS) return this.#schedule(SETTLE_MS - quiet);
          this.#broker.log.info('PostgreSQL is reachable again', { downMs: this.#lastFailure - this.#since });
          this.#since = null;
        },
        () => {
          this.#lastFailure = Date.now();
          if (!this.#closed) this.#schedule(PROBE_MS);
        },
      );
    }, ms);
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}

/**
 * Logs a store call that failed and was answered with a retriable error: while PostgreSQL is unreachable, the
 * outage is logged once (DatabaseOutage) and each failure at DEBUG; any other failure at ERROR.
 */
export function logStoreFailure(broker: BrokerServices, message: string, fields: Record<string, unknown>, err: unknown): void {
  if (isDatabaseUnavailable(err)) {
    databaseOutage(broker).report(err);
    broker.log.debug(message, { ...fields, err: (err as Error).message });
  } else {
    broker.log.error(message, { ...fields, err: err as Error });
  }
}

/** The broker's outage monitor. */
export function databaseOutage(broker: BrokerServices): DatabaseOutage {
  return broker.service('database-outage', (b) => new DatabaseOutage(b));
}
