// Metadata conformance: codec round trip of every version; the broker, cluster and controller fields by version;
// all/none/some topics by version; partitions led by this broker; topic ids and lookups by id (v10+); authorized
// operations (v8+); auto-creation on and off (broker setting and allowAutoTopicCreation), invalid and colliding names, many
// clients auto-creating one topic at once; kafkajs's admin view agreeing with the store; several brokers on one
// database listing each other (and dropping one that stopped), each leading the partitions it answers for.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import * as metadata from '../../apis/metadata.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, testContext, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { until } from '../helpers/eventually.ts';

type Res = metadata.MetadataResponse;
type Req = Partial<metadata.MetadataRequest>;

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
const NOT_REQUESTED = -2147483648;

let tb: TestBroker;
let client: RawClient;
before(async () => {
  tb = await startTestBroker({ defaultPartitions: 3 });
  client = await RawClient.connect(tb.port);
  await tb.store.createTopic({ name: 'alpha', partitions: 2 });
  await tb.store.createTopic({ name: 'beta', partitions: 1 });
});
after(async () => {
  client?.close();
  await tb?.stop();
});

const ask = (version: number, body: Req): Promise<Res> => client.request<Res>(metadata, version, body);
const named = (...names: string[]) => names.map((name) => ({ name, topicId: ZERO_UUID }));
const topicNames = (res: Res) => (res.topics ?? []).map((t) => t.name).sort();

test('Metadata: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(metadata);
});

test('Metadata v0: an empty list means every topic; brokers without rack, no cluster id', async () => {
  const res = await ask(0, { topics: [] });
  assert.deepEqual(res.brokers, [{ nodeId: tb.config.nodeId, host: '127.0.0.1', port: tb.port, rack: null }]);
  assert.equal(res.clusterId, null); // not in v0: decoded as its default
  assert.deepEqual(topicNames(res), ['alpha', 'beta']);
  const alpha = res.topics?.find((t) => t.name === 'alpha');
  assert.equal(alpha?.errorCode, 0);
  assert.deepEqual(alpha?.partitions?.map((p) => p.partitionIndex), [0, 1]);
  for (const p of alpha?.partitions ?? []) {
    assert.equal(p.errorCode, 0);
    assert.equal(p.leaderId, tb.config.nodeId);
    assert.deepEqual(p.replicaNodes, [tb.config.nodeId]);
    assert.deepEqual(p.isrNodes, [tb.config.nodeId]);
  }
});

test('Metadata v1: null means every topic, an empty list none; controller id is this broker', async () => {
  const all = await ask(1, { topics: null });
  assert.deepEqual(topicNames(all), ['alpha', 'beta']);
  assert.equal(all.controllerId, tb.config.nodeId);
  assert.equal(all.topics?.[0].isInternal, false);
  const none = await ask(1, { topics: [] });
  assert.deepEqual(none.topics, []);
  assert.deepEqual(none.brokers?.map((b) => b.nodeId), [tb.config.nodeId]);
  const some = await ask(1, { topics: named('beta') });
  assert.deepEqual(topicNames(some), ['beta']);
});

test('Metadata v2: the cluster id', async () => {
  const res = await ask(2, { topics: [] });
  assert.equal(res.clusterId, tb.broker.clusterId);
  assert.match(res.clusterId ?? '', /^[A-Za-z0-9_-]{22}$/);
});

test('Metadata v7+: leader epoch 0 and no offline replicas; v5-6 offline replicas, no epoch', async () => {
  const v5 = await ask(5, { topics: named('alpha') });
  assert.deepEqual(v5.topics?.[0].partitions?.[0].offlineReplicas, []);
  assert.equal(v5.topics?.[0].partitions?.[0].leaderEpoch, -1); // absent before v7
  const v7 = await ask(7, { topics: named('alpha') });
  assert.equal(v7.topics?.[0].partitions?.[0].leaderEpoch, 0);
});

