// What PostgreSQL's backends wait on, sampled: reads pg_stat_activity every few milliseconds for a while, then
// prints how often each wait event was seen on an active backend, and the longest stretches one backend spent in
// one wait (a commit held up by a slow WAL flush shows as a long IO/WalSync). A diagnostic for latency tails; it
// prints figures and asserts nothing.
//
//   node --import ./runtime/node/register.mjs scripts/pg-waits.ts <database-url> [seconds=15] [interval-ms=2]
//   deno run -A scripts/pg-waits.ts <database-url> [seconds] [interval-ms]
//
// The embedded PostgreSQL's URL is printed at start with the password masked; the password is in
// <data-dir>/pg-kafka.json.

import process from 'node:process';
import { connect } from '../store/db.ts';

interface Sample {
  pid: number;
  wait: string;
  query: string;
}

/** A stretch of consecutive samples in which one backend was in one wait. */
interface Stretch {
  pid: number;
  wait: string;
  query: string;
  from: number;
  to: number;
}

async function main(): Promise<void> {
  const [url, secondsArg, intervalArg] = process.argv.slice(2);
  if (!url) {
    console.error('usage: scripts/pg-waits.ts <database-url> [seconds=15] [interval-ms=2]');
    process.exit(2);
  }
  const seconds = Number(secondsArg ?? 15);
  const intervalMs = Number(intervalArg ?? 2);
  const sql = connect(url, { max: 1 });
  const counts = new Map<string, number>();
  const open = new Map<number, Stretch>();
  const stretches: Stretch[] = [];
  let samples = 0;
  const end = performance.now() + seconds * 1000;
  try {
    while (performance.now() < end) {
      const rows = await sql<Sample[]>`
        select pid, coalesce(wait_event_type || '/' || wait_event, 'CPU') as wait, left(regexp_replace(query, '\\s+', ' ', 'g'), 60) as query
        from pg_stat_activity
        where pid <> pg_backend_pid() and backend_type = 'client backend' and state = 'active'`;
      const at = performance.now();
      samples++;
      const seen = new Set<number>();
      for (const r of rows) {
        counts.set(r.wait, (counts.get(r.wait) ?? 0) + 1);
        seen.add(r.pid);
        const s = open.get(r.pid);
        if (s && s.wait === r.wait) {
          s.to = at;
        } else {
          if (s) stretches.push(s);
          open.set(r.pid, { pid: r.pid, wait: r.wait, query: r.query, from: at, to: at });
        }
      }
      for (const [pid, s] of open) {
        if (!seen.has(pid)) {
          stretches.push(s);
          open.delete(pid);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  } finally {
    await sql.end();
  }
  stretches.push(...open.values());
  console.log(`${samples} samples of active client backends over ${seconds} s (every ${intervalMs} ms and a query apart)`);
  console.log('wait event                               samples');
  for (const [wait, n] of [...counts].sort((a, b) => b[1] - a[1])) console.log(`${wait.padEnd(40)} ${n}`);
  const long = stretches.filter((s) => s.wait !== 'CPU' && s.to - s.from >= 10).sort((a, b) => b.to - b.from - (a.to - a.from));
  console.log(`stretches of 10 ms or more in one wait: ${long.length}`);
  for (const s of long.slice(0, 15)) {
    console.log(`  ${(s.to - s.from).toFixed(0).padStart(5)} ms  ${s.wait.padEnd(24)} pid ${s.pid}  ${s.query}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
