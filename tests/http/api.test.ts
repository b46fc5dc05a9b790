// The admin HTTP API (/api): topics (create, list, detail, partitions, configs, delete), messages (produce,
// browse newest/oldest with filters, formats and cursors, delete records), groups (a real kafkajs consumer group
// whose lag the API reports exactly, reset offsets only while empty, delete), transactions, cluster, errors as
// `{ error, message }`, and --http-read-only.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { until } from '../helpers/eventually.ts';

let tb: TestBroker;
let base: string;

before(async () => {
  tb = await startTestBroker({ httpPort: 0 });
  base = `http://127.0.0.1:${tb.broker.httpPort}`;
});
after(async () => {
  await tb?.stop();
});

// deno-lint-ignore no-explicit-any
type Json = any;

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(base + path, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : JSON.parse(text) };
}

test('topics: create, list with records and bytes, detail, add partitions, delete; Kafka errors as JSON', async () => {
  const created = await api('POST', '/api/topics', { name: 'orders', partitions: 2, configs: { 'retention.ms': '3600000' } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.partitions.length, 2);
  assert.equal(created.body.configs['retention.ms'], '3600000');

  const again = await api('POST', '/api/topics', { name: 'orders', partitions: 2 });
  assert.equal(again.status, 409);
  assert.equal(again.body.error, 'TOPIC_ALREADY_EXISTS');

  const badName = await api('POST', '/api/topics', { name: 'bad name!', partitions: 1 });
  assert.equal(badName.status, 400);
  assert.equal(badName.body.error, 'INVALID_TOPIC_EXCEPTION');

  const badConfig = await api('POST', '/api/topics', { name: 'x1', partitions: 1, configs: { 'cleanup.policy': 'nope' } });
  assert.equal(badConfig.status, 400);
  assert.equal(badConfig.body.error, 'INVALID_CONFIG');

  const badBody = await api('POST', '/api/topics', { partitions: 'two' });
  assert.equal(badBody.status, 400);
  assert.equal(badBody.body.error, 'INVALID_REQUEST');

  for (let i = 0; i < 3; i++) assert.equal((await api('POST', '/api/topics/orders/messages', { key: 'k', value: `v${i}`, partition: 1 })).status, 201);
  const list = await api('GET', '/api/topics?search=ord');
  assert.equal(list.status, 200);
  assert.equal(list.body.total, 1);
  assert.equal(list.body.topics[0].records, 3);
  assert.ok(list.body.topics[0].bytes > 0);

  const more = await api('POST', '/api/topics/orders/partitions', { count: 4 });
  assert.equal(more.status, 200);
  assert.equal(more.body.partitions.length, 4);
  assert.deepEqual(more.body.partitions.map((p: Json) => p.highWatermark), [0, 3, 0, 0]);
  const fewer = await api('POST', '/api/topics/orders/partitions', { count: 2 });
  assert.equal(fewer.status, 400);
  assert.equal(fewer.body.error, 'INVALID_PARTITIONS');

  const missing = await api('GET', '/api/topics/nope');
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error, 'UNKNOWN_TOPIC_OR_PARTITION');

  await api('POST', '/api/topics', { name: 'doomed', partitions: 1 });
  assert.equal((await api('DELETE', '/api/topics/doomed')).status, 200);
  assert.equal((await api('GET', '/api/topics/doomed')).status, 404);
  assert.equal((await api('DELETE', '/api/topics/doomed')).body.error, 'UNKNOWN_TOPIC_OR_PARTITION');
});

