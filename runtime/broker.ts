// The broker: a TCP listener whose connections dispatch to the API registry, plus the services handlers share.
// listen() registers the broker in the shared registry (runtime/broker-registry.ts) before it binds the port: a
// broker whose node id another live process holds never answers a client. It then starts the group coordinator,
// which takes this broker's share of the coordinator slots.
// Shutdown stops accepting, deregisters, lets in-flight requests finish, closes services and the store.
// With httpPort set, listen() also serves the operations endpoint (runtime/http/: probes, metrics) until close().
// listen() also starts log retention (runtime/retention.ts) and, with --shadow-bootstrap-servers, shadow forwarding.

import { createServer, type Server, type Socket } from 'node:net';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';
import { loadRegistry, type Registry } from './registry.ts';
import { Connection, connectionsShared } from './connection.ts';
import type { BrokerInfo, BrokerServices, ClusterView, Service } from './context.ts';
import { BrokerRegistry, type BrokerRegistryOptions } from './broker-registry.ts';
import type { Store } from '../store/index.ts';
import { transactionCoordinator } from './transactions/coordinator.ts';
import { startGroupCoordinator, type CoordinatorOptions } from './groups/coordinator.ts';
import { loadClusterId } from '../store/cluster.ts';
import { ping } from '../store/health.ts';
import { BrokerMetrics } from './metrics.ts';
import { createOpsApp } from './http/app.ts';
import { serveHttp, type HttpServer } from './http/serve.ts';
import { retentionService } from './retention.ts';
import { BrokerSettings } from './broker-settings.ts';
import { shadowService } from './shadow/service.ts';
import { shadowStatus } from '../store/shadow.ts';

export interface BrokerOptions {
  config: Config;
  store: Store;
  log: Logger;
  registry?: Registry;
  /** Heartbeat and liveness timings of the broker registry (tests shorten them). */
  brokerRegistry?: Partial<BrokerRegistryOptions>;
  /** Lease timings of the group coordinator (tests shorten them). */
  groupCoordinator?: Partial<CoordinatorOptions>;
}

export class Broker implements BrokerServices {
  readonly config: Config;
  readonly store: Store;
  readonly log: Logger;
  readonly registry: Registry;
  readonly clusterId: string;
  readonly closing: Promise<void>;
  readonly metrics: BrokerMetrics;
  readonly settings: BrokerSettings;
  #info: BrokerInfo;
  readonly #cluster: BrokerRegistry;
  readonly #coordinatorOptions: Partial<CoordinatorOptions>;
  #server: Server | null = null;
  #connections = new Set<Connection>();
  #services = new Map<string, Service>();
  #isClosing = false;
  #serving = false;
  #http: HttpServer | null = null;
  #beginClosing!: () => void;

