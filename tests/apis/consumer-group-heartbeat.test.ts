// ConsumerGroupHeartbeat (KIP-848) over the raw protocol: codec round trip; joining (v0: the coordinator names the
// member, v1: the client does); epochs and incremental reconciliation with two and three members (a partition is
// never given to a member while another may still consume it: revoke before assign); fencing on stale or future
// epochs; unknown members and groups; leaving; static members leaving for a while and coming back; regex
// subscriptions and topic metadata changes; request validation; the range assignor; session and rebalance
// timeouts; restart survival; the group-id namespace shared with classic groups (JoinGroup, OffsetCommit,
// OffsetFetch, ListGroups, DescribeGroups, DeleteGroups); NOT_COORDINATOR from a broker without the group's slot.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as consumerGroupHeartbeat from '../../apis/consumer-group-heartbeat.ts';
import * as listGroupsApi from '../../apis/list-groups.ts';
import * as deleteGroupsApi from '../../apis/delete-groups.ts';
import * as offsetFetchApi from '../../apis/offset-fetch.ts';
import * as joinGroupApi from '../../apis/join-group.ts';
import * as offsetDeleteApi from '../../apis/offset-delete.ts';
import type { RequestContext } from '../../runtime/context.ts';
import { groupCoordinator } from '../../runtime/groups/coordinator.ts';
import { purgeExpiredOffsets } from '../../runtime/groups/offsets.ts';
import { ErrorCode } from '../../codec/errors.ts';
import type { Topic } from '../../store/types.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, testContext, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { sleep, until } from '../helpers/eventually.ts';
import { commit, describe as describeClassic, fetchCommitted, joinRequest, soloMember } from '../helpers/groups.ts';
import { consumerHeartbeat, describeConsumerGroup, flat, RawMember } from '../helpers/consumer-groups.ts';

const HEARTBEAT_INTERVAL_MS = 250;

let tb: TestBroker;
let client: RawClient;
before(async () => {
  tb = await startTestBroker({ groupConsumerHeartbeatIntervalMs: HEARTBEAT_INTERVAL_MS });
  client = await RawClient.connect(tb.port);
});
after(async () => {
  client?.close();
  await tb?.stop();
});

const all = (topic: Topic, from = 0, to = topic.partitions): string[] => {
  const out: string[] = [];
  for (let p = from; p < to; p++) out.push(`${topic.topicId}:${p}`);
  return out.sort();
};

/** No partition may be held (assigned, or not yet reported revoked) by two members at once. */
function assertDisjoint(members: RawMember[], when: string): void {
  const seen = new Map<string, string>();
  for (const m of members) {
    for (const p of m.holding()) {
      const other = seen.get(p);
      assert.equal(other, undefined, `${when}: partition ${p} held by ${other} and ${m.memberId}`);
      seen.set(p, m.memberId);
    }
  }
}

/** Every member heartbeats (acknowledging its assignment) until the group is stable; checks disjointness throughout. */
async function settle(members: RawMember[], groupId: string, rounds = 20): Promise<void> {
  const c = members[0].client;
  for (let i = 0; i < rounds; i++) {
    for (const m of members) {
      const res = await m.heartbeat({ ack: true });
      assert.equal(res.errorCode, 0, `heartbeat of ${m.memberId}: ${res.errorMessage}`);
      assertDisjoint(members, `round ${i}`);
    }
    const g = await describeConsumerGroup(c, groupId);
    if (g.groupState === 'Stable' && members.every((m) => m.epoch === g.groupEpoch)) return;
  }
  assert.fail(`group ${groupId} did not become stable`);
}

test('ConsumerGroupHeartbeat: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(consumerGroupHeartbeat);
});

