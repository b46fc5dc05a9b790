// OffsetCommit conformance: codec round trip of every version; commits at every version come back through
// OffsetFetch with their metadata and leader epoch; generation fencing for group members; unknown and deleted
// topics or partitions (also a delete racing the commit); a partition named twice (last wins); OFFSET_METADATA_TOO_LARGE over 4096 characters; GROUP_ID_NOT_FOUND (v9) and
// ILLEGAL_GENERATION (v8) for a generation given to a group that does not exist; offsets and group state survive
// a broker restart; offsets.retention.minutes for empty groups and simple consumers.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as offsetCommit from '../../apis/offset-commit.ts';
import * as offsetFetch from '../../apis/offset-fetch.ts';
import * as leaveGroup from '../../apis/leave-group.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, testContext, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { commit, describe, fetchCommitted, heartbeat, join, racingTopicDelete, soloMember, subscription, sync } from '../helpers/groups.ts';
import { groupCoordinator } from '../../runtime/groups/coordinator.ts';
import { purgeExpiredOffsets } from '../../runtime/groups/offsets.ts';
import type { RequestContext } from '../../runtime/context.ts';

let tb: TestBroker;
let client: RawClient;
before(async () => {
  tb = await startTestBroker({ offsetsRetentionMinutes: 60 });
  client = await RawClient.connect(tb.port);
  await tb.store.createTopic({ name: 'orders', partitions: 3 });
  await tb.store.createTopic({ name: 'other', partitions: 1 });
});
after(async () => {
  client?.close();
  await tb?.stop();
});

test('OffsetCommit: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(offsetCommit);
});

test('OffsetCommit: a simple consumer commits at every version; OffsetFetch returns offset, metadata and epoch', async () => {
  for (let v = 0; v <= 9; v++) {
    const groupId = `simple-v${v}`;
    const codes = await commit(client, groupId, 'orders', { 0: 10 + v, 2: 20 + v }, { version: v, metadata: `m${v}`, leaderEpoch: 4 });
    assert.deepEqual(codes, [0, 0], `v${v}`);
    const res = await client.request<offsetFetch.OffsetFetchResponse>(offsetFetch, 7, {
      groupId,
      topics: [{ name: 'orders', partitionIndexes: [0, 1, 2] }],
      groups: [],
      requireStable: false,
    });
    assert.equal(res.errorCode, 0);
    assert.deepEqual(res.topics?.[0].partitions?.map((p) => [p.partitionIndex, p.committedOffset, p.committedLeaderEpoch, p.metadata, p.errorCode]), [
      [0, 10 + v, v >= 6 ? 4 : -1, `m${v}`, 0],
      [1, -1, -1, '', 0],
      [2, 20 + v, v >= 6 ? 4 : -1, `m${v}`, 0],
    ], `v${v}`);
  }
});

test('OffsetCommit: null metadata is stored as empty; a later commit replaces an earlier one', async () => {
  assert.deepEqual(await commit(client, 'replace', 'orders', { 1: 5 }, { metadata: null }), [0]);
  assert.deepEqual(await commit(client, 'replace', 'orders', { 1: 7 }), [0]);
  assert.deepEqual(await fetchCommitted(client, 'replace', 'orders', [1]), [7]);
});

