// PostgreSQL settings: --durability sets synchronous_commit for the broker's own sessions (on with flush even where
// the server's default is off, as on the test server), and the start-up check of a user's own PostgreSQL warns
// about the server settings that hurt the broker (a pure function of the settings, plus one read of pg_settings).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../runtime/log.ts';
import { checkServerTuning, CHECKED_SETTINGS, settingBytes, tuningWarnings } from '../../runtime/pg-tuning.ts';
import { readServerSettings } from '../../store/server-settings.ts';
import { connect } from '../../store/db.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';

/** PostgreSQL 16's defaults as pg_settings shows them. */
const DEFAULTS = {
  max_wal_size: { setting: '1024', unit: 'MB' },
  shared_buffers: { setting: '16384', unit: '8kB' },
  synchronous_commit: { setting: 'on', unit: null },
  fsync: { setting: 'on', unit: null },
};

test('settingBytes reads pg_settings sizes with their units', () => {
  assert.equal(settingBytes(DEFAULTS.shared_buffers), 128 * 2 ** 20);
  assert.equal(settingBytes(DEFAULTS.max_wal_size), 2 ** 30);
  assert.equal(settingBytes({ setting: '64', unit: 'kB' }), 65536);
  assert.equal(settingBytes(DEFAULTS.fsync), null);
  assert.equal(settingBytes(undefined), null);
});

test("PostgreSQL's defaults get one warning each for max_wal_size and shared_buffers, with the value to use", () => {
  const lines = tuningWarnings(DEFAULTS, 'flush');
  assert.equal(lines.length, 2, lines.join('\n'));
  assert.match(lines[0], /max_wal_size is 1024MB.*use max_wal_size=4GB/);
  assert.match(lines[1], /shared_buffers is 128MB.*use shared_buffers=1GB/);
});

test("the embedded PostgreSQL's settings get no warning", () => {
  const embedded = { ...DEFAULTS, max_wal_size: { setting: '4096', unit: 'MB' }, shared_buffers: { setting: '131072', unit: '8kB' } };
  assert.deepEqual(tuningWarnings(embedded, 'flush'), []);
  assert.deepEqual(tuningWarnings(embedded, 'relaxed'), []);
});

test('synchronous_commit off on the server is worth a line only with durability=flush; fsync off always', () => {
  const off = { ...DEFAULTS, max_wal_size: { setting: '8192', unit: 'MB' }, shared_buffers: { setting: '1', unit: 'GB' }, synchronous_commit: { setting: 'off', unit: null } };
  const flush = tuningWarnings(off, 'flush');
  assert.equal(flush.length, 1);
  assert.match(flush[0], /synchronous_commit is off.*sets synchronous_commit=on for its own sessions/);
  assert.deepEqual(tuningWarnings(off, 'relaxed'), []);
  const noFsync = tuningWarnings({ ...off, fsync: { setting: 'off', unit: null } }, 'relaxed');
  assert.equal(noFsync.length, 1);
  assert.match(noFsync[0], /fsync is off.*use fsync=on/);
});

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase();
  // This database's sessions default to synchronous_commit=off, as a server configured so would give them.
  const sql = connect(db.url, { max: 1 });
  try {
    const [{ name }] = await sql<{ name: string }[]>`select current_database() as name`;
    await sql.unsafe(`alter database "${name}" set synchronous_commit = off`);
  } finally {
    await sql.end({ timeout: 5 });
  }
});
after(async () => {
  await db?.drop();
});

test('the start-up check reads pg_settings as a new session sees them and logs each warning', async () => {
  const lines: string[] = [];
  await checkServerTuning(db.url, 'flush', createLogger('info', (line) => lines.push(line)));
  const settings = await readServerSettings(db.url, CHECKED_SETTINGS);
  assert.deepEqual(Object.keys(settings).sort(), [...CHECKED_SETTINGS].sort());
  assert.equal(settings.synchronous_commit.setting, 'off');
  const expected = tuningWarnings(settings, 'flush');
  assert.equal(lines.length, expected.length, lines.join('\n'));
  for (const [i, line] of lines.entries()) assert.ok(line.includes(' WARN  ' + expected[i]), line);
  assert.ok(lines.some((l) => /synchronous_commit is off/.test(l)), lines.join('\n'));
});

async function brokerSessionSetting(b: TestBroker): Promise<string> {
  const [row] = await b.store.sql<{ synchronous_commit: string }[]>`show synchronous_commit`;
  return row.synchronous_commit;
}

test('durability=flush: the broker sets synchronous_commit=on in its sessions even where the default is off', async () => {
  const b = await startTestBroker({ durability: 'flush' }, { databaseUrl: db.url });
  try {
    assert.equal(await brokerSessionSetting(b), 'on');
  } finally {
    await b.stopBroker();
  }
});

test('durability=relaxed: the broker sessions run with synchronous_commit=off', async () => {
  const b = await startTestBroker({ durability: 'relaxed' }, { databaseUrl: db.url });
  try {
    assert.equal(await brokerSessionSetting(b), 'off');
    const [row] = await b.store.sql<{ backend_flush_after: string }[]>`show backend_flush_after`;
    assert.equal(row.backend_flush_after, '256kB');
  } finally {
    await b.stopBroker();
  }
});
