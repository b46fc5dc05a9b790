// CreateTopics conformance: codec round trip of every version; creation at the lowest and highest versions with
// the store agreeing; v5+ answers (counts and configs with their sources) and v7 topic ids; every refusal
// (invalid partitions, replication factor, assignments, configs, names, existing and duplicate topics, names
// colliding once '.' and '_' are equated, also when racing);
// validateOnly; racing creations; and kafkajs's admin.createTopics.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import * as createTopics from '../../apis/create-topics.ts';
import * as metadata from '../../apis/metadata.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { topicConfigDefs } from '../../runtime/topic-configs.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';

type Res = createTopics.CreateTopicsResponse;
type Topic = createTopics.CreateTopicsRequest['topics'][number];

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

let tb: TestBroker;
let client: RawClient;
before(async () => {
  tb = await startTestBroker({ defaultPartitions: 4 });
  client = await RawClient.connect(tb.port);
});
after(async () => {
  client?.close();
  await tb?.stop();
});

const topic = (name: string, over: Partial<Topic> = {}): Topic => ({ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [], ...over });
const create = (version: number, topics: Topic[], validateOnly = false): Promise<Res> =>
  client.request<Res>(createTopics, version, { topics, timeoutMs: 5000, validateOnly });
const stored = async (name: string) => (await tb.store.getTopics([name])).get(name);

test('CreateTopics: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(createTopics);
});

test('CreateTopics v2: creates the topic; no counts or configs in the answer', async () => {
  const res = await create(2, [topic('v2-topic', { numPartitions: 2 })]);
  assert.equal(res.topics?.length, 1);
  assert.equal(res.topics?.[0].name, 'v2-topic');
  assert.equal(res.topics?.[0].errorCode, 0);
  assert.equal(res.topics?.[0].errorMessage, null);
  assert.equal(res.topics?.[0].numPartitions, -1); // not in v2: decoded as its default
  const t = await stored('v2-topic');
  assert.equal(t?.partitions, 2);
  assert.deepEqual(t?.configs, {});
});

test('CreateTopics v5+: answers partition count, replication factor and every config with its source', async () => {
  const res = await create(5, [topic('v5-topic', { numPartitions: 3, configs: [{ name: 'compression.type', value: 'lz4' }, { name: 'retention.ms', value: null }] })]);
  const r = res.topics?.[0];
  assert.equal(r?.errorCode, 0);
  assert.equal(r?.numPartitions, 3);
  assert.equal(r?.replicationFactor, 1);
  assert.equal(r?.topicId, ZERO_UUID); // not in v5
  const configs = new Map((r?.configs ?? []).map((c) => [c.name, c]));
  assert.deepEqual([...configs.keys()].sort(), Object.keys(topicConfigDefs).sort());
  assert.deepEqual(configs.get('compression.type'), { name: 'compression.type', value: 'lz4', readOnly: false, configSource: 1, isSensitive: false });
  assert.equal(configs.get('retention.ms')?.value, '604800000'); // a null value leaves the default
  assert.equal(configs.get('retention.ms')?.configSource, 5);
  assert.equal(configs.get('cleanup.policy')?.configSource, 5);
  // max.message.bytes falls back to the broker's message.max.bytes, which no flag set here: Kafka's default.
  assert.equal(configs.get('max.message.bytes')?.value, String(tb.config.messageMaxBytes));
  assert.equal(configs.get('max.message.bytes')?.configSource, 5);
  assert.deepEqual((await stored('v5-topic'))?.configs, { 'compression.type': 'lz4' });
});

test('CreateTopics v7: the topic id is the stored one; -1 counts take num.partitions', async () => {
  const res = await create(7, [topic('v7-topic', { numPartitions: -1, replicationFactor: -1 })]);
  const r = res.topics?.[0];
  assert.equal(r?.errorCode, 0);
  const t = await stored('v7-topic');
  assert.ok(t);
  assert.equal(r?.topicId, t.topicId);
  assert.equal(t.partitions, 4);
  assert.equal(r?.numPartitions, 4);
});

