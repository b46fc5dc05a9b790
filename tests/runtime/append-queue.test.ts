// The append queue behind Produce, on a real store: a connection's appends commit in arrival order, those queued
// behind a running transaction share the next one (with producer ids too, each still answered as if alone; never
// across transactional ids), a failing partition in a shared transaction fails only its own append, connections
// do not wait for each other, and a backlog holds the connection's next request back.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppendQueue } from '../../runtime/append-queue.ts';
import type { BrokerServices } from '../../runtime/context.ts';
import { UnknownPartitionError, type Store } from '../../store/index.ts';
import type { PartitionAppend } from '../../store/types.ts';
import { Buffer } from 'node:buffer';
import { batch, openStores, part, record, text, values } from '../store/fixtures.ts';

/** A queue over the real store, counting the store transactions (append calls) it makes. */
function queueOver(store: Store): { queue: AppendQueue; calls: PartitionAppend[][] } {
  const calls: PartitionAppend[][] = [];
  const counting = Object.create(store) as Store;
  counting.append = (parts, options) => {
    calls.push(parts);
    return store.append(parts, options);
  };
  return { queue: new AppendQueue({ store: counting } as unknown as BrokerServices), calls };
}

/** True when `room` is still unsettled once everything already runnable has run. */
async function stillWaiting(room: Promise<void>): Promise<boolean> {
  let settled = false;
  void room.then(() => (settled = true));
  await new Promise((resolve) => setImmediate(resolve));
  return !settled;
}

test('appends queued behind a running one share the next transaction, in arrival order', async () => {
  const { stores: [store] } = await openStores();
  const topic = await store.createTopic({ name: 'grouped', partitions: 2 });
  const { queue, calls } = queueOver(store);
  const queued = Array.from({ length: 5 }, (_, i) => queue.enqueue(1, [part(topic, i % 2, [batch(values(i + 1))])]));
  const results = await Promise.all(queued.map((q) => q.result));
  assert.equal(calls.length, 2, 'the first append alone, the four queued behind it together');
  assert.deepEqual(calls.map((c) => c.length), [1, 4]);
  // Partition 0 got appends 0, 2, 4 (1, 3 and 5 records), partition 1 appends 1, 3 (2 and 4 records).
  assert.deepEqual(results.map((r) => r[0].baseOffset), [0, 0, 1, 2, 4]);
  const p0 = await store.read(topic, 0, { fromOffset: 0, maxBytes: 1 << 20 });
  assert.deepEqual(p0.map((r) => text(r.value)), ['v0', 'v0', 'v1', 'v2', 'v0', 'v1', 'v2', 'v3', 'v4']);
});

test('a failing partition in a shared transaction fails only its own append', async () => {
  const { stores: [store] } = await openStores();
  const topic = await store.createTopic({ name: 'one-bad', partitions: 1 });
  const { queue, calls } = queueOver(store);
  const first = queue.enqueue(7, [part(topic, 0, [batch(values(1))])]);
  const good1 = queue.enqueue(7, [part(topic, 0, [batch(values(2))])]);
  const bad = queue.enqueue(7, [part(topic, 5, [batch(values(1))])]);
  const good2 = queue.enqueue(7, [part(topic, 0, [batch(values(3))])]);
  assert.equal((await first.result)[0].baseOffset, 0);
  assert.equal((await good1.result)[0].baseOffset, 1);
  await assert.rejects(bad.result, UnknownPartitionError);
  assert.equal((await good2.result)[0].baseOffset, 3);
  assert.deepEqual(calls.map((c) => c.length), [1, 3, 1, 1, 1], 'the shared transaction rolled back, then one by one');
  assert.deepEqual(await store.offsets(topic, 0), { logStartOffset: 0, highWatermark: 6 });
});