test('configs: describe with sources, alter through IncrementalAlterConfigs, invalid values refused', async () => {
  await api('POST', '/api/topics', { name: 'cfg', partitions: 1 });
  const before = await api('GET', '/api/topics/cfg/configs');
  assert.equal(before.status, 200);
  const retention = before.body.configs.find((c: Json) => c.name === 'retention.ms');
  assert.equal(retention.isDefault, true);
  const patched = await api('PATCH', '/api/topics/cfg/configs', { set: { 'retention.ms': '1000' } });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  const after1 = patched.body.configs.find((c: Json) => c.name === 'retention.ms');
  assert.equal(after1.value, '1000');
  assert.equal(after1.source, 'DYNAMIC_TOPIC_CONFIG');
  const bad = await api('PATCH', '/api/topics/cfg/configs', { set: { 'retention.ms': 'soon' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error, 'INVALID_CONFIG');
  const reset = await api('PATCH', '/api/topics/cfg/configs', { delete: ['retention.ms'] });
  assert.equal(reset.body.configs.find((c: Json) => c.name === 'retention.ms').isDefault, true);
});

test('messages: produce with headers, browse newest and oldest, key and contains filters, formats, cursor paging, delete records', async () => {
  await api('POST', '/api/topics', { name: 'msgs', partitions: 1 });
  for (let i = 0; i < 10; i++) {
    const r = await api('POST', '/api/topics/msgs/messages', { key: `key-${i % 2}`, value: JSON.stringify({ n: i }), headers: [{ key: 'h', value: `x${i}` }] });
    assert.equal(r.status, 201);
    assert.equal(r.body.offset, i);
  }
  const newest = await api('GET', '/api/topics/msgs/messages?limit=3');
  assert.deepEqual(newest.body.records.map((r: Json) => r.offset), [9, 8, 7]);
  assert.deepEqual(newest.body.records[0].headers, [{ key: 'h', value: 'x9' }]);
  assert.equal(newest.body.records[0].value, '{"n":9}');
  const page2 = await api('GET', `/api/topics/msgs/messages?limit=3&cursor=${newest.body.nextCursor}`);
  assert.deepEqual(page2.body.records.map((r: Json) => r.offset), [6, 5, 4]);

  const oldest = await api('GET', '/api/topics/msgs/messages?order=oldest&limit=4&offset=2');
  assert.deepEqual(oldest.body.records.map((r: Json) => r.offset), [2, 3, 4, 5]);
  let cursor = oldest.body.nextCursor;
  const seen: number[] = [];
  while (cursor) {
    const p = await api('GET', `/api/topics/msgs/messages?order=oldest&limit=4&cursor=${cursor}`);
    seen.push(...p.body.records.map((r: Json) => r.offset));
    cursor = p.body.nextCursor;
  }
  assert.deepEqual(seen, [6, 7, 8, 9]);

  const byKey = await api('GET', '/api/topics/msgs/messages?key=key-1&order=oldest');
  assert.deepEqual(byKey.body.records.map((r: Json) => r.offset), [1, 3, 5, 7, 9]);
  const contains = await api('GET', '/api/topics/msgs/messages?contains=%22n%22%3A4');
  assert.deepEqual(contains.body.records.map((r: Json) => r.offset), [4]);
  const pretty = await api('GET', '/api/topics/msgs/messages?limit=1&format=json');
  assert.equal(pretty.body.records[0].value, '{\n  "n": 9\n}');
  const hex = await api('GET', '/api/topics/msgs/messages?limit=1&format=hex');
  assert.equal(hex.body.records[0].value, Buffer.from('{"n":9}').toString('hex'));

  const badQuery = await api('GET', '/api/topics/msgs/messages?order=sideways');
  assert.equal(badQuery.status, 400);
  assert.equal((await api('GET', '/api/topics/msgs/messages?partition=5')).body.error, 'UNKNOWN_TOPIC_OR_PARTITION');
  assert.equal((await api('GET', '/api/topics/msgs/messages?cursor=garbage')).status, 400);

  const del = await api('POST', '/api/topics/msgs/delete-records', { partition: 0, offset: 5 });
  assert.equal(del.status, 200);
  assert.equal(del.body.lowWatermark, 5);
  const rest = await api('GET', '/api/topics/msgs/messages?order=oldest&limit=100');
  assert.deepEqual(rest.body.records.map((r: Json) => r.offset), [5, 6, 7, 8, 9]);
});

test('groups: a kafkajs group whose lag the API reports exactly; reset offsets only when empty; delete', async () => {
  await api('POST', '/api/topics', { name: 'work', partitions: 2 });
  for (let i = 0; i < 6; i++) await api('POST', '/api/topics/work/messages', { value: `m${i}`, partition: i % 2 });
  const kafka = new Kafka({ clientId: 'api-test', brokers: [tb.address], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: 'workers', sessionTimeout: 10000, heartbeatInterval: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic: 'work', fromBeginning: true });
  let consumed = 0;
  await consumer.run({ autoCommitInterval: 100, eachMessage: async () => void consumed++ });
  try {
    await until(async () => (await api('GET', '/api/groups/workers')).body?.lag === 0 && consumed === 6, 30000, 'group caught up');
    for (let i = 0; i < 4; i++) await api('POST', '/api/topics/work/messages', { value: `late${i}`, partition: 0 });
    await until(async () => (await api('GET', '/api/groups/workers')).body?.offsets?.find((o: Json) => o.partition === 0)?.highWatermark === 7, 10000, 'high watermark moved');
    const g = await api('GET', '/api/groups/workers');
    assert.equal(g.body.state, 'Stable');
    assert.equal(g.body.members.length, 1);
    assert.deepEqual(g.body.members[0].assignment, [{ topic: 'work', partitions: [0, 1] }]);
    await until(async () => (await api('GET', '/api/groups/workers')).body.lag === 0, 30000, 'lag back to 0');
    const list = await api('GET', '/api/groups');
    const listed = list.body.groups.find((x: Json) => x.groupId === 'workers');
    assert.equal(listed.members, 1);
    const busy = await api('POST', '/api/groups/workers/reset-offsets', { topic: 'work', to: 'earliest' });
    assert.equal(busy.status, 409);
    assert.equal(busy.body.error, 'NON_EMPTY_GROUP');
  } finally {
    await consumer.disconnect();
  }
  await until(async () => (await api('GET', '/api/groups/workers')).body.state === 'Empty', 20000, 'group empty');
  const reset = await api('POST', '/api/groups/workers/reset-offsets', { topic: 'work', to: 'earliest' });
  assert.equal(reset.status, 200, JSON.stringify(reset.body));
  const g = await api('GET', '/api/groups/workers');
  assert.equal(g.body.lag, 10, 'every record is lag again after a reset to earliest');
  assert.deepEqual(g.body.offsets.map((o: Json) => [o.partition, o.committedOffset, o.lag]), [[0, 0, 7], [1, 0, 3]]);
  await api('POST', '/api/groups/workers/reset-offsets', { topic: 'work', to: 'offset', offset: 5, partitions: [0] });
  assert.equal((await api('GET', '/api/groups/workers')).body.lag, 5);
  assert.equal((await api('DELETE', '/api/groups/workers')).status, 200);
  assert.equal((await api('GET', '/api/groups/workers')).status, 404);
});

test('cluster, transactions, shadow and unknown routes', async () => {
  const cluster = await api('GET', '/api/cluster');
  assert.equal(cluster.body.clusterId, tb.broker.clusterId);
  assert.equal(cluster.body.brokers[0].port, tb.port);
  assert.equal(cluster.body.readOnly, false);
  const tx = await api('GET', '/api/transactions');
  assert.equal(tx.status, 200);
  assert.ok(Array.isArray(tx.body.transactions));
  assert.deepEqual((await api('GET', '/api/shadow')).body, { enabled: false, topics: [] });
  const none = await api('GET', '/api/nothing');
  assert.equal(none.status, 404);
  assert.equal(none.body.error, 'NOT_FOUND');
});

test('--http-read-only: writes answer 403 with a reason, reads still work', async () => {
  const ro = await startTestBroker({ httpPort: 0, httpReadOnly: true, nodeId: 2 }, { databaseUrl: tb.databaseUrl });
  try {
    const at = `http://127.0.0.1:${ro.broker.httpPort}`;
    const w = await fetch(at + '/api/topics', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"ro"}' });
    assert.equal(w.status, 403);
    assert.equal(((await w.json()) as Json).error, 'READ_ONLY');
    const r = await fetch(at + '/api/topics');
    assert.equal(r.status, 200);
    assert.equal(((await r.json()) as Json).topics.some((t: Json) => t.name === 'orders'), true);
  } finally {
    await ro.stopBroker();
  }
});