test('CreateTopics: any replication factor >= 1 is accepted and reported as one replica, this broker', async () => {
  const res = await create(7, [topic('rf3', { numPartitions: 2, replicationFactor: 3 })]);
  assert.equal(res.topics?.[0].errorCode, 0);
  assert.equal(res.topics?.[0].replicationFactor, 1);
  const meta = await client.request<metadata.MetadataResponse>(metadata, 12, { topics: [{ name: 'rf3', topicId: ZERO_UUID }] });
  assert.deepEqual(meta.topics?.[0].partitions?.map((p) => p.replicaNodes), [[tb.config.nodeId], [tb.config.nodeId]]);
});

test('CreateTopics: invalid partition counts and replication factors', async () => {
  for (const v of [2, 7]) {
    const res = await create(v, [
      topic(`p0-v${v}`, { numPartitions: 0 }),
      topic(`pm2-v${v}`, { numPartitions: -2 }),
      topic(`rf0-v${v}`, { replicationFactor: 0 }),
      topic(`rfm2-v${v}`, { replicationFactor: -2 }),
      topic(`huge-v${v}`, { numPartitions: 100001 }),
    ]);
    assert.deepEqual(res.topics?.map((t) => t.errorCode), [
      ErrorCode.INVALID_PARTITIONS,
      ErrorCode.INVALID_PARTITIONS,
      ErrorCode.INVALID_REPLICATION_FACTOR,
      ErrorCode.INVALID_REPLICATION_FACTOR,
      ErrorCode.INVALID_PARTITIONS,
    ], `v${v}`);
    for (const t of res.topics ?? []) assert.ok((t.errorMessage ?? '').length > 0);
    if (v >= 5) for (const t of res.topics ?? []) assert.equal(t.numPartitions, -1);
  }
  assert.deepEqual((await tb.store.listTopics()).filter((t) => /^(p0|pm2|rf0|rfm2|huge)-/.test(t.name)), []);
});

test('CreateTopics: manual assignments define the partition count and may only name this broker', async () => {
  const me = tb.config.nodeId;
  const ok = await create(7, [topic('manual', { numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 1, brokerIds: [me] }, { partitionIndex: 0, brokerIds: [me] }] })]);
  assert.equal(ok.topics?.[0].errorCode, 0);
  assert.equal(ok.topics?.[0].numPartitions, 2);
  assert.equal((await stored('manual'))?.partitions, 2);

  const bad = await create(7, [
    topic('a-other', { numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [me + 1] }] }),
    topic('a-empty', { numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [] }] }),
    topic('a-twice', { numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [me, me] }] }),
    topic('a-gap', { numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [me] }, { partitionIndex: 2, brokerIds: [me] }] }),
    topic('a-dup', { numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [me] }, { partitionIndex: 0, brokerIds: [me] }] }),
    topic('a-count', { numPartitions: 1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [me] }] }),
    topic('a-rf', { numPartitions: -1, replicationFactor: 1, assignments: [{ partitionIndex: 0, brokerIds: [me] }] }),
  ]);
  assert.deepEqual(bad.topics?.map((t) => [t.name, t.errorCode]), [
    ['a-other', ErrorCode.INVALID_REPLICA_ASSIGNMENT],
    ['a-empty', ErrorCode.INVALID_REPLICA_ASSIGNMENT],
    ['a-twice', ErrorCode.INVALID_REPLICA_ASSIGNMENT],
    ['a-gap', ErrorCode.INVALID_REPLICA_ASSIGNMENT],
    ['a-dup', ErrorCode.INVALID_REPLICA_ASSIGNMENT],
    ['a-count', ErrorCode.INVALID_REQUEST],
    ['a-rf', ErrorCode.INVALID_REQUEST],
  ]);
  assert.match(bad.topics?.[0].errorMessage ?? '', new RegExp(`broker ${me + 1}`));
  assert.deepEqual((await tb.store.listTopics()).filter((t) => t.name.startsWith('a-')), []);
});

