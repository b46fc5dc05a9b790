// The cluster id: derived from the PostgreSQL cluster's system identifier and database name, so every broker
// process sharing one database reports the same id and a different database gives a different one.

import { createHash } from 'node:crypto';
import type { Sql } from 'postgres';

export async function loadClusterId(sql: Sql): Promise<string> {
  const [row] = await sql<{ id: string; db: string }[]>`
    select system_identifier::text as id, current_database() as db from pg_control_system()`;
  const digest = createHash('sha256').update(`${row.id}/${row.db}`).digest();
  // Kafka's cluster ids are 16 bytes in URL-safe base64 without padding (22 characters).
  return digest.subarray(0, 16).toString('base64url');
}
