// The broker: one TCP or TLS server per listener (runtime/listeners.ts) whose connections dispatch to the API
// registry, plus the services handlers share. A TLS listener takes the client certificate's subject as principal.
// listen() registers the broker in the shared registry (runtime/broker-registry.ts) before it binds the ports: a
// broker whose node id another live process holds never answers a client. It then starts the group coordinator,
// which takes this broker's share of the coordinator slots.
// Shutdown stops accepting, deregisters, lets in-flight requests finish, closes services and the store.
// With httpPort set, listen() also serves the operations endpoint (runtime/http/: probes, metrics), the admin API
// (runtime/http/api/) and the web console (runtime/console/) until close().
// listen() also starts log retention (runtime/retention.ts), the SQL outbox mover (runtime/sql-outbox/) and, with
// --shadow-bootstrap-servers, shadow forwarding (runtime/shadow/).

import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { readFileSync } from 'node:fs';
import type { ListenerSpec } from './listeners.ts';
import { certificatePrincipal } from './sasl/certificate.ts';
import { bootstrapUser } from './sasl/users.ts';
import { authenticator } from './sasl/authenticator.ts';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';
import { loadRegistry, type Registry } from './registry.ts';
import { Connection, connectionsShared } from './connection.ts';
import type { BrokerInfo, BrokerServices, ClusterView, PrincipalFor, Service } from './context.ts';
import { createAuthorizer, type Authorizer } from './auth/authorizer.ts';
import { BrokerRegistry, type BrokerRegistryOptions } from './broker-registry.ts';
import type { Store } from '../store/index.ts';
import { transactionCoordinator } from './transactions/coordinator.ts';
import { startGroupCoordinator, type CoordinatorOptions } from './groups/coordinator.ts';
import { loadClusterId } from '../store/cluster.ts';
import { ping } from '../store/health.ts';
import { BrokerMetrics } from './metrics.ts';
import { offsetsSnapshot } from '../store/metrics-snapshot.ts';
import { createOpsApp } from './http/app.ts';
import { serveHttp, type HttpServer } from './http/serve.ts';
import { createApiApp } from './http/api/app.ts';
import { createConsoleApp } from './console/app.ts';
import { consoleSampler } from './console/sampler.ts';
import { retentionService } from './retention.ts';
import { BrokerSettings } from './broker-settings.ts';
import { sqlOutboxMover } from './sql-outbox/mover.ts';
import process from 'node:process';
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
  /** The principal of connections that do not authenticate, asked on their first request (default `User:ANONYMOUS`). */
  principalFor?: PrincipalFor;
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
  readonly authorizer: Authorizer;
  readonly principalFor: PrincipalFor | null;
  #info: BrokerInfo;
  readonly #cluster: BrokerRegistry;
  readonly #coordinatorOptions: Partial<CoordinatorOptions>;
  #servers: { spec: ListenerSpec; server: Server; port: number }[] = [];
  #connections = new Set<Connection>();
  #services = new Map<string, Service>();
  #isClosing = false;
  #serving = false;
  #http: HttpServer | null = null;
  #beginClosing!: () => void;

  private constructor(options: BrokerOptions & { registry: Registry; clusterId: string; authorizer: Authorizer }) {
    this.authorizer = options.authorizer;
    this.principalFor = options.principalFor ?? null;
    this.config = options.config;
    this.store = options.store;
    this.log = options.log;
    this.registry = options.registry;
    this.clusterId = options.clusterId;
    const endpoints = options.config.listenerSpecs.map((l) => ({ name: l.name, host: l.advertisedHost, port: l.advertisedPort }));
    this.#info = { nodeId: options.config.nodeId, host: options.config.advertisedHost, port: options.config.advertisedPort, rack: null, endpoints };
    this.#cluster = new BrokerRegistry(options.store.sql, () => this.#info, options.log, options.brokerRegistry);
    this.#coordinatorOptions = options.groupCoordinator ?? {};
    this.closing = new Promise((resolve) => (this.#beginClosing = resolve));
    this.metrics = new BrokerMetrics({ openConnections: () => this.#connections.size, brokers: () => [...this.#cluster.brokers()] });
    const ownScope = String(options.config.nodeId);
    this.settings = new BrokerSettings(options.config, () => this.#info, () => ({
      perBroker: options.store.brokerConfigs(ownScope),
      clusterDefault: options.store.brokerConfigs(''),
    }));
  }

  static async create(options: BrokerOptions): Promise<Broker> {
    const registry = options.registry ?? (await loadRegistry());
    const clusterId = await loadClusterId(options.store.sql);
    const authorizer = await createAuthorizer(options.config, options.store.sql, options.log);
    return new Broker({ ...options, registry, clusterId, authorizer });
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

  /** The port actually bound by the first listener (useful with port 0). */
  get port(): number {
    return this.#servers[0]?.port ?? this.config.port;
  }

  /** The port actually bound by a listener, by name. */
  listenerPort(name: string): number {
    const l = this.#servers.find((s) => s.spec.name === name.toUpperCase());
    if (!l) throw new Error(`no listener ${name}`);
    return l.port;
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
    try {
      for (const spec of this.config.listenerSpecs) this.#servers.push(await this.#bind(spec));
    } catch (err) {
      await this.close();
      throw err;
    }
    // With port 0 (tests), advertise the port we actually got (registered as port 0: not listed until now).
    const endpoints = this.#servers.map(({ spec, port }) => ({ name: spec.name, host: spec.advertisedHost, port: spec.advertisedPort || port }));
    const first = this.#servers[0];
    const port = this.config.listeners === undefined && first.spec.port === 0 ? this.config.advertisedPort || first.port : endpoints[0].port;
    if (port !== this.#info.port || endpoints.some((e, i) => e.port !== this.#info.endpoints[i]?.port)) {
      this.#info = { ...this.#info, port, endpoints: endpoints.map((e, i) => (i === 0 ? { ...e, port } : e)) };
      await this.#cluster.updateEndpoint();
    }
    if (this.config.saslBootstrapUser !== undefined) {
      const password = process.env.PGKAFKA_SASL_BOOTSTRAP_PASSWORD;
      if (!password) this.log.warn('saslBootstrapUser is set but PGKAFKA_SASL_BOOTSTRAP_PASSWORD is not: no user created', { user: this.config.saslBootstrapUser });
      else if (await bootstrapUser(this.store.sql, this.config.saslBootstrapUser, password)) this.log.info('bootstrap SASL user created', { user: this.config.saslBootstrapUser });
    }
    // Appends are announced to other brokers (NOTIFY) only while there may be any.
    this.store.setAppendAudience(() => this.#cluster.mayHavePeers());
    if (this.config.httpPort !== undefined) {
      const app = createOpsApp({
        state: () => (this.#isClosing ? 'closing' : this.#serving ? 'serving' : 'starting'),
        ping: () => ping(this.store.sql),
        metrics: async () => {
          // The kafka_exporter-style gauges: one query per scrape; without it, the rest is still served.
          try {
            this.metrics.collect(await offsetsSnapshot(this.store.sql));
          } catch (err) {
            this.log.warn('metrics: offsets snapshot failed', { err: err as Error });
          }
          return this.metrics.render();
        },
        authenticate: this.config.listenerSpecs.some((l) => l.sasl)
          ? (user, password) => authenticator(this).checkPassword(user, password)
          : undefined,
        shadowStatus: this.config.shadowBootstrapServers ? (topic) => shadowStatus(this.store.sql, topic) : undefined,
      });
      // The admin API (/api, OpenAPI at /api/openapi.json) and the web console (/) on the same endpoint.
      app.route('/', createApiApp(this));
      app.route('/', createConsoleApp(this));
      consoleSampler(this); // samples produce rates and group lag for the console; closed with the other services
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
    // Records sent from SQL (kafka.send) are moved into the log by one broker of the database at a time.
    sqlOutboxMover(this);
    this.#serving = true;
    const listeners = this.#servers.map(({ spec, port }) => `${spec.name}://${spec.host}:${port}`).join(',');
    this.log.info('listening', { listeners, advertised: this.#info.endpoints.map((e) => `${e.name}://${e.host}:${e.port}`).join(','), http: this.#http?.port, apis: this.registry.list().length });
  }

  /** Binds one listener: plain TCP, or TLS with the configured certificate (and client certificates when asked). */
  async #bind(spec: ListenerSpec): Promise<{ spec: ListenerSpec; server: Server; port: number }> {
    let server: Server;
    if (spec.tls) {
      const c = this.config;
      const clientAuth = c.sslClientAuth;
      server = createTlsServer({
        cert: readFileSync(c.sslCert as string),
        key: readFileSync(c.sslKey as string),
        ca: c.sslCa !== undefined ? readFileSync(c.sslCa) : undefined,
        requestCert: clientAuth !== 'none',
        rejectUnauthorized: clientAuth === 'required',
      }, (socket: TLSSocket) => this.#accept(socket, spec, socket));
      server.on('tlsClientError', (err: Error, socket: TLSSocket) => {
        this.log.warn('TLS handshake failed: connection closed', { listener: spec.name, remote: `${socket.remoteAddress}:${socket.remotePort}`, err: err.message });
        socket.destroy();
      });
    } else {
      server = createServer({ noDelay: true }, (socket: Socket) => this.#accept(socket, spec, null));
    }
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(spec.port, spec.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address();
    return { spec, server, port: typeof addr === 'object' && addr ? addr.port : spec.port };
  }

  #accept(socket: Socket, spec: ListenerSpec, tls: TLSSocket | null): void {
    if (this.#isClosing) {
      socket.destroy();
      return;
    }
    let certPrincipal: string | null = null;
    if (tls && this.config.sslClientAuth !== 'none') {
      const peer = tls.getPeerCertificate(false);
      const presented = peer && Object.keys(peer).length > 0;
      if (presented && !tls.authorized) {
        this.log.warn('client certificate not trusted: connection closed', { listener: spec.name, remote: `${socket.remoteAddress}:${socket.remotePort}`, err: String(tls.authorizationError) });
        socket.destroy();
        return;
      }
      if (presented) certPrincipal = certificatePrincipal(peer.raw);
    }
    const conn = new Connection(socket, this, spec, certPrincipal);
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
    const stopped = Promise.all(this.#servers.map(({ server }) => new Promise<void>((resolve) => server.close(() => resolve()))));
    await this.#cluster.close();
    await Promise.all([...this.#connections].map((c) => c.drain()));
    await Promise.race([Promise.all([...this.#connections].map((c) => c.closed)), new Promise((r) => setTimeout(r, 2000))]);
    for (const c of this.#connections) c.destroy('shutdown');
    await stopped;
    await this.authorizer.close();
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