  private constructor(options: BrokerOptions & { registry: Registry; clusterId: string }) {
    this.config = options.config;
    this.store = options.store;
    this.log = options.log;
    this.registry = options.registry;
    this.clusterId = options.clusterId;
    this.#info = { nodeId: options.config.nodeId, host: options.config.advertisedHost, port: options.config.advertisedPort, rack: null };
    this.#cluster = new BrokerRegistry(options.store.sql, () => this.#info, options.log, options.brokerRegistry);
    this.#coordinatorOptions = options.groupCoordinator ?? {};
    this.closing = new Promise((resolve) => (this.#beginClosing = resolve));
    this.metrics = new BrokerMetrics({ openConnections: () => this.#connections.size });
    const ownScope = String(options.config.nodeId);
    this.settings = new BrokerSettings(options.config, () => this.#info, () => ({
      perBroker: options.store.brokerConfigs(ownScope),
      clusterDefault: options.store.brokerConfigs(''),
    }));
  }

  static async create(options: BrokerOptions): Promise<Broker> {
    const registry = options.registry ?? (await loadRegistry());
    const clusterId = await loadClusterId(options.store.sql);
    return new Broker({ ...options, registry, clusterId });
  }

  get info(): BrokerInfo {
    return this.#info;
  }

  get cluster(): ClusterView {
    return this.#cluster;
  }

  get isClosing(): boolean {
    return this.#isClosing;
  }

  /** Connections open right now (for tests). */
  get openConnections(): number {
    return this.#connections.size;
  }

  /** Requests read and not yet finished, closed connections' included (for tests). */
  get requestsInFlight(): number {
    return connectionsShared(this).requestsInFlight;
  }

  /** The port actually bound (useful with port 0). */
  get port(): number {
    const addr = this.#server?.address();
    return typeof addr === 'object' && addr ? addr.port : this.config.port;
  }

  /** The operations HTTP port actually bound, or null without httpPort (or before listen()). */
  get httpPort(): number | null {
    return this.#http?.port ?? null;
  }

  service<T extends Service>(name: string, create: (broker: BrokerServices) => T): T {
    let s = this.#services.get(name);
    if (!s) {
      s = create(this);
      this.#services.set(name, s);
    }
    return s as T;
  }

  async listen(): Promise<void> {
    // The node id first: until the registration is confirmed, nobody may reach this broker as that node.
    try {
      await this.#cluster.start();
    } catch (err) {
      // Another live broker has our node id (NodeIdInUseError), or the registry could not be written: do not serve.
      await this.close();
      throw err;
    }
    const server = createServer({ noDelay: true }, (socket: Socket) => this.#accept(socket));
    this.#server = server;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.config.port, this.config.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      // With port 0 (tests), advertise the port we actually got (registered as port 0: not listed until now).
      if (this.#info.port === 0) {
        this.#info = { ...this.#info, port: this.port };
        await this.#cluster.updateEndpoint();
      }
    } catch (err) {
      this.#server = null;
      server.close();
      await this.close();
      throw err;
    }
    // Appends are announced to other brokers (NOTIFY) only while there may be any.
    this.store.setAppendAudience(() => this.#cluster.mayHavePeers());
    if (this.config.httpPort !== undefined) {
      const app = createOpsApp({
        state: () => (this.#isClosing ? 'closing' : this.#serving ? 'serving' : 'starting'),
        ping: () => ping(this.store.sql),
        metrics: () => this.metrics.render(),
        shadowStatus: this.config.shadowBootstrapServers ? (topic) => shadowStatus(this.store.sql, topic) : undefined,
      });
      try {
        this.#http = await serveHttp((r) => app.fetch(r), this.config.host, this.config.httpPort, (err) => this.log.error('http request failed', { err }));
      } catch (err) {
        await this.close();
        throw err;
      }
    }
    retentionService(this); // deletes old records every logRetentionCheckIntervalMs; closed with the other services
    shadowService(this); // forwards shadowed topics to the external cluster; null (nothing runs) without one
    // The transaction coordinator's sweeper aborts timed-out transactions, also those a previous process left open.
    transactionCoordinator(this);
    // The group coordinator takes this broker's share of the coordinator slots now, not on the first group request.
    startGroupCoordinator(this, this.#coordinatorOptions);
    this.#serving = true;
    this.log.info('listening', { host: this.config.host, port: this.port, advertised: `${this.#info.host}:${this.#info.port}`, http: this.#http?.port, apis: this.registry.list().length });
  }

  #accept(socket: Socket): void {
    if (this.#isClosing) {
      socket.destroy();
      return;
    }
    const conn = new Connection(socket, this);
    this.#connections.add(conn);
    this.log.debug('connection opened', { conn: conn.id, remote: `${socket.remoteAddress}:${socket.remotePort}` });
    void conn.closed.then(() => {
      this.#connections.delete(conn);
      this.log.debug('connection closed', { conn: conn.id });
    });
  }

  async close(): Promise<void> {
    if (this.#isClosing) return;
    this.#isClosing = true;
    this.#beginClosing();
    const server = this.#server;
    const stopped = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    await this.#cluster.close();
    await Promise.all([...this.#connections].map((c) => c.drain()));
    await Promise.race([Promise.all([...this.#connections].map((c) => c.closed)), new Promise((r) => setTimeout(r, 2000))]);
    for (const c of this.#connections) c.destroy('shutdown');
    await stopped;
    for (const [name, s] of this.#services) {
      try {
        await s.close?.();
      } catch (err) {
        this.log.error('service close failed', { service: name, err: err as Error });
      }
    }
    await this.#http?.close();
    this.log.info('broker stopped');
  }
}
