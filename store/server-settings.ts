// Reads PostgreSQL server settings as a new session sees them (server, database and role defaults), on a
// connection of its own without the broker's session settings, for the start-up tuning check (runtime/pg-tuning.ts).
import { connect } from './db.ts';

/** A row of pg_settings: the value as text and its unit (e.g. '8kB', 'MB', 'ms'; null when it has none). */
export interface ServerSetting {
  setting: string;
  unit: string | null;
}

export async function readServerSettings(url: string, names: readonly string[]): Promise<Record<string, ServerSetting>> {
  const sql = connect(url, { max: 1, applicationName: 'pg-kafka settings check' });
  try {
    const rows = await sql<{ name: string; setting: string; unit: string | null }[]>`
      select name, setting, unit from pg_settings where name = any(${names as string[]})`;
    return Object.fromEntries(rows.map((r) => [r.name, { setting: r.setting, unit: r.unit }]));
  } finally {
    await sql.end({ timeout: 5 });
  }
}
