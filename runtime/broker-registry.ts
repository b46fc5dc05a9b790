// The broker registry as this broker sees it: registers the broker (its advertised endpoint) in PostgreSQL before it
// starts listening, heartbeats every few seconds, deregisters on a clean shutdown, and keeps the live brokers in
// memory for Metadata and DescribeCluster. The list is re-read on every heartbeat and at once when another broker
// registers or deregisters (NOTIFY); a broker that stops heartbeating (a crash) drops out once its last heartbeat
// is older than the liveness window, counted locally between reads. This broker is always in the list.
// When the node id is registered by another process whose heartbeat is still recent, start() watches that
// heartbeat: if it moves, that broker is alive and start() fails (NodeIdInUseError); if it does not (our own
// predecessor crashed), start() takes the node id over once the registration lapses, as Kafka's brokers wait
// for their old session to expire. A holder that registered from this host with a pid that is no longer running
// (or with our own pid, before we started: a container restarted) is our crashed predecessor, taken over at once.

import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import process from 'node:process';
import type { Sql } from 'postgres';
import type { BrokerInfo, ClusterView } from './context.ts';
import type { Logger } from './log.ts';
import {
  deregisterBroker,
  heartbeatBroker,
  listenBrokerChanges,
  liveBrokers,
  NodeIdInUseError,
  registerBroker,
  type BrokerRegistration,
  type RegisteredBroker,
} from '../store/brokers.ts';
import { isDatabaseUnavailable } from '../store/errors.ts';

export { NodeIdInUseError } from '../store/brokers.ts';

export interface BrokerRegistryOptions {
  /** How often the registration is renewed and the live brokers re-read (Kafka: broker.heartbeat.interval.ms). */
  heartbeatMs: number;
  /** A broker whose last heartbeat is older than this is gone (Kafka: broker.session.timeout.ms). Keep it several
   *  heartbeats long: between re-reads, known brokers lapse locally once this much time has passed. */
  staleMs: number;
}

const DEREGISTER_TIMEOUT_MS = 3000;
/** How soon a heartbeat that failed for want of PostgreSQL is tried again. */
const RETRY_MS = 500;

export const defaultBrokerRegistryOptions: BrokerRegistryOptions = { heartbeatMs: 5_000, staleMs: 20_000 };

interface Known {
  info: BrokerInfo;
  /** performance.now() after which the broker counts as gone unless a later read saw a newer heartbeat. */
  liveUntil: number;
}

export class BrokerRegistry implements ClusterView {
  readonly #sql: Sql;
  readonly #self: () => BrokerInfo;
  readonly #log: Logger;
  readonly #options: BrokerRegistryOptions;
  readonly #instanceId = randomUUID();
  /** The other live brokers, as last read. */
  #known: Known[] = [];
  #started = false;
  #registered = false;
  #closed = false;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #ticking: Promise<void> | null = null;
  #unlisten: (() => Promise<void>) | null = null;
  #reading: Promise<void> | null = null;
  #readAgain: Promise<void> | null = null;
  /** Whether a read of the registry has succeeded (before that, other brokers may be anywhere). */
  #readOnce = false;
  /** Whether heartbeats are failing for want of PostgreSQL. */
  #failing = false;

  /** `self` gives this broker's advertised endpoint (it is known once the listener is bound). */
  constructor(sql: Sql, self: () => BrokerInfo, log: Logger, options: Partial<BrokerRegistryOptions> = {}) {
    this.#sql = sql;
    this.#self = self;
    this.#log = log;
    this.#options = { ...defaultBrokerRegistryOptions, ...options };
  }

