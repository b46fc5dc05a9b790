// The broker registry service with three stores on one database (three broker processes): this broker is listed
// before it registers; brokers see each other (at once on start, over NOTIFY for those already running); the
// lowest node id is the controller; a clean close drops a broker at once, a crash after the liveness window even
// without a re-read; a live duplicate node id fails start (Broker.listen too, without ever accepting a client on
// its port), a crashed predecessor's is taken over once it lapses; a lost registration is written again on the next heartbeat.

import { test } from 'node:test';
import { connect, createServer } from 'node:net';
import assert from 'node:assert/strict';
import { eventually, openStores } from '../store/fixtures.ts';
import { until } from '../helpers/eventually.ts';
import { BrokerRegistry, NodeIdInUseError, type BrokerRegistryOptions } from '../../runtime/broker-registry.ts';
import type { BrokerInfo } from '../../runtime/context.ts';
import { createLogger } from '../../runtime/log.ts';
import { liveBrokers } from '../../store/brokers.ts';
import { openStore, type Store } from '../../store/index.ts';
import { startTestBroker } from '../helpers/broker.ts';

const info = (nodeId: number): BrokerInfo => ({ nodeId, host: `host-${nodeId}`, port: 9000 + nodeId, rack: null, endpoints: [] });
const ids = (r: BrokerRegistry) => r.brokers().map((b) => b.nodeId);

function registry(store: Store, nodeId: number, options: Partial<BrokerRegistryOptions> = {}, lines: string[] = []): BrokerRegistry {
  return new BrokerRegistry(store.sql, () => info(nodeId), createLogger('debug', (l) => lines.push(l)), options);
}

test('registry: lists itself before registering, then every live broker; lowest node id is the controller', async () => {
  const { stores: [a, b] } = await openStores(2);
  const ra = registry(a, 5);
  const rb = registry(b, 2);
  try {
    assert.deepEqual(ra.brokers(), [info(5)], 'listed before start');
    assert.equal(ra.controllerId(), 5);
    assert.equal(await ra.lookup(2), null, 'not started: no lookups in the database');
    await ra.start();
    assert.deepEqual(ids(ra), [5]);
    await rb.start();
    assert.deepEqual(rb.brokers(), [info(2), info(5)], 'a starting broker reads the others at once');
    assert.equal(rb.controllerId(), 2);
    await eventually(() => ids(ra).length === 2); // NOTIFY: without waiting for the next heartbeat (5 s)
    assert.deepEqual(ra.brokers(), [info(2), info(5)]);
    assert.equal(ra.controllerId(), 2);
    assert.deepEqual(await ra.lookup(2), info(2));

    await rb.close();
    await eventually(() => ids(ra).length === 1);
    assert.deepEqual(ra.brokers(), [info(5)], 'a broker that closed is dropped at once');
    assert.equal(ra.controllerId(), 5);
    assert.equal(await ra.lookup(2), null);
  } finally {
    await rb.close();
    await ra.close();
  }
  assert.deepEqual(await liveBrokers(a.sql, 60_000), [], 'both deregistered');
});

test('registry: a lookup of a broker not yet known re-reads the registry', async () => {
  const { stores: [a, b] } = await openStores(2);
  const ra = registry(a, 1, { heartbeatMs: 60_000 });
  const rb = registry(b, 3);
  try {
    await ra.start();
    await rb.start();
    // Whether or not the notification has arrived yet, a lookup finds the new broker.
    assert.deepEqual(await ra.lookup(3), info(3));
    assert.equal(await ra.lookup(4), null);
  } finally {
    await rb.close();
    await ra.close();
  }
});

test('registry: a crashed broker (no heartbeats, no deregistration) drops out after the liveness window', async () => {
  const { url, stores: [a, z] } = await openStores(2);
  const crashing = await openStore(url);
  const lines: string[] = [];
  const rc = registry(crashing, 2, { heartbeatMs: 100, staleMs: 800 }, lines);
  // One observer re-reads every 200 ms; the other only every minute: the crashed broker expires from its memory.
  const ra = registry(a, 1, { heartbeatMs: 200, staleMs: 800 });
  const rz = registry(z, 3, { heartbeatMs: 60_000, staleMs: 800 });
  try {
    await rc.start();
    await ra.start();
    await new Promise((r) => setTimeout(r, 1200));
    assert.deepEqual(ids(ra), [1, 2], 'heartbeats keep it listed past the window');
    await rz.start();
    assert.deepEqual(ids(rz), [1, 2, 3]);
    const crashedAt = performance.now();
    await crashing.sql.end({ timeout: 0 }); // the process loses its database: no more heartbeats
    // (rz, heartbeating only every minute, lapses in the database too, and lets the others lapse in its memory
    // the same way: only the crashed broker matters here.)
    await until(() => !ids(ra).includes(2) && !ids(rz).includes(2), 5000, 'the crashed broker to drop out', 10).catch((err: Error) => {
      throw new Error(`${err.message}: ra lists ${ids(ra)}, rz lists ${ids(rz)}`);
    });
    const after = performance.now() - crashedAt;
    assert.ok(after >= 400, `dropped after ${after} ms: not before its last heartbeat could have expired`);
  } finally {
    await rc.close();
    await rz.close();
    await ra.close();
    await crashing.close().catch(() => {});
  }
  assert.ok(lines.some((l) => l.includes('broker heartbeat failed')), 'the crashed registry logged its failed heartbeats');
});

