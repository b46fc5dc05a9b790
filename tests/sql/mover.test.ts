// The outbox mover under load and failure: 10,000 sends from 8 concurrent sessions land with each key's records in
// commit order (a transaction whose COMMIT returned before another's COMMIT was sent comes first); a broker killed
// with SIGKILL while moving a backlog (a child process) loses nothing and moves nothing twice once another broker
// takes over; two brokers on one database move each record once, one of them at a time, and the second takes
// over when the first stops.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { connect, type Sql } from '../../store/db.ts';
import { openStore } from '../../store/index.ts';
import { sqlOutboxMover } from '../../runtime/sql-outbox/mover.ts';
import { brokerCommand } from '../../runtime/platform.ts';
import { sleep, until } from '../helpers/eventually.ts';

const stops: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => {});
});

interface Moved {
  partition: number;
  offset: number;
  key: string;
  value: string;
}

async function moved(sql: Sql, topic: string): Promise<Moved[]> {
  return sql<Moved[]>`select partition, "offset", key, value from kafka.messages where topic = ${topic} order by partition, "offset"`;
}

async function backlog(sql: Sql): Promise<number> {
  const [row] = await sql<{ n: number }[]>`select count(*)::int as n from kafka.outbox`;
  return row.n;
}

test('10,000 sends from 8 concurrent sessions: each key\'s records in commit order', async () => {
  const tb = await startTestBroker();
  stops.push(() => tb.stop());
  const topic = 'sql-order';
  await tb.store.createTopic({ name: topic, partitions: 3 });
  const app = connect(tb.databaseUrl, { max: 8, applicationName: 'order test' });
  stops.push(() => app.end());
  const SESSIONS = 8;
  const PER_SESSION = 1250;
  const KEYS = 12;
  const commits = new Map<string, { sent: number; returned: number }>();
  await Promise.all(Array.from({ length: SESSIONS }, async (_, s) => {
    const conn = await app.reserve();
    try {
      for (let i = 0; i < PER_SESSION; i++) {
        const value = `${s}-${i}`;
        const key = `k${(s * 7 + i * 5) % KEYS}`;
        await conn`begin`;
        await conn`select kafka.send(${topic}, ${value}::text, ${key}::text)`;
        // Transactions stay open for different times: insertion order is not commit order.
        if (i % 3 === 0) await sleep((s + i) % 4);
        const sent = performance.now();
        await conn`commit`;
        commits.set(value, { sent, returned: performance.now() });
      }
    } finally {
      conn.release();
    }
  }));
  await until(async () => (await backlog(tb.store.sql)) === 0 && (await moved(tb.store.sql, topic)).length === SESSIONS * PER_SESSION, 60_000, 'everything moved');
  const rows = await moved(tb.store.sql, topic);
  assert.equal(new Set(rows.map((r) => r.value)).size, SESSIONS * PER_SESSION, 'each record once');
  const byKey = new Map<string, Moved[]>();
  for (const r of rows) {
    let list = byKey.get(r.key);
    if (!list) byKey.set(r.key, (list = []));
    list.push(r);
  }
  let pairs = 0;
  for (const [key, list] of byKey) {
    assert.equal(new Set(list.map((r) => r.partition)).size, 1, `key ${key} in one partition`);
    // No later record's commit returned before an earlier record's commit was sent.
    let latestSent = -Infinity;
    let latestValue = '';
    for (const r of list) {
      const c = commits.get(r.value)!;
      assert.ok(!(c.returned < latestSent), `key ${key}: ${r.value} committed before ${latestValue} was sent, yet comes after it`);
      if (c.sent > latestSent) {
        latestSent = c.sent;
        latestValue = r.value;
      }
      pairs++;
    }
  }
  assert.equal(pairs, SESSIONS * PER_SESSION);
  // Within a session, commits are sequential: its records of a key are in its own order.
  for (const list of byKey.values()) {
    const last = new Map<string, number>();
    for (const r of list) {
      const [s, i] = r.value.split('-').map(Number);
      assert.ok((last.get(String(s)) ?? -1) < i, `session ${s} order within key ${r.key}`);
      last.set(String(s), i);
    }
  }
});

