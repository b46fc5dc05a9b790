import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '../../store/db.ts';
import { migrate, migrations } from '../../store/migrations.ts';
import { openStore } from '../../store/index.ts';
import { createTestDatabase } from '../helpers/database.ts';

test('migrations apply once, are idempotent, and are safe when several stores start at once', async () => {
  const db = await createTestDatabase();
  const sql = connect(db.url, { max: 2 });
  try {
    const first = await migrate(sql);
    assert.deepEqual(first, migrations.map((m) => m.version));
    assert.deepEqual(await migrate(sql), []);

    const [{ count }] = await sql<{ count: number }[]>`select count(*)::int as count from kafka.schema_migrations`;
    assert.equal(count, migrations.length);
    const tables = await sql<{ name: string }[]>`
      select table_name as name from information_schema.tables where table_schema = 'kafka' order by 1`;
    for (const name of ['messages', 'partitions', 'records', 'schema_migrations', 'topics']) {
      assert.ok(tables.some((t) => t.name === name), `kafka.${name} missing`);
    }

    // Data survives a re-run, and concurrent starts all succeed.
    await sql`insert into kafka.topics (topic_id, name, partitions) values (gen_random_uuid(), 'kept', 1)`;
    const stores = await Promise.all([openStore(db.url), openStore(db.url), openStore(db.url)]);
    try {
      assert.deepEqual((await stores[2].listTopics()).map((t) => t.name).sort(), ['__consumer_offsets', 'kept']);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  } finally {
    await sql.end();
    await db.drop();
  }
});

test('a fresh database: concurrent first migrations do not collide', async () => {
  const db = await createTestDatabase();
  try {
    const stores = await Promise.all(Array.from({ length: 4 }, () => openStore(db.url)));
    const sql = stores[0].sql;
    const [{ count }] = await sql<{ count: number }[]>`select count(*)::int as count from kafka.schema_migrations`;
    assert.equal(count, migrations.length);
    await Promise.all(stores.map((s) => s.close()));
  } finally {
    await db.drop();
  }
});
