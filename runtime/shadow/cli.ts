// `npm run shadow -- <command>`: shadow mode from the command line, against the database `npm start` uses
// (--database-url / DATABASE_URL, else the embedded PostgreSQL of --data-dir: the running one when a broker has it
// up, started for the command otherwise). Commands:
//   status [topic]                  every shadowed partition's state (kafka.shadow_status)
//   cutover-check <topic>           exit 0 when lag is zero, no record is parked and every group is synced, else 1
//   pause <topic> | resume <topic>  stops / restarts forwarding of the topic's partitions
//   replay <topic> --from earliest|<offset>|<ISO timestamp>
//                                   moves the forwarded position back; the partition's one forwarder sends the range
//                                   in order before anything newer; a progress bar follows it (records/s, ETA)

import process from 'node:process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { loadConfig } from '../config.ts';
import { startEmbeddedPostgres } from '../embedded-postgres.ts';
import { openStore, type Store } from '../../store/index.ts';
import { setShadowPaused, shadowStatus, startReplay, type ShadowStatusRow } from '../../store/shadow.ts';

const USAGE = 'usage: npm run shadow -- status [topic] | cutover-check <topic> | pause <topic> | resume <topic> | replay <topic> --from earliest|<offset>|<ISO timestamp> [--database-url ... | --data-dir ...]';

async function connectStore(flags: string[]): Promise<{ store: Store; stop: () => Promise<void> }> {
  const config = loadConfig(flags, process.env);
  if (config.databaseUrl) {
    const store = await openStore(config.databaseUrl);
    return { store, stop: () => store.close() };
  }
  const dataDir = resolve(config.dataDir);
  try {
    // A broker has the embedded PostgreSQL up: use it (starting another would stop it).
    const state = JSON.parse(readFileSync(join(dataDir, 'pg-kafka.json'), 'utf8')) as { user: string; password: string; port: number };
    readFileSync(join(dataDir, 'postmaster.pid'));
    const store = await openStore(`postgresql://${state.user}:${encodeURIComponent(state.password)}@127.0.0.1:${state.port}/postgres`);
    return { store, stop: () => store.close() };
  } catch {
    const pg = await startEmbeddedPostgres({ dataDir });
    const store = await openStore(pg.socketUrl ?? pg.url);
    return { store, stop: async () => {
      await store.close();
      await pg.stop();
    } };
  }
}

function printStatus(rows: ShadowStatusRow[]): void {
  if (rows.length === 0) {
    console.log('no shadowed partition');
    return;
  }
  console.table(rows.map((r) => ({
    topic: r.topic, partition: r.partition, mode: r.mode, state: r.state, hw: r.highWatermark, forwarded: r.forwardedOffset,
    lag: r.lagRecords, 'lag s': Math.round(r.lagSeconds), parked: r.parked, 'unsynced groups': r.unsyncedGroups,
    replay: r.replayProgress === null ? '' : `${Math.floor(r.replayProgress * 100)}%`, error: r.lastError ?? '',
  })));
}

async function topicOf(store: Store, name: string | undefined) {
  if (!name) throw new Error(USAGE);
  const topic = (await store.getTopics([name])).get(name);
  if (!topic) throw new Error(`unknown topic ${name}`);
  return topic;
}

async function replay(store: Store, name: string | undefined, from: string | undefined): Promise<void> {
  const topic = await topicOf(store, name);
  if (!from) throw new Error(USAGE);
  const starts = new Map<number, number>();
  for (let p = 0; p < topic.partitions; p++) {
    if (from === 'earliest') starts.set(p, 0);
    else if (/^\d+$/.test(from)) starts.set(p, Number(from));
    else {
      const ts = Date.parse(from);
      if (Number.isNaN(ts)) throw new Error(`--from: earliest, an offset or an ISO timestamp, not ${from}`);
      const found = await store.offsetForTimestamp(topic, p, ts);
      starts.set(p, found?.offset ?? (await store.offsets(topic, p)).highWatermark);
    }
  }
  const ranges = await startReplay(store.sql, topic.id, starts);
  const total = ranges.reduce((n, r) => n + Math.max(0, r.to - r.from), 0);
  console.log(`replaying ${topic.name}: ${ranges.map((r) => `${r.partition}:${r.from}..${r.to}`).join(' ')} (${total} offsets); a broker with --shadow-bootstrap-servers forwards them`);
  const bar = new cliProgress.SingleBar({ format: '{bar} {percentage}% | {value}/{total} offsets | {speed} records/s | ETA {eta_formatted}', etaBuffer: 20 }, cliProgress.Presets.shades_classic);
  bar.start(total, 0, { speed: 0 });
  const started = Date.now();
  for (;;) {
    const rows = await shadowStatus(store.sql, topic.name);
    let done = 0;
    for (const r of ranges) {
      const row = rows.find((x) => x.partition === r.partition);
      done += row && row.replayTo !== null ? Math.max(0, Math.min(row.forwardedOffset, r.to) - r.from) : r.to - r.from;
    }
    bar.update(done, { speed: Math.round(done / Math.max(0.001, (Date.now() - started) / 1000)) });
    if (done >= total) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  bar.stop();
}

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  const positional: string[] = [];
  const flags: string[] = [];
  let from: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--from') from = rest[++i];
    else if (a.startsWith('--from=')) from = a.slice(7);
    else if (a.startsWith('--')) {
      flags.push(a);
      if (!a.includes('=') && rest[i + 1] !== undefined && !rest[i + 1].startsWith('--')) flags.push(rest[++i]);
    } else positional.push(a);
  }
  const topicName = positional[0];
  if (!command) {
    console.error(USAGE);
    return 2;
  }
  const { store, stop } = await connectStore(flags);
  try {
    switch (command) {
      case 'status':
        printStatus(await shadowStatus(store.sql, topicName));
        return 0;
      case 'cutover-check': {
        const topic = await topicOf(store, topicName);
        const rows = await shadowStatus(store.sql, topic.name);
        const problems: string[] = [];
        if (rows.length === 0) problems.push(`${topic.name} is not shadowed`);
        for (const r of rows) {
          if (r.lagRecords > 0) problems.push(`partition ${r.partition}: lag ${r.lagRecords} records`);
          if (r.parked > 0) problems.push(`partition ${r.partition}: ${r.parked} parked records`);
          if (r.unsyncedGroups > 0) problems.push(`partition ${r.partition}: ${r.unsyncedGroups} groups not synced`);
          if (r.state !== 'forwarding' && r.state !== 'paused') problems.push(`partition ${r.partition}: ${r.state}${r.lastError ? ` (${r.lastError})` : ''}`);
        }
        console.log(problems.length === 0 ? `${topic.name}: ready to cut over (lag zero, nothing parked, groups synced)` : `${topic.name}: not ready\n  ${problems.join('\n  ')}`);
        return problems.length === 0 ? 0 : 1;
      }
      case 'pause':
      case 'resume': {
        const topic = await topicOf(store, topicName);
        const n = await setShadowPaused(store.sql, topic.id, command === 'pause');
        console.log(`${topic.name}: ${n} partitions ${command === 'pause' ? 'paused' : 'resumed'}`);
        return 0;
      }
      case 'replay':
        await replay(store, topicName, from);
        return 0;
      default:
        console.error(USAGE);
        return 2;
    }
  } finally {
    await stop();
  }
}

main().then((code) => process.exit(code), (err: unknown) => {
  console.error((err as Error).message ?? err);
  process.exit(1);
});
