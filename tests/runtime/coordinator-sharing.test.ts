// Coordinator slots shared among brokers on one database (runtime/groups/leases.ts), with real brokers: three
// started in turn end up with about a third of the 50 slots each, every slot held by exactly one; a stopped broker's
// slots go to the others; restarted, it gets its share back. A kafkajs consumer group whose slot is handed over
// to a broker that joins carries on with its committed offsets (nothing read twice, nothing lost).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { sleep, until } from '../helpers/eventually.ts';
import * as findCoordinator from '../../apis/find-coordinator.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { startGroupCoordinator } from '../../runtime/groups/coordinator.ts';
import { SLOT_COUNT, slotFor } from '../../runtime/groups/slot.ts';
import { fairShare } from '../../runtime/groups/leases.ts';

const lease = { leaseMs: 4000, renewMs: 500 };

const held = (b: TestBroker): number[] => startGroupCoordinator(b.broker).leases.heldSlots();

/** Resolves once the brokers hold every slot between them, each slot once, each broker within [min, max]. */
async function shared(brokers: TestBroker[], min: number, max: number, what: string): Promise<void> {
  let last = '';
  await until(() => {
    const sets = brokers.map(held);
    last = sets.map((s, i) => `${brokers[i].config.nodeId}:${s.length}`).join(' ');
    const all = sets.flat();
    return all.length === SLOT_COUNT && new Set(all).size === SLOT_COUNT && sets.every((s) => s.length >= min && s.length <= max);
  }, 30_000, `${what} (held: ${last})`, 100).catch((err: Error) => {
    throw new Error(`${err.message}; last seen ${last}`);
  });
}

test('fair share: slots / brokers, the remainder to the lowest node ids', () => {
  assert.deepEqual([1, 2, 3].map((id) => fairShare(id, [3, 1, 2], 50)), [17, 17, 16]);
  assert.deepEqual([7, 9].map((id) => fairShare(id, [7, 9], 50)), [25, 25]);
  assert.equal(fairShare(4, [4], 50), 50);
  assert.equal(fairShare(5, [1, 2], 50), 16, 'a broker not listed yet counts itself');
});

test('three brokers started in turn share the slots; a stopped one hands its slots over; restarted, it gets its share back', { timeout: 120_000 }, async () => {
  const a = await startTestBroker({ nodeId: 1 }, { groupCoordinator: lease });
  const brokers: TestBroker[] = [a];
  try {
    await shared([a], SLOT_COUNT, SLOT_COUNT, 'the only broker to hold every slot');
    const b = await startTestBroker({ nodeId: 2 }, { databaseUrl: a.databaseUrl, groupCoordinator: lease });
    brokers.push(b);
    await shared([a, b], 20, 30, 'two brokers to share the slots');
    const c = await startTestBroker({ nodeId: 3 }, { databaseUrl: a.databaseUrl, groupCoordinator: lease });
    brokers.push(c);
    await shared([a, b, c], 10, 24, 'three brokers to hold about a third each');

    // The slots rest where they are once shared (no back and forth).
    const before = brokers.map((x) => held(x).sort((p, q) => p - q).join(','));
    await sleep(3 * lease.renewMs);
    assert.deepEqual(brokers.map((x) => held(x).sort((p, q) => p - q).join(',')), before, 'stable once shared');

    // FindCoordinator on any broker names the holder of a group's slot.
    const key = 'sharing-group';
    const holder = brokers.find((x) => held(x).includes(slotFor(key)));
    assert.ok(holder);
    for (const x of brokers) {
      const client = await RawClient.connect(x.port);
      try {
        const res = await client.request<findCoordinator.FindCoordinatorResponse>(findCoordinator, 3, { key, keyType: 0, coordinatorKeys: [] });
        assert.deepEqual([res.errorCode, res.nodeId, res.port], [0, holder.config.nodeId, holder.port], `asked broker ${x.config.nodeId}`);
      } finally {
        client.close();
      }
    }

    await b.stopBroker();
    brokers.splice(brokers.indexOf(b), 1);
    await shared([a, c], 20, 30, 'the stopped broker\'s slots to go to the other two');

    const b2 = await startTestBroker({ nodeId: 2 }, { databaseUrl: a.databaseUrl, groupCoordinator: lease });
    brokers.push(b2);
    await shared([a, c, b2], 10, 24, 'the restarted broker to get its share back');
  } finally {
    for (const x of brokers.slice(1)) await x.stopBroker();
    await a.stop();
  }
});

