// Restarts keep the data. A broker on a test database is written to by kcat and kafkajs, stopped, and a new one
// on the same database serves every record and continues the offsets. Then the real entry point, the README's
// quick start: runtime/main.ts as a child process with --data-dir and no DATABASE_URL starts its own embedded
// PostgreSQL; after records are written it is stopped with SIGTERM (it must exit 0) and started again on the same
// folder, and the records are all there.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { freePort, startMain, stopMain } from '../helpers/main-process.ts';
import { javaPartition } from '../helpers/e2e-records.ts';
import { kcatConsume, kcatProduce, requireKcat, type KcatConsumed } from '../helpers/kcat-cli.ts';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const kafkaAt = (address: string) => new Kafka({ clientId: 'e2e-restart', brokers: [address], logLevel: logLevel.NOTHING, retry: { retries: 3 } });

async function kafkajsProduce(address: string, topic: string, messages: { key: string; value: string }[]): Promise<{ partition: number; baseOffset: number }[]> {
  const producer = kafkaAt(address).producer({ allowAutoTopicCreation: true });
  await producer.connect();
  try {
    const result = await producer.send({ topic, acks: -1, messages });
    return result.map((r) => ({ partition: r.partition, baseOffset: Number(r.baseOffset) }));
  } finally {
    await producer.disconnect();
  }
}

const summary = (records: KcatConsumed[]) =>
  records.map((r) => `${r.partition}/${r.offset} ${r.key}=${r.value}`).sort();

test('a new broker on the same database serves everything and continues the offsets', async () => {
  requireKcat();
  const first: TestBroker = await startTestBroker();
  cleanups.push(() => first.stop());
  const topic = 'restart-db';
  await first.store.createTopic({ name: topic, partitions: 3 });
  const fromKcat = Array.from({ length: 300 }, (_, i) => ({ key: `kcat-${i}`, value: `kcat value ${i}` }));
  const run = await kcatProduce(first.address, topic, fromKcat, { compression: 'lz4' });
  assert.equal(run.code, 0, run.stderr);
  const fromKafkajs = Array.from({ length: 300 }, (_, i) => ({ key: `kjs-${i}`, value: `kafkajs value ${i}` }));
  await kafkajsProduce(first.address, topic, fromKafkajs);
  const before = await kcatConsume(first.address, topic);
  assert.equal(before.length, 600);
  await first.stopBroker();

  const second = await startTestBroker({}, { databaseUrl: first.databaseUrl });
  cleanups.push(() => second.stop());
  const after = await kcatConsume(second.address, topic);
  assert.deepEqual(summary(after), summary(before), 'the same records at the same offsets');
  assert.deepEqual(after.map((r) => r.timestamp).sort(), before.map((r) => r.timestamp).sort(), 'and timestamps');
  for (const r of after) assert.equal(r.partition, javaPartition(r.key, 3), `${r.key} on its murmur2 partition`);

  const highs = [0, 1, 2].map((p) => after.filter((r) => r.partition === p).length);
  const more = await kafkajsProduce(second.address, topic, [0, 1, 2].map((p) => ({ key: fromKafkajs.find((m) => javaPartition(m.key, 3) === p)!.key, value: `after restart ${p}` })));
  for (const r of more) assert.equal(r.baseOffset, highs[r.partition], `partition ${r.partition}: new offsets follow the old ones`);
  const all = await kcatConsume(second.address, topic);
  assert.equal(all.length, 603);
});

test('runtime/main.ts with its own embedded PostgreSQL: SIGTERM exits 0, a restart on the same --data-dir keeps the data', async () => {
  requireKcat();
  const tmp = mkdtempSync(join(tmpdir(), 'pg-kafka-e2e-main-'));
  cleanups.push(() => rmSync(tmp, { recursive: true, force: true }));
  const dataDir = join(tmp, 'data');
  const topic = 'quick-start';

  const port1 = await freePort();
  const first = await startMain(dataDir, port1);
  cleanups.push(() => first.kill());
  const address1 = `127.0.0.1:${port1}`;
  const run = await kcatProduce(address1, topic, Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: `first run ${i}` })), { compression: 'zstd' });
  assert.equal(run.code, 0, run.stderr);
  await kafkajsProduce(address1, topic, Array.from({ length: 50 }, (_, i) => ({ key: `j${i}`, value: `first run kafkajs ${i}` })));
  const before = await kcatConsume(address1, topic);
  assert.equal(before.length, 150, 'auto-created topic with 150 records');
  await stopMain(first, dataDir);

  const port2 = await freePort();
  const second = await startMain(dataDir, port2);
  cleanups.push(() => second.kill());
  const address2 = `127.0.0.1:${port2}`;
  const after = await kcatConsume(address2, topic);
  assert.deepEqual(summary(after), summary(before), 'every record survived the restart');
  const more = await kafkajsProduce(address2, topic, [{ key: 'again', value: 'second run' }]);
  assert.equal(more[0].baseOffset, 150, 'offsets continue');
  await stopMain(second, dataDir);
});
