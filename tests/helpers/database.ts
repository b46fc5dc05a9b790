// A fresh, uniquely named database per test file on the server named by PGKAFKA_TEST_DATABASE_URL
// (scripts/test.ts starts an embedded PostgreSQL and sets it), so test files run in parallel in isolation.
import { randomBytes } from 'node:crypto';
import process from 'node:process';
import { connect } from '../../store/db.ts';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const base = process.env.PGKAFKA_TEST_DATABASE_URL;
  if (!base) {
    throw new Error(
      'PGKAFKA_TEST_DATABASE_URL is not set. Run the tests with `npm test` (scripts/test.ts starts an embedded PostgreSQL), ' +
        'or set it to the URL of a PostgreSQL server where this user may create databases.',
    );
  }
  const name = `pgkafka_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await admin(base, async (sql) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await sql.unsafe(`create database "${name}"`);
        return;
      } catch (error) {
        // "source database is being accessed by other users": another CREATE DATABASE is copying template1.
        if ((error as { code?: string }).code !== '55006' || attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
      }
    }
  });
  return {
    url: withDatabase(base, name),
    drop: () => admin(base, (sql) => sql.unsafe(`drop database if exists "${name}" with (force)`)),
  };
}

/** The same URL with another database (kept as text: libpq-style "user@/db?host=/dir" is no valid WHATWG URL). */
function withDatabase(url: string, database: string): string {
  const q = url.indexOf('?');
  const [base, query] = q < 0 ? [url, ''] : [url.slice(0, q), url.slice(q)];
  const authority = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(base);
  if (!authority) throw new Error(`not a PostgreSQL URL: ${url}`);
  return `${authority[0]}/${database}${query}`;
}

async function admin(url: string, work: (sql: ReturnType<typeof connect>) => Promise<unknown>): Promise<void> {
  const sql = connect(url, { max: 1 });
  try {
    await work(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}
