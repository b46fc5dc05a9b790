import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batch, eventually, openStores, part, values } from './fixtures.ts';

test('onAppend fires locally at once and on other stores through NOTIFY', async () => {
  const { stores: [a, b] } = await openStores(2);
  const topic = await a.createTopic({ name: 'signals', partitions: 2 });
  const seenA: string[] = [];
  const seenB: string[] = [];
  const offA = a.onAppend((t, p, hw) => seenA.push(`${t}:${p}:${hw}`));
  b.onAppend((t, p, hw) => seenB.push(`${t}:${p}:${hw}`));

  await a.append([part(topic, 0, [batch(values(3))]), part(topic, 1, [batch(values(1))])]);
  // Local listeners have run by the time append resolves, exactly once per partition.
  assert.deepEqual(seenA.sort(), [`${topic.id}:0:3`, `${topic.id}:1:1`]);
  await eventually(() => seenB.includes(`${topic.id}:0:3`) && seenB.includes(`${topic.id}:1:1`));

  await b.append([part(topic, 0, [batch(values(2))])]);
  await eventually(() => seenA.includes(`${topic.id}:0:5`));
  assert.ok(seenB.includes(`${topic.id}:0:5`));
  // A store does not hear its own appends twice.
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(seenA.filter((s) => s === `${topic.id}:0:3`).length, 1);
  assert.equal(seenB.filter((s) => s === `${topic.id}:0:5`).length, 1);

  offA();
  await b.append([part(topic, 1, [batch(values(1))])]);
  await eventually(() => seenB.includes(`${topic.id}:1:2`));
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.ok(!seenA.includes(`${topic.id}:1:2`), 'unsubscribed listener must not fire');
});