test('Metadata v10+: topic ids agree with the store; v12 answers by id with the name', async () => {
  const stored = (await tb.store.getTopics(['alpha'])).get('alpha');
  assert.ok(stored);
  const v9 = await ask(9, { topics: named('alpha') });
  assert.equal(v9.topics?.[0].topicId, ZERO_UUID); // no topic ids before v10
  const v10 = await ask(10, { topics: named('alpha') });
  assert.equal(v10.topics?.[0].topicId, stored.topicId);

  const byId = await ask(12, { topics: [{ name: null, topicId: stored.topicId }] });
  assert.equal(byId.topics?.length, 1);
  assert.equal(byId.topics?.[0].errorCode, 0);
  assert.equal(byId.topics?.[0].name, 'alpha');
  assert.equal(byId.topics?.[0].partitions?.length, 2);

  const unknownId = '12345678-1234-1234-1234-123456789abc';
  const missing = await ask(12, { topics: [{ name: null, topicId: unknownId }, { name: 'beta', topicId: ZERO_UUID }] });
  assert.equal(missing.topics?.length, 2);
  assert.equal(missing.topics?.[0].errorCode, ErrorCode.UNKNOWN_TOPIC_ID);
  assert.equal(missing.topics?.[0].name, null);
  assert.equal(missing.topics?.[0].topicId, unknownId);
  assert.equal(missing.topics?.[1].errorCode, 0);
  assert.equal(missing.topics?.[1].name, 'beta');

  const v10ById = await ask(10, { topics: [{ name: null, topicId: stored.topicId }] });
  assert.equal(v10ById.topics?.[0].name, 'alpha');
  const zeroId = await ask(12, { topics: [{ name: null, topicId: ZERO_UUID }] });
  assert.equal(zeroId.topics?.[0].errorCode, ErrorCode.UNKNOWN_TOPIC_ID);
});

test('Metadata v8+: authorized operations only when asked for; cluster operations only in v8-10', async () => {
  const plain = await ask(8, { topics: named('alpha') });
  assert.equal(plain.topics?.[0].topicAuthorizedOperations, NOT_REQUESTED);
  assert.equal(plain.clusterAuthorizedOperations, NOT_REQUESTED);
  for (const v of [8, 10]) {
    const res = await ask(v, { topics: named('alpha'), includeTopicAuthorizedOperations: true, includeClusterAuthorizedOperations: true });
    assert.equal(res.topics?.[0].topicAuthorizedOperations, 3576, `v${v}`); // READ..ALTER_CONFIGS, as Kafka without an authorizer
    assert.equal(res.clusterAuthorizedOperations, 8096, `v${v}`);
  }
  const v12 = await ask(12, { topics: named('alpha'), includeTopicAuthorizedOperations: true });
  assert.equal(v12.topics?.[0].topicAuthorizedOperations, 3576);
  assert.equal(v12.clusterAuthorizedOperations, NOT_REQUESTED); // not in v11+
  const v7 = await ask(7, { topics: named('alpha') });
  assert.equal(v7.topics?.[0].topicAuthorizedOperations, NOT_REQUESTED);
});

test('Metadata: a topic asked for twice is answered once', async () => {
  const res = await ask(12, { topics: named('alpha', 'alpha', 'beta') });
  assert.deepEqual(res.topics?.map((t) => t.name), ['alpha', 'beta']);
});

describe('auto-creation, broker setting on', () => {
  test('before v4 unknown topics are always created, with num.partitions, and answered ready', async () => {
    for (const v of [0, 3]) {
      const name = `auto-v${v}`;
      const res = await ask(v, { topics: named(name) });
      assert.equal(res.topics?.length, 1);
      assert.equal(res.topics?.[0].errorCode, 0, `v${v}`);
      assert.equal(res.topics?.[0].partitions?.length, 3);
      assert.equal(res.topics?.[0].partitions?.[2].leaderId, tb.config.nodeId);
      const stored = (await tb.store.getTopics([name])).get(name);
      assert.equal(stored?.partitions, 3);
    }
  });

  test('v4+ with allowAutoTopicCreation=true creates; false answers UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const yes = await ask(12, { topics: named('auto-v12'), allowAutoTopicCreation: true });
    assert.equal(yes.topics?.[0].errorCode, 0);
    const stored = (await tb.store.getTopics(['auto-v12'])).get('auto-v12');
    assert.equal(yes.topics?.[0].topicId, stored?.topicId);

    for (const v of [4, 12]) {
      const name = `not-created-v${v}`;
      const no = await ask(v, { topics: named(name), allowAutoTopicCreation: false });
      assert.equal(no.topics?.[0].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `v${v}`);
      assert.deepEqual(no.topics?.[0].partitions, []);
      assert.equal((await tb.store.getTopics([name])).size, 0);
    }
  });

  test('a name colliding with an existing one once . and _ are equated gets INVALID_TOPIC_EXCEPTION, uncreated', async () => {
    await tb.store.createTopic({ name: 'meta.col_lide', partitions: 1 });
    const res = await ask(12, { topics: named('meta_col_lide', 'meta.col.lide', 'meta.col_lide'), allowAutoTopicCreation: true });
    assert.deepEqual(res.topics?.map((t) => [t.name, t.errorCode]), [
      ['meta_col_lide', ErrorCode.INVALID_TOPIC_EXCEPTION],
      ['meta.col.lide', ErrorCode.INVALID_TOPIC_EXCEPTION],
      ['meta.col_lide', ErrorCode.NONE],
    ]);
    assert.equal((await tb.store.getTopics(['meta_col_lide', 'meta.col.lide'])).size, 0);
  });

  test('invalid names get INVALID_TOPIC_EXCEPTION and are never created', async () => {
    const bad = ['', '.', '..', 'has space', 'ü', 'a/b', 'x'.repeat(250)];
    const res = await ask(12, { topics: named(...bad, 'x'.repeat(249)) });
    assert.equal(res.topics?.length, bad.length + 1);
    for (let i = 0; i < bad.length; i++) {
      assert.equal(res.topics?.[i].name, bad[i]);
      assert.equal(res.topics?.[i].errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION, `name ${JSON.stringify(bad[i])}`);
    }
    assert.equal(res.topics?.[bad.length].errorCode, 0); // 249 characters is allowed
    const names = (await tb.store.listTopics()).map((t) => t.name);
    for (const b of bad) assert.ok(!names.includes(b));
    const v0 = await ask(0, { topics: named('bad name') });
    assert.equal(v0.topics?.[0].errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
  });

  test('many clients auto-creating the same topic at once all succeed with one topic', async () => {
    const clients = await Promise.all(Array.from({ length: 12 }, () => RawClient.connect(tb.port)));
    try {
      const answers = await Promise.all(clients.map((c, i) => c.request<Res>(metadata, i % 2 === 0 ? 12 : 3, { topics: named('race') })));
      const stored = (await tb.store.getTopics(['race'])).get('race');
      assert.ok(stored);
      for (const a of answers) {
        assert.equal(a.topics?.[0].errorCode, 0);
        assert.equal(a.topics?.[0].partitions?.length, 3);
      }
      assert.ok(answers.filter((_, i) => i % 2 === 0).every((a) => a.topics?.[0].topicId === stored.topicId));
      assert.equal((await tb.store.listTopics()).filter((t) => t.name === 'race').length, 1);
      // Several new names in one request, asked by several clients at once.
      const many = await Promise.all(clients.map((c) => c.request<Res>(metadata, 12, { topics: named('race-a', 'race-b', 'race-c') })));
      for (const a of many) assert.deepEqual(a.topics?.map((t) => t.errorCode), [0, 0, 0]);
    } finally {
      for (const c of clients) c.close();
    }
  });
});

