// FindCoordinator conformance: codec round trip of every version; a group key is answered with this broker at
// v0-3 and per key (batched) at v4-6; transactional ids (key type 1) too; other key types get INVALID_REQUEST.
// Two brokers on one database: the one holding the group's slot is named by both; after it stops (or crashes), the
// other takes the slot over.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as findCoordinator from '../../apis/find-coordinator.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { until } from '../helpers/eventually.ts';
import { startGroupCoordinator } from '../../runtime/groups/coordinator.ts';

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

async function coordinatorOf(port: number, key: string): Promise<Res> {
  const c = await RawClient.connect(port);
  try {
    return await c.request<Res>(findCoordinator, 3, { key, keyType: 0, coordinatorKeys: [] });
  } finally {
    c.close();
  }
}

test('FindCoordinator: two brokers on one database agree on the coordinator; it moves when that broker stops', async () => {
  const first = await startTestBroker({ nodeId: 11 });
  const second = await startTestBroker({ nodeId: 12 }, { databaseUrl: first.databaseUrl });
  try {
    // The slots are shared between the two (runtime/groups/leases.ts): the group's goes to one of them.
    let holder = -1;
    await until(async () => {
      const [a, b] = await Promise.all([coordinatorOf(first.port, 'shared-group'), coordinatorOf(second.port, 'shared-group')]);
      holder = a.nodeId ?? -1;
      return a.errorCode === 0 && b.errorCode === 0 && a.nodeId === b.nodeId && a.port === (a.nodeId === 11 ? first.port : second.port);
    }, 10_000, 'both brokers to name the same coordinator');
    const [stopping, staying] = holder === 11 ? [first, second] : [second, first];

    await stopping.stopBroker(); // gives its leases back
    await until(async () => {
      const c = await coordinatorOf(staying.port, 'shared-group');
      return c.errorCode === 0 && c.nodeId === staying.config.nodeId && c.port === staying.port;
    }, 10_000, 'the other broker to take the group over');
  } finally {
    await second.stopBroker();
    await first.stop();
  }
});

test('FindCoordinator: when the coordinating broker stops renewing (crash), another takes over after the lease', async () => {
  const lease = { leaseMs: 1500, renewMs: 250 };
  const first = await startTestBroker({ nodeId: 21 }, { groupCoordinator: lease });
  const second = await startTestBroker({ nodeId: 22 }, { databaseUrl: first.databaseUrl, groupCoordinator: lease });
  try {
    // Once the two have shared the slots (no handover under way), both name the holder of the group's slot.
    const held = (x: TestBroker) => startGroupCoordinator(x.broker).leases.heldSlots().length;
    await until(() => held(first) === 25 && held(second) === 25, 10_000, 'the brokers to share the slots');
    let holder = -1;
    await until(async () => {
      const [a, b] = await Promise.all([coordinatorOf(first.port, 'crash-group'), coordinatorOf(second.port, 'crash-group')]);
      holder = a.nodeId ?? -1;
      return a.errorCode === 0 && b.errorCode === 0 && a.nodeId === b.nodeId;
    }, 10_000, 'both brokers to name the same coordinator');
    const [crashing, staying] = holder === 21 ? [first, second] : [second, first];

    // The holder loses its database: no more renewals (and the registry still lists it: its registration has not
    // lapsed). The other broker takes the slot over once the lease ran out.
    const lostAt = Date.now();
    await crashing.store.sql.end({ timeout: 0 });
    let owner = holder;
    while (owner !== staying.config.nodeId && Date.now() - lostAt < 10_000) {
      await new Promise((r) => setTimeout(r, 200));
      owner = (await coordinatorOf(staying.port, 'crash-group')).nodeId ?? -1;
    }
    assert.equal(owner, staying.config.nodeId, 'the other broker coordinates the group');
    assert.ok(Date.now() - lostAt >= 1000, 'not before the lease could have expired');
    // Every slot of the crashed broker is taken over, and stays where it is (it is not handed back to the crashed
    // broker, which the registry still lists).
    await until(() => held(staying) === 50, 10_000, 'the other broker to hold every slot');
    await new Promise((r) => setTimeout(r, 4 * lease.renewMs));
    assert.equal(held(staying), 50, 'no slot handed to the crashed broker');
    // The crashed broker has stopped coordinating on its own (its lease was not renewed).
    const stale = await coordinatorOf(crashing.port, 'crash-group');
    assert.notEqual(stale.nodeId, crashing.config.nodeId);
  } finally {
    await second.stopBroker().catch(() => {});
    await first.stopBroker().catch(() => {});
    await first.stop().catch(() => {});
  }
});
