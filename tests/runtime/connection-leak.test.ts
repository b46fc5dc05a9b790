// Closed connections release everything they held. 500 connections each park a Fetch long poll (max_wait_ms
// near 2^31, min_bytes 1 on an empty partition) with more requests queued behind it (ApiVersions, Metadata, a
// Produce to another topic, a second long poll), then close. Afterwards no waiter is parked, no request is in
// flight, no connection is open, the store has no more append listeners than before, and the heap (after
// globalThis.gc, which scripts/test.ts exposes) is back within 20% of its level before the load. Likewise JoinGroup
// requests parked in a rebalance that waits for a member who does not rejoin: closing their connections ends them.
// And a read started ahead for a consumer that never comes back is dropped after its few seconds, by a timer.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import process from 'node:process';
import * as apiVersions from '../../apis/api-versions.ts';
import * as fetchApi from '../../apis/fetch.ts';
import * as metadataApi from '../../apis/metadata.ts';
import * as produceApi from '../../apis/produce.ts';
import { appendWaiters } from '../../runtime/append-waiters.ts';
import { readAhead } from '../../runtime/read-ahead.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { fetchOne, fetchRequest, makeBatch, produceOne, sampleRecords } from '../helpers/data-path.ts';
import { describe, joinRequest, soloMember } from '../helpers/groups.ts';
import * as joinGroupApi from '../../apis/join-group.ts';
import { sleep, until } from '../helpers/eventually.ts';

const EMPTY = 'leak-empty';
const OTHER = 'leak-other';
const CONNECTIONS = 500;
/** Each connection parks two fetches. */
const PARKED_PER_CONNECTION = 2;

let tb: TestBroker;
let topic: { name: string; topicId: string };

before(async () => {
  tb = await startTestBroker();
  const t = await tb.store.createTopic({ name: EMPTY, partitions: 1 });
  topic = { name: t.name, topicId: t.topicId };
  await tb.store.createTopic({ name: OTHER, partitions: 1 });
});
after(async () => {
  await tb?.stop();
});

const gc = (globalThis as { gc?: () => void }).gc;

/** Heap in use after collecting garbage (a few rounds, so that finalizers and weak references settle). */
async function heapUsed(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc?.();
    await sleep(50);
  }
  return process.memoryUsage().heapUsed;
}

const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;

/** The bytes one connection sends: a long poll, then more requests that queue behind it, all in one write. */
function requests(client: RawClient, i: number): Uint8Array {
  const longPoll = fetchRequest(12, topic, [{ partition: 0, offset: 0 }], { maxWaitMs: 0x7fffffff, minBytes: 1 });
  const frames = [
    client.encode(fetchApi, 12, longPoll),
    client.encode(apiVersions, 3, { clientSoftwareName: 'leak', clientSoftwareVersion: '1' }),
    client.encode(metadataApi, 12, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }),
    client.encode(produceApi, 9, {
      transactionalId: null,
      acks: 1,
      timeoutMs: 5000,
      topicData: [{ name: OTHER, partitionData: [{ index: 0, records: makeBatch(sampleRecords(2, `leak-${i}`)) }] }],
    }),
    client.encode(fetchApi, 12, longPoll),
  ];
  const all = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of frames) {
    all.set(f, at);
    at += f.length;
  }
  return all;
}

/** Opens `n` connections, parks their long polls with requests behind them, then closes them all. */
async function parkAndClose(n: number): Promise<{ loaded: number }> {
  const waiters = appendWaiters(tb.broker);
  const parkedBefore = waiters.waiting;
  const clients: RawClient[] = [];
  for (let i = 0; i < n; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => RawClient.connect(tb.port)));
    for (const [k, c] of batch.entries()) c.write(requests(c, i + k));
    clients.push(...batch);
  }
  await until(() => waiters.waiting >= parkedBefore + n * PARKED_PER_CONNECTION, 60_000, `${n * PARKED_PER_CONNECTION} parked fetches (have ${waiters.waiting})`);
  // Every request behind the long polls has run (answers held back behind the first fetch): only the fetches remain.
  await until(() => tb.broker.requestsInFlight === n * PARKED_PER_CONNECTION, 60_000, 'the requests behind the long polls');
  const loaded = process.memoryUsage().heapUsed;
  for (const c of clients) c.close();
  await Promise.all(clients.map((c) => c.closed));
  return { loaded };
}