test('SIGKILL of the broker while it moves a backlog: nothing lost, nothing twice, order kept', async () => {
  const db = await createTestDatabase();
  stops.push(() => db.drop());
  // Migrate without a broker: the backlog waits in the outbox.
  const store = await openStore(db.url);
  stops.push(() => store.close());
  const topic = 'sql-kill';
  await store.createTopic({ name: topic, partitions: 2 });
  await store.sql`insert into kafka.sql_settings values (true, true, 1, 1048588, 1, now())`;
  const N = 30_000;
  for (let start = 0; start < N; start += 1000) {
    const values = Array.from({ length: 1000 }, (_, i) => String(start + i));
    await store.sql`select kafka.send_batch(${topic}, ${values}::text[], ${values.map((v) => `k${Number(v) % 10}`)}::text[])`;
  }
  assert.equal(await backlog(store.sql), N);

  const [command, args] = brokerCommand(['--port', '0', '--node-id', '1', '--log-level', 'warn']);
  const child = spawn(command, args, { env: { ...process.env, DATABASE_URL: db.url }, stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr: string[] = [];
  child.stderr!.setEncoding('utf8').on('data', (s: string) => stderr.push(s));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  stops.push(async () => {
    child.kill('SIGKILL');
    await exited;
  });
  await until(async () => (await moved(store.sql, topic)).length > 0 || child.exitCode !== null, 90_000, 'the child broker moved something');
  assert.equal(child.exitCode, null, `child broker alive: ${stderr.join('')}`);
  child.kill('SIGKILL');
  await exited;
  const before = (await moved(store.sql, topic)).length;
  assert.ok(before < N, `killed mid-backlog (${before} of ${N} moved)`);
  assert.equal(before + (await backlog(store.sql)), N, 'what is not in the log is still in the outbox');

  const tb = await startTestBroker({ nodeId: 2 }, { databaseUrl: db.url });
  stops.push(() => tb.stopBroker());
  await until(async () => (await backlog(store.sql)) === 0, 60_000, 'the second broker moved the rest');
  const rows = await moved(store.sql, topic);
  assert.equal(rows.length, N);
  assert.equal(new Set(rows.map((r) => r.value)).size, N, 'each record once');
  const last = new Map<string, number>();
  for (const r of rows) {
    assert.ok((last.get(r.key) ?? -1) < Number(r.value), `key ${r.key} in send order`);
    last.set(r.key, Number(r.value));
  }
});

test('two brokers on one database: moves never overlap, each record once, the other goes on alone', async () => {
  const first = await startTestBroker({ nodeId: 1 });
  stops.push(() => first.stop());
  const second = await startTestBroker({ nodeId: 2 }, { databaseUrl: first.databaseUrl });
  stops.push(() => second.stopBroker());
  const topic = 'sql-two';
  await first.store.createTopic({ name: topic, partitions: 2 });
  const movers = [sqlOutboxMover(first.broker), sqlOutboxMover(second.broker)];
  // Both run the loop; each move is one transaction under a transaction-level lock, so they never overlap.
  await until(() => movers.every((m) => m.active), 10_000, 'both movers running');

  const app = connect(first.databaseUrl, { max: 4, applicationName: 'two brokers test' });
  stops.push(() => app.end());
  const send = (from: number, n: number) => Promise.all(Array.from({ length: 4 }, async (_, s) => {
    for (let i = from + s; i < from + n; i += 4) await app`select kafka.send(${topic}, ${String(i)}::text, ${`k${i % 5}`}::text)`;
  }));
  await send(0, 2000);
  await until(async () => (await backlog(app)) === 0, 30_000, 'moved');
  assert.equal(new Set((await moved(app, topic)).map((r) => r.value)).size, 2000, 'each record once while both move');

  // The second broker stops: the first goes on alone.
  await second.stopBroker();
  const before = movers[0].moves;
  await send(2000, 1000);
  await until(async () => (await backlog(app)) === 0, 30_000, 'moved by the remaining broker');
  assert.ok(movers[0].moves > before, 'the remaining broker moved them');
  const rows = await moved(app, topic);
  assert.equal(rows.length, 3000);
  assert.equal(new Set(rows.map((r) => r.value)).size, 3000, 'each record once');
});
