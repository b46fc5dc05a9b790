// Exactly-once through @platformatic/kafka: its transactional producer commits and aborts (read back with kcat under
// read_committed and read_uncommitted), and its idempotent producer writes with sequences from 0.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { Producer } from '@platformatic/kafka';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { kcatConsume, requireKcat } from '../helpers/kcat-cli.ts';
import { storedRows } from '../helpers/transactions.ts';

let tb: TestBroker;
const producers: Producer<string, string, string, string>[] = [];

before(async () => {
  requireKcat();
  tb = await startTestBroker();
});
after(async () => {
  await Promise.all(producers.map((p) => p.close().catch(() => {})));
  await tb?.stop();
});

const text = (s: string | undefined) => (s === undefined ? undefined : Buffer.from(s));

function producer(clientId: string, transactionalId?: string): Producer<string, string, string, string> {
  const p = new Producer<string, string, string, string>({
    clientId,
    bootstrapBrokers: [tb.address],
    serializers: { key: text, value: text, headerKey: text, headerValue: text },
    idempotent: true,
    retries: 1,
    ...(transactionalId ? { transactionalId } : {}),
  });
  producers.push(p);
  return p;
}

test('@platformatic/kafka: committed transactions are read, aborted ones only under read_uncommitted', async () => {
  const topic = 'eos-plat';
  await tb.store.createTopic({ name: topic, partitions: 2 });
  const p = producer('eos-plat-txn', 'eos-plat-txn');
  const committed = await p.beginTransaction();
  await committed.send({ messages: [{ topic, key: 'a', value: 'committed-0', partition: 0 }, { topic, key: 'b', value: 'committed-1', partition: 1 }] });
  await committed.commit();
  const aborted = await p.beginTransaction();
  await aborted.send({ messages: [{ topic, key: 'a', value: 'aborted-0', partition: 0 }, { topic, key: 'b', value: 'aborted-1', partition: 1 }] });
  await aborted.abort();
  const again = await p.beginTransaction();
  await again.send({ messages: [{ topic, key: 'a', value: 'committed-2', partition: 0 }] });
  await again.commit();

  const rc = await kcatConsume(tb.address, topic, { properties: { 'isolation.level': 'read_committed' } });
  assert.deepEqual(rc.map((r) => r.value).sort(), ['committed-0', 'committed-1', 'committed-2']);
  const ru = await kcatConsume(tb.address, topic, { properties: { 'isolation.level': 'read_uncommitted' } });
  assert.deepEqual(ru.map((r) => r.value).sort(), ['aborted-0', 'aborted-1', 'committed-0', 'committed-1', 'committed-2']);
});

test('@platformatic/kafka: an idempotent producer writes sequences from 0 under its producer id', async () => {
  const topic = 'eos-plat-idem';
  await tb.store.createTopic({ name: topic, partitions: 1 });
  const p = producer('eos-plat-idem');
  for (let i = 0; i < 3; i++) await p.send({ messages: [{ topic, key: 'k', value: `v${i}`, partition: 0 }, { topic, key: 'k', value: `w${i}`, partition: 0 }] });
  const rows = await storedRows(tb.store.sql, topic, 0);
  assert.deepEqual(rows.map((r) => r.value), ['v0', 'w0', 'v1', 'w1', 'v2', 'w2']);
  assert.deepEqual(rows.map((r) => r.sequence), [0, 1, 2, 3, 4, 5]);
  assert.ok(rows.every((r) => r.producerId >= 0 && r.producerId === rows[0].producerId));
});