test('CreateTopics: configs are validated (INVALID_CONFIG with the message)', async () => {
  const res = await create(7, [
    topic('c-unknown', { configs: [{ name: 'no.such.config', value: '1' }] }),
    topic('c-bad', { configs: [{ name: 'compression.type', value: 'brotli' }] }),
    topic('c-good', { configs: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'retention.ms', value: '1000' }] }),
  ]);
  assert.equal(res.topics?.[0].errorCode, ErrorCode.INVALID_CONFIG);
  assert.match(res.topics?.[0].errorMessage ?? '', /no\.such\.config/);
  assert.equal(res.topics?.[1].errorCode, ErrorCode.INVALID_CONFIG);
  assert.match(res.topics?.[1].errorMessage ?? '', /brotli/);
  assert.equal(res.topics?.[2].errorCode, 0);
  // Names that exist on every JavaScript object are unknown configs too, not a crash.
  const odd = await create(7, [topic('c-proto', { configs: [{ name: '__proto__', value: '1' }] }), topic('c-tostring', { configs: [{ name: 'toString', value: '1' }] })]);
  assert.deepEqual(odd.topics?.map((t) => [t.errorCode, t.errorMessage]), [
    [ErrorCode.INVALID_CONFIG, 'Unknown topic config name: __proto__'],
    [ErrorCode.INVALID_CONFIG, 'Unknown topic config name: toString'],
  ]);
  assert.equal(await stored('c-unknown'), undefined);
  assert.equal(await stored('c-bad'), undefined);
  assert.deepEqual((await stored('c-good'))?.configs, { 'cleanup.policy': 'compact', 'retention.ms': '1000' });
});

test('CreateTopics: invalid names, existing topics and names given twice', async () => {
  await tb.store.createTopic({ name: 'already', partitions: 1 });
  const res = await create(7, [
    topic('bad name'),
    topic('..'),
    topic('x'.repeat(250)),
    topic('already'),
    topic('twice'),
    topic('once'),
    topic('twice', { numPartitions: 2 }),
  ]);
  assert.deepEqual(res.topics?.map((t) => [t.name, t.errorCode]), [
    ['bad name', ErrorCode.INVALID_TOPIC_EXCEPTION],
    ['..', ErrorCode.INVALID_TOPIC_EXCEPTION],
    ['x'.repeat(250), ErrorCode.INVALID_TOPIC_EXCEPTION],
    ['already', ErrorCode.TOPIC_ALREADY_EXISTS],
    ['once', ErrorCode.NONE],
    ['twice', ErrorCode.INVALID_REQUEST],
  ]);
  assert.equal(res.topics?.[3].errorMessage, "Topic 'already' already exists.");
  assert.equal(res.topics?.[5].errorMessage, 'Duplicate topic name.');
  assert.equal(await stored('twice'), undefined);
  assert.equal(await stored('bad name'), undefined);
  const v2 = await create(2, [topic('already')]);
  assert.equal(v2.topics?.[0].errorCode, ErrorCode.TOPIC_ALREADY_EXISTS);
});

test('CreateTopics: a name colliding with an existing one once . and _ are equated is INVALID_TOPIC_EXCEPTION', async () => {
  await tb.store.createTopic({ name: 'col.lide', partitions: 1 });
  for (const v of [2, 7]) {
    for (const validateOnly of [false, true]) {
      const res = await create(v, [topic('col_lide'), topic('col.lide'), topic('col_lide_not')], validateOnly);
      assert.deepEqual(res.topics?.map((t) => [t.name, t.errorCode, t.errorMessage]), [
        ['col_lide', ErrorCode.INVALID_TOPIC_EXCEPTION, "Topic 'col_lide' collides with existing topic: col.lide"],
        ['col.lide', ErrorCode.TOPIC_ALREADY_EXISTS, "Topic 'col.lide' already exists."],
        ['col_lide_not', ErrorCode.NONE, null],
      ], `v${v} validateOnly ${validateOnly}`);
      if (!validateOnly) await tb.store.deleteTopic('col_lide_not');
    }
  }
  assert.equal(await stored('col_lide'), undefined);
  // The store refuses it too, whoever asks (the unique index on the normalised name holds across brokers).
  await assert.rejects(tb.store.createTopic({ name: 'col_lide', partitions: 1 }), /Topic 'col_lide' collides with existing topic: col.lide/);
});

