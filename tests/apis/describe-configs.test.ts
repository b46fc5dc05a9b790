// DescribeConfigs conformance: codec round trip of every version; topic configs (values in force, sources,
// isDefault in v0, synonyms v1+, types and documentation v3+, key filter); unknown and invalid topics; this
// broker's settings, the cluster-defaults resource, other node ids and other resource types; kafkajs's
// admin.describeConfigs agreeing with the store.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import * as describeConfigs from '../../apis/describe-configs.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { topicConfigDefs } from '../../runtime/topic-configs.ts';
import { brokerConfigDefs } from '../../runtime/broker-configs.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';

type Res = describeConfigs.DescribeConfigsResponse;
type Resource = describeConfigs.DescribeConfigsRequest['resources'][number];
type Entry = NonNullable<NonNullable<Res['results']>[number]['configs']>[number];

const TOPIC = 2;
const BROKER = 4;

let tb: TestBroker;
let client: RawClient;
before(async () => {
  tb = await startTestBroker({ nodeId: 3, messageMaxBytes: 2000000, defaultPartitions: 2 });
  client = await RawClient.connect(tb.port);
  await tb.store.createTopic({ name: 'plain', partitions: 1 });
  await tb.store.createTopic({ name: 'tuned', partitions: 1, configs: { 'compression.type': 'zstd', 'retention.ms': '3600000', 'max.message.bytes': '5000' } });
});
after(async () => {
  client?.close();
  await tb?.stop();
});

const ask = (version: number, resources: Resource[], flags: { includeSynonyms?: boolean; includeDocumentation?: boolean } = {}) =>
  client.request<Res>(describeConfigs, version, { resources, includeSynonyms: false, includeDocumentation: false, ...flags });
const topic = (name: string, keys: string[] | null = null): Resource => ({ resourceType: TOPIC, resourceName: name, configurationKeys: keys });
const broker = (name: string, keys: string[] | null = null): Resource => ({ resourceType: BROKER, resourceName: name, configurationKeys: keys });
const byName = (configs: Entry[] | undefined) => new Map((configs ?? []).map((c) => [c.name, c]));

test('DescribeConfigs: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(describeConfigs);
});

test('DescribeConfigs v0: every topic setting with its value in force; isDefault unless set on the topic', async () => {
  const res = await ask(0, [topic('plain'), topic('tuned')]);
  assert.equal(res.results?.length, 2);
  const [plain, tuned] = res.results ?? [];
  assert.equal(plain.errorCode, 0);
  assert.equal(plain.resourceType, TOPIC);
  assert.equal(plain.resourceName, 'plain');
  assert.deepEqual(plain.configs?.map((c) => c.name).sort(), Object.keys(topicConfigDefs).sort());
  const p = byName(plain.configs);
  assert.equal(p.get('compression.type')?.value, 'producer');
  assert.equal(p.get('compression.type')?.isDefault, true);
  assert.equal(p.get('compression.type')?.readOnly, false);
  assert.equal(p.get('max.message.bytes')?.value, '2000000'); // the broker's message.max.bytes
  assert.equal(p.get('max.message.bytes')?.isDefault, false); // comes from a static broker setting
  assert.equal(p.get('retention.ms')?.value, '604800000');
  const t = byName(tuned.configs);
  assert.equal(t.get('compression.type')?.value, 'zstd');
  assert.equal(t.get('compression.type')?.isDefault, false);
  assert.equal(t.get('retention.ms')?.value, '3600000');
  assert.equal(t.get('max.message.bytes')?.value, '5000');
  assert.equal(t.get('cleanup.policy')?.isDefault, true);
  assert.equal(t.get('compression.type')?.configSource, -1); // not in v0
});

test('DescribeConfigs v1+: config sources; synonyms only with includeSynonyms', async () => {
  const plain = byName((await ask(1, [topic('plain')])).results?.[0].configs);
  assert.equal(plain.get('compression.type')?.configSource, 5);
  assert.equal(plain.get('max.message.bytes')?.configSource, 4);
  assert.deepEqual(plain.get('compression.type')?.synonyms, []);

  const tuned = byName((await ask(2, [topic('tuned')], { includeSynonyms: true })).results?.[0].configs);
  assert.equal(tuned.get('compression.type')?.configSource, 1);
  assert.deepEqual(tuned.get('compression.type')?.synonyms, [
    { name: 'compression.type', value: 'zstd', source: 1 },
    { name: 'compression.type', value: 'producer', source: 5 },
  ]);
  assert.deepEqual(tuned.get('max.message.bytes')?.synonyms, [
    { name: 'max.message.bytes', value: '5000', source: 1 },
    { name: 'message.max.bytes', value: '2000000', source: 4 },
  ]);
  assert.deepEqual(tuned.get('cleanup.policy')?.synonyms, [{ name: 'log.cleanup.policy', value: 'delete', source: 5 }]);
  assert.deepEqual(tuned.get('min.compaction.lag.ms')?.synonyms, [{ name: 'log.cleaner.min.compaction.lag.ms', value: '0', source: 5 }]);
  assert.deepEqual(tuned.get('remote.storage.enable')?.synonyms, []); // no broker setting behind it
  assert.equal(tuned.get('remote.storage.enable')?.configSource, 5);
  assert.equal(tuned.get('compression.type')?.configType, 0); // not before v3
});

