// DeleteTopics conformance: codec round trip of every version; deletion by name (v1-6) and by topic id (v6) with
// the store agreeing; unknown names and ids; duplicates and malformed v6 entries; kafkajs's admin.deleteTopics.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import * as deleteTopics from '../../apis/delete-topics.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';

type Res = deleteTopics.DeleteTopicsResponse;

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

const make = async (...names: string[]) => {
  const out = [];
  for (const name of names) out.push(await tb.store.createTopic({ name, partitions: 2 }));
  return out;
};
const exists = async (name: string) => (await tb.store.getTopics([name])).has(name);
const byNames = (version: number, topicNames: string[]) => client.request<Res>(deleteTopics, version, { topicNames, topics: [], timeoutMs: 5000 });
const byEntries = (topics: { name: string | null; topicId: string }[]) => client.request<Res>(deleteTopics, 6, { topics, topicNames: [], timeoutMs: 5000 });

test('DeleteTopics: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(deleteTopics);
});

test('DeleteTopics v1-5: deletes by name; unknown names get UNKNOWN_TOPIC_OR_PARTITION', async () => {
  for (const v of [1, 4, 5]) {
    await make(`d1-v${v}`, `d2-v${v}`, `keep-v${v}`);
    const res = await byNames(v, [`d1-v${v}`, `nope-v${v}`, `d2-v${v}`]);
    const codes = new Map(res.responses?.map((r) => [r.name, r.errorCode]));
    assert.equal(codes.get(`d1-v${v}`), 0, `v${v}`);
    assert.equal(codes.get(`d2-v${v}`), 0, `v${v}`);
    assert.equal(codes.get(`nope-v${v}`), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `v${v}`);
    assert.equal(res.responses?.length, 3);
    assert.equal(await exists(`d1-v${v}`), false);
    assert.equal(await exists(`d2-v${v}`), false);
    assert.equal(await exists(`keep-v${v}`), true);
    const unknown = res.responses?.find((r) => r.name === `nope-v${v}`);
    if (v >= 5) assert.ok((unknown?.errorMessage ?? '').length > 0);
    else assert.equal(unknown?.errorMessage, null); // not in v1-4
  }
});

test('DeleteTopics: the topic and its partitions are gone; the name can be created again', async () => {
  const [old] = await make('reborn');
  const res = await byNames(1, ['reborn']);
  assert.equal(res.responses?.[0].errorCode, 0);
  assert.deepEqual((await tb.store.listTopics()).filter((t) => t.name === 'reborn'), []);
  const fresh = await tb.store.createTopic({ name: 'reborn', partitions: 1 });
  assert.notEqual(fresh.topicId, old.topicId);
});

test('DeleteTopics v6: by name or by id, answered with both; unknown ids get UNKNOWN_TOPIC_ID', async () => {
  const [a, b] = await make('six-a', 'six-b');
  const unknownId = '12345678-1234-1234-1234-123456789abc';
  const res = await byEntries([{ name: 'six-a', topicId: ZERO_UUID }, { name: null, topicId: b.topicId }, { name: null, topicId: unknownId }, { name: 'six-none', topicId: ZERO_UUID }]);
  const rows = res.responses?.map((r) => [r.name, r.topicId, r.errorCode]);
  assert.equal(rows?.length, 4);
  assert.deepEqual(rows?.find((r) => r[0] === 'six-a'), ['six-a', a.topicId, 0]);
  assert.deepEqual(rows?.find((r) => r[0] === 'six-b'), ['six-b', b.topicId, 0]);
  assert.deepEqual(rows?.find((r) => r[1] === unknownId), [null, unknownId, ErrorCode.UNKNOWN_TOPIC_ID]);
  assert.deepEqual(rows?.find((r) => r[0] === 'six-none'), ['six-none', ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  assert.equal(await exists('six-a'), false);
  assert.equal(await exists('six-b'), false);
});

test('DeleteTopics: duplicates, both name and id, and neither get INVALID_REQUEST and delete nothing', async () => {
  const [t, u] = await make('dup-name', 'dup-id');
  const v1 = await byNames(1, ['dup-name', 'dup-name']);
  assert.deepEqual(v1.responses?.map((r) => [r.name, r.errorCode]), [['dup-name', ErrorCode.INVALID_REQUEST]]);
  assert.equal(await exists('dup-name'), true);

  const res = await byEntries([
    { name: null, topicId: u.topicId },
    { name: null, topicId: u.topicId },
    { name: 'dup-name', topicId: t.topicId },
    { name: null, topicId: ZERO_UUID },
  ]);
  assert.equal(res.responses?.length, 3);
  for (const r of res.responses ?? []) assert.equal(r.errorCode, ErrorCode.INVALID_REQUEST);
  assert.ok(res.responses?.some((r) => r.errorMessage === 'Duplicate topic id.' && r.topicId === u.topicId));
  assert.ok(res.responses?.some((r) => r.errorMessage === 'You may not specify both topic name and topic id.'));
  assert.ok(res.responses?.some((r) => r.errorMessage === 'Neither topic name nor id were specified.'));
  assert.equal(await exists('dup-name'), true);
  assert.equal(await exists('dup-id'), true);
});

test('DeleteTopics v6: the same topic by name and by id is deleted once, both answered', async () => {
  const [t] = await make('twice-over');
  const res = await byEntries([{ name: 'twice-over', topicId: ZERO_UUID }, { name: null, topicId: t.topicId }]);
  assert.deepEqual(res.responses?.map((r) => r.errorCode), [0, 0]);
  assert.equal(await exists('twice-over'), false);
});

test('kafkajs: deleteTopics agrees with the store', async () => {
  await make('kjs-del-a', 'kjs-del-b', 'kjs-keep');
  const kafka = new Kafka({ clientId: 'delete-topics-test', brokers: [tb.address], logLevel: logLevel.NOTHING });
  const admin = kafka.admin({ retry: { retries: 0 } }); // UNKNOWN_TOPIC_OR_PARTITION is retriable: fail at once
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: ['kjs-del-a', 'kjs-del-b'] });
    assert.equal(await exists('kjs-del-a'), false);
    assert.equal(await exists('kjs-del-b'), false);
    assert.equal(await exists('kjs-keep'), true);
    assert.deepEqual((await admin.listTopics()).sort(), (await tb.store.listTopics()).map((t) => t.name).sort());
    await assert.rejects(admin.deleteTopics({ topics: ['kjs-never'] }), /does not host|UNKNOWN_TOPIC/i);
  } finally {
    await admin.disconnect();
  }
});
