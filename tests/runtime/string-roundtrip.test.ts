// Kafka strings round-trip byte for byte through every API that stores them: strings with U+0000 (which
// PostgreSQL's text and jsonb refuse), strings that look like the stored escape form, and 32,767-byte strings, read
// back through the protocol and, in their readable stored form, through SQL (store/pg-text.ts). Invalid UTF-8 in a
// string field closes that one connection with a WARN line. Migration 100 rewrites old rows into the stored form.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import * as offsetFetchApi from '../../apis/offset-fetch.ts';
import * as describeTransactionsApi from '../../apis/describe-transactions.ts';
import * as listTransactionsApi from '../../apis/list-transactions.ts';
import * as createTopicsApi from '../../apis/create-topics.ts';
import * as describeConfigsApi from '../../apis/describe-configs.ts';
import * as describeGroupsApi from '../../apis/describe-groups.ts';
import * as deleteTopicsApi from '../../apis/delete-topics.ts';
import * as createPartitionsApi from '../../apis/create-partitions.ts';
import * as listOffsetsApi from '../../apis/list-offsets.ts';
import * as deleteRecordsApi from '../../apis/delete-records.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { Writer } from '../../codec/writer.ts';
import { ESCAPED_PREFIX, fromPgJson, fromPgText, toPgJson, toPgText } from '../../store/pg-text.ts';
import { migrate } from '../../store/migrations.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { commit, describe, join, sync } from '../helpers/groups.ts';
import { addOffsets, addPartitions, endTxn, initOk, txnOffsetCommit } from '../helpers/transactions.ts';
import { fetchOne, flatten, makeBatch, produceOne, type TestRecord } from '../helpers/data-path.ts';
import { until } from '../helpers/eventually.ts';
import { consumerHeartbeat, describeConsumerGroup } from '../helpers/consumer-groups.ts';

let tb: TestBroker;
let client: RawClient;
const warnings: string[] = [];
const errors: string[] = [];

before(async () => {
  tb = await startTestBroker({}, {
    onLog: (line) => {
      if (/ WARN /.test(line)) warnings.push(line);
      if (/ ERROR /.test(line)) errors.push(line);
    },
  });
  client = await RawClient.connect(tb.port);
  await tb.store.createTopic({ name: 'strings', partitions: 2 });
});
after(async () => {
  client?.close();
  await tb?.stop();
});

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

/** A string of exactly `bytes` UTF-8 bytes, with U+0000s, a backslash-zero and multi-byte characters in it. */
function long(tag: string, bytes = 32_767): string {
  const head = `${tag}\u0000é\\0`;
  return head + 'x'.repeat(bytes - utf8(head) - 1) + '\u0000';
}

/** The strings every API gets: U+0000 inside, the escape form itself, U+0000 alone, and the longest string. */
function samples(tag: string): string[] {
  return [`${tag}\u0000a\u0000\u0000b`, `${ESCAPED_PREFIX}${tag}\\0`, `\u0000${tag}`, long(tag)];
}

test('the stored form: reversible, no U+0000, ordinary strings unchanged', () => {
  for (const s of [...samples('t'), '', 'plain', 'a\\b', '\\', `${ESCAPED_PREFIX}`, `x${ESCAPED_PREFIX}\u0000`]) {
    const stored = toPgText(s);
    assert.equal(stored.includes('\u0000'), false);
    assert.equal(fromPgText(stored), s);
  }
  assert.equal(toPgText('plain \\ text'), 'plain \\ text');
  assert.equal(toPgText('a\u0000b'), `${ESCAPED_PREFIX}a\\0b`);
  assert.equal(utf8(long('x')), 32_767);
  const doc = { 'k\u0000': ['\u0000', 'plain', { [ESCAPED_PREFIX]: `${ESCAPED_PREFIX}\\0` }], n: 1, none: null };
  const json = toPgJson(doc);
  assert.equal(json.includes('\\u0000'), false);
  assert.deepEqual(fromPgJson(json), doc);
  assert.equal(toPgJson({ a: ['b', 1] }), '{"a":["b",1]}');
});

/** The text PostgreSQL holds (what psql shows): read as bytes, so the store's text type does not turn it back. */
async function storedText(query: Promise<{ v: Uint8Array | null }[]>): Promise<(string | null)[]> {
  return (await query).map((r) => (r.v === null ? null : Buffer.from(r.v).toString('utf8')));
}

