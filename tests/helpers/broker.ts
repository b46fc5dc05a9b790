// Starts a broker for a test file: a fresh database on the test PostgreSQL, the store, and the broker on a
// free port of 127.0.0.1. Everything is torn down by stop(). Its log lines can be captured (onLog).

import { loadConfig, type ConfigInput, type Config } from '../../runtime/config.ts';
import { createLogger, type LogLevel } from '../../runtime/log.ts';
import { Broker, type BrokerOptions } from '../../runtime/broker.ts';
import { openStore, type Store } from '../../store/index.ts';
import { createTestDatabase } from './database.ts';
import process from 'node:process';
import { ANONYMOUS, type BrokerServices, type RequestContext } from '../../runtime/context.ts';

export interface TestBroker {
  broker: Broker;
  store: Store;
  config: Config;
  port: number;
  /** "127.0.0.1:port", for clients. */
  address: string;
  databaseUrl: string;
  /** Stops the broker and store but keeps the database (for restart tests). */
  stopBroker(): Promise<void>;
  /** Stops everything and drops the database. */
  stop(): Promise<void>;
}

export interface TestBrokerOptions {
  /** Share this database (another test broker's) instead of creating one. */
  databaseUrl?: string;
  /** Broker registry timings (heartbeat, liveness window). */
  brokerRegistry?: BrokerOptions['brokerRegistry'];
  /** The APIs to serve instead of every module in apis/. */
  registry?: BrokerOptions['registry'];
  /** Also hands every line the broker logs (at the configured level) to this function, e.g. to look for ERROR lines. */
  onLog?: (line: string) => void;
  /** Group coordinator lease timings. */
  groupCoordinator?: BrokerOptions['groupCoordinator'];
  /** The principal of each connection, as BrokerOptions.principalFor (e.g. from the client id: ACL tests). */
  principalFor?: BrokerOptions['principalFor'];
}

export async function startTestBroker(overrides: ConfigInput = {}, options: TestBrokerOptions = {}): Promise<TestBroker> {
  const db = options.databaseUrl ? null : await createTestDatabase();
  const databaseUrl = options.databaseUrl ?? (db as { url: string }).url;
  // With listeners, host and port are not used (both given is a configuration error).
  const address = overrides.listeners === undefined ? { host: '127.0.0.1', port: 0 } : {};
  const config = loadConfig([], {}, {
    ...address,
    databaseUrl,
    groupInitialRebalanceDelayMs: 0,
    logLevel: (process.env.PGKAFKA_TEST_LOG_LEVEL as LogLevel | undefined) ?? 'warn',
    ...overrides,
  });
  const onLog = options.onLog;
  const log = onLog
    ? createLogger(config.logLevel, (line) => {
      onLog(line);
      process.stderr.write(line + '\n');
    })
    : createLogger(config.logLevel);
  const store = await openStore(databaseUrl, { durability: config.durability });
  let broker: Broker;
  try {
    broker = await Broker.create({ config, store, log, brokerRegistry: options.brokerRegistry, registry: options.registry, groupCoordinator: options.groupCoordinator, principalFor: options.principalFor });
    await broker.listen();
  } catch (err) {
    await store.close();
    if (db) await db.drop();
    throw err;
  }
  let brokerStopped = false;
  const stopBroker = async () => {
    if (brokerStopped) return;
    brokerStopped = true;
    await broker.close();
    await store.close();
  };
  return {
    broker,
    store,
    config,
    port: broker.port,
    address: `127.0.0.1:${broker.port}`,
    databaseUrl,
    stopBroker,
    async stop() {
      await stopBroker();
      if (db) await db.drop();
    },
  };
}