test('CreateTopics: clients racing to create colliding names: one wins, the others get INVALID_TOPIC_EXCEPTION', async () => {
  const names = ['race.a.b', 'race_a.b', 'race.a_b', 'race_a_b', 'race.a.b', 'race_a_b'];
  const clients = await Promise.all(names.map(() => RawClient.connect(tb.port)));
  try {
    const answers = await Promise.all(clients.map((c, i) => c.request<Res>(createTopics, 7, { topics: [topic(names[i])], timeoutMs: 5000 })));
    const results = answers.map((a) => a.topics?.[0]);
    const winners = results.filter((r) => r?.errorCode === 0);
    assert.equal(winners.length, 1, JSON.stringify(results));
    const winner = winners[0]?.name as string;
    for (const r of results) {
      if (r === winners[0]) continue;
      if (r?.name === winner) assert.equal(r?.errorCode, ErrorCode.TOPIC_ALREADY_EXISTS);
      else assert.deepEqual([r?.errorCode, r?.errorMessage], [ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${r?.name}' collides with existing topic: ${winner}`]);
    }
    const [{ n }] = await tb.store.sql<{ n: number }[]>`select count(*)::int as n from kafka.topics where replace(name, '.', '_') = 'race_a_b'`;
    assert.equal(n, 1);
  } finally {
    for (const c of clients) c.close();
  }
});

test('CreateTopics: validateOnly checks everything, answers as if, and creates nothing', async () => {
  const res = await create(7, [
    topic('vo-ok', { numPartitions: 5, configs: [{ name: 'compression.type', value: 'zstd' }] }),
    topic('vo-bad', { numPartitions: 0 }),
    topic('already'),
  ], true);
  assert.equal(res.topics?.[0].errorCode, 0);
  assert.equal(res.topics?.[0].numPartitions, 5);
  assert.equal(res.topics?.[0].topicId, ZERO_UUID);
  assert.equal(res.topics?.[0].configs?.find((c) => c.name === 'compression.type')?.value, 'zstd');
  assert.equal(res.topics?.[1].errorCode, ErrorCode.INVALID_PARTITIONS);
  assert.equal(res.topics?.[2].errorCode, ErrorCode.TOPIC_ALREADY_EXISTS);
  assert.equal(await stored('vo-ok'), undefined);
  const v2 = await create(2, [topic('vo-ok-v2')], true);
  assert.equal(v2.topics?.[0].errorCode, 0);
  assert.equal(await stored('vo-ok-v2'), undefined);
});

test('CreateTopics: clients racing to create one topic: one wins, the others get TOPIC_ALREADY_EXISTS', async () => {
  const clients = await Promise.all(Array.from({ length: 8 }, () => RawClient.connect(tb.port)));
  try {
    const answers = await Promise.all(clients.map((c) => c.request<Res>(createTopics, 7, { topics: [topic('contested', { numPartitions: 2 })], timeoutMs: 5000 })));
    const codes = answers.map((a) => a.topics?.[0].errorCode);
    assert.equal(codes.filter((c) => c === 0).length, 1);
    assert.equal(codes.filter((c) => c === ErrorCode.TOPIC_ALREADY_EXISTS).length, clients.length - 1);
    const winner = answers.find((a) => a.topics?.[0].errorCode === 0);
    assert.equal(winner?.topics?.[0].topicId, (await stored('contested'))?.topicId);
  } finally {
    for (const c of clients) c.close();
  }
});

test('kafkajs: createTopics agrees with the store', async () => {
  const kafka = new Kafka({ clientId: 'create-topics-test', brokers: [tb.address], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const created = await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: 'kjs-a', numPartitions: 3, configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] },
        { topic: 'kjs-b' },
      ],
    });
    assert.equal(created, true);
    const a = await stored('kjs-a');
    assert.equal(a?.partitions, 3);
    assert.deepEqual(a?.configs, { 'message.timestamp.type': 'LogAppendTime' });
    assert.equal((await stored('kjs-b'))?.partitions, 4);
    assert.equal(await admin.createTopics({ topics: [{ topic: 'kjs-a' }] }), false); // already exists
    assert.equal(await admin.createTopics({ validateOnly: true, waitForLeaders: false, topics: [{ topic: 'kjs-c', numPartitions: 2 }] }), true);
    assert.equal(await stored('kjs-c'), undefined);
    await assert.rejects(admin.createTopics({ topics: [{ topic: 'kjs-d', configEntries: [{ name: 'bogus', value: 'x' }] }] }), (err: { errors?: { type?: string }[] }) => {
      assert.deepEqual(err.errors?.map((e) => e.type), ['INVALID_CONFIG']);
      return true;
    });
    assert.equal(await stored('kjs-d'), undefined);
  } finally {
    await admin.disconnect();
  }
});