test('OffsetCommit / OffsetFetch: group ids and commit metadata', async () => {
  for (const groupId of samples('g')) {
    const metadata = `m\u0000${groupId.slice(0, 100)}\u0000`;
    assert.deepEqual(await commit(client, groupId, 'strings', { 0: 7, 1: 8 }, { metadata }), [0, 0]);
    for (const version of [1, 7, 9]) {
      const body = version < 8
        ? { groupId, topics: [{ name: 'strings', partitionIndexes: [0, 1] }], groups: [], requireStable: false }
        : { groupId: '', topics: null, requireStable: false, groups: [{ groupId, memberId: null, memberEpoch: -1, topics: [{ name: 'strings', partitionIndexes: [0, 1] }] }] };
      if (version < 8 && utf8(groupId) > 32_767) continue;
      const res = await client.request<offsetFetchApi.OffsetFetchResponse>(offsetFetchApi, version, body);
      const parts = version < 8 ? res.topics?.[0]?.partitions : res.groups?.[0]?.topics?.[0]?.partitions;
      assert.deepEqual(parts?.map((p) => [p.committedOffset, p.metadata, p.errorCode]), [[7, metadata, 0], [8, metadata, 0]], `v${version}`);
    }
    const viewed = await storedText(tb.store.sql<{ v: Uint8Array }[]>`
      select convert_to(group_id || ' ' || metadata, 'UTF8') as v from kafka.committed_offsets
      where group_id = ${groupId} and topic = 'strings' and partition = 0`);
    assert.deepEqual(viewed, [`${toPgText(groupId)} ${toPgText(metadata)}`]);
  }
});

test('JoinGroup / SyncGroup / DescribeGroups: group, client, instance and member ids, protocol names', async () => {
  const tags = samples('j');
  for (let i = 0; i < tags.length; i++) {
    const groupId = tags[i];
    const instanceId = `inst\u0000${i}`;
    const protocolName = `range\u0000${i}`;
    const c = await RawClient.connect(tb.port);
    try {
      c.clientId = `client\u0000${i}${i === 3 ? tags[3].slice(0, 1000) : ''}`;
      const joined = await join(c, { groupId, groupInstanceId: instanceId, protocols: [{ name: protocolName, metadata: new Uint8Array([1]) }] });
      assert.equal(joined.errorCode, ErrorCode.NONE);
      assert.equal(joined.protocolName, protocolName);
      const memberId = joined.memberId as string;
      assert.ok(memberId.startsWith(`${instanceId}-`), memberId);
      const synced = await sync(c, groupId, memberId, joined.generationId as number, [{ memberId, assignment: new Uint8Array([9]) }], { groupInstanceId: instanceId, protocolType: 'consumer', protocolName });
      assert.equal(synced.errorCode, ErrorCode.NONE);
      const g = await describe(c, groupId);
      assert.equal(g.groupId, groupId);
      assert.equal(g.protocolData, protocolName);
      assert.deepEqual(g.members?.map((m) => [m.memberId, m.groupInstanceId, m.clientId]), [[memberId, instanceId, c.clientId]]);
      if (utf8(groupId) <= 32_767) {
        const v0 = await c.request<describeGroupsApi.DescribeGroupsResponse>(describeGroupsApi, 0, { groups: [groupId], includeAuthorizedOperations: false });
        assert.equal(v0.groups?.[0]?.members?.[0]?.clientId, c.clientId);
      }
      // The persisted row, through the store's types (the original strings) and as PostgreSQL holds it.
      const [row] = await tb.store.sql<{ leader: string; protocol_name: string; members: { memberId: string; clientId: string; groupInstanceId: string }[] }[]>`
        select leader, protocol_name, members from kafka.groups where group_id = ${groupId}`;
      assert.equal(row.leader, memberId);
      assert.equal(row.protocol_name, protocolName);
      assert.deepEqual(row.members.map((m) => [m.memberId, m.clientId, m.groupInstanceId]), [[memberId, c.clientId, instanceId]]);
      const [stored] = await storedText(tb.store.sql<{ v: Uint8Array }[]>`
        select convert_to(group_id || ' ' || (members->0->>'clientId'), 'UTF8') as v from kafka.groups where group_id = ${groupId}`);
      assert.equal(stored, `${toPgText(groupId)} ${toPgText(c.clientId as string)}`);
    } finally {
      c.close();
    }
  }
});