test('Metadata: a topic created by someone else between our read and our create is answered, not failed', async () => {
  const theirs = await tb.store.createTopic({ name: 'beaten', partitions: 2 });
  // A store whose first lookup misses, as if another broker created the topic just after we looked.
  let firstLookup = true;
  const store = new Proxy(tb.store, {
    get(target, prop, receiver) {
      if (prop === 'getTopics') {
        return async (names: string[]) => {
          if (firstLookup) {
            firstLookup = false;
            return new Map();
          }
          return target.getTopics(names);
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  const broker = new Proxy(tb.broker, { get: (target, prop) => (prop === 'store' ? store : Reflect.get(target, prop, target)) });
  const ctx = testContext(broker, { apiKey: 3, apiVersion: 12, correlationId: 1, clientId: 't' });
  const res = await metadata.handle({ topics: named('beaten'), allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }, ctx);
  assert.equal(firstLookup, false);
  assert.equal(res.topics?.[0].errorCode, 0);
  assert.equal(res.topics?.[0].topicId, theirs.topicId);
  assert.equal(res.topics?.[0].partitions?.length, 2);
});

describe('auto-creation, broker setting off', () => {
  let off: TestBroker;
  let c: RawClient;
  before(async () => {
    off = await startTestBroker({ autoCreateTopics: false });
    c = await RawClient.connect(off.port);
    await off.store.createTopic({ name: 'exists', partitions: 1 });
  });
  after(async () => {
    c?.close();
    await off?.stop();
  });

  test('unknown topics get UNKNOWN_TOPIC_OR_PARTITION at every version, even when the client allows creation', async () => {
    for (const v of [0, 3, 4, 12]) {
      const res = await c.request<Res>(metadata, v, { topics: named('nope', 'exists'), allowAutoTopicCreation: true });
      assert.equal(res.topics?.[0].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `v${v}`);
      assert.equal(res.topics?.[1].errorCode, 0, `v${v}`);
    }
    assert.deepEqual((await off.store.listTopics()).map((t) => t.name), ['exists']);
    const bad = await c.request<Res>(metadata, 12, { topics: named('bad name') });
    assert.equal(bad.topics?.[0].errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
  });
});

test('kafkajs: listTopics and fetchTopicMetadata agree with the store', async () => {
  const kafka = new Kafka({ clientId: 'metadata-test', brokers: [tb.address], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const stored = await tb.store.listTopics();
    assert.deepEqual((await admin.listTopics()).sort(), stored.map((t) => t.name).sort());
    const meta = await admin.fetchTopicMetadata({ topics: ['alpha', 'beta'] });
    const got = meta.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => p.partitionId).sort() })).sort((a, b) => a.name.localeCompare(b.name));
    assert.deepEqual(got, [{ name: 'alpha', partitions: [0, 1] }, { name: 'beta', partitions: [0] }]);
    for (const t of meta.topics) {
      for (const p of t.partitions) {
        assert.equal(p.leader, tb.config.nodeId);
        assert.deepEqual(p.replicas, [tb.config.nodeId]);
        assert.deepEqual(p.isr, [tb.config.nodeId]);
      }
    }
    const cluster = await admin.describeCluster();
    assert.equal(cluster.clusterId, tb.broker.clusterId);
    assert.equal(cluster.controller, tb.config.nodeId);
    assert.deepEqual(cluster.brokers, [{ nodeId: tb.config.nodeId, host: '127.0.0.1', port: tb.port }]);
  } finally {
    await admin.disconnect();
  }
});

describe('several brokers on one database', () => {
  test('each lists every live broker, the lowest node id as controller, and leads the partitions itself', async () => {
    const a = await startTestBroker({ nodeId: 31 });
    const b = await startTestBroker({ nodeId: 32 }, { databaseUrl: a.databaseUrl });
    const ca = await RawClient.connect(a.port);
    const cb = await RawClient.connect(b.port);
    try {
      await a.store.createTopic({ name: 'shared', partitions: 2 });
      const both = [{ nodeId: 31, host: '127.0.0.1', port: a.port, rack: null }, { nodeId: 32, host: '127.0.0.1', port: b.port, rack: null }];
      // b read the registry when it started; a hears of b over NOTIFY.
      await until(async () => ((await ca.request<Res>(metadata, 12, { topics: [] })).brokers?.length ?? 0) === 2, 5000, 'a to list b');
      for (const [client, self] of [[ca, 31], [cb, 32]] as const) {
        for (const v of [0, 1, 12]) {
          const res = await client.request<Res>(metadata, v, { topics: named('shared') });
          assert.deepEqual(res.brokers, both, `v${v} from ${self}`);
          if (v >= 1) assert.equal(res.controllerId, 31, `v${v} from ${self}`);
          assert.deepEqual(res.topics?.[0].partitions?.map((p) => [p.leaderId, p.replicaNodes, p.isrNodes]), [[self, [self], [self]], [self, [self], [self]]]);
        }
      }

      // A stopped broker disappears from the other's list (it deregisters on shutdown), and the controller moves.
      await a.stopBroker();
      await until(async () => ((await cb.request<Res>(metadata, 12, { topics: [] })).brokers?.length ?? 0) === 1, 5000, 'b to drop a');
      const alone = await cb.request<Res>(metadata, 12, { topics: [] });
      assert.deepEqual(alone.brokers, [{ nodeId: 32, host: '127.0.0.1', port: b.port, rack: null }]);
      assert.equal(alone.controllerId, 32);
    } finally {
      ca.close();
      cb.close();
      await b.stopBroker();
      await a.stop();
    }
  });

  test('kafkajs bootstrapped to one broker sees both', async () => {
    const a = await startTestBroker({ nodeId: 41 });
    const b = await startTestBroker({ nodeId: 42 }, { databaseUrl: a.databaseUrl });
    const kafka = new Kafka({ clientId: 'metadata-two', brokers: [b.address], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      assert.equal(cluster.controller, 41);
      assert.deepEqual(cluster.brokers.sort((x, y) => x.nodeId - y.nodeId), [{ nodeId: 41, host: '127.0.0.1', port: a.port }, { nodeId: 42, host: '127.0.0.1', port: b.port }]);
      assert.equal(cluster.clusterId, a.broker.clusterId, 'one cluster id for both');
    } finally {
      await admin.disconnect();
      await b.stopBroker();
      await a.stop();
    }
  });

  test('a broker lists itself even before it has registered (and when it never listens)', async () => {
    const { Broker } = await import('../../runtime/broker.ts');
    const { loadConfig } = await import('../../runtime/config.ts');
    const { createLogger } = await import('../../runtime/log.ts');
    const config = loadConfig([], {}, { nodeId: 99, host: '127.0.0.1', port: 9999, databaseUrl: tb.databaseUrl });
    const unstarted = await Broker.create({ config, store: tb.store, log: createLogger('silent') });
    try {
      const ctx = testContext(unstarted, { apiKey: 3, apiVersion: 12, correlationId: 1, clientId: 't' });
      const res = await metadata.handle({ topics: [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }, ctx);
      assert.deepEqual(res.brokers, [{ nodeId: 99, host: '127.0.0.1', port: 9999, rack: null }]);
      assert.equal(res.controllerId, 99);
    } finally {
      await unstarted.close();
    }
  });
});
