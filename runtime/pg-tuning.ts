// The start-up check of a user's own PostgreSQL (DATABASE_URL): server settings that hurt the broker and that it
// cannot set for its own sessions, each a WARN line with the value to use. The values are the embedded
// PostgreSQL's (runtime/embedded-postgres.ts, where the measurements behind them are). A pure function of the
// settings (tuningWarnings), plus the reading and logging (checkServerTuning).
import type { Logger } from './log.ts';
import { readServerSettings, type ServerSetting } from '../store/server-settings.ts';
import type { Durability } from '../store/index.ts';

export const CHECKED_SETTINGS = ['max_wal_size', 'shared_buffers', 'synchronous_commit', 'fsync'] as const;

const MiB = 2 ** 20;

/** A pg_settings value with its unit ('8kB', 'MB', 'kB', 'B' ...) in bytes; null when it is not a size. */
export function settingBytes(s: ServerSetting | undefined): number | null {
  if (!s) return null;
  const value = Number(s.setting);
  if (!Number.isFinite(value)) return null;
  const m = /^(\d*)\s*(B|kB|MB|GB|TB)$/.exec(s.unit ?? '');
  if (!m) return null;
  const scale = { B: 1, kB: 2 ** 10, MB: MiB, GB: 2 ** 30, TB: 2 ** 40 }[m[2] as 'B' | 'kB' | 'MB' | 'GB' | 'TB'];
  return value * Number(m[1] || 1) * scale;
}

/** One line per server setting that hurts the broker, saying what to use instead. */
export function tuningWarnings(settings: Readonly<Record<string, ServerSetting>>, durability: Durability): string[] {
  const out: string[] = [];
  const walSize = settingBytes(settings.max_wal_size);
  if (walSize !== null && walSize < 4096 * MiB) {
    out.push(
      `PostgreSQL max_wal_size is ${walSize / MiB}MB: a few hundred MB of produce set off a checkpoint that halves ` +
        `produce throughput; use max_wal_size=4GB (the WAL may then use up to that much disk between checkpoints)`,
    );
  }
  const buffers = settingBytes(settings.shared_buffers);
  if (buffers !== null && buffers <= 128 * MiB) {
    out.push(
      `PostgreSQL shared_buffers is ${buffers / MiB}MB: the hot tail of the log does not fit and consumers' first ` +
        `reads write out evicted pages; use shared_buffers=1GB (or a quarter of the PostgreSQL machine's memory, if less)`,
    );
  }
  if (durability === 'flush' && settings.synchronous_commit?.setting === 'off') {
    out.push(
      `PostgreSQL synchronous_commit is off by default on this server: with --durability=flush the broker sets ` +
        `synchronous_commit=on for its own sessions (use --durability=relaxed to accept losing the last writes on a crash)`,
    );
  }
  if (settings.fsync?.setting === 'off') {
    out.push(`PostgreSQL fsync is off: a PostgreSQL or operating-system crash can lose or corrupt acknowledged records; use fsync=on`);
  }
  return out;
}

/** Reads the server's settings and logs tuningWarnings; a failed read is itself a WARN line, never fatal. */
export async function checkServerTuning(url: string, durability: Durability, log: Logger): Promise<void> {
  let settings: Record<string, ServerSetting>;
  try {
    settings = await readServerSettings(url, CHECKED_SETTINGS);
  } catch (err) {
    log.warn('could not read the PostgreSQL server settings to check them', { err: (err as Error).message });
    return;
  }
  for (const line of tuningWarnings(settings, durability)) log.warn(line);
}
