// DescribeLogDirs size estimate benchmark: how long store/log-dirs.ts takes to size every partition, for a database
// with many partitions and some records. Starts its own embedded PostgreSQL, prints timings, asserts nothing.
//   node --import ./runtime/node/register.mjs scripts/bench-log-dirs.ts      (BENCH_PARTITIONS, default 5000)

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { startEmbeddedPostgres } from '../runtime/embedded-postgres.ts';
import { openStore } from '../store/index.ts';

const partitions = Number(process.env.BENCH_PARTITIONS ?? 5000);
const recordsPerPartition = Number(process.env.BENCH_RECORDS_PER_PARTITION ?? 100);
const dir = mkdtempSync(join(tmpdir(), 'pg-kafka-bench-log-dirs-'));
const pg = await startEmbeddedPostgres({ dataDir: join(dir, 'pg') });
try {
  const store = await openStore(pg.url);
  const topics = 50;
  for (let t = 0; t < topics; t++) await store.createTopic({ name: `t${t}`, partitions: partitions / topics });
  // Records straight into kafka.records (the estimate reads only counts and the table's size).
  await store.sql`
    insert into kafka.records (topic_id, partition, "offset", timestamp, key, value)
    select p.topic_id, p.partition, o, 0, 'k'::bytea, convert_to(repeat('v', 200), 'UTF8')
    from kafka.partitions p, generate_series(0, ${recordsPerPartition - 1}::bigint) o`;
  await store.sql`update kafka.partitions set next_offset = ${recordsPerPartition}`;
  await store.sql`analyze kafka.records`;
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const start = performance.now();
    const usage = await store.logDirUsage(null);
    times.push(performance.now() - start);
    if (usage.partitions.length !== partitions) throw new Error(`expected ${partitions} partitions, got ${usage.partitions.length}`);
  }
  times.sort((a, b) => a - b);
  console.log(`${partitions} partitions, ${partitions * recordsPerPartition} records: logDirUsage(null) median ${times[10].toFixed(1)} ms, max ${times[19].toFixed(1)} ms (20 runs)`);
  await store.close();
} finally {
  await pg.stop();
  rmSync(dir, { recursive: true, force: true });
}
