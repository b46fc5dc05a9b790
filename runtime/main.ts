// Entry point: reads the configuration, starts the embedded PostgreSQL when no database URL is given,
// opens the store, starts the broker and shuts everything down on SIGINT/SIGTERM.

import process from 'node:process';
import { ConfigError, describeConfig, loadConfig } from './config.ts';
import { createLogger } from './log.ts';
import { Broker } from './broker.ts';
import { NodeIdInUseError } from './broker-registry.ts';
import { openDatabase } from './database.ts';
import { openStore } from '../store/index.ts';
import { checkServerTuning } from './pg-tuning.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  // Last resort: postgres.js 3.4.9 can throw from its own timers when a connection closes (porsager/postgres#1208;
  // store/db.ts avoids the paths we know). Such an error concerns one pooled database connection (which may stay
  // broken): it is logged and the broker serves on with the others. Anything else ends the process, as without a
  // handler.
  process.on('uncaughtException', (err) => {
    if (/[\\/]postgres[\\/]src[\\/]/.test(err?.stack ?? '')) {
      log.warn('PostgreSQL driver error outside any request (serving on)', { err });
      return;
    }
    log.error('uncaught exception', { err });
    process.exit(1);
  });
  log.info('pg-kafka starting', { config: describeConfig(config) });

  const embedded = await openDatabase(config, log);
  // A user's own PostgreSQL: warn about server settings that hurt the broker (the embedded one has them set).
  if (config.databaseUrl) await checkServerTuning(embedded.url, config.durability, log);
  const store = await openStore(embedded.url, { log: (m: string) => log.info(m), durability: config.durability });
  const broker = await Broker.create({ config, store, log });
  try {
    await broker.listen();
  } catch (err) {
    // The port is taken, or another live broker has this node id (NodeIdInUseError says which, and what to do).
    log.error('could not start the broker', { err: err instanceof NodeIdInUseError ? err.message : (err as Error) });
    await broker.close();
    await store.close();
    await embedded.stop();
    process.exit(1);
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    await broker.close();
    await store.close();
    await embedded.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