test('ConsumerGroupHeartbeat: a member joins, gets every partition at epoch 1 and heartbeats on', async () => {
  const topic = await tb.store.createTopic({ name: 'cg-join', partitions: 4 });
  const a = new RawMember(client, 'cg-join-group');
  const res = await a.join({ subscribedTopicNames: ['cg-join'] });
  assert.equal(res.errorCode, 0, res.errorMessage ?? '');
  assert.equal(res.memberId, a.memberId, 'v1: the client\'s member id is kept');
  assert.equal(res.memberEpoch, 1);
  assert.equal(res.heartbeatIntervalMs, HEARTBEAT_INTERVAL_MS);
  assert.deepEqual(flat(res.assignment?.topicPartitions), all(topic));
  const again = await a.heartbeat({ ack: true });
  assert.equal(again.errorCode, 0);
  assert.equal(again.memberEpoch, 1);
  assert.equal(again.assignment, null, 'no assignment when nothing changed');
  const g = await describeConsumerGroup(client, 'cg-join-group');
  assert.deepEqual([g.errorCode, g.groupState, g.groupEpoch, g.assignmentEpoch, g.assignorName], [0, 'Stable', 1, 1, 'uniform']);
  assert.equal(g.members?.[0].clientId, 'raw-test');
  assert.match(g.members?.[0].clientHost ?? '', /^\/127\.0\.0\.1$/);
});

