// SCRAM users as people manage them: create or replace a user's credentials from a password (every SCRAM
// mechanism, or one), and the bootstrap user created at start when it does not exist yet. The password is used
// for the key derivation and dropped; only salt, iterations and keys reach PostgreSQL.

import type { Sql } from 'postgres';
import { listScramCredentials, upsertScramCredential } from '../../store/scram-credentials.ts';
import { makeCredential, SCRAM_MECHANISMS, SCRAM_MIN_ITERATIONS, type ScramMechanism } from './scram.ts';

export async function setUserPassword(sql: Sql, user: string, password: string, mechanisms: readonly ScramMechanism[] = SCRAM_MECHANISMS, iterations = SCRAM_MIN_ITERATIONS): Promise<void> {
  for (const m of mechanisms) await upsertScramCredential(sql, await makeCredential(m, user, password, iterations));
}

/** Creates `user` (SCRAM-SHA-256 and -512) unless it has credentials already; true when it was created. */
export async function bootstrapUser(sql: Sql, user: string, password: string): Promise<boolean> {
  if ((await listScramCredentials(sql, [user])).length > 0) return false;
  await setUserPassword(sql, user, password);
  return true;
}
