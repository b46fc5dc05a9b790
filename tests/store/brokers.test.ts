// The broker registry rows, with two stores on one database (two broker processes): registration and the live
// list, heartbeats, staleness, a node id held by a live process refused to another (and taken over once stale),
// concurrent registrations of one node id, deregistration, and the change notifications.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { eventually, openStores } from './fixtures.ts';
import {
  deregisterBroker,
  heartbeatBroker,
  listenBrokerChanges,
  liveBrokers,
  NodeIdInUseError,
  registerBroker,
  type BrokerRegistration,
} from '../../store/brokers.ts';

const LONG = 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function reg(nodeId: number, port: number, rack: string | null = null): BrokerRegistration {
  return { nodeId, host: `broker-${nodeId}`, port, rack, listeners: [], instanceId: randomUUID() };
}

const endpoints = (rows: { nodeId: number; host: string; port: number; rack: string | null }[]) => rows.map((r) => [r.nodeId, r.host, r.port, r.rack]);

test('brokers: register lists the broker with its endpoint; heartbeats move heartbeat_at; deregister removes it', async () => {
  const { stores: [a, b] } = await openStores(2);
  const one = reg(1, 9001, 'rack-a');
  const two = reg(2, 9002);
  await registerBroker(a.sql, two, LONG);
  await registerBroker(b.sql, one, LONG);
  const listed = await liveBrokers(a.sql, LONG);
  assert.deepEqual(endpoints(listed), [[1, 'broker-1', 9001, 'rack-a'], [2, 'broker-2', 9002, null]], 'by node id');
  assert.equal(listed[0].instanceId, one.instanceId);
  assert.ok(listed[0].heartbeatAgeMs >= 0 && listed[0].heartbeatAgeMs < 5000, `age ${listed[0].heartbeatAgeMs}`);
  assert.ok(listed[0].startedAt instanceof Date);

  const before = listed[0].heartbeatAt.getTime();
  await sleep(30);
  assert.equal(await heartbeatBroker(b.sql, 1, one.instanceId), true);
  const after = (await liveBrokers(a.sql, LONG)).find((r) => r.nodeId === 1);
  assert.ok(after && after.heartbeatAt.getTime() > before, 'heartbeat_at moved');
  assert.equal(after.startedAt.getTime(), listed[0].startedAt.getTime(), 'started_at kept');
  assert.equal(await heartbeatBroker(b.sql, 1, randomUUID()), false, 'another instance id does not renew the row');

  // Registering again with the same instance id (a retry) is fine and keeps started_at.
  await registerBroker(b.sql, one, LONG);
  const again = (await liveBrokers(a.sql, LONG)).find((r) => r.nodeId === 1);
  assert.equal(again?.startedAt.getTime(), listed[0].startedAt.getTime());

  assert.equal(await deregisterBroker(a.sql, 1, randomUUID()), false, 'only the registering instance deregisters');
  assert.equal(await deregisterBroker(b.sql, 1, one.instanceId), true);
  assert.deepEqual((await liveBrokers(a.sql, LONG)).map((r) => r.nodeId), [2]);
  assert.equal(await heartbeatBroker(b.sql, 1, one.instanceId), false, 'no row to renew after deregistering');
  assert.equal(await deregisterBroker(b.sql, 1, one.instanceId), false);
});

test('brokers: a broker without heartbeats goes stale, by the database clock', async () => {
  const { stores: [a] } = await openStores(1);
  await registerBroker(a.sql, reg(5, 9005), LONG);
  assert.deepEqual((await liveBrokers(a.sql, 300)).map((r) => r.nodeId), [5]);
  await sleep(400);
  assert.deepEqual(await liveBrokers(a.sql, 300), [], 'no heartbeat for longer than the window: not live');
  assert.deepEqual((await liveBrokers(a.sql, LONG)).map((r) => r.nodeId), [5], 'the row stays; a longer window still counts it');
});

test('brokers: a node id held by a live broker is refused to another process; once stale it is taken over', async () => {
  const { stores: [a, b] } = await openStores(2);
  const first = reg(7, 9007);
  const second = { ...reg(7, 9107), host: 'other-host' };
  await registerBroker(a.sql, first, LONG);

  await assert.rejects(registerBroker(b.sql, second, LONG), (err: unknown) => {
    assert.ok(err instanceof NodeIdInUseError);
    assert.equal(err.holder.nodeId, 7);
    assert.equal(err.holder.instanceId, first.instanceId);
    assert.match(err.message, /node id 7 is already used by a live broker at broker-7:9007/);
    assert.match(err.message, /--node-id/);
    return true;
  });
  const [row] = await liveBrokers(b.sql, LONG);
  assert.deepEqual([row.host, row.port, row.instanceId], ['broker-7', 9007, first.instanceId], 'the holder is untouched');

  // The first process stops heartbeating (a crash): after the window the node id is free again.
  await sleep(400);
  await registerBroker(b.sql, second, 300);
  const [taken] = await liveBrokers(a.sql, LONG);
  assert.deepEqual([taken.host, taken.port, taken.instanceId], ['other-host', 9107, second.instanceId]);
  assert.ok(taken.startedAt.getTime() > row.startedAt.getTime(), 'a new start time for the new process');
  // The old process comes back: it can neither renew nor delete the new registration.
  assert.equal(await heartbeatBroker(a.sql, 7, first.instanceId), false);
  assert.equal(await deregisterBroker(a.sql, 7, first.instanceId), false);
  await assert.rejects(registerBroker(a.sql, first, LONG), NodeIdInUseError);
  assert.equal((await liveBrokers(a.sql, LONG))[0].instanceId, second.instanceId);
});

test('brokers: processes registering one node id at once: exactly one wins', async () => {
  const { stores } = await openStores(2);
  const attempts = Array.from({ length: 8 }, (_, i) => reg(9, 9000 + i));
  const results = await Promise.allSettled(attempts.map((r, i) => registerBroker(stores[i % 2].sql, r, LONG)));
  const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [attempts[i]] : []));
  assert.equal(won.length, 1, JSON.stringify(results.map((r) => r.status)));
  for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof NodeIdInUseError, String(r.reason));
  const rows = await liveBrokers(stores[0].sql, LONG);
  assert.deepEqual(rows.map((r) => [r.nodeId, r.port, r.instanceId]), [[9, won[0].port, won[0].instanceId]]);
});

test('brokers: registering and deregistering notify the other processes', async () => {
  const { stores: [a, b] } = await openStores(2);
  let changes = 0;
  const unlisten = await listenBrokerChanges(b.sql, () => changes++);
  try {
    await eventually(() => changes >= 1); // the first listen counts as a change (nothing may have been seen yet)
    const base = changes;
    const r = reg(3, 9003);
    await registerBroker(a.sql, r, LONG);
    await eventually(() => changes === base + 1);
    assert.equal(await heartbeatBroker(a.sql, 3, r.instanceId), true);
    await deregisterBroker(a.sql, 3, r.instanceId);
    await eventually(() => changes === base + 2);
    await sleep(100);
    assert.equal(changes, base + 2, 'heartbeats do not notify');
  } finally {
    await unlisten();
  }
});
