// IncrementalAlterConfigs conformance: codec round trip of every version; SET, DELETE, APPEND and SUBTRACT on
// topic configs; validateOnly; Kafka's errors (unknown topic, invalid names and values, non-list ops, unknown ops,
// duplicates, static broker settings); dynamic broker configs per node id and cluster-wide, with DescribeConfigs
// reporting their sources (2 and 3) and synonym chains; a change seen by a second broker on the same database at
// once; changes applied without a restart (max.message.bytes → MESSAGE_TOO_LARGE, retention.ms → the retention
// pass); @platformatic/kafka's admin.incrementalAlterConfigs and describeConfigs.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin } from '@platformatic/kafka';
import * as incrementalAlterConfigs from '../../apis/incremental-alter-configs.ts';
import * as describeConfigs from '../../apis/describe-configs.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { makeBatch, produceOne, sampleRecords } from '../helpers/data-path.ts';
import { until } from '../helpers/eventually.ts';
import { retentionService } from '../../runtime/retention.ts';

type Req = incrementalAlterConfigs.IncrementalAlterConfigsRequest;
type Res = incrementalAlterConfigs.IncrementalAlterConfigsResponse;
type Resource = Req['resources'][number];
type DRes = describeConfigs.DescribeConfigsResponse;

const TOPIC = 2;
const BROKER = 4;
const SET = 0;
const DELETE = 1;
const APPEND = 2;
const SUBTRACT = 3;

let tb: TestBroker;
let client: RawClient;
before(async () => {
  tb = await startTestBroker({ nodeId: 1, logRetentionCheckIntervalMs: 3_600_000 });
  client = await RawClient.connect(tb.port);
});
after(async () => {
  client?.close();
  await tb?.stop();
});

const alter = (version: number, resources: Resource[], validateOnly = false, c: RawClient = client) =>
  c.request<Res>(incrementalAlterConfigs, version, { resources, validateOnly });
const topic = (name: string, configs: Resource['configs']): Resource => ({ resourceType: TOPIC, resourceName: name, configs });
const broker = (name: string, configs: Resource['configs']): Resource => ({ resourceType: BROKER, resourceName: name, configs });
const op = (name: string, configOperation: number, value: string | null = null) => ({ name, configOperation, value });
const storedConfigs = async (name: string) => (await tb.store.getTopics([name])).get(name)?.configs;

async function describe(resourceType: number, resourceName: string, keys: string[] | null = null, c: RawClient = client) {
  const res = await c.request<DRes>(describeConfigs, 4, { resources: [{ resourceType, resourceName, configurationKeys: keys }], includeSynonyms: true, includeDocumentation: false });
  const r = res.results?.[0];
  assert.equal(r?.errorCode, 0, r?.errorMessage ?? '');
  return new Map((r?.configs ?? []).map((e) => [e.name, e]));
}

/** Clears every dynamic broker config this file set, so tests don't see each other's. */
async function clearBrokerConfigs(): Promise<void> {
  for (const scope of ['', '1', '2']) await tb.store.updateBrokerConfigs(scope, () => ({}));
}

test('IncrementalAlterConfigs: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(incrementalAlterConfigs);
});

test('IncrementalAlterConfigs v0-1: SET, DELETE, APPEND and SUBTRACT change the stored topic configs', async () => {
  for (const v of [0, 1]) {
    const name = `ops-v${v}`;
    await tb.store.createTopic({ name, partitions: 1, configs: { 'segment.ms': '1000' } });
    let res = await alter(v, [topic(name, [op('retention.ms', SET, '3600000'), op('segment.ms', DELETE), op('cleanup.policy', APPEND, 'compact')])]);
    assert.deepEqual(res.responses, [{ errorCode: 0, errorMessage: null, resourceType: TOPIC, resourceName: name }], `v${v}`);
    // APPEND starts from the value in force (the default "delete") when the topic sets none.
    assert.deepEqual(await storedConfigs(name), { 'retention.ms': '3600000', 'cleanup.policy': 'delete,compact' });
    res = await alter(v, [topic(name, [op('cleanup.policy', SUBTRACT, 'delete')])]);
    assert.equal(res.responses?.[0].errorCode, 0);
    assert.deepEqual(await storedConfigs(name), { 'retention.ms': '3600000', 'cleanup.policy': 'compact' });
    // APPEND of an item already there changes nothing.
    await alter(v, [topic(name, [op('cleanup.policy', APPEND, 'compact')])]);
    assert.equal((await storedConfigs(name))?.['cleanup.policy'], 'compact');
    const described = await describe(TOPIC, name, ['retention.ms', 'cleanup.policy', 'segment.ms']);
    assert.equal(described.get('retention.ms')?.value, '3600000');
    assert.equal(described.get('retention.ms')?.configSource, 1);
    assert.equal(described.get('segment.ms')?.configSource, 5);
  }
});

