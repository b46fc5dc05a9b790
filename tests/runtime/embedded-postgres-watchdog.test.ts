// The embedded PostgreSQL dies with its broker: runtime/main.ts as a child process (Node or Deno, as the test runs)
// with its own embedded PostgreSQL in a temporary --data-dir is killed with SIGKILL (no exit handler runs); its
// postmaster (the pid in postmaster.pid) is gone within 5 s. Started again on the same folder, the broker finds
// its data: the topic and its records.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { RawClient } from '../helpers/raw-client.ts';
import { fetchOne, flatten } from '../helpers/data-path.ts';
import { until } from '../helpers/eventually.ts';
import { Kafka, logLevel } from 'kafkajs';
import { freePort, startMain, stopMain, type RunningBroker } from '../helpers/main-process.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function postmasterPid(dataDir: string): number {
  return Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
}

test('kill -9 of the broker stops its embedded PostgreSQL within 5 s; the next start finds the data', { timeout: 240_000 }, async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'pg-kafka-watchdog-'));
  const dataDir = join(tmp, 'data');
  const running: RunningBroker[] = [];
  const postmasters: number[] = [];
  try {
    const port1 = await freePort();
    const first = await startMain(dataDir, port1);
    running.push(first);
    const pid = postmasterPid(dataDir);
    postmasters.push(pid);
    assert.ok(pid > 0 && alive(pid), 'the embedded PostgreSQL runs');

    // kafkajs creates the topic on first use (Metadata with auto-creation) and stores a record in it.
    const producer = new Kafka({ clientId: 'watchdog-test', brokers: [`127.0.0.1:${port1}`], logLevel: logLevel.NOTHING }).producer({ allowAutoTopicCreation: true });
    await producer.connect();
    try {
      await producer.send({ topic: 'watchdog', acks: -1, messages: [{ partition: 0, value: 'kept' }] });
    } finally {
      await producer.disconnect();
    }

    await first.kill(); // SIGKILL: no exit handler, no shutdown code runs
    const killedAt = Date.now();
    await until(() => !alive(pid), 5000, `the postmaster (pid ${pid}) to stop`, 50);
    assert.ok(Date.now() - killedAt <= 5000);

    const port2 = await freePort();
    const second = await startMain(dataDir, port2);
    running.push(second);
    const again = await RawClient.connect(port2);
    try {
      const { partition, batches } = await fetchOne(again, 12, { name: 'watchdog', topicId: '00000000-0000-0000-0000-000000000000' }, 0, 0);
      assert.equal(partition.errorCode, 0);
      assert.deepEqual(flatten(batches).map((r) => r.value), ['kept'], 'the record stored before the kill');
    } finally {
      again.close();
    }
    await stopMain(second, dataDir);
  } finally {
    for (const r of running) await r.kill();
    // Should the watchdog have failed, do not leave a server behind (immediate shutdown).
    for (const pid of postmasters) if (alive(pid)) process.kill(pid, 'SIGQUIT');
    rmSync(tmp, { recursive: true, force: true });
  }
});