test('a kafkajs consumer group keeps its committed offsets when its slot is handed over to a broker that joins', { timeout: 120_000 }, async () => {
  const a = await startTestBroker({ nodeId: 1 }, { groupCoordinator: lease });
  let b: TestBroker | null = null;
  const topic = 'handover';
  // A group of the highest slot: the one a broker over its share hands over first.
  let groupId = '';
  for (let i = 0; slotFor(groupId) !== SLOT_COUNT - 1 || groupId === ''; i++) groupId = `handover-group-${i}`;
  const kafka = new Kafka({ clientId: 'coordinator-sharing-test', brokers: [a.address], logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 } });
  const producer = kafka.producer();
  let consumer: Consumer | null = null;
  try {
    await a.store.createTopic({ name: topic, partitions: 2 });
    await producer.connect();
    const send = async (tag: string, n: number) => {
      const values = Array.from({ length: n }, (_, i) => `${tag}-${i}`);
      await producer.send({ topic, acks: -1, messages: values.map((value, i) => ({ partition: i % 2, value })) });
      return values;
    };
    const seen: string[] = [];
    consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 300, maxWaitTimeInMs: 100 });
    let joins = 0;
    const memberIds: string[] = [];
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      joins++;
      memberIds.push(e.payload.memberId);
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value?.toString() ?? '') });
    const first = await send('before', 20);
    await until(() => first.every((v) => seen.includes(v)), 30_000, 'the first records to be read');
    const admin = kafka.admin();
    await admin.connect();
    const committed = async () => (await admin.fetchOffsets({ groupId, topics: [topic] }))[0].partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    try {
      await until(async () => (await committed()) === 20, 15_000, 'the offsets of the first records to be committed');

      b = await startTestBroker({ nodeId: 2 }, { databaseUrl: a.databaseUrl, groupCoordinator: lease });
      await shared([a, b], 20, 30, 'the joining broker to take its share');
      assert.ok(held(b).includes(slotFor(groupId)), 'the group\'s slot was handed over');
      // The member is told (NOT_COORDINATOR), finds the new coordinator and joins again there. (Records read before
      // it notices could not be committed and would be read again: at least once, as with Kafka.)
      await until(() => joins >= 2, 30_000, 'the member to join the group at its new coordinator');
      // The new coordinator loaded the group from PostgreSQL: it knew the member, and the generations go on.
      assert.deepEqual(new Set(memberIds).size, 1, `the same member id throughout: ${memberIds.join(', ')}`);
      const moved = startGroupCoordinator(b.broker).groups.get(groupId);
      assert.ok(moved && moved.generationId >= 2, `generation ${moved?.generationId} at the new coordinator`);

      // The group carries on at the new coordinator from its committed offsets: nothing before them is read again.
      const second = await send('after', 20);
      await until(() => second.every((v) => seen.includes(v)), 30_000, 'the records produced after the handover to be read');
      await until(async () => (await committed()) === 40, 15_000, 'the offsets to be committed at the new coordinator');
      await sleep(500);
      assert.equal(seen.length, 40, `each record read once (${seen.length} reads: ${seen.join(' ')})`);
      assert.deepEqual([...seen].sort(), [...first, ...second].sort());
    } finally {
      await admin.disconnect();
    }
  } finally {
    await consumer?.disconnect().catch(() => {});
    await producer.disconnect().catch(() => {});
    await b?.stopBroker();
    await a.stop();
  }
});
