// AppendWaiters (the long-poll service of Fetch): woken by an append to a watched partition only, ends on its
// timeout and at broker shutdown, answers at once when an append it heard of is past the caller's high
// watermark, and leaves nothing registered behind.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppendWaiters } from '../../runtime/append-waiters.ts';
import type { BrokerServices } from '../../runtime/context.ts';
import type { AppendListener } from '../../store/types.ts';

function fakeBroker(): { broker: BrokerServices; append: AppendListener; close(): void } {
  const listeners = new Set<AppendListener>();
  let close!: () => void;
  const closing = new Promise<void>((resolve) => (close = resolve));
  let isClosing = false;
  const broker = {
    store: { onAppend: (l: AppendListener) => (listeners.add(l), () => listeners.delete(l)) },
    closing,
    get isClosing() {
      return isClosing;
    },
  } as unknown as BrokerServices;
  return {
    broker,
    append: (topicId, partition, hw) => {
      for (const l of listeners) l(topicId, partition, hw);
    },
    close: () => {
      isClosing = true;
      close();
    },
  };
}

test('AppendWaiters: an append to a watched partition wakes the waiter, others do not', async () => {
  const f = fakeBroker();
  const w = new AppendWaiters(f.broker);
  const started = Date.now();
  const pending = w.wait([{ topicId: 1, partition: 0, highWatermark: 5 }, { topicId: 2, partition: 3, highWatermark: 0 }], 5000);
  assert.equal(w.waiting, 1);
  f.append(1, 1, 9); // another partition of the topic
  f.append(3, 0, 9); // another topic
  setTimeout(() => f.append(2, 3, 1), 50);
  assert.equal(await pending, 'appended');
  assert.ok(Date.now() - started < 1000);
  assert.equal(w.waiting, 0);
  w.close();
});

test('AppendWaiters: the wait ends after its timeout', async () => {
  const f = fakeBroker();
  const w = new AppendWaiters(f.broker);
  const started = Date.now();
  assert.equal(await w.wait([{ topicId: 1, partition: 0, highWatermark: 0 }], 120), 'timeout');
  assert.ok(Date.now() - started >= 110);
  assert.equal(w.waiting, 0);
  assert.equal(await w.wait([{ topicId: 1, partition: 0, highWatermark: 0 }], 0), 'timeout');
  w.close();
});

test('AppendWaiters: an append already heard of past the caller\'s high watermark answers at once', async () => {
  const f = fakeBroker();
  const w = new AppendWaiters(f.broker);
  f.append(1, 0, 10);
  assert.equal(await w.wait([{ topicId: 1, partition: 0, highWatermark: 9 }], 5000), 'appended');
  assert.equal(w.knownHighWatermark(1, 0), 10);
  w.observe(1, 0, 8); // never goes back
  assert.equal(w.knownHighWatermark(1, 0), 10);
  // Caught up: it waits.
  assert.equal(await w.wait([{ topicId: 1, partition: 0, highWatermark: 10 }], 50), 'timeout');
  w.close();
});

test('AppendWaiters: broker shutdown ends every wait, and later waits end at once', async () => {
  const f = fakeBroker();
  const w = new AppendWaiters(f.broker);
  const a = w.wait([{ topicId: 1, partition: 0, highWatermark: 0 }], 60_000);
  const b = w.wait([{ topicId: 2, partition: 0, highWatermark: 0 }], 60_000);
  assert.equal(w.waiting, 2);
  f.close();
  assert.deepEqual(await Promise.all([a, b]), ['closing', 'closing']);
  assert.equal(w.waiting, 0);
  assert.equal(await w.wait([{ topicId: 1, partition: 0, highWatermark: 0 }], 60_000), 'closing');
  w.close();
});
