// The internal topic __consumer_offsets: Metadata shows it (is_internal, 50 partitions, also among all topics),
// Produce to it is refused with INVALID_TOPIC_EXCEPTION, and kcat reads the records the broker writes there as
// groups commit: offset keys (v1) and values (v3) that decode to the committed offsets, group metadata (key v2,
// value v3) after a rebalance, and tombstones (null values) for deleted offsets and groups, each in the group's
// partition (Utils.abs(groupId.hashCode()) % 50).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Buffer } from 'node:buffer';
import * as metadataApi from '../../apis/metadata.ts';
import * as offsetDeleteApi from '../../apis/offset-delete.ts';
import * as deleteGroupsApi from '../../apis/delete-groups.ts';
import * as leaveGroupApi from '../../apis/leave-group.ts';
import { ErrorCode } from '../../codec/errors.ts';
import {
  CONSUMER_OFFSETS_TOPIC,
  consumerOffsetsPartition,
  decodeCoordinatorKey,
  decodeGroupMetadataValue,
  decodeOffsetCommitValue,
  javaStringHashCode,
} from '../../codec/coordinator-records.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { commit, soloMember, subscription } from '../helpers/groups.ts';
import { makeBatch, produceOne } from '../helpers/data-path.ts';
import { requireKcat } from '../helpers/kcat-cli.ts';

let tb: TestBroker;
let client: RawClient;
before(async () => {
  tb = await startTestBroker();
  client = await RawClient.connect(tb.port);
  await tb.store.createTopic({ name: 'orders', partitions: 3 });
});
after(async () => {
  client?.close();
  await tb?.stop();
});

interface LogRecord {
  offset: number;
  key: Buffer;
  value: Buffer | null;
}

/**
 * Reads one partition of __consumer_offsets with kcat, keys and values as raw bytes: each record is printed as
 * a header line "offset keyLength valueLength" (-1: null) followed by the bytes themselves.
 */
function kcatReadLog(partition: number): Promise<LogRecord[]> {
  requireKcat();
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', ['-C', '-b', tb.address, '-t', CONSUMER_OFFSETS_TOPIC, '-p', String(partition), '-o', 'beginning', '-e',
      '-X', 'fetch.wait.max.ms=100', '-f', '%o %K %S\n%k%s'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`kcat exited with ${code}: ${Buffer.concat(err).toString()}`));
      const buf = Buffer.concat(out);
      const records: LogRecord[] = [];
      let at = 0;
      while (at < buf.length) {
        const nl = buf.indexOf(0x0a, at);
        const [offset, keyLength, valueLength] = buf.subarray(at, nl).toString().split(' ').map(Number);
        at = nl + 1;
        const key = buf.subarray(at, at + Math.max(keyLength, 0));
        at += Math.max(keyLength, 0);
        const value = valueLength < 0 ? null : buf.subarray(at, at + valueLength);
        at += Math.max(valueLength, 0);
        records.push({ offset, key, value });
      }
      resolve(records);
    });
  });
}

test('__consumer_offsets: the group partition follows Java String.hashCode and Utils.abs', () => {
  assert.equal(javaStringHashCode('hello'), 99162322);
  assert.equal(javaStringHashCode(''), 0);
  // A string whose hashCode is Integer.MIN_VALUE: Utils.abs makes it 0, where Math.abs would stay negative.
  assert.equal(javaStringHashCode('polygenelubricants'), -0x80000000);
  assert.equal(consumerOffsetsPartition('polygenelubricants'), 0);
  // Negative hash codes: abs, not & 0x7fffffff (these two disagree here).
  assert.equal(javaStringHashCode('burrow-group'), -1039673043);
  assert.equal(consumerOffsetsPartition('burrow-group'), 43);
  // UTF-16 code units, as Java counts them.
  assert.equal(javaStringHashCode('é'), 0xe9);
  assert.equal(javaStringHashCode('😀'), 31 * 0xd83d + 0xde00);
});