test('ConsumerGroupHeartbeat: v0 has the coordinator name new members; v1 requires a member id', async () => {
  await tb.store.createTopic({ name: 'cg-v0', partitions: 1 });
  const v0 = await consumerHeartbeat(client, { groupId: 'cg-v0-group', memberEpoch: 0, rebalanceTimeoutMs: 30_000, subscribedTopicNames: ['cg-v0'], topicPartitions: [] }, 0);
  assert.equal(v0.errorCode, 0, v0.errorMessage ?? '');
  assert.match(v0.memberId ?? '', /^[A-Za-z0-9_-]{22}$/, 'a Java-style Uuid string');
  assert.equal(v0.memberEpoch, 1);
  const v1 = await consumerHeartbeat(client, { groupId: 'cg-v0-group', memberEpoch: 0, rebalanceTimeoutMs: 30_000, subscribedTopicNames: ['cg-v0'], topicPartitions: [] }, 1);
  assert.equal(v1.errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal(v1.errorMessage, "MemberId can't be empty.");
});

test('ConsumerGroupHeartbeat: a second and a third member get partitions only once the holders have revoked them', async () => {
  const topic = await tb.store.createTopic({ name: 'cg-recon', partitions: 6 });
  const groupId = 'cg-recon-group';
  const a = new RawMember(client, groupId, 'member-a');
  const b = new RawMember(client, groupId, 'member-b');
  const c = new RawMember(client, groupId, 'member-c');
  await a.join({ subscribedTopicNames: ['cg-recon'] });
  assert.deepEqual(flat(a.assignment), all(topic));
  await a.heartbeat({ ack: true });

  // b joins: the group epoch goes to 2; b is at epoch 2 but gets nothing while a holds everything.
  const jb = await b.join({ subscribedTopicNames: ['cg-recon'] });
  assert.equal(jb.errorCode, 0);
  assert.equal(jb.memberEpoch, 2);
  assert.deepEqual(flat(jb.assignment?.topicPartitions), [], 'the partitions are still a\'s');
  let g = await describeConsumerGroup(client, groupId);
  assert.deepEqual([g.groupState, g.groupEpoch, g.assignmentEpoch], ['Reconciling', 2, 2]);
  const target = new Map(g.members?.map((m) => [m.memberId, flat(m.targetAssignment?.topicPartitions)]));
  assert.equal(target.get('member-a')?.length, 3);
  assert.equal(target.get('member-b')?.length, 3);

  // a is asked to revoke: it stays at epoch 1 with the half it keeps.
  const ha = await a.heartbeat();
  assert.equal(ha.memberEpoch, 1, 'epoch unchanged until the revocation is acknowledged');
  assert.deepEqual(flat(ha.assignment?.topicPartitions), target.get('member-a'));
  assertDisjoint([a, b], 'a revoking');
  const hb = await b.heartbeat();
  assert.equal(hb.assignment, null, 'b still waits');
  assertDisjoint([a, b], 'b waiting');

  // a reports the revocation: it moves to epoch 2; then b gets its half.
  const ack = await a.heartbeat({ ack: true });
  assert.equal(ack.memberEpoch, 2);
  assert.equal(ack.assignment, null);
  const hb2 = await b.heartbeat();
  assert.deepEqual(flat(hb2.assignment?.topicPartitions), target.get('member-b'));
  assertDisjoint([a, b], 'b assigned');
  await settle([a, b], groupId);

  // A third member: 2 partitions each, each member keeping what it can.
  const before = { a: a.holding(), b: b.holding() };
  await c.join({ subscribedTopicNames: ['cg-recon'] });
  assertDisjoint([a, b, c], 'c joined');
  await settle([a, b, c], groupId);
  g = await describeConsumerGroup(client, groupId);
  assert.deepEqual([g.groupState, g.groupEpoch], ['Stable', 3]);
  assert.deepEqual([a.assignment, b.assignment, c.assignment].map((x) => flat(x).length), [2, 2, 2]);
  assert.deepEqual([...a.holding(), ...b.holding(), ...c.holding()].sort(), all(topic));
  assert.ok(a.holding().every((p) => before.a.includes(p)), 'a keeps partitions it had');
  assert.ok(b.holding().every((p) => before.b.includes(p)), 'b keeps partitions it had');

  // b leaves: a and c share its partitions.
  const left = await b.leave();
  assert.deepEqual([left.errorCode, left.memberEpoch], [0, -1]);
  await settle([a, c], groupId);
  assert.deepEqual([a.assignment, c.assignment].map((x) => flat(x).length), [3, 3]);
  assert.deepEqual([...a.holding(), ...c.holding()].sort(), all(topic));
  assert.equal((await b.heartbeat()).errorCode, ErrorCode.UNKNOWN_MEMBER_ID, 'a member that left is unknown');
  assert.equal((await b.leave()).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
});

test('ConsumerGroupHeartbeat: stale and future epochs are fenced; the previous epoch is accepted with a subset; a fenced member rejoins', async () => {
  await tb.store.createTopic({ name: 'cg-fence', partitions: 4 });
  const groupId = 'cg-fence-group';
  const a = new RawMember(client, groupId, 'fence-a');
  const b = new RawMember(client, groupId, 'fence-b');
  await a.join({ subscribedTopicNames: ['cg-fence'] });
  await b.join({ subscribedTopicNames: ['cg-fence'] });
  await settle([a, b], groupId);
  assert.equal(a.epoch, 2);
  const owned = a.owned;

  const future = await a.send({ memberEpoch: 3, topicPartitions: owned });
  assert.equal(future.errorCode, ErrorCode.FENCED_MEMBER_EPOCH);
  assert.match(future.errorMessage ?? '', /greater member epoch \(3\)/);
  // Epoch 1 is a's previous epoch and it owns a subset of its assignment: the answer bumping it may have been lost.
  const previous = await a.send({ memberEpoch: 1, topicPartitions: owned });
  assert.deepEqual([previous.errorCode, previous.memberEpoch], [0, 2]);
  const tooMuch = await a.send({ memberEpoch: 1, topicPartitions: [{ topicId: owned[0].topicId, partitions: [0, 1, 2, 3] }] });
  assert.equal(tooMuch.errorCode, ErrorCode.FENCED_MEMBER_EPOCH, 'the previous epoch with partitions it does not have');
  const stale = await a.send({ memberEpoch: 1, topicPartitions: null });
  assert.equal(stale.errorCode, ErrorCode.FENCED_MEMBER_EPOCH, 'the previous epoch without saying what it owns');

  // Fenced: it abandons its partitions and rejoins with epoch 0 and the same member id.
  a.owned = [];
  a.epoch = 0;
  const rejoin = await a.join({ subscribedTopicNames: ['cg-fence'] });
  assert.equal(rejoin.errorCode, 0, rejoin.errorMessage ?? '');
  assert.equal(rejoin.memberEpoch, 2);
  assert.equal(flat(rejoin.assignment?.topicPartitions).length, 2);
  assertDisjoint([a, b], 'after the rejoin');

  const unknown = await consumerHeartbeat(client, { groupId, memberId: 'nobody', memberEpoch: 2 });
  assert.equal(unknown.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  const noGroup = await consumerHeartbeat(client, { groupId: 'cg-no-such-group', memberId: 'nobody', memberEpoch: 1 });
  assert.equal(noGroup.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
});

test('ConsumerGroupHeartbeat: a static member leaves for a while (-2) and comes back under a new member id with its assignment', async () => {
  const topic = await tb.store.createTopic({ name: 'cg-static', partitions: 3 });
  const groupId = 'cg-static-group';
  const s1 = new RawMember(client, groupId, 'static-1');
  await s1.join({ instanceId: 'instance-1', subscribedTopicNames: ['cg-static'] });
  assert.deepEqual(flat(s1.assignment), all(topic));
  await s1.heartbeat({ ack: true });

  const s2 = new RawMember(client, groupId, 'static-2');
  const taken = await s2.join({ instanceId: 'instance-1', subscribedTopicNames: ['cg-static'] });
  assert.equal(taken.errorCode, ErrorCode.UNRELEASED_INSTANCE_ID, 'the instance id is still in use');

  const away = await s1.leave(-2, 'instance-1');
  assert.deepEqual([away.errorCode, away.memberEpoch], [0, -2]);
  let g = await describeConsumerGroup(client, groupId);
  assert.deepEqual(g.members?.map((m) => [m.memberId, m.memberEpoch, m.instanceId]), [['static-1', -2, 'instance-1']]);
  assert.equal(g.groupEpoch, 1);

  const back = await s2.join({ instanceId: 'instance-1', subscribedTopicNames: ['cg-static'] });
  assert.equal(back.errorCode, 0, back.errorMessage ?? '');
  assert.equal(back.memberEpoch, 1, 'no new group epoch');
  assert.deepEqual(flat(back.assignment?.topicPartitions), all(topic), 'the same assignment');
  g = await describeConsumerGroup(client, groupId);
  assert.deepEqual([g.groupEpoch, g.groupState], [1, 'Stable']);
  assert.deepEqual(g.members?.map((m) => m.memberId), ['static-2']);

  assert.equal((await s1.send({ memberEpoch: 1, instanceId: 'instance-1' })).errorCode, ErrorCode.FENCED_INSTANCE_ID);
  assert.equal((await s1.send({ memberEpoch: 1 })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal((await s2.send({ memberEpoch: 1, instanceId: 'instance-9' })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID, 'unknown instance id');
  // Leaving for good (-1 with the instance id) removes it.
  const gone = await s2.leave(-1, 'instance-1');
  assert.deepEqual([gone.errorCode, gone.memberEpoch], [0, -1]);
  g = await describeConsumerGroup(client, groupId);
  assert.deepEqual([g.groupState, g.members?.length, g.groupEpoch], ['Empty', 0, 2]);
});

test('ConsumerGroupHeartbeat: a regex subscription follows topics as they appear; partition changes bump the group epoch', async () => {
  const rxA = await tb.store.createTopic({ name: 'rx-a', partitions: 2 });
  await tb.store.createTopic({ name: 'other-rx-a', partitions: 1 });
  const groupId = 'cg-regex-group';
  const r = new RawMember(client, groupId);
  const bad = await r.join({ subscribedTopicNames: [], subscribedTopicRegex: 'rx-(' });
  assert.equal(bad.errorCode, ErrorCode.INVALID_REGULAR_EXPRESSION);
  const res = await r.join({ subscribedTopicNames: [], subscribedTopicRegex: 'rx-.*' });
  assert.equal(res.errorCode, 0, res.errorMessage ?? '');
  assert.deepEqual(flat(res.assignment?.topicPartitions), all(rxA), 'the whole name must match');
  await r.heartbeat({ ack: true });

  const rxB = await tb.store.createTopic({ name: 'rx-b', partitions: 3 });
  const next = await r.heartbeat();
  assert.equal(next.memberEpoch, 2, 'a new matching topic bumps the group epoch');
  assert.deepEqual(flat(next.assignment?.topicPartitions), [...all(rxA), ...all(rxB)].sort());
  await r.heartbeat({ ack: true });

  await tb.store.createPartitions(rxA, 3);
  const grown = await r.heartbeat();
  assert.equal(grown.memberEpoch, 3, 'new partitions bump the group epoch');
  assert.equal(flat(grown.assignment?.topicPartitions).length, 6);
  const g = await describeConsumerGroup(client, groupId);
  assert.equal(g.members?.[0].subscribedTopicRegex, 'rx-.*');
  assert.deepEqual(g.members?.[0].assignment?.topicPartitions?.map((tp) => tp.topicName).sort(), ['rx-a', 'rx-b']);
});

test('ConsumerGroupHeartbeat: invalid requests', async () => {
  const groupId = 'cg-invalid';
  const base = { groupId, memberId: 'm', memberEpoch: 0, rebalanceTimeoutMs: 30_000, subscribedTopicNames: ['t'], topicPartitions: [] };
  const cases: [Record<string, unknown>, number, string][] = [
    [{ groupId: '' }, ErrorCode.INVALID_REQUEST, "GroupId can't be empty."],
    [{ rebalanceTimeoutMs: -1 }, ErrorCode.INVALID_REQUEST, 'RebalanceTimeoutMs must be provided in first request.'],
    [{ topicPartitions: null }, ErrorCode.INVALID_REQUEST, 'TopicPartitions must be empty when (re-)joining.'],
    [{ subscribedTopicNames: null }, ErrorCode.INVALID_REQUEST, 'Either SubscribedTopicNames or SubscribedTopicRegex must be non-null when (re-)joining.'],
    [{ instanceId: ' ' }, ErrorCode.INVALID_REQUEST, "InstanceId can't be empty."],
    [{ memberEpoch: -2 }, ErrorCode.INVALID_REQUEST, "InstanceId can't be null."],
    [{ memberEpoch: -3 }, ErrorCode.INVALID_REQUEST, 'MemberEpoch is invalid.'],
    [{ serverAssignor: 'sticky' }, ErrorCode.UNSUPPORTED_ASSIGNOR, 'ServerAssignor sticky is not supported. Supported assignors: uniform, range.'],
  ];
  for (const [change, code, message] of cases) {
    const res = await consumerHeartbeat(client, { ...base, ...change });
    assert.deepEqual([res.errorCode, res.errorMessage], [code, message], JSON.stringify(change));
  }
  const g = await describeConsumerGroup(client, groupId);
  assert.equal(g.errorCode, ErrorCode.GROUP_ID_NOT_FOUND, 'failed joins leave no group behind');
});

test('ConsumerGroupHeartbeat: the range assignor gives contiguous ranges in member order', async () => {
  const topic = await tb.store.createTopic({ name: 'cg-range', partitions: 5 });
  const groupId = 'cg-range-group';
  const a = new RawMember(client, groupId, 'range-a');
  const b = new RawMember(client, groupId, 'range-b');
  await a.join({ subscribedTopicNames: ['cg-range'], serverAssignor: 'range' });
  await b.join({ subscribedTopicNames: ['cg-range'], serverAssignor: 'range' });
  await settle([a, b], groupId);
  const g = await describeConsumerGroup(client, groupId);
  assert.equal(g.assignorName, 'range');
  assert.deepEqual(flat(a.assignment), all(topic, 0, 3));
  assert.deepEqual(flat(b.assignment), all(topic, 3, 5));
});

test('ConsumerGroupHeartbeat: KIP-848 groups share the group-id namespace with classic groups', async () => {
  const topic = await tb.store.createTopic({ name: 'cg-ns', partitions: 2 });
  // A classic group with a member cannot be joined with the consumer protocol.
  await soloMember(client, { groupId: 'ns-classic', protocols: [{ name: 'range', metadata: new Uint8Array(0) }] });
  const onClassic = await new RawMember(client, 'ns-classic').join({ subscribedTopicNames: ['cg-ns'] });
  assert.equal(onClassic.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);

  const groupId = 'ns-consumer';
  const m = new RawMember(client, groupId, 'ns-member');
  await m.join({ subscribedTopicNames: ['cg-ns'] });
  await m.heartbeat({ ack: true });
  // JoinGroup on a consumer group with members.
  const join = await client.request<joinGroupApi.JoinGroupResponse>(joinGroupApi, 9, joinRequest({ groupId }));
  assert.equal(join.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  const joinConnect = await client.request<joinGroupApi.JoinGroupResponse>(joinGroupApi, 9, joinRequest({ groupId, protocolType: 'connect' }));
  assert.equal(joinConnect.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);

  // Offsets are fenced on the member epoch.
  assert.deepEqual(await commit(client, groupId, 'cg-ns', { 0: 5 }, { generationId: m.epoch, memberId: m.memberId }), [0]);
  assert.deepEqual(await commit(client, groupId, 'cg-ns', { 0: 6 }, { generationId: m.epoch + 1, memberId: m.memberId }), [ErrorCode.STALE_MEMBER_EPOCH]);
  assert.deepEqual(await commit(client, groupId, 'cg-ns', { 0: 6 }, { generationId: m.epoch, memberId: 'ghost' }), [ErrorCode.UNKNOWN_MEMBER_ID]);
  assert.deepEqual(await commit(client, groupId, 'cg-ns', { 0: 6 }), [ErrorCode.UNKNOWN_MEMBER_ID], 'epoch -1 while the group has members');
  assert.deepEqual(await commit(client, groupId, 'cg-ns', { 0: 6 }, { generationId: m.epoch, memberId: m.memberId, version: 8 }), [ErrorCode.UNSUPPORTED_VERSION]);
  const fetch = async (memberId: string | null, memberEpoch: number) => {
    const res = await client.request<offsetFetchApi.OffsetFetchResponse>(offsetFetchApi, 9, {
      groupId: '',
      topics: null,
      groups: [{ groupId, memberId, memberEpoch, topics: [{ name: 'cg-ns', partitionIndexes: [0, 1] }] }],
      requireStable: false,
    });
    const g = res.groups?.[0];
    return [g?.errorCode, ...(g?.topics?.[0]?.partitions ?? []).map((p) => p.committedOffset)];
  };
  assert.deepEqual(await fetch(m.memberId, m.epoch), [0, 5, -1]);
  assert.deepEqual(await fetch(null, -1), [0, 5, -1], 'no member: an admin fetch');
  assert.deepEqual(await fetch(m.memberId, m.epoch + 1), [ErrorCode.STALE_MEMBER_EPOCH]);
  assert.deepEqual(await fetch('ghost', m.epoch), [ErrorCode.UNKNOWN_MEMBER_ID]);

  // ListGroups: type "consumer"; DescribeGroups (classic groups only) shows it as Dead; DeleteGroups needs it empty.
  const list = async (typesFilter: string[]) => {
    const res = await client.request<listGroupsApi.ListGroupsResponse>(listGroupsApi, 5, { statesFilter: [], typesFilter });
    return (res.groups ?? []).filter((g) => g.groupId === groupId || g.groupId === 'ns-classic').map((g) => [g.groupId, g.groupType, g.protocolType, g.groupState]);
  };
  assert.deepEqual(await list([]), [['ns-classic', 'classic', 'consumer', 'Stable'], [groupId, 'consumer', 'consumer', 'Stable']]);
  assert.deepEqual(await list(['Consumer']), [[groupId, 'consumer', 'consumer', 'Stable']]);
  assert.deepEqual(await list(['classic']), [['ns-classic', 'classic', 'consumer', 'Stable']]);
  assert.equal((await describeClassic(client, groupId)).groupState, 'Dead');
  const del = async () => {
    const res = await client.request<deleteGroupsApi.DeleteGroupsResponse>(deleteGroupsApi, 2, { groupsNames: [groupId] });
    return res.results?.[0]?.errorCode;
  };
  assert.equal(await del(), ErrorCode.NON_EMPTY_GROUP);
  await m.leave();
  assert.equal((await describeConsumerGroup(client, groupId)).groupState, 'Empty');
  // An empty consumer group becomes a classic group when a classic member joins it (offsets stay).
  const classic = await soloMember(client, { groupId, protocols: [{ name: 'range', metadata: new Uint8Array(0) }] });
  assert.ok(classic.generationId >= 1);
  assert.equal((await describeConsumerGroup(client, groupId)).errorCode, ErrorCode.GROUP_ID_NOT_FOUND, 'not a consumer group any more');
  assert.deepEqual(await fetch(null, -1), [0, 5, -1]);

  // A group that only holds offsets (no members) becomes a consumer group on the first consumer join.
  assert.deepEqual(await commit(client, 'ns-simple', 'cg-ns', { 1: 9 }), [0]);
  const simple = new RawMember(client, 'ns-simple');
  const joined = await simple.join({ subscribedTopicNames: ['cg-ns'] });
  assert.equal(joined.errorCode, 0, joined.errorMessage ?? '');
  assert.deepEqual(flat(joined.assignment?.topicPartitions), all(topic));
  await simple.leave();
  const res = await client.request<deleteGroupsApi.DeleteGroupsResponse>(deleteGroupsApi, 2, { groupsNames: ['ns-simple'] });
  assert.equal(res.results?.[0]?.errorCode, 0, 'an empty consumer group can be deleted');
  assert.equal((await describeConsumerGroup(client, 'ns-simple')).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
});

test('ConsumerGroupHeartbeat: OffsetDelete and offset expiry spare the topics a consumer group subscribes to', async () => {
  await tb.store.createTopic({ name: 'cg-retain', partitions: 1 });
  await tb.store.createTopic({ name: 'cg-retain-other', partitions: 1 });
  const groupId = 'cg-retain-group';
  const m = new RawMember(client, groupId);
  await m.join({ subscribedTopicNames: ['cg-retain'] });
  assert.deepEqual(await commit(client, groupId, 'cg-retain', { 0: 3 }, { generationId: m.epoch, memberId: m.memberId }), [0]);
  assert.deepEqual(await commit(client, groupId, 'cg-retain-other', { 0: 4 }, { generationId: m.epoch, memberId: m.memberId }), [0]);
  const del = await client.request<offsetDeleteApi.OffsetDeleteResponse>(offsetDeleteApi, 0, { groupId, topics: [{ name: 'cg-retain', partitions: [{ partitionIndex: 0 }] }] });
  assert.deepEqual([del.errorCode, del.topics?.[0]?.partitions?.[0]?.errorCode], [0, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC]);

  const ctx: RequestContext = testContext(tb.broker);
  const coordinator = groupCoordinator(ctx);
  const later = Date.now() + (tb.config.offsetsRetentionMinutes + 60) * 60_000;
  // Offsets age from their commit; those of subscribed topics stay while the group has members.
  assert.ok(!(await purgeExpiredOffsets(coordinator, later)).includes(groupId));
  assert.deepEqual(await fetchCommitted(client, groupId, 'cg-retain', [0]), [3]);
  assert.deepEqual(await fetchCommitted(client, groupId, 'cg-retain-other', [0]), [-1]);
  await m.leave();
  assert.ok((await purgeExpiredOffsets(coordinator, later)).includes(groupId), 'the empty group goes with its last offsets');
  assert.equal((await describeConsumerGroup(client, groupId)).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  assert.deepEqual(await fetchCommitted(client, groupId, 'cg-retain', [0]), [-1]);
});

test('ConsumerGroupHeartbeat: a broker that does not hold the group\'s slot answers NOT_COORDINATOR', async () => {
  await tb.store.createTopic({ name: 'cg-slot', partitions: 1 });
  const m = new RawMember(client, 'cg-slot-group');
  assert.equal((await m.join({ subscribedTopicNames: ['cg-slot'] })).errorCode, 0);
  const other = await startTestBroker({ nodeId: 78 }, { databaseUrl: tb.databaseUrl });
  try {
    const c = await RawClient.connect(other.port);
    const res = await new RawMember(c, 'cg-slot-group').join({ subscribedTopicNames: ['cg-slot'] });
    assert.equal(res.errorCode, ErrorCode.NOT_COORDINATOR);
    c.close();
  } finally {
    await other.stopBroker();
  }
});

test('ConsumerGroupHeartbeat: members that stop heartbeating or do not revoke in time are removed', async () => {
  const short = await startTestBroker({ groupConsumerSessionTimeoutMs: 700, groupConsumerHeartbeatIntervalMs: 100 });
  const c = await RawClient.connect(short.port);
  try {
    const topic = await short.store.createTopic({ name: 'cg-expire', partitions: 4 });
    const groupId = 'cg-expire-group';
    const a = new RawMember(c, groupId, 'expire-a');
    const b = new RawMember(c, groupId, 'expire-b');
    await a.join({ subscribedTopicNames: ['cg-expire'] });
    await a.heartbeat({ ack: true });
    await b.join({ subscribedTopicNames: ['cg-expire'] });
    // a stops; b keeps heartbeating and ends up with everything once a's session is over.
    const started = Date.now();
    await until(async () => {
      await b.heartbeat({ ack: true });
      return flat(b.assignment).length === 4;
    }, 5000, 'a\'s session to expire', 100);
    assert.ok(Date.now() - started >= 500, 'not before the session timeout');
    assert.deepEqual(flat(b.assignment), all(topic));
    assert.equal((await a.heartbeat()).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);

    // The rebalance timeout: c joins; b is asked to revoke half but never reports it.
    const cm = new RawMember(c, groupId, 'expire-c');
    await b.send({ memberEpoch: b.epoch, rebalanceTimeoutMs: 400, topicPartitions: b.owned });
    await cm.join({ subscribedTopicNames: ['cg-expire'] });
    const revoking = await b.heartbeat();
    assert.equal(flat(revoking.assignment?.topicPartitions).length, 2, 'b is asked to give up two partitions');
    await until(async () => {
      const res = await b.heartbeat();
      await cm.heartbeat({ ack: true });
      return res.errorCode === ErrorCode.UNKNOWN_MEMBER_ID;
    }, 5000, 'b to be removed after its rebalance timeout', 100);
    await until(async () => {
      await cm.heartbeat({ ack: true });
      return flat(cm.assignment).length === 4;
    }, 5000, 'c to get every partition');
  } finally {
    c.close();
    await short.stop();
  }
});

test('ConsumerGroupHeartbeat: the group survives a broker restart; members heartbeat on at their epochs', async () => {
  const first = await startTestBroker({ groupConsumerHeartbeatIntervalMs: 100 });
  let second: TestBroker | null = null;
  try {
    let c = await RawClient.connect(first.port);
    const topic = await first.store.createTopic({ name: 'cg-restart', partitions: 4 });
    const groupId = 'cg-restart-group';
    const a = new RawMember(c, groupId, 'restart-a');
    const b = new RawMember(c, groupId, 'restart-b');
    await a.join({ subscribedTopicNames: ['cg-restart'] });
    await b.join({ subscribedTopicNames: ['cg-restart'], instanceId: 'restart-instance' });
    // Stop in the middle of a reconciliation: a is asked to revoke, b waits.
    await a.heartbeat();
    const beforeGroup = await describeConsumerGroup(c, groupId);
    assert.equal(beforeGroup.groupState, 'Reconciling');
    c.close();
    await first.stopBroker();

    second = await startTestBroker({ groupConsumerHeartbeatIntervalMs: 100 }, { databaseUrl: first.databaseUrl });
    c = await RawClient.connect(second.port);
    a.client = c;
    b.client = c;
    const afterGroup = await describeConsumerGroup(c, groupId);
    assert.deepEqual(
      [afterGroup.groupState, afterGroup.groupEpoch, afterGroup.assignmentEpoch, afterGroup.members?.map((m) => [m.memberId, m.memberEpoch, m.instanceId, flat(m.assignment?.topicPartitions)])],
      [beforeGroup.groupState, beforeGroup.groupEpoch, beforeGroup.assignmentEpoch, beforeGroup.members?.map((m) => [m.memberId, m.memberEpoch, m.instanceId, flat(m.assignment?.topicPartitions)])],
    );
    // The reconciliation carries on where it was.
    const hb = await b.heartbeat();
    assert.deepEqual([hb.errorCode, hb.memberEpoch, hb.assignment], [0, 2, null], 'b still waits for a');
    await settle([a, b], groupId);
    assert.deepEqual([...a.holding(), ...b.holding()].sort(), all(topic));
    // A full request (what a client sends after a coordinator change) gets the assignment again.
    const full = await a.send({ memberEpoch: a.epoch, rebalanceTimeoutMs: 30_000, subscribedTopicNames: ['cg-restart'], topicPartitions: a.owned });
    assert.deepEqual([full.errorCode, full.memberEpoch], [0, 2]);
    assert.deepEqual(flat(full.assignment?.topicPartitions), a.holding());
    c.close();
  } finally {
    await second?.stopBroker();
    await first.stop();
  }
});

test('ConsumerGroupHeartbeat: heartbeats pipelined on one connection are answered in order', async () => {
  await tb.store.createTopic({ name: 'cg-pipe', partitions: 2 });
  const m = new RawMember(client, 'cg-pipe-group');
  await m.join({ subscribedTopicNames: ['cg-pipe'] });
  const answers = await Promise.all([1, 2, 3].map(() => consumerHeartbeat(client, { groupId: 'cg-pipe-group', memberId: m.memberId, memberEpoch: m.epoch })));
  assert.deepEqual(answers.map((a) => [a.errorCode, a.memberEpoch]), [[0, 1], [0, 1], [0, 1]]);
  await sleep(10);
});
