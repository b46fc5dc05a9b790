// FindCoordinator conformance: codec round trip of every version; a group key is answered with this broker at
// v0-3 and per key (batched) at v4-6; transactional ids (key type 1) too; other key types get INVALID_REQUEST.
// Two brokers on one database: the one holding the group's slot is named by both; after it stops, the other
// takes the slot over.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as findCoordinator from '../../apis/find-coordinator.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';

type Res = findCoordinator.FindCoordinatorResponse;

let tb: TestBroker;
before(async () => {
  tb = await startTestBroker();
});
after(async () => {
  await tb?.stop();
});

test('FindCoordinator: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(findCoordinator);
});

test('FindCoordinator v0-3: a group key is coordinated by this broker', async () => {
  const client = await RawClient.connect(tb.port);
  for (let v = 0; v <= 3; v++) {
    const res = await client.request<Res>(findCoordinator, v, { key: `group-${v}`, keyType: 0, coordinatorKeys: [] });
    assert.equal(res.errorCode, ErrorCode.NONE, `v${v}`);
    assert.equal(res.nodeId, tb.config.nodeId, `v${v}`);
    assert.equal(res.host, '127.0.0.1', `v${v}`);
    assert.equal(res.port, tb.port, `v${v}`);
    if (v >= 1) assert.equal(res.errorMessage, null);
  }
  client.close();
});

test('FindCoordinator v4-6: batched keys get one answer each', async () => {
  const client = await RawClient.connect(tb.port);
  for (let v = 4; v <= 6; v++) {
    const res = await client.request<Res>(findCoordinator, v, { key: '', keyType: 0, coordinatorKeys: ['a', 'b', 'c'] });
    assert.deepEqual(res.coordinators?.map((c) => [c.key, c.errorCode, c.nodeId, c.host, c.port]), [
      ['a', 0, tb.config.nodeId, '127.0.0.1', tb.port],
      ['b', 0, tb.config.nodeId, '127.0.0.1', tb.port],
      ['c', 0, tb.config.nodeId, '127.0.0.1', tb.port],
    ], `v${v}`);
  }
  client.close();
});

test('FindCoordinator: transactional ids (key type 1) are coordinated by this broker', async () => {
  const client = await RawClient.connect(tb.port);
  const v1 = await client.request<Res>(findCoordinator, 1, { key: 'txn-1', keyType: 1, coordinatorKeys: [] });
  assert.equal(v1.errorCode, 0);
  assert.equal(v1.port, tb.port);
  const v4 = await client.request<Res>(findCoordinator, 4, { key: '', keyType: 1, coordinatorKeys: ['t1', 't2'] });
  assert.deepEqual(v4.coordinators?.map((c) => [c.key, c.errorCode, c.port]), [['t1', 0, tb.port], ['t2', 0, tb.port]]);
  client.close();
});

test('FindCoordinator: an unknown key type gets INVALID_REQUEST', async () => {
  const client = await RawClient.connect(tb.port);
  const v2 = await client.request<Res>(findCoordinator, 2, { key: 'g', keyType: 7, coordinatorKeys: [] });
  assert.equal(v2.errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal(v2.nodeId, -1);
  const v6 = await client.request<Res>(findCoordinator, 6, { key: '', keyType: 2, coordinatorKeys: ['x', 'y'] });
  assert.deepEqual(v6.coordinators?.map((c) => [c.key, c.errorCode, c.nodeId]), [['x', ErrorCode.INVALID_REQUEST, -1], ['y', ErrorCode.INVALID_REQUEST, -1]]);
  client.close();
});

test('FindCoordinator: two brokers on one database agree on the coordinator; it moves when that broker stops', async () => {
  const first = await startTestBroker({ nodeId: 11 });
  const second = await startTestBroker({ nodeId: 12 }, { databaseUrl: first.databaseUrl });
  try {
    const c1 = await RawClient.connect(first.port);
    const a = await c1.request<Res>(findCoordinator, 3, { key: 'shared-group', keyType: 0, coordinatorKeys: [] });
    assert.equal(a.nodeId, 11);
    c1.close();

    const c2 = await RawClient.connect(second.port);
    const b = await c2.request<Res>(findCoordinator, 3, { key: 'shared-group', keyType: 0, coordinatorKeys: [] });
    assert.equal(b.errorCode, 0);
    assert.deepEqual([b.nodeId, b.port], [11, first.port], 'the second broker names the first');

    await first.stopBroker(); // gives its leases back
    const c = await c2.request<Res>(findCoordinator, 3, { key: 'shared-group', keyType: 0, coordinatorKeys: [] });
    assert.deepEqual([c.errorCode, c.nodeId, c.port], [0, 12, second.port], 'the second broker took the group over');
    c2.close();
  } finally {
    await second.stopBroker();
    await first.stop();
  }
});

test('FindCoordinator: when the coordinating broker stops renewing (crash), another takes over after the lease', async () => {
  const { GroupCoordinator } = await import('../../runtime/groups/coordinator.ts');
  const lease = { leaseMs: 1500, renewMs: 250 };
  const first = await startTestBroker({ nodeId: 21 });
  const second = await startTestBroker({ nodeId: 22 }, { databaseUrl: first.databaseUrl });
  try {
    // The first broker's coordinator starts first and claims every slot.
    first.broker.service('groups', (b) => new GroupCoordinator(b, lease));
    const c1 = await RawClient.connect(first.port);
    const a = await c1.request<Res>(findCoordinator, 3, { key: 'crash-group', keyType: 0, coordinatorKeys: [] });
    assert.equal(a.nodeId, 21);
    second.broker.service('groups', (b) => new GroupCoordinator(b, lease));
    const c2 = await RawClient.connect(second.port);
    assert.equal((await c2.request<Res>(findCoordinator, 3, { key: 'crash-group', keyType: 0, coordinatorKeys: [] })).nodeId, 21);

    // The first broker loses its database: no more renewals. The second takes over once the lease ran out.
    const lostAt = Date.now();
    await first.store.sql.end({ timeout: 0 });
    let owner = 21;
    while (owner !== 22 && Date.now() - lostAt < 10_000) {
      await new Promise((r) => setTimeout(r, 200));
      owner = (await c2.request<Res>(findCoordinator, 3, { key: 'crash-group', keyType: 0, coordinatorKeys: [] })).nodeId ?? -1;
    }
    assert.equal(owner, 22, 'the second broker coordinates the group');
    assert.ok(Date.now() - lostAt >= 1000, 'not before the lease could have expired');
    // The first broker has stopped coordinating on its own (its lease was not renewed).
    const stale = await c1.request<Res>(findCoordinator, 3, { key: 'crash-group', keyType: 0, coordinatorKeys: [] });
    assert.notEqual(stale.nodeId, 21);
    c1.close();
    c2.close();
  } finally {
    await second.stopBroker();
    await first.stopBroker().catch(() => {});
    await first.stop().catch(() => {});
  }
});
