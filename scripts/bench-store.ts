// Store benchmark: prints rows/s for 1 KiB records, asserts nothing. Starts its own embedded PostgreSQL (durable
// defaults; TCP on 127.0.0.1 and a Unix socket) unless PGKAFKA_BENCH_DATABASE_URL is set, and measures:
//   - Store.append, 1,000 records per transaction (one and four producers at once)
//   - raw ceilings: binary COPY straight from postgres.js into a copy of kafka.records; one bytea row per 1,000 records
//   - each of those over TCP with and without TCP_NODELAY, and over the Unix socket
//   - reads: Store.read (COPY ... TO STDOUT binary) against a plain postgres.js SELECT
//   node --import ./runtime/node/register.mjs scripts/bench-store.ts      deno run -A scripts/bench-store.ts
//   BENCH_RECORDS=200000 to change the record count
import { Buffer } from 'node:buffer';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { startEmbeddedPostgres } from '../runtime/embedded-postgres.ts';
import { isDeno } from '../runtime/platform.ts';
import { copyIn, copyRecordsBinary, CopyBinaryWriter, type RecordRow } from '../store/copy-binary.ts';
import { connect, type Sql } from '../store/db.ts';
import { openStore, type Store } from '../store/index.ts';
import type { AppendBatch, Topic } from '../store/types.ts';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 100_000);
const PER_TX = 1000;
const VALUE = Buffer.alloc(1024, 120);

const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(9);
const line = (label: string, rate: number, unit = 'rows/s') => console.log(`${label.padEnd(58)} ${fmt(rate)} ${unit}`);

function appendBatch(count: number): AppendBatch {
  const now = Date.now();
  return {
    attributes: 0,
    baseTimestamp: now,
    producerId: -1,
    producerEpoch: -1,
    baseSequence: -1,
    records: Array.from({ length: count }, (_, i) => ({
      attributes: 0, timestampDelta: 0, offsetDelta: i, key: null, value: VALUE, headers: [],
    })),
  };
}

async function timed(work: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await work();
  return RECORDS / ((performance.now() - start) / 1000);
}

async function benchAppend(store: Store, topic: Topic, producers: number): Promise<number> {
  const perProducer = RECORDS / producers;
  return timed(async () => {
    await Promise.all(Array.from({ length: producers }, async (_, p) => {
      for (let done = 0; done < perProducer; done += PER_TX) {
        await store.append([{ topic, partition: p % topic.partitions, batches: [appendBatch(Math.min(PER_TX, perProducer - done))] }]);
      }
    }));
  });
}

async function rawCopy(sql: Sql, table: string, timestampIndex = false): Promise<number> {
  await sql.unsafe(`drop table if exists ${table}; create table ${table} (like kafka.records including all)`);
  if (timestampIndex) await sql.unsafe(`create index on ${table} (topic_id, partition, timestamp)`);
  const rate = await timed(async () => {
    for (let base = 0; base < RECORDS; base += PER_TX) {
      const now = Date.now();
      const rows: RecordRow[] = Array.from({ length: PER_TX }, (_, i) => ({
        topicId: 1, partition: 0, offset: base + i, timestamp: now, key: null, value: VALUE,
        headerKeys: null, headerValues: null, producerId: -1, producerEpoch: -1, sequence: -1, attributes: 0, offsetDelta: i, lastOffsetDelta: PER_TX - 1,
      }));
      await sql.begin((tx) => copyRecordsBinary(tx, table, rows));
    }
  });
  await sql.unsafe(`drop table ${table}`);
  return rate;
}