  /** Registers this broker, reads the live brokers and starts heartbeating. Throws NodeIdInUseError. */
  async start(): Promise<void> {
    if (this.#started || this.#closed) return;
    this.#started = true;
    await this.#register();
    this.#registered = true;
    if (this.#closed) {
      // Closed while registering: close() found nothing to deregister yet.
      await deregisterBroker(this.#sql, this.#self().nodeId, this.#instanceId).catch(() => {});
      return;
    }
    try {
      this.#unlisten = await listenBrokerChanges(this.#sql, () => void this.refresh());
    } catch (err) {
      this.#log.warn('could not listen for broker registrations (the broker list is re-read every heartbeat)', { err: (err as Error).message });
    }
    await this.refresh();
    this.#schedule();
  }

  brokers(): readonly BrokerInfo[] {
    const self = this.#self();
    const now = performance.now();
    const list = [self];
    for (const k of this.#known) if (k.liveUntil >= now && k.info.nodeId !== self.nodeId) list.push(k.info);
    return list.sort((a, b) => a.nodeId - b.nodeId);
  }

  /**
   * False only once the registry has been read and no other broker is live: then nobody else needs to hear of
   * this broker's appends. A broker that registers later announces itself (NOTIFY on the brokers channel), and
   * this registry reads again at once.
   */
  mayHavePeers(): boolean {
    return !this.#readOnce || this.brokers().length > 1;
  }

  controllerId(): number {
    return this.brokers()[0].nodeId;
  }

  async lookup(nodeId: number): Promise<BrokerInfo | null> {
    const find = () => this.brokers().find((b) => b.nodeId === nodeId) ?? null;
    const known = find();
    if (known || this.#closed || !this.#started) return known;
    await this.refresh();
    return find();
  }

  /** Re-reads the live brokers. Calls during a read share one further read (which sees every change before it). */
  refresh(): Promise<void> {
    if (this.#reading) {
      this.#readAgain ??= this.#reading.then(() => {
        this.#readAgain = null;
        return this.refresh();
      });
      return this.#readAgain;
    }
    this.#reading = this.#read().finally(() => {
      this.#reading = null;
    });
    return this.#reading;
  }