test('registry: a second broker with a live node id fails to start once it sees the holder heartbeat', async () => {
  const { stores: [a, b] } = await openStores(2);
  const first = registry(a, 8, { heartbeatMs: 100 });
  const lines: string[] = [];
  const second = registry(b, 8, { heartbeatMs: 100 }, lines);
  try {
    await first.start();
    const t0 = performance.now();
    await assert.rejects(second.start(), (err: unknown) => err instanceof NodeIdInUseError && /node id 8 is already used by a live broker at host-8:9008/.test(err.message));
    assert.ok(performance.now() - t0 < 2000, 'fails within a few heartbeats, not after the liveness window (20 s)');
    assert.ok(lines.some((l) => l.includes('waiting to see whether it is alive')));
    const rows = await liveBrokers(a.sql, 60_000);
    assert.equal(rows.length, 1);
    await second.close(); // never registered: must not delete the first one's row
    assert.equal((await liveBrokers(a.sql, 60_000)).length, 1, 'the holder stays registered');
    assert.deepEqual(first.brokers(), [info(8)]);
  } finally {
    await second.close();
    await first.close();
  }
});

test('registry: restarted after a crash, a broker takes its node id over once the old registration lapses', async () => {
  const { url, stores: [b] } = await openStores(1);
  const crashing = await openStore(url);
  const timings = { heartbeatMs: 100, staleMs: 1000 };
  const old = registry(crashing, 6, timings);
  const lines: string[] = [];
  const restarted = registry(b, 6, timings, lines);
  try {
    await old.start();
    await crashing.sql.end({ timeout: 0 }); // gone without deregistering
    const t0 = performance.now();
    await restarted.start();
    const waited = performance.now() - t0;
    assert.ok(waited >= 600 && waited < 3000, `started after ${waited} ms: once the old heartbeat was stale`);
    assert.ok(lines.some((l) => l.includes('took over the node id')));
    const [row] = await liveBrokers(b.sql, 60_000);
    assert.equal(row.nodeId, 6);
    assert.equal(row.heartbeatAgeMs < 1000, true);
  } finally {
    await restarted.close();
    await old.close();
    await crashing.close().catch(() => {});
  }
});

test('Broker.listen: a second broker with a live node id fails start-up with NodeIdInUseError; the first is unaffected', async () => {
  const timings = { heartbeatMs: 100, staleMs: 5000 };
  const first = await startTestBroker({ nodeId: 77 }, { brokerRegistry: timings });
  try {
    await assert.rejects(startTestBroker({ nodeId: 77 }, { databaseUrl: first.databaseUrl, brokerRegistry: timings }), (err: unknown) => {
      assert.ok(err instanceof NodeIdInUseError);
      assert.match(err.message, new RegExp(`node id 77 is already used by a live broker at 127\\.0\\.0\\.1:${first.port}`));
      return true;
    });
    assert.deepEqual(first.broker.cluster.brokers().map((x) => [x.nodeId, x.port]), [[77, first.port]], 'the first one is unaffected');
    const other = await startTestBroker({ nodeId: 78 }, { databaseUrl: first.databaseUrl, brokerRegistry: timings });
    assert.deepEqual(other.broker.cluster.brokers().map((x) => x.nodeId), [77, 78]);
    await other.stopBroker();
  } finally {
    await first.stop();
  }
});

test('Broker.listen: a second broker with a live node id never accepts a client connection', async () => {
  const first = await startTestBroker({ nodeId: 79 }, { brokerRegistry: { heartbeatMs: 100, staleMs: 5000 } });
  // A port for the second broker, free now.
  const port = await new Promise<number>((resolve) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
  let accepted = 0;
  let attempts = 0;
  let done = false;
  // Knock on the port all the while the second broker watches the holder's heartbeat (about a second here).
  const knocking = (async () => {
    while (!done) {
      attempts++;
      await new Promise<void>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        socket.once('connect', () => {
          accepted++;
          socket.destroy();
          resolve();
        });
        socket.once('error', () => resolve());
      });
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  try {
    const t0 = performance.now();
    await assert.rejects(
      startTestBroker({ nodeId: 79, port }, { databaseUrl: first.databaseUrl, brokerRegistry: { heartbeatMs: 1000, staleMs: 5000 } }),
      (err: unknown) => err instanceof NodeIdInUseError,
    );
    assert.ok(performance.now() - t0 >= 500, 'the second broker watched the holder for a while');
  } finally {
    done = true;
    await knocking;
    await first.stop();
  }
  assert.ok(attempts >= 10, `knocked ${attempts} times`);
  assert.equal(accepted, 0, 'no connection was ever accepted on the second broker\'s port');
});

test('registry: a registration deleted behind its back is written again on the next heartbeat', async () => {
  const { stores: [a] } = await openStores(1);
  const lines: string[] = [];
  const ra = registry(a, 4, { heartbeatMs: 100 }, lines);
  try {
    await ra.start();
    await a.sql`delete from kafka.brokers`;
    await eventually(async () => (await liveBrokers(a.sql, 60_000)).length === 1, 3000);
    assert.ok(lines.some((l) => l.includes('registered again')));
  } finally {
    await ra.close();
  }
});
