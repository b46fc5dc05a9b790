// The `sql` part of `npm run bench` (BENCH_ONLY=sql): Kafka from SQL against the bench's broker and database.
//   - for scale, a plain INSERT of a 1 KiB row per transaction from 8 sessions (what a commit costs here)
//   - kafka.send, one record (1 KiB) per transaction, from 8 sessions: commits/s, and records/s until the broker has
//     moved them all into the log
//   - kafka.send_batch, 100 records per transaction, from 4 sessions: the same two rates
//   - commit-to-consumer latency at 1,000 sends/s: from just before a session's COMMIT of one send to the record's
//     delivery to a raw-protocol consumer long-polling Fetch (max wait 500 ms), p50/p99
// Prints figures, asserts nothing.

import type { Sql } from '../store/db.ts';
import { connect } from '../store/db.ts';
import { RawClient } from '../tests/helpers/raw-client.ts';
import { benchTopic, longPollConsumer } from './bench-consumer.ts';

export interface SqlBenchOptions {
  url: string;
  port: number;
  recordSize: number;
  singleRecords: number;
  batchRecords: number;
  latencySeconds: number;
  line: (label: string, value: string) => void;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function outboxEmpty(sql: Sql): Promise<void> {
  for (;;) {
    const [row] = await sql<{ n: number }[]>`select count(*)::int as n from kafka.outbox`;
    if (row.n === 0) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function createTopic(port: number, name: string): Promise<{ name: string; topicId: string }> {
  const c = await RawClient.connect(port);
  try {
    return await benchTopic(c, name);
  } finally {
    c.close();
  }
}

export async function benchSql(o: SqlBenchOptions): Promise<void> {
  const sql = connect(o.url, { max: 10, applicationName: 'bench sql' });
  const value = 'x'.repeat(o.recordSize);
  try {
    await createTopic(o.port, 'bench-sql-single');
    await createTopic(o.port, 'bench-sql-batch');

    // For scale: the same sessions inserting a 1 KiB row into a plain table, one per transaction (commit-bound).
    const sessions = 8;
    await sql`create table if not exists public.bench_sql_plain (id bigserial primary key, v text)`;
    let next = 0;
    let started = performance.now();
    await Promise.all(Array.from({ length: sessions }, async () => {
      while (next < o.singleRecords) {
        next++;
        await sql`insert into public.bench_sql_plain (v) values (${value})`;
      }
    }));
    o.line(`sql: plain INSERT of 1 KiB, 1 row/txn, ${sessions} sessions`, `${fmt(o.singleRecords / ((performance.now() - started) / 1000))} txn/s`);
    await sql`drop table public.bench_sql_plain`;

    // One record per transaction (autocommit), 8 sessions.
    next = 0;
    started = performance.now();
    await Promise.all(Array.from({ length: sessions }, async () => {
      while (next < o.singleRecords) {
        const i = next++;
        await sql`select kafka.send('bench-sql-single', ${value}::text, ${`k${i % 64}`}::text)`;
      }
    }));
    let sent = performance.now();
    await outboxEmpty(sql);
    let done = performance.now();
    o.line(`sql: kafka.send, 1 record/txn, ${sessions} sessions`, `${fmt(o.singleRecords / ((sent - started) / 1000))} txn/s, ${fmt(o.singleRecords / ((done - started) / 1000))} records/s into the log`);

    // 100 records per transaction, 4 sessions.
    const batchSessions = 4;
    const batches = Math.ceil(o.batchRecords / 100);
    const values = Array.from({ length: 100 }, () => value);
    const keys = Array.from({ length: 100 }, (_, i) => `k${i}`);
    next = 0;
    started = performance.now();
    await Promise.all(Array.from({ length: batchSessions }, async () => {
      while (next < batches) {
        next++;
        await sql`select kafka.send_batch('bench-sql-batch', ${values}::text[], ${keys}::text[])`;
      }
    }));
    sent = performance.now();
    await outboxEmpty(sql);
    done = performance.now();
    const n = batches * 100;
    o.line(`sql: kafka.send_batch, 100 records/txn, ${batchSessions} sessions`, `${fmt(n / ((sent - started) / 1000))} records/s sent, ${fmt(n / ((done - started) / 1000))} records/s into the log`);

    const l = await latency(o, sql);
    o.line('sql: latency at 1,000 sends/s, from COMMIT sent', l.fromCommit);
    o.line('sql: latency at 1,000 sends/s, from COMMIT returned', l.fromReturn);
  } finally {
    await sql.end();
  }
}

async function latency(o: SqlBenchOptions, sql: Sql): Promise<{ fromCommit: string; fromReturn: string }> {
  const topic = await createTopic(o.port, 'bench-sql-latency');
  const consumerConn = await RawClient.connect(o.port);
  const committingAt = new Map<string, number>();
  const committedAt = new Map<string, number>();
  const arrived = new Map<string, number>();
  const consumer = longPollConsumer(consumerConn, topic, (value, now) => void arrived.set(value, now));
  // 8 sessions take turns, so that one slow commit does not hold the rate back.
  const conns = await Promise.all(Array.from({ length: 8 }, () => sql.reserve()));
  const busy = conns.map(() => false);
  const begin = performance.now();
  let made = 0;
  let skipped = 0;
  const inFlight = new Set<Promise<void>>();
  while (performance.now() - begin < o.latencySeconds * 1000) {
    const due = Math.floor(performance.now() - begin) - made;
    for (let i = 0; i < due; i++) {
      const v = String(made++);
      const free = busy.indexOf(false);
      if (free < 0) {
        skipped++;
        continue;
      }
      busy[free] = true;
      const c = conns[free];
      const p = (async () => {
        await c`begin`;
        await c`select kafka.send('bench-sql-latency', ${v.padEnd(o.recordSize)}::text)`;
        committingAt.set(v, performance.now());
        await c`commit`;
        committedAt.set(v, performance.now());
      })().finally(() => {
        busy[free] = false;
        inFlight.delete(p);
      });
      inFlight.add(p);
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inFlight);
  await new Promise((r) => setTimeout(r, 1000));
  await consumer.stop();
  consumerConn.close();
  for (const c of conns) c.release();
  const summary = (from: Map<string, number>) => {
    const latencies: number[] = [];
    for (const [v, at] of arrived) {
      const start = from.get(v);
      // A record can arrive before its COMMIT's answer does: that counts as no wait.
      if (start !== undefined) latencies.push(Math.max(0, at - start));
    }
    latencies.sort((a, b) => a - b);
    const pct = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
    return `p50 ${pct(0.5).toFixed(1)} ms, p99 ${pct(0.99).toFixed(1)} ms (${fmt(latencies.length)} records${skipped ? `, ${fmt(skipped)} not sent: all sessions busy` : ''})`;
  };
  return { fromCommit: summary(committingAt), fromReturn: summary(committedAt) };
}