test('OffsetCommit: unknown topics and partitions get UNKNOWN_TOPIC_OR_PARTITION, the rest is committed', async () => {
  const res = await client.request<offsetCommit.OffsetCommitResponse>(offsetCommit, 8, {
    groupId: 'mixed',
    generationIdOrMemberEpoch: -1,
    memberId: '',
    groupInstanceId: null,
    retentionTimeMs: -1,
    topics: [
      { name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 3, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: '' }, { partitionIndex: 3, committedOffset: 3, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: '' }] },
      { name: 'no-such-topic', partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: '' }] },
    ],
  });
  assert.deepEqual(res.topics?.map((t) => [t.name, t.partitions?.map((p) => [p.partitionIndex, p.errorCode])]), [
    ['orders', [[0, 0], [3, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
    ['no-such-topic', [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
  ]);
  assert.deepEqual(await fetchCommitted(client, 'mixed', 'orders', [0]), [3]);
});

test('OffsetCommit: a deleted topic loses its committed offsets and refuses new ones', async () => {
  await tb.store.createTopic({ name: 'doomed', partitions: 2 });
  assert.deepEqual(await commit(client, 'deleted-topic', 'doomed', { 0: 42, 1: 43 }), [0, 0]);
  assert.deepEqual(await fetchCommitted(client, 'deleted-topic', 'doomed', [0, 1]), [42, 43]);
  await tb.store.deleteTopic('doomed');
  assert.deepEqual(await commit(client, 'deleted-topic', 'doomed', { 0: 44 }), [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  assert.deepEqual(await fetchCommitted(client, 'deleted-topic', 'doomed', [0, 1]), [-1, -1]);
  // A new topic with the same name starts without the old offsets.
  await tb.store.createTopic({ name: 'doomed', partitions: 2 });
  assert.deepEqual(await fetchCommitted(client, 'deleted-topic', 'doomed', [0]), [-1]);
});

test('OffsetCommit: a partition named twice is committed once, the last one winning, and answered twice', async () => {
  const partition = (partitionIndex: number, committedOffset: number, committedMetadata: string) =>
    ({ partitionIndex, committedOffset, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata });
  for (const v of [2, 9]) {
    const groupId = `twice-v${v}`;
    const res = await client.request<offsetCommit.OffsetCommitResponse>(offsetCommit, v, {
      groupId,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      retentionTimeMs: -1,
      topics: [
        { name: 'orders', partitions: [partition(0, 5, 'first'), partition(1, 8, 'one'), partition(0, 6, 'second')] },
        { name: 'orders', partitions: [partition(0, 7, 'third')] },
      ],
    });
    assert.deepEqual(res.topics?.map((t) => t.partitions?.map((p) => [p.partitionIndex, p.errorCode])), [[[0, 0], [1, 0], [0, 0]], [[0, 0]]], `v${v}`);
    assert.deepEqual(await fetchCommitted(client, groupId, 'orders', [0, 1]), [7, 8], `v${v}`);
  }
});

test('OffsetCommit: a commit racing a topic delete gets UNKNOWN_TOPIC_OR_PARTITION, and the connection stays', async () => {
  const topic = await tb.store.createTopic({ name: 'racing-delete', partitions: 2 });
  assert.deepEqual(await commit(client, 'racing', 'racing-delete', { 0: 1 }), [0]); // the broker has the topic cached
  const codes = await racingTopicDelete(tb.store.sql, topic.id, () => commit(client, 'racing', 'racing-delete', { 0: 2, 1: 3 }));
  assert.deepEqual(codes, [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  assert.deepEqual(await commit(client, 'racing', 'orders', { 0: 4 }), [0], 'the connection still serves');
});

test('OffsetCommit: metadata over offset.metadata.max.bytes (4096) gets OFFSET_METADATA_TOO_LARGE', async () => {
  const res = await client.request<offsetCommit.OffsetCommitResponse>(offsetCommit, 9, {
    groupId: 'big-metadata',
    generationIdOrMemberEpoch: -1,
    memberId: '',
    groupInstanceId: null,
    retentionTimeMs: -1,
    topics: [{
      name: 'orders',
      partitions: [
        { partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: 'x'.repeat(4096) },
        { partitionIndex: 1, committedOffset: 1, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: 'x'.repeat(4097) },
      ],
    }],
  });
  assert.deepEqual(res.topics?.[0].partitions?.map((p) => p.errorCode), [0, ErrorCode.OFFSET_METADATA_TOO_LARGE]);
  assert.deepEqual(await fetchCommitted(client, 'big-metadata', 'orders', [0, 1]), [1, -1]);
});

test('OffsetCommit: members are fenced by generation and member id', async () => {
  const groupId = 'fenced-commits';
  const { memberId, generationId } = await soloMember(client, { groupId });
  assert.deepEqual(await commit(client, groupId, 'orders', { 0: 1 }, { memberId, generationId }), [0]);
  assert.deepEqual(await commit(client, groupId, 'orders', { 0: 2 }, { memberId, generationId: generationId + 1 }), [ErrorCode.ILLEGAL_GENERATION]);
  assert.deepEqual(await commit(client, groupId, 'orders', { 0: 2 }, { memberId: 'ghost', generationId }), [ErrorCode.UNKNOWN_MEMBER_ID]);
  // Without member and generation (v0 style), only an empty group accepts commits.
  assert.deepEqual(await commit(client, groupId, 'orders', { 0: 2 }, { version: 0 }), [ErrorCode.UNKNOWN_MEMBER_ID]);
  assert.deepEqual(await commit(client, groupId, 'orders', { 0: 2 }, { generationId: -1 }), [ErrorCode.UNKNOWN_MEMBER_ID]);
  // During a rebalance's sync phase: REBALANCE_IN_PROGRESS; during its join phase commits still go through.
  const other = await RawClient.connect(tb.port);
  const pending = join(other, { groupId });
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(await commit(client, groupId, 'orders', { 0: 3 }, { memberId, generationId }), [0], 'PreparingRebalance');
  const [j1, j2] = await Promise.all([join(client, { groupId, memberId }), pending]);
  assert.deepEqual(await commit(client, groupId, 'orders', { 0: 4 }, { memberId, generationId: j1.generationId }), [ErrorCode.REBALANCE_IN_PROGRESS]);
  assert.deepEqual(await fetchCommitted(client, groupId, 'orders', [0]), [3]);
  assert.equal(j2.errorCode, 0);
  other.close();
});

test('OffsetCommit: a generation for a group that does not exist', async () => {
  assert.deepEqual(await commit(client, 'never-existed', 'orders', { 0: 1 }, { generationId: 3, memberId: 'm', version: 9 }), [ErrorCode.GROUP_ID_NOT_FOUND]);
  assert.deepEqual(await commit(client, 'never-existed', 'orders', { 0: 1 }, { generationId: 3, memberId: 'm', version: 8 }), [ErrorCode.ILLEGAL_GENERATION]);
  assert.equal((await describe(client, 'never-existed')).groupState, 'Dead');
});

function fakeContext(t: TestBroker): RequestContext {
  return testContext(t.broker);
}

test('OffsetCommit: offsets.retention.minutes expires an empty group\'s offsets, then the group', async () => {
  const groupId = 'retained';
  const { memberId, generationId } = await soloMember(client, { groupId, protocols: [{ name: 'range', metadata: subscription(['orders']) }] });
  assert.deepEqual(await commit(client, groupId, 'orders', { 0: 9 }, { memberId, generationId }), [0]);
  const coordinator = groupCoordinator(fakeContext(tb));
  const hour = 60 * 60_000;
  // A stable group keeps the offsets of the topics it consumes, however old.
  await purgeExpiredOffsets(coordinator, Date.now() + 2 * hour);
  assert.deepEqual(await fetchCommitted(client, groupId, 'orders', [0]), [9]);
  assert.deepEqual(await commit(client, 'retained-simple', 'orders', { 0: 9 }), [0]);
  // Empty from now: its offsets expire an hour after that.
  await client.request(leaveGroup, 4, { groupId, memberId: '', members: [{ memberId, groupInstanceId: null, reason: null }] });
  assert.equal((await describe(client, groupId)).groupState, 'Empty');
  const removed0 = await purgeExpiredOffsets(coordinator, Date.now() + hour - 60_000);
  assert.ok(!removed0.includes(groupId));
  assert.deepEqual(await fetchCommitted(client, groupId, 'orders', [0]), [9]);
  const removed = await purgeExpiredOffsets(coordinator, Date.now() + hour + 60_000);
  assert.ok(removed.includes(groupId), 'the empty group is gone with its offsets');
  assert.ok(removed.includes('retained-simple'), 'a simple consumer\'s offsets age from their commit');
  assert.deepEqual(await fetchCommitted(client, groupId, 'orders', [0]), [-1]);
  assert.equal((await describe(client, groupId)).groupState, 'Dead');
});

test('OffsetCommit: committed offsets and the stable group survive a broker restart', async () => {
  const first = await startTestBroker();
  let second: TestBroker | null = null;
  try {
    await first.store.createTopic({ name: 'durable', partitions: 2 });
    const c1 = await RawClient.connect(first.port);
    const groupId = 'durable-group';
    const { memberId, generationId } = await soloMember(c1, { groupId, sessionTimeoutMs: 30_000 }, new Uint8Array([5, 5]));
    assert.deepEqual(await commit(c1, groupId, 'durable', { 0: 100, 1: 200 }, { memberId, generationId, metadata: 'kept' }), [0, 0]);
    c1.close();
    await first.stopBroker();

    second = await startTestBroker({}, { databaseUrl: first.databaseUrl });
    const c2 = await RawClient.connect(second.port);
    // The member carries on with its generation: no rebalance.
    assert.equal(await heartbeat(c2, groupId, memberId, generationId), ErrorCode.NONE);
    const s = await sync(c2, groupId, memberId, generationId);
    assert.deepEqual([s.errorCode, s.assignment], [0, new Uint8Array([5, 5])]);
    assert.deepEqual(await fetchCommitted(c2, groupId, 'durable', [0, 1]), [100, 200]);
    const d = await describe(c2, groupId);
    assert.equal(d.groupState, 'Stable');
    assert.deepEqual(d.members?.map((m) => m.memberId), [memberId]);
    assert.deepEqual(await commit(c2, groupId, 'durable', { 0: 101 }, { memberId, generationId }), [0]);
    c2.close();
  } finally {
    await second?.stopBroker();
    await first.stop();
  }
});