test('DescribeConfigs v3+: config types, and documentation only with includeDocumentation', async () => {
  for (const v of [3, 4]) {
    const without = byName((await ask(v, [topic('plain')])).results?.[0].configs);
    assert.equal(without.get('compression.type')?.documentation, null, `v${v}`);
    const res = await ask(v, [topic('plain')], { includeDocumentation: true, includeSynonyms: true });
    const c = byName(res.results?.[0].configs);
    assert.equal(c.get('compression.type')?.configType, 2); // STRING
    assert.equal(c.get('max.message.bytes')?.configType, 3); // INT
    assert.equal(c.get('retention.ms')?.configType, 5); // LONG
    assert.equal(c.get('preallocate')?.configType, 1); // BOOLEAN
    assert.equal(c.get('min.cleanable.dirty.ratio')?.configType, 6); // DOUBLE
    assert.equal(c.get('cleanup.policy')?.configType, 7); // LIST
    for (const e of c.values()) {
      assert.ok((e.documentation ?? '').length > 10, `${e.name} has documentation`);
      assert.notEqual(e.configType, 0, `${e.name} has a type`);
      assert.equal(e.isSensitive, false);
    }
  }
});

test('DescribeConfigs: configurationKeys filters; null or empty means all; unknown keys are left out', async () => {
  const res = await ask(4, [topic('tuned', ['retention.ms', 'compression.type', 'no.such.key']), topic('tuned', []), topic('tuned', null)]);
  assert.deepEqual(res.results?.[0].configs?.map((c) => c.name).sort(), ['compression.type', 'retention.ms']);
  assert.equal(res.results?.[1].configs?.length, Object.keys(topicConfigDefs).length);
  assert.equal(res.results?.[2].configs?.length, Object.keys(topicConfigDefs).length);
});

test('DescribeConfigs: unknown topics get UNKNOWN_TOPIC_OR_PARTITION, invalid names INVALID_TOPIC_EXCEPTION', async () => {
  for (const v of [0, 4]) {
    const res = await ask(v, [topic('no-such-topic'), topic('bad name'), topic('plain')]);
    assert.deepEqual(res.results?.map((r) => [r.resourceName, r.errorCode, r.configs?.length === 0]), [
      ['no-such-topic', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, true],
      ['bad name', ErrorCode.INVALID_TOPIC_EXCEPTION, true],
      ['plain', 0, false],
    ], `v${v}`);
  }
  assert.equal((await tb.store.getTopics(['no-such-topic'])).size, 0); // never auto-created
});

test('DescribeConfigs: this broker\'s settings under Kafka\'s names; STATIC_BROKER_CONFIG only when set by a flag, read-only unless dynamic', async () => {
  for (const v of [0, 1, 4]) {
    const res = await ask(v, [broker('3')], { includeSynonyms: true, includeDocumentation: true });
    const r = res.results?.[0];
    assert.equal(r?.errorCode, 0, `v${v}`);
    assert.equal(r?.resourceType, BROKER);
    assert.deepEqual(r?.configs?.map((c) => c.name), brokerConfigDefs.map((d) => d.name));
    const c = byName(r?.configs);
    assert.equal(c.get('num.partitions')?.value, '2');
    assert.equal(c.get('message.max.bytes')?.value, '2000000');
    assert.equal(c.get('auto.create.topics.enable')?.value, 'true');
    assert.equal(c.get('broker.id')?.value, '3');
    assert.equal(c.get('node.id')?.value, '3');
    assert.equal(c.get('log.retention.hours')?.value, '168');
    assert.equal(c.get('log.retention.ms')?.value, '604800000');
    assert.equal(c.get('inter.broker.protocol.version')?.value, '4.0-IV3');
    assert.equal(c.get('advertised.listeners')?.value, `PLAINTEXT://127.0.0.1:${tb.port}`);
    assert.equal(c.get('group.min.session.timeout.ms')?.value, String(tb.config.groupMinSessionTimeoutMs));
    for (const def of brokerConfigDefs) {
      const e = c.get(def.name);
      assert.ok(e, def.name);
      const source = def.setting !== null && tb.config.explicit.has(def.setting) ? 4 : 5;
      assert.equal(e.readOnly, !def.dynamic, def.name);
      if (v === 0) assert.equal(e.isDefault, source === 5, def.name);
      else assert.equal(e.configSource, source, def.name);
      if (v >= 1) assert.deepEqual(e.synonyms, [{ name: e.name, value: e.value, source }]);
      if (v >= 3) assert.ok((e.documentation ?? '').length > 0);
    }
    if (v >= 1) {
      assert.equal(c.get('message.max.bytes')?.configSource, 4); // --message-max-bytes was given
      assert.equal(c.get('num.partitions')?.configSource, 4);
      assert.equal(c.get('group.min.session.timeout.ms')?.configSource, 5); // not given: Kafka's default
      assert.equal(c.get('inter.broker.protocol.version')?.configSource, 5);
    }
    assert.equal(c.get('message.max.bytes')?.readOnly, false);
    assert.equal(c.get('log.retention.ms')?.readOnly, false);
    assert.equal(c.get('num.partitions')?.readOnly, true);
    if (v >= 3) {
      assert.equal(c.get('num.partitions')?.configType, 3);
      assert.equal(c.get('auto.create.topics.enable')?.configType, 1);
      assert.equal(c.get('advertised.listeners')?.configType, 2);
      assert.equal(c.get('log.cleanup.policy')?.configType, 7);
    }
  }
  const filtered = await ask(4, [broker('3', ['num.partitions'])]);
  assert.deepEqual(filtered.results?.[0].configs?.map((c) => [c.name, c.value]), [['num.partitions', '2']]);
});