test('ConsumerGroupHeartbeat / ConsumerGroupDescribe (KIP-848): group, member, instance, rack and client ids', async () => {
  const tags = samples('k');
  for (let i = 0; i < tags.length; i++) {
    const groupId = tags[i];
    const memberId = `member\u0000${i}`;
    const c = await RawClient.connect(tb.port);
    try {
      c.clientId = `kclient\u0000${i}`;
      const res = await consumerHeartbeat(c, {
        groupId, memberId, instanceId: `kinst\u0000${i}`, rackId: `rack\u0000${i}`, rebalanceTimeoutMs: 10_000,
        subscribedTopicNames: ['strings'], serverAssignor: 'uniform', topicPartitions: [],
      });
      assert.equal(res.errorCode, ErrorCode.NONE, res.errorMessage ?? '');
      assert.equal(res.memberId, memberId);
      const g = await describeConsumerGroup(c, groupId);
      assert.equal(g.groupId, groupId);
      assert.deepEqual(g.members?.map((m) => [m.memberId, m.instanceId, m.rackId, m.clientId]), [[memberId, `kinst\u0000${i}`, `rack\u0000${i}`, c.clientId]]);
      // Persisted: the group's row and its jsonb members, as the store reads them back.
      await until(async () => (await tb.store.sql`select 1 from kafka.groups where group_id = ${groupId}`).length === 1, 5000, 'the group row');
      const [row] = await tb.store.sql<{ members: unknown }[]>`select members from kafka.groups where group_id = ${groupId}`;
      assert.ok(JSON.stringify(row.members).includes(JSON.stringify(memberId)), JSON.stringify(row.members).slice(0, 200));
    } finally {
      c.close();
    }
  }
});

test('InitProducerId / DescribeTransactions / ListTransactions / TxnOffsetCommit: transactional ids, group ids, metadata', async () => {
  for (const tid of samples('x')) {
    const p = await initOk(client, tid);
    const described = await client.request<describeTransactionsApi.DescribeTransactionsResponse>(describeTransactionsApi, 0, { transactionalIds: [tid] });
    assert.deepEqual(described.transactionStates?.map((s) => [s.errorCode, s.transactionalId, s.producerId]), [[0, tid, p.producerId]]);
    const listed = await client.request<listTransactionsApi.ListTransactionsResponse>(listTransactionsApi, 1, { stateFilters: [], producerIdFilters: [p.producerId], durationFilter: -1 });
    assert.deepEqual(listed.transactionStates?.map((s) => s.transactionalId), [tid]);

    const groupId = `txn-group\u0000${tid.slice(0, 50)}`;
    const metadata = `txn-meta\u0000${tid.slice(0, 50)}`;
    assert.equal(await addOffsets(client, tid, p, groupId), ErrorCode.NONE);
    assert.deepEqual(await txnOffsetCommit(client, tid, p, groupId, 'strings', { 0: 42 }, { metadata }), [0]);
    const [pending] = await storedText(tb.store.sql<{ v: Uint8Array }[]>`
      select convert_to(transactional_id || ' ' || group_id || ' ' || metadata, 'UTF8') as v from kafka.pending_txn_offsets where transactional_id = ${tid}`);
    assert.equal(pending, `${toPgText(tid)} ${toPgText(groupId)} ${toPgText(metadata)}`);
    assert.equal(await endTxn(client, tid, p, true), ErrorCode.NONE);
    const res = await client.request<offsetFetchApi.OffsetFetchResponse>(offsetFetchApi, 9, {
      groupId: '', topics: null, requireStable: true,
      groups: [{ groupId, memberId: null, memberEpoch: -1, topics: [{ name: 'strings', partitionIndexes: [0] }] }],
    });
    assert.deepEqual(res.groups?.[0]?.topics?.[0]?.partitions?.map((x) => [x.committedOffset, x.metadata]), [[42, metadata]]);
    const [state] = await storedText(tb.store.sql<{ v: Uint8Array }[]>`
      select convert_to(transactional_id, 'UTF8') as v from kafka.transaction_states where transactional_id = ${tid}`);
    assert.equal(state, toPgText(tid));
  }
});

