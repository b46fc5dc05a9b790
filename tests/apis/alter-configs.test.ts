// AlterConfigs (legacy) conformance: codec round trip of every version; the configs given replace every dynamic
// config of the resource (topic or broker), what is left out goes back to its default; validateOnly; errors as
// IncrementalAlterConfigs gives them; kafkajs's admin.alterConfigs and describeConfigs (kafkajs uses these two
// APIs) and @platformatic/kafka's admin.alterConfigs.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { Admin } from '@platformatic/kafka';
import * as alterConfigs from '../../apis/alter-configs.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';

type Req = alterConfigs.AlterConfigsRequest;
type Res = alterConfigs.AlterConfigsResponse;
type Resource = Req['resources'][number];

const TOPIC = 2;
const BROKER = 4;

let tb: TestBroker;
let client: RawClient;
before(async () => {
  tb = await startTestBroker({ nodeId: 5 });
  client = await RawClient.connect(tb.port);
});
after(async () => {
  client?.close();
  await tb?.stop();
});

const alter = (version: number, resources: Resource[], validateOnly = false) => client.request<Res>(alterConfigs, version, { resources, validateOnly });
const topic = (name: string, configs: Record<string, string | null>): Resource => ({ resourceType: TOPIC, resourceName: name, configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) });
const broker = (name: string, configs: Record<string, string>): Resource => ({ resourceType: BROKER, resourceName: name, configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) });
const storedConfigs = async (name: string) => (await tb.store.getTopics([name])).get(name)?.configs;

test('AlterConfigs: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(alterConfigs);
});

test('AlterConfigs v0-2: the configs given replace the topic\'s; validateOnly writes nothing', async () => {
  for (const v of [0, 1, 2]) {
    const name = `replace-v${v}`;
    await tb.store.createTopic({ name, partitions: 1, configs: { 'retention.ms': '1000', 'segment.ms': '2000' } });
    const res = await alter(v, [topic(name, { 'retention.ms': '5000', 'compression.type': 'gzip' })]);
    assert.deepEqual(res.responses, [{ errorCode: 0, errorMessage: null, resourceType: TOPIC, resourceName: name }], `v${v}`);
    assert.deepEqual(await storedConfigs(name), { 'retention.ms': '5000', 'compression.type': 'gzip' }, 'segment.ms was left out: back to its default');
    const dry = await alter(v, [topic(name, {})], true);
    assert.equal(dry.responses?.[0].errorCode, 0);
    assert.deepEqual(await storedConfigs(name), { 'retention.ms': '5000', 'compression.type': 'gzip' });
    await alter(v, [topic(name, {})]);
    assert.deepEqual(await storedConfigs(name), {});
  }
});

test('AlterConfigs: broker resources replace their dynamic configs; static settings and bad values are refused', async () => {
  try {
    let res = await alter(2, [broker('', { 'log.retention.ms': '1000', 'log.retention.bytes': '2048' }), broker('5', { 'message.max.bytes': '50000' })]);
    assert.deepEqual(res.responses?.map((r) => r.errorCode), [0, 0]);
    assert.deepEqual(tb.store.brokerConfigs(''), { 'log.retention.ms': '1000', 'log.retention.bytes': '2048' });
    assert.deepEqual(tb.store.brokerConfigs('5'), { 'message.max.bytes': '50000' });
    res = await alter(2, [broker('', { 'log.retention.bytes': '4096' })]);
    assert.deepEqual(tb.store.brokerConfigs(''), { 'log.retention.bytes': '4096' });

    res = await alter(2, [
      broker('5', { 'auto.create.topics.enable': 'false' }),
      topic('no-such-topic', { 'retention.ms': '1' }),
      topic('nowhere', { 'retention.ms': null }),
      broker('', { 'log.retention.ms': 'later' }),
      { resourceType: 32, resourceName: 'group', configs: [] },
    ]);
    assert.deepEqual(res.responses?.map((r) => [r.resourceName, r.errorCode, r.errorMessage]), [
      ['5', ErrorCode.INVALID_REQUEST, 'Cannot update these configs dynamically: Set(auto.create.topics.enable)'],
      ['no-such-topic', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'Topic \'no-such-topic\' does not exist.'],
      ['nowhere', ErrorCode.INVALID_REQUEST, 'Null value not supported for : retention.ms'],
      ['', ErrorCode.INVALID_CONFIG, 'Invalid value later for configuration log.retention.ms'],
      ['group', ErrorCode.INVALID_REQUEST, 'Unsupported resource type: GROUP'],
    ]);
    assert.deepEqual(tb.store.brokerConfigs(''), { 'log.retention.bytes': '4096' });
  } finally {
    for (const scope of ['', '5']) await tb.store.updateBrokerConfigs(scope, () => ({}));
  }
});

test('kafkajs: admin.alterConfigs and describeConfigs', async () => {
  const kafka = new Kafka({ clientId: 'alter-configs-test', brokers: [tb.address], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic: 'kafkajs-configs', numPartitions: 1 }] });
    const res = await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: TOPIC, name: 'kafkajs-configs', configEntries: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'max.message.bytes', value: '20000' }] }],
    });
    assert.deepEqual((res as { resources: { resourceName: string; errorCode: number }[] }).resources.map((r) => [r.resourceName, r.errorCode]), [['kafkajs-configs', 0]]);
    assert.deepEqual(await storedConfigs('kafkajs-configs'), { 'cleanup.policy': 'compact', 'max.message.bytes': '20000' });
    const described = await admin.describeConfigs({ includeSynonyms: true, resources: [{ type: TOPIC, name: 'kafkajs-configs', configNames: ['cleanup.policy', 'max.message.bytes', 'retention.ms'] }] });
    const entries = new Map(described.resources[0].configEntries.map((e) => [e.configName, e]));
    assert.equal(entries.get('cleanup.policy')?.configValue, 'compact');
    assert.equal(entries.get('cleanup.policy')?.configSource, 1);
    assert.equal(entries.get('max.message.bytes')?.configValue, '20000');
    assert.equal(entries.get('retention.ms')?.configSource, 5);

    await assert.rejects(admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: TOPIC, name: 'kafkajs-configs', configEntries: [{ name: 'cleanup.policy', value: 'keep-everything' }] }],
    }), (err: Error & { type?: string }) => err.type === 'INVALID_CONFIG' || /INVALID_CONFIG|Invalid value|invalid/i.test(err.message));
    assert.deepEqual(await storedConfigs('kafkajs-configs'), { 'cleanup.policy': 'compact', 'max.message.bytes': '20000' });
  } finally {
    await admin.disconnect();
  }
});

test('@platformatic/kafka: admin.alterConfigs', async () => {
  const admin = new Admin({ clientId: 'alter-configs-test', bootstrapBrokers: [tb.address], retries: 0 });
  try {
    await tb.store.createTopic({ name: 'platformatic-legacy', partitions: 1, configs: { 'segment.ms': '5000' } });
    await admin.alterConfigs({ resources: [{ resourceType: TOPIC, resourceName: 'platformatic-legacy', configs: [{ name: 'retention.bytes', value: '1000000' }] }] });
    assert.deepEqual(await storedConfigs('platformatic-legacy'), { 'retention.bytes': '1000000' });
  } finally {
    await admin.close();
  }
});
