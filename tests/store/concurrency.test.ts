import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batch, openStores, part, record, text } from './fixtures.ts';

test('parallel appends from two stores (two brokers) never duplicate or skip offsets', async () => {
  const { stores: [a, b] } = await openStores(2);
  const topic = await a.createTopic({ name: 'busy', partitions: 2 });
  const calls = Array.from({ length: 40 }, (_, i) => {
    const store = i % 2 === 0 ? a : b;
    const size = 1 + (i % 7);
    const records = Array.from({ length: size }, (_, j) => record(`call${i}-${j}`));
    // Half the calls also write partition 1, in the opposite order: lock ordering must prevent deadlocks.
    const parts = i % 4 < 2 ? [part(topic, 0, [batch(records)])] : [part(topic, 1, [batch(records)]), part(topic, 0, [batch(records)])];
    return store.append(parts).then((results) => ({ i, size, result: results[results.length - 1] }));
  });
  const done = await Promise.all(calls);

  // The ranges handed out for partition 0 tile [0, total) exactly.
  const ranges = done.map((d) => [d.result.baseOffset, d.result.baseOffset + d.size] as const).sort((x, y) => x[0] - y[0]);
  let expected = 0;
  for (const [from, to] of ranges) {
    assert.equal(from, expected, 'ranges must be contiguous and disjoint');
    expected = to;
  }
  const total = done.reduce((sum, d) => sum + d.size, 0);
  assert.equal(expected, total);
  assert.deepEqual(await a.offsets(topic, 0), { logStartOffset: 0, highWatermark: total });

  // What is stored matches what each call was told.
  const stored = await b.read(topic, 0, { fromOffset: 0, maxBytes: 1 << 24 });
  assert.deepEqual(stored.map((r) => r.offset), Array.from({ length: total }, (_, i) => i));
  for (const d of done) {
    for (let j = 0; j < d.size; j++) assert.equal(text(stored[d.result.baseOffset + j].value), `call${d.i}-${j}`);
  }
});

test('20 parallel appends from one store', async () => {
  const { stores: [store] } = await openStores();
  const topic = await store.createTopic({ name: 'twenty', partitions: 1 });
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) => store.append([part(topic, 0, [batch([record(`a${i}`), record(`b${i}`)]), batch([record(`c${i}`)])])])),
  );
  const bases = results.map(([r]) => r.baseOffset).sort((x, y) => x - y);
  assert.deepEqual(bases, Array.from({ length: 20 }, (_, i) => i * 3));
  for (const [r] of results) assert.deepEqual(r.batchBaseOffsets, [r.baseOffset, r.baseOffset + 2]);
  const stored = await store.read(topic, 0, { fromOffset: 0, maxBytes: 1 << 20 });
  assert.equal(stored.length, 60);
  for (const [r] of results) {
    const i = text(stored[r.baseOffset].value)!.slice(1);
    assert.deepEqual(stored.slice(r.baseOffset, r.baseOffset + 3).map((s) => text(s.value)), [`a${i}`, `b${i}`, `c${i}`]);
  }
});
