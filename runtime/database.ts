// Finds the database as `npm start` does: DATABASE_URL (--database-url), or else the embedded PostgreSQL of
// --data-dir, started here (and stopped by the caller). Shared by runtime/main.ts and scripts/users.ts.

import { resolve } from 'node:path';
import type { Config } from './config.ts';
import { maskUrl } from './config.ts';
import type { Logger } from './log.ts';
import { startEmbeddedPostgres } from './embedded-postgres.ts';

export interface Database {
  readonly url: string;
  /** Stops the embedded PostgreSQL (a no-op for DATABASE_URL). */
  stop(): Promise<void>;
}

export async function openDatabase(config: Config, log: Logger): Promise<Database> {
  if (config.databaseUrl) return { url: config.databaseUrl, stop: async () => {} };
  // PostgreSQL's own log lines go to debug, except its warnings and errors.
  const pgLog = (m: string) => (/^postgres:.*\b(WARNING|ERROR|FATAL|PANIC):/.test(m) ? log.warn(m) : m.startsWith('postgres:') ? log.debug(m) : log.info(m));
  const pg = await startEmbeddedPostgres({ dataDir: resolve(config.dataDir), log: pgLog });
  log.info('embedded PostgreSQL started', { dataDir: resolve(config.dataDir), url: maskUrl(pg.url) });
  // The Unix socket in the data folder reads faster than loopback TCP; other tools can use pg.url.
  return { url: pg.socketUrl ?? pg.url, stop: () => pg.stop() };
}