test('appends with producer ids share a transaction too, each answered as if it ran alone', async () => {
  const { stores: [store] } = await openStores();
  const topic = await store.createTopic({ name: 'idempotent', partitions: 1 });
  const [producerId, producerEpoch] = [4242, 0]; // an unknown producer may start at any sequence
  const { queue, calls } = queueOver(store);
  const idem = (sequence: number, n: number) => [part(topic, 0, [batch(values(n), { producerId, producerEpoch, baseSequence: sequence })])];
  const queued = [
    queue.enqueue(3, [part(topic, 0, [batch(values(1))])]),
    queue.enqueue(3, idem(0, 2)),
    queue.enqueue(3, idem(2, 2)),
    queue.enqueue(3, idem(2, 2)), // sent again: a duplicate of the one before
    queue.enqueue(3, idem(9, 1)), // a gap in the sequence
    queue.enqueue(3, idem(4, 1)),
    queue.enqueue(3, [part(topic, 0, [batch(values(1))])]),
  ];
  const results = (await Promise.all(queued.map((q) => q.result))).map((r) => r[0]);
  assert.deepEqual(calls.map((c) => c.length), [1, 6], 'the first alone, the six behind it in one transaction');
  assert.deepEqual(results.map((r) => r.baseOffset), [0, 1, 3, 3, -1, 5, 6]);
  assert.deepEqual(results.map((r) => r.duplicate ?? false), [false, false, false, true, false, false, false]);
  assert.deepEqual(results.map((r) => r.rejected?.reason ?? null), [null, null, null, null, 'OUT_OF_ORDER_SEQUENCE_NUMBER', null, null]);
  const stored = await store.read(topic, 0, { fromOffset: 0, maxBytes: 1 << 20 });
  assert.deepEqual(stored.map((r) => r.sequence), [-1, 0, 1, 2, 3, 4, -1], 'nothing written twice, nothing of the refused batch');
});

test('appends share a transaction only with the same transactional id', async () => {
  const { stores: [store] } = await openStores();
  const topic = await store.createTopic({ name: 'by-transactional-id', partitions: 1 });
  const { queue, calls } = queueOver(store);
  const plain = () => [part(topic, 0, [batch(values(1))])];
  const queued = [
    queue.enqueue(5, plain()),
    queue.enqueue(5, plain()),
    queue.enqueue(5, plain(), { transactionalId: 'tx-a' }),
    queue.enqueue(5, plain(), { transactionalId: 'tx-a' }),
    queue.enqueue(5, plain(), { transactionalId: 'tx-b' }),
    queue.enqueue(5, plain()),
  ];
  const results = await Promise.all(queued.map((q) => q.result));
  assert.deepEqual(calls.map((c) => c.length), [1, 1, 2, 1, 1]);
  assert.deepEqual(results.map((r) => r[0].baseOffset), [0, 1, 2, 3, 4, 5]);
});

test('connections do not wait for each other', async () => {
  const { stores: [store] } = await openStores();
  const topic = await store.createTopic({ name: 'two-connections', partitions: 2 });
  const { queue, calls } = queueOver(store);
  const a = queue.enqueue(1, [part(topic, 0, [batch(values(1))])]);
  const b = queue.enqueue(2, [part(topic, 1, [batch(values(1))])]);
  assert.equal(calls.length, 2, 'both started at once');
  await Promise.all([a.result, b.result]);
});

test('a backlog of queued records holds the connection back until the queue drains', async () => {
  const { stores: [store] } = await openStores();
  const topic = await store.createTopic({ name: 'backlog', partitions: 1 });
  const { queue } = queueOver(store);
  const running = queue.enqueue(9, [part(topic, 0, [batch(values(10))])]);
  await running.room;
  const small = queue.enqueue(9, [part(topic, 0, [batch(values(5_000))])]);
  await small.room;
  const big = queue.enqueue(9, [part(topic, 0, [batch(values(6_000))])]);
  assert.ok(await stillWaiting(big.room), '11,000 records waiting: no room yet');
  await running.result;
  await big.room;
  const all = await Promise.all([small.result, big.result]);
  assert.deepEqual(all.map((r) => r[0].baseOffset), [10, 5_010]);
});

test('a backlog of queued bytes holds the connection back too, whatever the record count', async () => {
  const { stores: [store] } = await openStores();
  const topic = await store.createTopic({ name: 'backlog-bytes', partitions: 1 });
  const { queue, calls } = queueOver(store);
  const big = () => [part(topic, 0, [batch([record(null, { value: Buffer.alloc(9 * 1024 * 1024, 1) })])])];
  const running = queue.enqueue(4, [part(topic, 0, [batch(values(1))])]);
  const first = queue.enqueue(4, big());
  await first.room;
  const second = queue.enqueue(4, big());
  assert.ok(await stillWaiting(second.room), '18 MiB waiting in two records: no room yet');
  await running.result;
  await second.room;
  const results = await Promise.all([first.result, second.result]);
  assert.deepEqual(results.map((r) => r[0].baseOffset), [1, 2]);
  assert.deepEqual(calls.map((c) => c.length), [1, 1, 1], 'too big to share one transaction');
});