test('IncrementalAlterConfigs: validateOnly checks everything and writes nothing', async () => {
  await tb.store.createTopic({ name: 'validate-only', partitions: 1 });
  const ok = await alter(1, [topic('validate-only', [op('retention.ms', SET, '1000')]), broker('', [op('log.retention.ms', SET, '5000')])], true);
  assert.deepEqual(ok.responses?.map((r) => r.errorCode), [0, 0]);
  assert.deepEqual(await storedConfigs('validate-only'), {});
  assert.deepEqual(tb.store.brokerConfigs(''), {});
  const bad = await alter(1, [topic('validate-only', [op('retention.ms', SET, 'soon')])], true);
  assert.equal(bad.responses?.[0].errorCode, ErrorCode.INVALID_CONFIG);
});

test('IncrementalAlterConfigs: Kafka\'s errors, each resource on its own', async () => {
  await tb.store.createTopic({ name: 'errs', partitions: 1 });
  const res = await alter(1, [
    topic('no-such-topic', [op('retention.ms', SET, '1')]),
    topic('bad name', [op('retention.ms', SET, '1')]),
    topic('', [op('retention.ms', SET, '1')]),
    topic('errs', [op('no.such.config', SET, '1')]),
    topic('errs', [op('retention.ms', SET, 'abc')]),
  ]);
  // 'errs' appears twice: both get INVALID_REQUEST, as in Kafka.
  assert.deepEqual(res.responses?.map((r) => [r.resourceName, r.errorCode]), [
    ['no-such-topic', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ['bad name', ErrorCode.INVALID_TOPIC_EXCEPTION],
    ['', ErrorCode.INVALID_REQUEST],
    ['errs', ErrorCode.INVALID_REQUEST],
    ['errs', ErrorCode.INVALID_REQUEST],
  ]);

  const one = async (r: Resource) => (await alter(1, [r])).responses?.[0];
  const cases: [Resource, number, string | RegExp][] = [
    [topic('errs', [op('no.such.config', SET, '1')]), ErrorCode.INVALID_CONFIG, 'Unknown topic config name: no.such.config'],
    [topic('errs', [op('retention.ms', SET, 'abc')]), ErrorCode.INVALID_CONFIG, 'Invalid value abc for configuration retention.ms'],
    [topic('errs', [op('compression.type', SET, 'brotli')]), ErrorCode.INVALID_CONFIG, /compression\.type/],
    [topic('errs', [op('retention.ms', APPEND, '5')]), ErrorCode.INVALID_CONFIG, 'Can\'t APPEND to key retention.ms because its type is not LIST.'],
    [topic('errs', [op('cleanup.policy', APPEND, 'shred')]), ErrorCode.INVALID_CONFIG, 'Invalid value delete,shred for configuration cleanup.policy'],
    [topic('errs', [op('retention.ms', 7, '5')]), ErrorCode.INVALID_REQUEST, /Unknown operation type 7/],
    [topic('errs', [op('retention.ms', SET, '5'), op('retention.ms', DELETE)]), ErrorCode.INVALID_REQUEST, 'Error due to duplicate config keys: retention.ms'],
    [topic('errs', [op('retention.ms', SET, null)]), ErrorCode.INVALID_REQUEST, 'Null value not supported for : retention.ms'],
    [broker('1', [op('num.partitions', SET, '3')]), ErrorCode.INVALID_REQUEST, 'Cannot update these configs dynamically: Set(num.partitions)'],
    [broker('', [op('no.such.setting', SET, '3')]), ErrorCode.INVALID_CONFIG, 'Unknown broker config name: no.such.setting'],
    [broker('', [op('message.max.bytes', SET, '-5')]), ErrorCode.INVALID_CONFIG, 'Invalid value -5 for configuration message.max.bytes'],
    [broker('x', [op('log.retention.ms', SET, '5')]), ErrorCode.INVALID_REQUEST, 'Broker id must be an integer, but it is: x'],
    [broker('99999999999999999999', [op('log.retention.ms', SET, '5')]), ErrorCode.INVALID_REQUEST, 'Broker id must be an integer, but it is: 99999999999999999999'],
    [{ resourceType: 8, resourceName: '1', configs: [op('kafka.server', SET, 'DEBUG')] }, ErrorCode.INVALID_REQUEST, 'Unsupported resource type: BROKER_LOGGER'],
  ];
  for (const [resource, code, message] of cases) {
    const r = await one(resource);
    assert.equal(r?.errorCode, code, JSON.stringify(resource));
    if (typeof message === 'string') assert.equal(r?.errorMessage, message);
    else assert.match(r?.errorMessage ?? '', message);
  }
  assert.deepEqual(await storedConfigs('errs'), {}); // nothing of it was written
  assert.deepEqual(tb.store.brokerConfigs(''), {});
  assert.equal((await tb.store.getTopics(['no-such-topic'])).size, 0); // never auto-created
});

test('IncrementalAlterConfigs: dynamic broker configs per node id and cluster-wide; DescribeConfigs reports their layers', async () => {
  try {
    await tb.store.createTopic({ name: 'layers', partitions: 1 });
    let res = await alter(1, [broker('', [op('log.retention.ms', SET, '7200000'), op('compression.type', SET, 'lz4')])]);
    assert.equal(res.responses?.[0].errorCode, 0, res.responses?.[0].errorMessage ?? '');
    let t = await describe(TOPIC, 'layers', ['retention.ms', 'compression.type']);
    assert.equal(t.get('retention.ms')?.value, '7200000');
    assert.equal(t.get('retention.ms')?.configSource, 3); // DYNAMIC_DEFAULT_BROKER_CONFIG
    assert.deepEqual(t.get('retention.ms')?.synonyms, [
      { name: 'log.retention.ms', value: '7200000', source: 3 },
      { name: 'log.retention.ms', value: '604800000', source: 5 },
    ]);

    res = await alter(1, [broker('1', [op('log.retention.ms', SET, '60000')])]);
    assert.equal(res.responses?.[0].errorCode, 0);
    t = await describe(TOPIC, 'layers', ['retention.ms']);
    assert.equal(t.get('retention.ms')?.value, '60000');
    assert.equal(t.get('retention.ms')?.configSource, 2); // DYNAMIC_BROKER_CONFIG
    assert.deepEqual(t.get('retention.ms')?.synonyms?.map((s) => s.source), [2, 3, 5]);

    // The topic's own value wins over every broker layer.
    await alter(1, [topic('layers', [op('retention.ms', SET, '1000')])]);
    t = await describe(TOPIC, 'layers', ['retention.ms']);
    assert.deepEqual(t.get('retention.ms')?.synonyms?.map((s) => s.source), [1, 2, 3, 5]);

    const b = await describe(BROKER, '1', ['log.retention.ms', 'compression.type', 'num.partitions']);
    assert.deepEqual([b.get('log.retention.ms')?.value, b.get('log.retention.ms')?.configSource, b.get('log.retention.ms')?.readOnly], ['60000', 2, false]);
    assert.deepEqual([b.get('compression.type')?.value, b.get('compression.type')?.configSource], ['lz4', 3]);
    assert.equal(b.get('num.partitions')?.readOnly, true);

    const defaults = await describe(BROKER, '');
    assert.deepEqual([...defaults.values()].map((e) => [e.name, e.value, e.configSource, e.readOnly]).sort(), [
      ['compression.type', 'lz4', 3, false],
      ['log.retention.ms', '7200000', 3, false],
    ]);

    // Another broker's configs are stored under its id and do not touch this one.
    res = await alter(1, [broker('2', [op('log.retention.ms', SET, '5')])]);
    assert.equal(res.responses?.[0].errorCode, 0);
    assert.deepEqual(tb.store.brokerConfigs('2'), { 'log.retention.ms': '5' });
    assert.equal((await describe(BROKER, '1', ['log.retention.ms'])).get('log.retention.ms')?.value, '60000');

    // DELETE goes back a layer.
    await alter(1, [broker('1', [op('log.retention.ms', DELETE)])]);
    assert.equal((await describe(BROKER, '1', ['log.retention.ms'])).get('log.retention.ms')?.configSource, 3);
  } finally {
    await clearBrokerConfigs();
  }
});

test('IncrementalAlterConfigs: a change made on one broker is seen at once by another broker on the same database', async () => {
  const other = await startTestBroker({ nodeId: 2 }, { databaseUrl: tb.databaseUrl });
  const c2 = await RawClient.connect(other.port);
  try {
    await tb.store.createTopic({ name: 'shared-configs', partitions: 1 });
    assert.equal((await describe(TOPIC, 'shared-configs', ['retention.ms'], c2)).get('retention.ms')?.value, '604800000');
    await alter(1, [topic('shared-configs', [op('retention.ms', SET, '123456')]), broker('', [op('log.cleanup.policy', SET, 'compact')])]);
    await until(async () => (await describe(TOPIC, 'shared-configs', ['retention.ms'], c2)).get('retention.ms')?.value === '123456', 5000, 'topic config seen by broker 2');
    await until(async () => (await describe(TOPIC, 'shared-configs', ['cleanup.policy'], c2)).get('cleanup.policy')?.value === 'compact', 5000, 'cluster default seen by broker 2');
    const p = (await describe(TOPIC, 'shared-configs', ['cleanup.policy'], c2)).get('cleanup.policy');
    assert.equal(p?.configSource, 3);
    // And the other way round, through the broker-2 connection.
    await alter(1, [broker('', [op('log.cleanup.policy', DELETE)])], false, c2);
    await until(async () => (await describe(TOPIC, 'shared-configs', ['cleanup.policy'])).get('cleanup.policy')?.value === 'delete', 5000, 'deletion seen by broker 1');
  } finally {
    c2.close();
    await other.stopBroker();
    await clearBrokerConfigs();
  }
});

test('IncrementalAlterConfigs: max.message.bytes lowered on a running broker refuses larger batches at once (topic and broker level)', async () => {
  try {
    await tb.store.createTopic({ name: 'shrinking', partitions: 1 });
    const batch = makeBatch(sampleRecords(20, 'big'));
    assert.equal((await produceOne(client, 9, 'shrinking', 0, batch)).errorCode, 0);

    await alter(1, [broker('', [op('message.max.bytes', SET, String(batch.length - 1))])]);
    assert.equal((await produceOne(client, 9, 'shrinking', 0, batch)).errorCode, ErrorCode.MESSAGE_TOO_LARGE);
    await alter(1, [topic('shrinking', [op('max.message.bytes', SET, String(batch.length))])]);
    assert.equal((await produceOne(client, 9, 'shrinking', 0, batch)).errorCode, 0, 'the topic\'s own limit wins');
    await alter(1, [topic('shrinking', [op('max.message.bytes', SET, '100')])]);
    assert.equal((await produceOne(client, 9, 'shrinking', 0, batch)).errorCode, ErrorCode.MESSAGE_TOO_LARGE);
  } finally {
    await clearBrokerConfigs();
  }
});

test('IncrementalAlterConfigs: retention.ms changed on a running broker is what the next retention pass uses', async () => {
  try {
    const t = await tb.store.createTopic({ name: 'ret-dynamic', partitions: 1 });
    const hourAgo = Date.now() - 3_600_000;
    assert.equal((await produceOne(client, 9, t.name, 0, makeBatch(sampleRecords(4, 'old', hourAgo)))).errorCode, 0);
    assert.equal((await produceOne(client, 9, t.name, 0, makeBatch(sampleRecords(2, 'new')))).errorCode, 0);
    const service = retentionService(tb.broker);
    await service.sweep();
    assert.equal((await tb.store.offsets(t, 0)).logStartOffset, 0, 'the default 7 days keeps everything');
    // Cluster-wide log.retention.ms of 10 minutes: the hour-old records go.
    await alter(1, [broker('', [op('log.retention.ms', SET, '600000')])]);
    await service.sweep();
    assert.equal((await tb.store.offsets(t, 0)).logStartOffset, 4);
    // The topic's retention.ms of 1 ms: everything older than now goes.
    await alter(1, [topic(t.name, [op('retention.ms', SET, '1')])]);
    await new Promise((r) => setTimeout(r, 20));
    await service.sweep();
    assert.equal((await tb.store.offsets(t, 0)).logStartOffset, 6);
  } finally {
    await clearBrokerConfigs();
  }
});

test('@platformatic/kafka: admin.incrementalAlterConfigs and describeConfigs', async () => {
  const admin = new Admin({ clientId: 'incremental-alter-configs-test', bootstrapBrokers: [tb.address], retries: 0 });
  try {
    await tb.store.createTopic({ name: 'platformatic-configs', partitions: 1 });
    await admin.incrementalAlterConfigs({
      resources: [{ resourceType: TOPIC, resourceName: 'platformatic-configs', configs: [{ name: 'retention.ms', configOperation: SET, value: '86400000' }, { name: 'cleanup.policy', configOperation: APPEND, value: 'compact' }] }],
    });
    assert.deepEqual(await storedConfigs('platformatic-configs'), { 'retention.ms': '86400000', 'cleanup.policy': 'delete,compact' });
    const described = await admin.describeConfigs({ resources: [{ resourceType: TOPIC, resourceName: 'platformatic-configs', configurationKeys: ['retention.ms'] }], includeSynonyms: true });
    assert.equal(described[0].configs[0].value, '86400000');
    assert.equal(described[0].configs[0].configSource, 1);
    await assert.rejects(admin.incrementalAlterConfigs({
      resources: [{ resourceType: TOPIC, resourceName: 'platformatic-configs', configs: [{ name: 'retention.ms', configOperation: SET, value: 'never' }] }],
    }));
  } finally {
    await admin.close();
  }
});