  async #read(): Promise<void> {
    if (this.#closed) return;
    const sentAt = performance.now();
    try {
      const rows = await liveBrokers(this.#sql, this.#options.staleMs);
      const selfId = this.#self().nodeId;
      this.#known = rows
        // Port 0: registered, but not listening yet (it binds a port of the OS's choosing and then updates its row).
        .filter((r) => r.nodeId !== selfId && r.port > 0)
        .map((r) => ({
          info: { nodeId: r.nodeId, host: r.host, port: r.port, rack: r.rack, endpoints: r.listeners },
          liveUntil: sentAt - r.heartbeatAgeMs + this.#options.staleMs,
        }));
      this.#readOnce = true;
    } catch (err) {
      if (!this.#closed) (isDatabaseUnavailable(err) ? this.#log.debug : this.#log.warn)('could not read the broker registry', { err: (err as Error).message });
    }
  }

  /** Writes this broker's advertised endpoint again (it was not known at registration) and tells the others. */
  async updateEndpoint(): Promise<void> {
    if (!this.#registered || this.#closed) return;
    await registerBroker(this.#sql, this.#registration(), this.#options.staleMs);
  }

  /** Registers, waiting out a holder of our node id that does not heartbeat any more; throws if it does. */
  async #register(): Promise<void> {
    const registration = this.#registration();
    let seen: RegisteredBroker | null = null;
    for (;;) {
      try {
        await registerBroker(this.#sql, registration, this.#options.staleMs);
        if (seen) this.#log.info('took over the node id from a registration that lapsed', { nodeId: registration.nodeId });
        return;
      } catch (err) {
        if (!(err instanceof NodeIdInUseError) || this.#closed) throw err;
        const holder = err.holder;
        if (isDeadPredecessor(holder)) {
          // Our own predecessor on this machine crashed (its process is gone): the node id is ours at once.
          await registerBroker(this.#sql, registration, this.#options.staleMs, holder.instanceId);
          this.#log.info('took over the node id from a crashed process on this host', { nodeId: registration.nodeId, pid: holder.processPid });
          return;
        }
        if (seen && (holder.instanceId !== seen.instanceId || holder.heartbeatAt.getTime() > seen.heartbeatAt.getTime())) throw err;
        if (!seen) {
          this.#log.warn('node id registered by another process: waiting to see whether it is alive', {
            nodeId: holder.nodeId,
            holder: `${holder.host}:${holder.port}`,
            lastHeartbeatMsAgo: Math.round(holder.heartbeatAgeMs),
          });
        }
        seen = holder;
        const untilStale = this.#options.staleMs - holder.heartbeatAgeMs + 10;
        await new Promise((resolve) => setTimeout(resolve, Math.max(10, Math.min(untilStale, this.#options.heartbeatMs))));
      }
    }
  }

  #registration(): BrokerRegistration {
    const { nodeId, host, port, rack, endpoints } = this.#self();
    return { nodeId, host, port, rack, listeners: endpoints, instanceId: this.#instanceId, processHost: hostname(), processPid: process.pid };
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#ticking = this.#tick().finally(() => {
        this.#ticking = null;
        this.#schedule();
      });
    }, this.#failing ? Math.min(RETRY_MS, this.#options.heartbeatMs) : this.#options.heartbeatMs);
  }

  async #tick(): Promise<void> {
    if (this.#closed) return;
    const self = this.#registration();
    try {
      if (!(await heartbeatBroker(this.#sql, self.nodeId, self.instanceId)) && !this.#closed) {
        // Our row was deleted, or taken over after our heartbeats lapsed: register again if the node id is free.
        try {
          await registerBroker(this.#sql, self, this.#options.staleMs);
          this.#log.warn('broker registration was lost; registered again', { nodeId: self.nodeId });
        } catch (err) {
          if (!(err instanceof NodeIdInUseError)) throw err;
          this.#log.error('another broker process took over this node id', { nodeId: self.nodeId, err: err.message });
        }
      }
      if (this.#failing) this.#log.info('broker heartbeat works again', { nodeId: self.nodeId });
      this.#failing = false;
    } catch (err) {
      // One WARN per database outage; the next heartbeat comes sooner until it works again.
      if (!this.#closed) (this.#failing ? this.#log.debug : this.#log.warn)('broker heartbeat failed', { err: (err as Error).message });
      this.#failing = isDatabaseUnavailable(err);
    }
    await this.refresh();
  }

  /** Stops heartbeating and deletes the registration (other brokers drop this one at once). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#ticking?.catch(() => {});
    await this.#reading?.catch(() => {});
    if (this.#unlisten) await this.#unlisten().catch(() => {});
    this.#unlisten = null;
    if (!this.#registered) return;
    // Bounded: an unreachable database must not hold shutdown up (the row then lapses after the window).
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, DEREGISTER_TIMEOUT_MS)));
    const done = deregisterBroker(this.#sql, this.#self().nodeId, this.#instanceId).then(
      () => {},
      (err: unknown) => this.#log.warn('could not deregister the broker', { err: (err as Error).message }),
    );
    await Promise.race([done, timeout]);
    clearTimeout(timer);
  }
}

/**
 * The registration was made from this host by a process that is gone: a pid no longer running, or our own pid
 * registered before this process started (a restarted container reuses its pid).
 */
function isDeadPredecessor(holder: RegisteredBroker): boolean {
  if (holder.processHost !== hostname() || holder.processPid === null || holder.processPid === undefined) return false;
  if (holder.processPid === process.pid) return holder.startedAt.getTime() < Date.now() - process.uptime() * 1000;
  if (existsSync('/proc/self')) {
    // Linux: gone, or a zombie not yet reaped by its parent (state Z in /proc/<pid>/stat).
    try {
      return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${holder.processPid}/stat`, 'utf8'));
    } catch {
      return true;
    }
  }
  try {
    process.kill(holder.processPid, 0);
    return false;
  } catch (err) {
    return (err as { code?: string }).code === 'ESRCH';
  }
}