/** Waits for the broker to let go of every closed connection. */
async function released(listenersBefore: number): Promise<void> {
  const waiters = appendWaiters(tb.broker);
  await until(() => waiters.waiting === 0, 30_000, `parked fetches to end (${waiters.waiting} left)`);
  await until(() => tb.broker.requestsInFlight === 0, 30_000, `requests in flight to end (${tb.broker.requestsInFlight} left)`);
  await until(() => tb.broker.openConnections === 0, 30_000, `connections to close (${tb.broker.openConnections} open)`);
  assert.equal(waiters.watchedPartitions, 0, 'no partition is watched');
  assert.equal(tb.store.appendListenerCount, listenersBefore, 'no append listener is left behind');
}

test('500 closed connections with parked long polls and queued requests release everything', async (t) => {
  t.diagnostic(gc ? 'globalThis.gc available: heap measured after collection' : 'no globalThis.gc: the heap check is skipped');
  // A first, smaller round: code paths compiled, metrics series and caches created, so the baseline is the idle level.
  await parkAndClose(50);
  appendWaiters(tb.broker); // the single store listener exists from here on
  const listenersBefore = tb.store.appendListenerCount;
  await released(listenersBefore);
  const idle = await heapUsed();

  const { loaded } = await parkAndClose(CONNECTIONS);
  await released(listenersBefore);
  // Read-ahead entries expire on a timer; none is expected here (nothing was stored to read), but none may remain.
  await until(() => readAhead(tb.broker).pending === 0, 30_000, 'read-ahead entries to expire');
  const after = await heapUsed();
  t.diagnostic(`heap used: idle ${mib(idle)}, loaded ${mib(loaded)}, after closing ${mib(after)}`);
  if (gc) assert.ok(after <= idle * 1.2, `heap after closing (${mib(after)}) is within 20% of idle (${mib(idle)})`);

  // The broker still serves new connections.
  const c = await RawClient.connect(tb.port);
  try {
    const res = await c.request<apiVersions.ApiVersionsResponse>(apiVersions, 3, { clientSoftwareName: 'after', clientSoftwareVersion: '1' });
    assert.equal(res.errorCode, 0);
  } finally {
    c.close();
  }
});

test('JoinGroup requests parked in a rebalance end when their connections close; the members stay in the group', async () => {
  const groupId = 'leak-group';
  const stayer = await RawClient.connect(tb.port);
  const joiners: RawClient[] = [];
  try {
    // A stable group whose one member will not rejoin soon: new members' joins wait for it (rebalance timeout 5 min).
    await soloMember(stayer, { groupId, sessionTimeoutMs: 60_000, rebalanceTimeoutMs: 300_000, version: 3 });
    const before = tb.broker.requestsInFlight;
    for (let i = 0; i < 50; i++) {
      const c = await RawClient.connect(tb.port);
      c.write(c.encode(joinGroupApi, 3, joinRequest({ groupId, sessionTimeoutMs: 60_000, rebalanceTimeoutMs: 300_000 })));
      joiners.push(c);
    }
    await until(() => tb.broker.requestsInFlight === before + 50, 30_000, `50 parked joins (${tb.broker.requestsInFlight - before} in flight)`);
    await sleep(200);
    assert.equal(tb.broker.requestsInFlight, before + 50, 'the joins stay parked while their connections are open');
    for (const c of joiners) c.close();
    await until(() => tb.broker.requestsInFlight === before, 30_000, `the parked joins to end (${tb.broker.requestsInFlight - before} left)`);
    const group = await describe(stayer, groupId);
    assert.equal(group.groupState, 'PreparingRebalance', 'the rebalance still waits for the member that did not rejoin');
    assert.equal(group.members?.length, 51, 'the members whose connections closed are still in the group (as in Kafka)');
  } finally {
    for (const c of joiners) c.close();
    stayer.close();
  }
});

test('a read started ahead for a consumer that never fetches again is dropped after its time', async () => {
  const t = await tb.store.createTopic({ name: 'leak-read-ahead', partitions: 1 });
  const c = await RawClient.connect(tb.port);
  try {
    for (let i = 0; i < 3; i++) assert.equal((await produceOne(c, 9, t.name, 0, makeBatch(sampleRecords(50, `ahead-${i}`)))).errorCode, 0);
    // A small partitionMaxBytes answers the first batch only: the read the next fetch would need starts at once.
    await fetchOne(c, 12, t, 0, 0, { partitionMaxBytes: 1024 });
    assert.ok(readAhead(tb.broker).pending > 0, 'a read was started ahead');
  } finally {
    c.close();
  }
  await until(() => readAhead(tb.broker).pending === 0, 20_000, 'the unclaimed read-ahead entry to expire');
});
