// CreatePartitions conformance: codec round trip of every version; growing topics at the lowest and highest
// versions with the store and Metadata agreeing; counts that are not an increase; assignments; unknown and
// duplicate topics; validateOnly; kafkajs's admin.createPartitions.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import * as createPartitions from '../../apis/create-partitions.ts';
import * as metadata from '../../apis/metadata.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';

type Res = createPartitions.CreatePartitionsResponse;
type Wanted = createPartitions.CreatePartitionsRequest['topics'][number];

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

let tb: TestBroker;
let client: RawClient;
before(async () => {
  tb = await startTestBroker();
  client = await RawClient.connect(tb.port);
});
after(async () => {
  client?.close();
  await tb?.stop();
});

const make = (name: string, partitions: number) => tb.store.createTopic({ name, partitions });
const count = async (name: string) => (await tb.store.getTopics([name])).get(name)?.partitions;
const grow = (version: number, topics: Wanted[], validateOnly = false) =>
  client.request<Res>(createPartitions, version, { topics, timeoutMs: 5000, validateOnly });
const to = (name: string, n: number, assignments: Wanted['assignments'] = null): Wanted => ({ name, count: n, assignments });

test('CreatePartitions: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(createPartitions);
});

test('CreatePartitions v0 and v3: grow a topic; Metadata shows the new partitions', async () => {
  for (const v of [0, 3]) {
    const name = `grow-v${v}`;
    await make(name, 1);
    const res = await grow(v, [to(name, 4)]);
    assert.deepEqual(res.results, [{ name, errorCode: 0, errorMessage: null }]);
    assert.equal(await count(name), 4);
    const meta = await client.request<metadata.MetadataResponse>(metadata, 12, { topics: [{ name, topicId: ZERO_UUID }], allowAutoTopicCreation: false });
    assert.deepEqual(meta.topics?.[0].partitions?.map((p) => [p.partitionIndex, p.leaderId]), [0, 1, 2, 3].map((i) => [i, tb.config.nodeId]));
  }
});

test('CreatePartitions: a count that is not an increase gets INVALID_PARTITIONS with Kafka\'s message', async () => {
  await make('steady', 3);
  const res = await grow(3, [to('steady', 3)]);
  assert.equal(res.results?.[0].errorCode, ErrorCode.INVALID_PARTITIONS);
  assert.equal(res.results?.[0].errorMessage, 'Topic already has 3 partition(s).');
  const less = await grow(0, [to('steady', 2)]);
  assert.equal(less.results?.[0].errorCode, ErrorCode.INVALID_PARTITIONS);
  assert.equal(less.results?.[0].errorMessage, 'The topic steady currently has 3 partition(s); 2 would not be an increase.');
  const huge = await grow(3, [to('steady', 100001)]);
  assert.equal(huge.results?.[0].errorCode, ErrorCode.INVALID_PARTITIONS);
  assert.equal(await count('steady'), 3);
});

test('CreatePartitions: assignments must be one per new partition, naming only this broker', async () => {
  const me = tb.config.nodeId;
  await make('assigned', 1);
  const ok = await grow(3, [to('assigned', 3, [{ brokerIds: [me] }, { brokerIds: [me] }])]);
  assert.equal(ok.results?.[0].errorCode, 0);
  assert.equal(await count('assigned'), 3);

  const bad = await grow(3, [to('assigned', 5, [{ brokerIds: [me] }])]);
  assert.equal(bad.results?.[0].errorCode, ErrorCode.INVALID_REPLICA_ASSIGNMENT);
  assert.equal(bad.results?.[0].errorMessage, 'Attempted to add 2 additional partition(s), but only 1 assignment(s) were specified.');
  for (const brokerIds of [[me + 7], [], [me, me], [me, me + 1]]) {
    const res = await grow(1, [to('assigned', 4, [{ brokerIds }])]);
    assert.equal(res.results?.[0].errorCode, ErrorCode.INVALID_REPLICA_ASSIGNMENT, JSON.stringify(brokerIds));
  }
  assert.equal(await count('assigned'), 3);
});

test('CreatePartitions: unknown topics, and a topic named twice', async () => {
  await make('named-twice', 1);
  await make('named-once', 1);
  const res = await grow(2, [to('no-such', 2), to('named-twice', 2), to('named-once', 2), to('named-twice', 3)]);
  assert.deepEqual(res.results?.map((r) => [r.name, r.errorCode]), [
    ['no-such', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ['named-once', 0],
    ['named-twice', ErrorCode.INVALID_REQUEST],
  ]);
  assert.equal(res.results?.[2].errorMessage, 'Duplicate topic name.');
  assert.equal(await count('named-twice'), 1);
  assert.equal(await count('named-once'), 2);
});

test('CreatePartitions: validateOnly checks and changes nothing', async () => {
  await make('dry', 2);
  const res = await grow(3, [to('dry', 6), to('dry-missing', 2)], true);
  assert.deepEqual(res.results?.map((r) => r.errorCode), [0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  assert.equal(await count('dry'), 2);
  const bad = await grow(0, [to('dry', 1)], true);
  assert.equal(bad.results?.[0].errorCode, ErrorCode.INVALID_PARTITIONS);
});

test('kafkajs: createPartitions agrees with the store and with fetchTopicMetadata', async () => {
  await make('kjs-grow', 1);
  const kafka = new Kafka({ clientId: 'create-partitions-test', brokers: [tb.address], logLevel: logLevel.NOTHING });
  const admin = kafka.admin({ retry: { retries: 0 } });
  await admin.connect();
  try {
    await admin.createPartitions({ topicPartitions: [{ topic: 'kjs-grow', count: 5 }] });
    assert.equal(await count('kjs-grow'), 5);
    const meta = await admin.fetchTopicMetadata({ topics: ['kjs-grow'] });
    assert.equal(meta.topics[0].partitions.length, 5);
    await assert.rejects(admin.createPartitions({ topicPartitions: [{ topic: 'kjs-grow', count: 2 }] }), /increase|partition/i);
    assert.equal(await count('kjs-grow'), 5);
  } finally {
    await admin.disconnect();
  }
});