test('DescribeConfigs: "" (cluster-wide dynamic defaults) is empty while none are set; other node ids and non-numbers get INVALID_REQUEST', async () => {
  const res = await ask(4, [broker(''), broker('4'), broker('abc'), broker('+3')]);
  assert.deepEqual(res.results?.map((r) => [r.resourceName, r.errorCode]), [
    ['', 0],
    ['4', ErrorCode.INVALID_REQUEST],
    ['abc', ErrorCode.INVALID_REQUEST],
    ['+3', 0],
  ]);
  assert.deepEqual(res.results?.[0].configs, []);
  assert.equal(res.results?.[1].errorMessage, 'Unexpected broker id, expected 3 or empty string, but received 4');
  assert.equal(res.results?.[2].errorMessage, 'Broker id must be an integer, but it is: abc');
});

test('DescribeConfigs: other resource types get INVALID_REQUEST', async () => {
  const res = await ask(4, [
    { resourceType: 32, resourceName: 'some-group', configurationKeys: null },
    { resourceType: 8, resourceName: '3', configurationKeys: null },
    { resourceType: 0, resourceName: 'x', configurationKeys: null },
    topic('plain', ['compression.type']),
  ]);
  assert.deepEqual(res.results?.map((r) => [r.resourceType, r.errorCode]), [
    [32, ErrorCode.INVALID_REQUEST],
    [8, ErrorCode.INVALID_REQUEST],
    [0, ErrorCode.INVALID_REQUEST],
    [TOPIC, 0],
  ]);
  assert.equal(res.results?.[0].errorMessage, 'Unsupported resource type: GROUP');
});

test('kafkajs: describeConfigs agrees with the store', async () => {
  const kafka = new Kafka({ clientId: 'describe-configs-test', brokers: [tb.address], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const res = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        { type: TOPIC, name: 'tuned' },
        { type: BROKER, name: '3', configNames: ['num.partitions', 'message.max.bytes'] },
      ],
    });
    const stored = (await tb.store.getTopics(['tuned'])).get('tuned');
    assert.ok(stored);
    const tuned = res.resources.find((r) => r.resourceName === 'tuned');
    assert.equal(tuned?.errorCode, 0);
    const set = Object.fromEntries((tuned?.configEntries ?? []).filter((e) => e.configSource === 1).map((e) => [e.configName, e.configValue]));
    assert.deepEqual(set, stored.configs);
    assert.equal(tuned?.configEntries.length, Object.keys(topicConfigDefs).length);
    const b = res.resources.find((r) => r.resourceType === BROKER);
    assert.deepEqual(b?.configEntries.map((e) => [e.configName, e.configValue, e.readOnly]), [
      ['message.max.bytes', '2000000', false],
      ['num.partitions', '2', true],
    ].sort((x, y) => brokerConfigDefs.findIndex((d) => d.name === x[0]) - brokerConfigDefs.findIndex((d) => d.name === y[0])));
  } finally {
    await admin.disconnect();
  }
});

test('DescribeConfigs: without --message-max-bytes, max.message.bytes is DEFAULT_CONFIG (issue 14)', async () => {
  const other = await startTestBroker({ nodeId: 4 }, { databaseUrl: tb.databaseUrl });
  const c2 = await RawClient.connect(other.port);
  try {
    for (const v of [0, 1, 4]) {
      const res = await c2.request<Res>(describeConfigs, v, { resources: [topic('plain', ['max.message.bytes']), broker('4', ['message.max.bytes'])], includeSynonyms: true, includeDocumentation: false });
      const [t, b] = res.results ?? [];
      const e = t.configs?.[0];
      assert.equal(e?.value, '1048588', `v${v}`);
      if (v === 0) assert.equal(e?.isDefault, true);
      else {
        assert.equal(e?.configSource, 5);
        assert.deepEqual(e?.synonyms, [{ name: 'message.max.bytes', value: '1048588', source: 5 }]);
        assert.equal(b.configs?.[0].configSource, 5);
      }
    }
  } finally {
    c2.close();
    await other.stopBroker();
  }
});
