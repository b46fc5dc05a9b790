// SCRAM credentials (kafka.scram_credentials): read one user's at authentication time (so a user added through any
// broker works at once on every broker), list them, upsert and delete them. Never holds a password.
import type { Sql } from 'postgres';

export type ScramMechanismName = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

export interface ScramCredential {
  readonly user: string;
  readonly mechanism: ScramMechanismName;
  readonly salt: Uint8Array;
  readonly iterations: number;
  readonly storedKey: Uint8Array;
  readonly serverKey: Uint8Array;
}

interface Row {
  user_name: string;
  mechanism: ScramMechanismName;
  salt: Uint8Array;
  iterations: number;
  stored_key: Uint8Array;
  server_key: Uint8Array;
}

function fromRow(r: Row): ScramCredential {
  return { user: r.user_name, mechanism: r.mechanism, salt: r.salt, iterations: r.iterations, storedKey: r.stored_key, serverKey: r.server_key };
}

/** One user's credential for one mechanism, or null. */
export async function scramCredential(sql: Sql, user: string, mechanism: ScramMechanismName): Promise<ScramCredential | null> {
  const rows = await sql<Row[]>`
    select user_name, mechanism, salt, iterations, stored_key, server_key
    from kafka.scram_credentials where user_name = ${user} and mechanism = ${mechanism}`;
  return rows.length > 0 ? fromRow(rows[0]) : null;
}

/** Every credential of the given users (all users when null), by user then mechanism. */
export async function listScramCredentials(sql: Sql, users: readonly string[] | null = null): Promise<ScramCredential[]> {
  const rows = users === null
    ? await sql<Row[]>`select user_name, mechanism, salt, iterations, stored_key, server_key from kafka.scram_credentials order by user_name, mechanism`
    : await sql<Row[]>`
        select user_name, mechanism, salt, iterations, stored_key, server_key from kafka.scram_credentials
        where user_name = any(${users as string[]}) order by user_name, mechanism`;
  return rows.map(fromRow);
}

export async function upsertScramCredential(sql: Sql, c: ScramCredential): Promise<void> {
  await sql`
    insert into kafka.scram_credentials (user_name, mechanism, salt, iterations, stored_key, server_key)
    values (${c.user}, ${c.mechanism}, ${c.salt}, ${c.iterations}, ${c.storedKey}, ${c.serverKey})
    on conflict (user_name, mechanism) do update
      set salt = excluded.salt, iterations = excluded.iterations, stored_key = excluded.stored_key,
          server_key = excluded.server_key, updated_at = now()`;
}

/** Deletes one mechanism's credential (all of the user's when mechanism is null); returns how many went. */
export async function deleteScramCredential(sql: Sql, user: string, mechanism: ScramMechanismName | null): Promise<number> {
  const rows = mechanism === null
    ? await sql`delete from kafka.scram_credentials where user_name = ${user} returning 1`
    : await sql`delete from kafka.scram_credentials where user_name = ${user} and mechanism = ${mechanism} returning 1`;
  return rows.length;
}
