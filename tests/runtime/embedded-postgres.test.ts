import { test } from 'node:test';
import { execFileSync, spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import type { Buffer } from 'node:buffer';
import { sharedBuffers, startEmbeddedPostgres } from '../../runtime/embedded-postgres.ts';
import { scriptCommand } from '../../runtime/platform.ts';
import { connect } from '../../store/db.ts';

function userId(flag: string): number {
  return Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
}

async function query(url: string, text: string): Promise<unknown[]> {
  const sql = connect(url, { max: 1 });
  try {
    return [...(await sql.unsafe(text))];
  } finally {
    await sql.end();
  }
}

test('embedded PostgreSQL keeps its data across restarts and survives a killed server', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pg-kafka-embedded-'));
  const dataDir = join(dir, 'nested', 'pg');
  try {
    const first = await startEmbeddedPostgres({ dataDir });
    await query(first.url, 'create table kept (v int); insert into kept values (42)');
    // The server runs with the buffer cache chosen for this machine's memory.
    const chosen = sharedBuffers(totalmem());
    const running = `select pg_size_bytes(current_setting('shared_buffers')) = pg_size_bytes('${chosen}') as same`;
    assert.deepEqual(await query(first.url, running), [{ same: true }], `shared_buffers ${chosen}`);
    assert.ok(first.socketUrl, 'a short data path gets a Unix socket');
    assert.deepEqual(await query(first.socketUrl!, 'select v from kept'), [{ v: 42 }]);
    await first.stop();

    // Restart: same data, same password, and the port of last time.
    const second = await startEmbeddedPostgres({ dataDir });
    assert.equal(new URL(second.url).port, new URL(first.url).port);
    assert.deepEqual(await query(second.url, 'select v from kept'), [{ v: 42 }]);

    // The server dies hard: its postmaster.pid stays behind and must not block the next start.
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(pid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await second.stop();
    const third = await startEmbeddedPostgres({ dataDir });
    assert.deepEqual(await query(third.url, 'select v from kept'), [{ v: 42 }]);
    await third.stop();

    // The process that started the server is killed: the orphaned server is stopped and a new one started.
    const [command, args] = scriptCommand(fileURLToPath(new URL('./embedded-postgres-child.ts', import.meta.url)), [dataDir]);
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    const childUrl = await new Promise<string>((resolve, reject) => {
      child.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
      child.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
    });
    assert.deepEqual(await query(childUrl, 'select v from kept'), [{ v: 42 }]);
    // (Its watchdog stops the server too, and may remove postmaster.pid any moment: read the pid first.)
    const orphan = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    child.kill('SIGKILL');
    const fifth = await startEmbeddedPostgres({ dataDir });
    assert.throws(() => process.kill(orphan, 0), 'the orphaned server was stopped');
    assert.deepEqual(await query(fifth.url, 'select v from kept'), [{ v: 42 }]);
    await fifth.stop();

    // A stale postmaster.pid naming a live process that is not PostgreSQL (a reused pid) of the server's user
    // (PostgreSQL itself ignores pids it may not signal, so as root the process must run as "postgres").
    const asServerUser = process.getuid?.() === 0 ? { uid: userId('-u'), gid: userId('-g') } : {};
    const other = spawn('sleep', ['60'], { stdio: 'ignore', ...asServerUser });
    try {
      writeFileSync(join(dataDir, 'postmaster.pid'), `${other.pid}\n${dataDir}\n`);
      const fourth = await startEmbeddedPostgres({ dataDir });
      assert.deepEqual(await query(fourth.url, 'select v from kept'), [{ v: 42 }]);
      await fourth.stop();
    } finally {
      other.kill();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the buffer cache is a quarter of memory, between 128MB and 1GB', () => {
  const GiB = 2 ** 30;
  assert.equal(sharedBuffers(24 * GiB), '1024MB');
  assert.equal(sharedBuffers(2 * GiB), '512MB');
  assert.equal(sharedBuffers(256 * 2 ** 20), '128MB');
});