test('CreateTopics configs / DescribeConfigs: config values', async () => {
  const values = samples('c');
  for (let i = 0; i < values.length; i++) {
    const name = `strings-config-${i}`;
    const value = values[i];
    const created = await client.request<createTopicsApi.CreateTopicsResponse>(createTopicsApi, 7, {
      topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'leader.replication.throttled.replicas', value }] }],
      timeoutMs: 5000, validateOnly: false,
    });
    assert.equal(created.topics?.[0]?.errorCode, ErrorCode.NONE, created.topics?.[0]?.errorMessage ?? '');
    const described = await client.request<describeConfigsApi.DescribeConfigsResponse>(describeConfigsApi, 4, {
      resources: [{ resourceType: 2, resourceName: name, configurationKeys: ['leader.replication.throttled.replicas'] }],
      includeSynonyms: false, includeDocumentation: false,
    });
    assert.deepEqual(described.results?.[0]?.configs?.map((c) => c.value), [value]);
    const [stored] = await storedText(tb.store.sql<{ v: Uint8Array }[]>`
      select convert_to(configs->>'leader.replication.throttled.replicas', 'UTF8') as v from kafka.topics where name = ${name}`);
    assert.equal(stored, toPgText(value));
  }
});

test('Produce / Fetch: header keys, in small appends and in COPY appends, and in kafka.messages', async () => {
  const keys = samples('h');
  const topic = (await tb.store.getTopics(['strings'])).get('strings');
  assert.ok(topic);
  const batches: TestRecord[][] = [
    keys.map((k, i) => ({ key: `k${i}`, value: `v${i}`, headers: [{ key: k, value: `hv${i}` }, { key: 'plain', value: null }] })),
    // More than the one-statement path takes: binary COPY.
    Array.from({ length: 100 }, (_, i) => ({ key: `c${i}`, value: `cv${i}`, headers: [{ key: keys[i % keys.length], value: 'x' }] })),
  ];
  for (const records of batches) {
    const produced = await produceOne(client, 9, 'strings', 1, makeBatch(records));
    assert.equal(produced.errorCode, ErrorCode.NONE);
    const base = Number(produced.baseOffset);
    const fetched = await fetchOne(client, 12, topic, 1, base);
    const got = flatten(fetched.batches).slice(0, records.length);
    assert.deepEqual(got.map((r) => r.headers), records.map((r) => r.headers));
    const viewed = await tb.store.sql<{ headers: { key: string }[] }[]>`
      select headers from kafka.messages where topic = 'strings' and partition = 1 and "offset" = ${base}`;
    // The view builds jsonb from the stored text: the readable stored form, which the store's json type turns back.
    assert.equal(viewed[0].headers[0].key, records[0].headers?.[0].key);
    const [raw] = await storedText(tb.store.sql<{ v: Uint8Array }[]>`
      select convert_to(headers->0->>'key', 'UTF8') as v from kafka.messages where topic = 'strings' and partition = 1 and "offset" = ${base}`);
    assert.equal(raw, toPgText(records[0].headers?.[0].key as string));
  }
});

test('topic names with U+0000 (illegal in Kafka) are unknown topics, answered on an open connection', async () => {
  const name = 'no\u0000such';
  const unknown = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  const deleted = await client.request<deleteTopicsApi.DeleteTopicsResponse>(deleteTopicsApi, 5, { topics: [], topicNames: [name], timeoutMs: 1000 });
  assert.equal(deleted.responses?.[0]?.errorCode, unknown);
  const grown = await client.request<createPartitionsApi.CreatePartitionsResponse>(createPartitionsApi, 3, { topics: [{ name, count: 3, assignments: null }], timeoutMs: 1000, validateOnly: false });
  assert.equal(grown.results?.[0]?.errorCode, unknown);
  const listed = await client.request<listOffsetsApi.ListOffsetsResponse>(listOffsetsApi, 9, {
    replicaId: -1, isolationLevel: 0, timeoutMs: 1000, topics: [{ name, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] }],
  });
  assert.equal(listed.topics?.[0]?.partitions?.[0]?.errorCode, unknown);
  const trimmed = await client.request<deleteRecordsApi.DeleteRecordsResponse>(deleteRecordsApi, 2, { topics: [{ name, partitions: [{ partitionIndex: 0, offset: 0 }] }], timeoutMs: 1000 });
  assert.equal(trimmed.topics?.[0]?.partitions?.[0]?.errorCode, unknown);
  const tid = 'topic\u0000txn';
  const p = await initOk(client, tid);
  assert.deepEqual(await addPartitions(client, tid, p, [{ name, partitions: [0] }]), [unknown]);
  assert.equal(client.isClosed, false);
});

