// Health: the one query a readiness probe runs to see that PostgreSQL answers.

import type { Sql } from './db.ts';

/** Resolves when PostgreSQL answers `select 1` through the pool; rejects with the driver's error otherwise. */
export async function ping(sql: Sql): Promise<void> {
  await sql`select 1`;
}