/** The row-per-batch alternative: one bytea of 1,000 records per row (binary COPY of that one row). */
async function rawBatchRows(sql: Sql): Promise<number> {
  await sql`drop table if exists public.bench_batches`;
  await sql`create table public.bench_batches (topic_id int, partition int, base_offset bigint, records bytea, primary key (topic_id, partition, base_offset))`;
  const blob = Buffer.alloc(PER_TX * (VALUE.length + 20), 120);
  const rate = await timed(async () => {
    for (let base = 0; base < RECORDS; base += PER_TX) {
      const w = new CopyBinaryWriter();
      const header = Buffer.alloc(2 + 8 + 8 + 12 + 4);
      let p = header.writeInt16BE(4, 0);
      p = header.writeInt32BE(4, p); p = header.writeInt32BE(1, p);
      p = header.writeInt32BE(4, p); p = header.writeInt32BE(0, p);
      p = header.writeInt32BE(8, p); p = header.writeBigInt64BE(BigInt(base), p);
      header.writeInt32BE(blob.length, p);
      const chunks = w.finish(); // signature + trailer; splice our tuple in between
      const signature = chunks[0].subarray(0, 19);
      const trailer = chunks[0].subarray(19);
      await sql.begin((tx) => copyIn(tx, 'copy public.bench_batches from stdin with (format binary)', [signature, header, blob, trailer]));
    }
  });
  await sql`drop table public.bench_batches`;
  return rate;
}

async function benchRead(store: Store, topic: Topic, sql: Sql): Promise<[number, number]> {
  const viaStore = await timed(async () => {
    let next = 0;
    while (next < RECORDS) {
      const got = await store.read(topic, 0, { fromOffset: next, maxBytes: 1 << 20 });
      next = got[got.length - 1].offset + 1;
    }
  });
  const viaSelect = await timed(async () => {
    let next = 0;
    while (next < RECORDS) {
      const rows = await sql<{ offset: number }[]>`
        select "offset", timestamp, key, value, header_keys, header_values, producer_id, producer_epoch, sequence, attributes
        from kafka.records where topic_id = ${topic.id} and partition = 0 and "offset" >= ${next}
        order by "offset" limit 1024`;
      next = rows[rows.length - 1].offset + 1;
    }
  });
  return [viaStore, viaSelect];
}

async function main(): Promise<void> {
  let url = process.env.PGKAFKA_BENCH_DATABASE_URL;
  let unixUrl: string | null = null;
  let stop = async () => {};
  if (!url) {
    const dir = mkdtempSync(join(tmpdir(), 'pg-kafka-bench-'));
    const pg = await startEmbeddedPostgres({ dataDir: join(dir, 'pg') }).catch((error) => {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    });
    url = pg.url;
    unixUrl = pg.socketUrl;
    stop = async () => {
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    };
  }
  console.log(`pg-kafka store benchmark on ${isDeno ? 'Deno' : `Node ${process.version}`}: ${RECORDS.toLocaleString('en-US')} records of 1 KiB, ${PER_TX} per transaction`);
  try {
    const store = await openStore(url);
    const topic = await store.createTopic({ name: `bench-${Date.now()}`, partitions: 4 });
    line('Store.append, 1 producer (TCP_NODELAY)', await benchAppend(store, topic, 1));
    line('Store.append, 4 producers on 4 partitions', await benchAppend(store, topic, 4));
    const [readStore, readSelect] = await benchRead(store, topic, store.sql);
    line('read: Store.read (COPY TO STDOUT binary, 1 MiB fetches)', readStore);
    line('read: postgres.js SELECT, 1,024 rows per query', readSelect);
    await store.close();

    const variants: [string, string, boolean][] = [['TCP, TCP_NODELAY', url, true], ['TCP, Nagle on (postgres.js default)', url, false]];
    if (unixUrl) variants.push(['Unix socket', unixUrl, true]);
    for (const [label, target, noDelay] of variants) {
      const sql = connect(target, { noDelay });
      line(`raw binary COPY, ${label}`, await rawCopy(sql, 'public.bench_records'));
      line(`raw one bytea row per ${PER_TX} records, ${label}`, await rawBatchRows(sql));
      await sql.end();
    }
    if (unixUrl) {
      const unixStore = await openStore(unixUrl);
      const t = await unixStore.createTopic({ name: `bench-unix-${Date.now()}`, partitions: 1 });
      line('Store.append, 1 producer, Unix socket', await benchAppend(unixStore, t, 1));
      line('read: Store.read, Unix socket', (await benchRead(unixStore, t, unixStore.sql))[0]);
      await unixStore.close();
    }
    const sql = connect(url);
    line('raw binary COPY with an extra (topic, partition, timestamp) index', await rawCopy(sql, 'public.bench_ts', true));
    await sql.end();
  } finally {
    await stop();
  }
}

await main();