test('__consumer_offsets: Metadata answers it as internal with 50 partitions, also when all topics are asked for', async () => {
  for (const version of [1, 9, 12]) {
    const named = await client.request<metadataApi.MetadataResponse>(metadataApi, version, {
      topics: [{ name: CONSUMER_OFFSETS_TOPIC, topicId: '00000000-0000-0000-0000-000000000000' }],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    const t = named.topics?.[0];
    assert.equal(t?.errorCode, ErrorCode.NONE, `v${version}`);
    assert.equal(t?.isInternal, true, `v${version}`);
    assert.equal(t?.partitions?.length, 50, `v${version}`);
    const all = await client.request<metadataApi.MetadataResponse>(metadataApi, version, {
      topics: null,
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    const listed = new Map(all.topics?.map((x) => [x.name, x.isInternal]));
    assert.equal(listed.get(CONSUMER_OFFSETS_TOPIC), true, `v${version}: listed among all topics, flagged internal`);
    assert.equal(listed.get('orders'), false, `v${version}`);
  }
});

test('__consumer_offsets: Produce is refused with INVALID_TOPIC_EXCEPTION, and nothing is written', async () => {
  const before = await tb.store.offsets((await tb.store.getTopics([CONSUMER_OFFSETS_TOPIC])).get(CONSUMER_OFFSETS_TOPIC)!, 7);
  for (const version of [3, 9, 11]) {
    const res = await produceOne(client, version, CONSUMER_OFFSETS_TOPIC, 7, makeBatch([{ key: 'k', value: 'v' }]));
    assert.equal(res.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION, `v${version}`);
  }
  const afterwards = await tb.store.offsets((await tb.store.getTopics([CONSUMER_OFFSETS_TOPIC])).get(CONSUMER_OFFSETS_TOPIC)!, 7);
  assert.equal(afterwards.highWatermark, before.highWatermark);
});

test('__consumer_offsets: kcat reads offset commits (key v1, value v3) that decode to the committed offsets, then their tombstones', async () => {
  const groupId = 'burrow-style-group';
  const partition = consumerOffsetsPartition(groupId);
  const start = Date.now();
  assert.deepEqual(await commit(client, groupId, 'orders', { 0: 10, 2: 42 }, { metadata: 'meta', leaderEpoch: 3 }), [0, 0]);
  assert.deepEqual(await commit(client, groupId, 'orders', { 0: 11 }, { metadata: null }), [0]);

  let records = (await kcatReadLog(partition)).filter((r) => r.key.length > 2 && r.key.readInt16BE(0) !== 2);
  const decoded = records.map((r) => {
    const key = decodeCoordinatorKey(r.key);
    assert.equal(key.version, 1);
    assert.equal(key.type, 'offset');
    const value = r.value === null ? null : decodeOffsetCommitValue(r.value);
    return { key: key.key, value };
  }).filter((r) => r.key.group === groupId);
  assert.deepEqual(decoded.map((r) => [r.key.topic, r.key.partition, r.value?.version, r.value?.value.offset, r.value?.value.leaderEpoch, r.value?.value.metadata]), [
    ['orders', 0, 3, 10, 3, 'meta'],
    ['orders', 2, 3, 42, 3, 'meta'],
    ['orders', 0, 3, 11, -1, ''],
  ]);
  for (const r of decoded) assert.ok(r.value!.value.commitTimestamp >= start && r.value!.value.commitTimestamp <= Date.now() + 1000);

  // OffsetDelete of one partition: a tombstone (null value) for its key.
  const del = await client.request<offsetDeleteApi.OffsetDeleteResponse>(offsetDeleteApi, 0, {
    groupId,
    topics: [{ name: 'orders', partitions: [{ partitionIndex: 2 }] }],
  });
  assert.equal(del.errorCode, ErrorCode.NONE);
  records = await kcatReadLog(partition);
  const last = records[records.length - 1];
  assert.deepEqual(decodeCoordinatorKey(last.key).key, { group: groupId, topic: 'orders', partition: 2 });
  assert.equal(last.value, null, 'a tombstone');
});

test('__consumer_offsets: a classic group writes its metadata (key v2, value v3); deleting the group writes tombstones', async () => {
  const groupId = 'metadata-group';
  const partition = consumerOffsetsPartition(groupId);
  const assignment = new Uint8Array([0, 1, 2, 3]);
  const { memberId, generationId } = await soloMember(client, { groupId, protocols: [{ name: 'range', metadata: subscription(['orders']) }] }, assignment);
  assert.deepEqual(await commit(client, groupId, 'orders', { 1: 5 }, { generationId, memberId }), [0]);

  let records = await kcatReadLog(partition);
  const groupRecords = records.filter((r) => decodeCoordinatorKey(r.key).type === 'group');
  assert.ok(groupRecords.length >= 1, 'a group metadata record');
  const key = decodeCoordinatorKey(groupRecords[groupRecords.length - 1].key);
  assert.deepEqual(key, { version: 2, type: 'group', key: { group: groupId } });
  const { version, value } = decodeGroupMetadataValue(groupRecords[groupRecords.length - 1].value!);
  assert.equal(version, 3);
  assert.equal(value.protocolType, 'consumer');
  assert.equal(value.generation, generationId);
  assert.equal(value.protocol, 'range');
  assert.equal(value.leader, memberId);
  assert.equal(value.members.length, 1);
  assert.equal(value.members[0].memberId, memberId);
  assert.deepEqual([...value.members[0].subscription], [...subscription(['orders'])]);
  assert.deepEqual([...value.members[0].assignment], [...assignment]);

  // The member leaves, the group is deleted: the offset's tombstone, then the group's.
  const left = await client.request<leaveGroupApi.LeaveGroupResponse>(leaveGroupApi, 5, { groupId, memberId: '', members: [{ memberId, groupInstanceId: null, reason: null }] });
  assert.equal(left.errorCode, ErrorCode.NONE);
  const deleted = await client.request<deleteGroupsApi.DeleteGroupsResponse>(deleteGroupsApi, 2, { groupsNames: [groupId] });
  assert.equal(deleted.results?.[0].errorCode, ErrorCode.NONE);
  records = await kcatReadLog(partition);
  const tail = records.slice(-2).map((r) => ({ key: decodeCoordinatorKey(r.key), value: r.value }));
  assert.deepEqual(tail.map((r) => [r.key.type, r.key.key, r.value]), [
    ['offset', { group: groupId, topic: 'orders', partition: 1 }, null],
    ['group', { group: groupId }, null],
  ]);
});
