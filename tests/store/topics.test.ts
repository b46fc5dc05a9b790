import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidPartitionsError, TopicExistsError, UnknownTopicError } from '../../store/index.ts';
import { batch, eventually, openStores, part, values } from './fixtures.ts';
import type { Store } from '../../store/index.ts';

/** The topics a test made: every database also holds the internal __consumer_offsets. */
const userTopics = async (store: Store) => (await store.listTopics()).filter((t) => t.name !== '__consumer_offsets');

test('create, list, get and delete topics', async () => {
  const { stores: [store] } = await openStores();
  assert.deepEqual(await userTopics(store), []);
  const orders = await store.createTopic({ name: 'orders', partitions: 3, configs: { 'cleanup.policy': 'delete' } });
  assert.equal(orders.name, 'orders');
  assert.equal(orders.partitions, 3);
  assert.deepEqual(orders.configs, { 'cleanup.policy': 'delete' });
  assert.match(orders.topicId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  const audit = await store.createTopic({ name: 'audit', partitions: 1 });
  assert.deepEqual(audit.configs, {});

  assert.deepEqual((await userTopics(store)).map((t) => t.name), ['audit', 'orders']);
  const got = await store.getTopics(['orders', 'missing']);
  assert.deepEqual([...got.keys()], ['orders']);
  assert.equal(got.get('orders')!.id, orders.id);
  const byId = await store.getTopicsByIds([audit.topicId, '00000000-0000-0000-0000-000000000000', 'not-a-uuid']);
  assert.deepEqual([...byId.keys()], [audit.topicId]);

  const [{ n }] = await store.sql<{ n: number }[]>`select count(*)::int as n from kafka.partitions where topic_id = ${orders.id}`;
  assert.equal(n, 3);

  await assert.rejects(store.createTopic({ name: 'orders', partitions: 1 }), TopicExistsError);
  await assert.rejects(store.createTopic({ name: 'none', partitions: 0 }), InvalidPartitionsError);

  await store.append([part(orders, 1, [batch(values(4))])]);
  const deleted = await store.deleteTopic('orders');
  assert.equal(deleted?.id, orders.id);
  assert.equal(await store.deleteTopic('orders'), null);
  assert.deepEqual((await userTopics(store)).map((t) => t.name), ['audit']);
  assert.equal((await store.getTopics(['orders'])).size, 0);
  const [left] = await store.sql<{ records: number; partitions: number }[]>`
    select (select count(*)::int from kafka.records where topic_id = ${orders.id}) as records,
           (select count(*)::int from kafka.partitions where topic_id = ${orders.id}) as partitions`;
  assert.deepEqual({ ...left }, { records: 0, partitions: 0 });

  // A new topic of the same name is a different topic.
  const again = await store.createTopic({ name: 'orders', partitions: 1 });
  assert.notEqual(again.topicId, orders.topicId);
  assert.equal(await store.deleteTopic(orders), null, 'deleting by the old Topic object must not hit the new one');
  assert.equal((await store.getTopics(['orders'])).get('orders')?.id, again.id);
});

test('concurrent creates of one name: exactly one wins', async () => {
  const { stores } = await openStores(2);
  const attempts = Array.from({ length: 10 }, (_, i) => stores[i % 2].createTopic({ name: 'race', partitions: 2 }));
  const outcomes = await Promise.allSettled(attempts);
  assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
  for (const o of outcomes) if (o.status === 'rejected') assert.ok(o.reason instanceof TopicExistsError, String(o.reason));
  const [{ n }] = await stores[0].sql<{ n: number }[]>`
    select count(*)::int as n from kafka.partitions p join kafka.topics t on t.id = p.topic_id where t.name = 'race'`;
  assert.equal(n, 2);
});

test('createPartitions and updateTopicConfigs', async () => {
  const { stores: [store] } = await openStores();
  const topic = await store.createTopic({ name: 'grow', partitions: 2 });
  await store.append([part(topic, 1, [batch(values(3))])]);
  const grown = await store.createPartitions('grow', 5);
  assert.equal(grown.partitions, 5);
  assert.equal((await store.getTopics(['grow'])).get('grow')!.partitions, 5);
  assert.deepEqual(await store.offsets(grown, 4), { logStartOffset: 0, highWatermark: 0 });
  assert.deepEqual(await store.offsets(grown, 1), { logStartOffset: 0, highWatermark: 3 });
  assert.equal((await store.append([part(grown, 4, [batch(values(2))])]))[0].highWatermark, 2);
  await assert.rejects(store.createPartitions('grow', 5), InvalidPartitionsError);
  await assert.rejects(store.createPartitions('grow', 3), InvalidPartitionsError);
  await assert.rejects(store.createPartitions('nope', 3), UnknownTopicError);
  assert.equal((await store.createPartitions(grown, 6)).partitions, 6);

  const configured = await store.updateTopicConfigs('grow', () => ({ 'retention.ms': '1000', 'compression.type': 'lz4' }));
  assert.deepEqual(configured.configs, { 'retention.ms': '1000', 'compression.type': 'lz4' });
  assert.deepEqual((await store.updateTopicConfigs('grow', () => ({ 'retention.ms': '5' }))).configs, { 'retention.ms': '5' });
  assert.deepEqual((await store.getTopics(['grow'])).get('grow')!.configs, { 'retention.ms': '5' });
  await assert.rejects(store.updateTopicConfigs('nope', () => ({})), UnknownTopicError);
});

test('topic caches follow changes made by another store (another broker)', async () => {
  const { stores: [a, b] } = await openStores(2);
  assert.deepEqual(await userTopics(b), []); // b's cache now holds "no topics"
  const created = await a.createTopic({ name: 'shared', partitions: 1 });
  await eventually(async () => (await userTopics(b)).some((t) => t.name === 'shared'));
  assert.equal((await b.getTopics(['shared'])).get('shared')!.partitions, 1);
  assert.equal((await b.getTopicsByIds([created.topicId])).get(created.topicId)!.name, 'shared');

  await a.createPartitions('shared', 4);
  await eventually(async () => (await b.getTopics(['shared'])).get('shared')!.partitions === 4);
  await a.updateTopicConfigs('shared', () => ({ 'max.message.bytes': '100' }));
  await eventually(async () => (await b.getTopics(['shared'])).get('shared')!.configs['max.message.bytes'] === '100');

  await a.deleteTopic('shared');
  await eventually(async () => (await b.getTopics(['shared'])).size === 0);
  assert.deepEqual(await userTopics(b), []);
});