/** A DescribeGroups v0 request for `groupId`, with `bad` written over its bytes (same length). */
function describeGroupsFrame(groupId: string, bad: number[], clientId = 'raw-test'): Uint8Array {
  const w = new Writer();
  const at = w.reserveInt32();
  w.int16(15).int16(0).int32(99).string(clientId);
  w.int32(1).string(groupId);
  w.setInt32At(at, w.pos - 4);
  const frame = w.bytes().slice();
  const i = Buffer.from(frame).lastIndexOf(Buffer.from(groupId, 'utf8'));
  frame.set(bad, i);
  return frame;
}

test('invalid UTF-8 in a string field: that connection is closed with a WARN line, the others carry on', async () => {
  const other = await RawClient.connect(tb.port);
  try {
    for (const [where, frame] of [
      ['group id', describeGroupsFrame('ab', [0xc3, 0x28])],
      ['client id', describeGroupsFrame('ok', [0x6f, 0x6b], 'zz')],
    ] as const) {
      if (where === 'client id') {
        const i = Buffer.from(frame).indexOf(Buffer.from('zz'));
        frame.set([0xed, 0xa0], i); // the first bytes of a UTF-16 surrogate: never valid UTF-8
      }
      const bad = await RawClient.connect(tb.port);
      const before = warnings.length;
      bad.write(frame);
      const closed = await Promise.race([bad.closed.then(() => true), new Promise((r) => setTimeout(() => r(false), 10_000))]);
      assert.equal(closed, true, `${where}: the connection should be closed`);
      await until(() => warnings.length > before, 5000, 'a WARN line');
      const lines = warnings.slice(before);
      assert.equal(lines.length, 1, lines.join('\n'));
      assert.match(lines[0], /closing connection: malformed request/);
      assert.match(lines[0], /not valid UTF-8/);
      const g = await describe(other, 'still-served');
      assert.equal(g.errorCode, ErrorCode.NONE, where);
    }
  } finally {
    other.close();
  }
});

test('migration 100: strings stored before it that start with the escape prefix read back unchanged', async () => {
  const sql = tb.store.sql;
  const legacy = `${ESCAPED_PREFIX}legacy\\0`;
  // Rows as a broker before migration 100 stored them (the string as it is), written past the store's text type.
  await sql.unsafe(`insert into kafka.groups (group_id, slot, state, state_timestamp, protocol_type, members)
    values (convert_from($1, 'UTF8'), 0, 'Empty', 0, convert_from($1, 'UTF8'), jsonb_build_array(jsonb_build_object('clientId', convert_from($1, 'UTF8'))))`,
  [Buffer.from(legacy)]);
  const topic = (await tb.store.getTopics(['strings'])).get('strings');
  await sql.unsafe(`insert into kafka.group_offsets (group_id, topic_id, partition, committed_offset, metadata, commit_timestamp)
    values (convert_from($1, 'UTF8'), $2, 0, 5, convert_from($1, 'UTF8'), 0)`, [Buffer.from(legacy), topic?.id as number]);
  await sql`delete from kafka.schema_migrations where version = 100`;
  assert.deepEqual(await migrate(sql), [100]);
  const [row] = await sql<{ group_id: string; protocol_type: string; members: { clientId: string }[] }[]>`
    select group_id, protocol_type, members from kafka.groups where group_id = ${legacy}`;
  assert.deepEqual([row?.group_id, row?.protocol_type, row?.members[0].clientId], [legacy, legacy, legacy]);
  const [offset] = await sql<{ metadata: string }[]>`select metadata from kafka.group_offsets where group_id = ${legacy}`;
  assert.equal(offset?.metadata, legacy);
});

test('no ERROR line was logged by any of the above', () => {
  assert.deepEqual(errors, []);
});
