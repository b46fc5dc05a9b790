// JoinGroup conformance: codec round trip of every version; a member joins at every version (MEMBER_ID_REQUIRED
// from v4); the protocol is chosen across all members and the leader gets everyone's metadata; a stable group
// rebalances when a member joins; static members come back without a rebalance; bad input (group id, session
// timeout, unknown member, inconsistent protocol); sessions expire; a broker that does not hold the group's slot
// answers NOT_COORDINATOR; two members pipelined on one connection do not block each other.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as joinGroup from '../../apis/join-group.ts';
import * as findCoordinator from '../../apis/find-coordinator.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { describe, heartbeat, join, joinRequest, soloMember, subscription, sync, type JoinResponse } from '../helpers/groups.ts';

let tb: TestBroker;
let client: RawClient;
before(async () => {
  tb = await startTestBroker({ groupMinSessionTimeoutMs: 200 });
  client = await RawClient.connect(tb.port);
});
after(async () => {
  client?.close();
  await tb?.stop();
});

const enc = new TextEncoder();

test('JoinGroup: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(joinGroup);
});

test('JoinGroup: a single member becomes leader of generation 1 at every version', async () => {
  for (let v = 0; v <= 9; v++) {
    const groupId = `solo-v${v}`;
    const metadata = enc.encode(`meta-${v}`);
    const first = await client.request<JoinResponse>(joinGroup, v, joinRequest({ groupId, protocols: [{ name: 'range', metadata }] }));
    let res = first;
    if (v >= 4) {
      assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED, `v${v}`);
      assert.match(first.memberId ?? '', /^raw-test-[0-9a-f-]{36}$/, `v${v}: member id from client id`);
      res = await client.request<JoinResponse>(joinGroup, v, joinRequest({ groupId, memberId: first.memberId, protocols: [{ name: 'range', metadata }] }));
    }
    assert.equal(res.errorCode, ErrorCode.NONE, `v${v}`);
    assert.equal(res.generationId, 1, `v${v}`);
    assert.equal(res.protocolName, 'range', `v${v}`);
    assert.equal(res.leader, res.memberId, `v${v}`);
    assert.equal(res.protocolType, v >= 7 ? 'consumer' : null, `v${v}`);
    assert.equal(res.members?.length, 1, `v${v}`);
    assert.deepEqual(res.members?.[0].metadata, metadata, `v${v}: metadata relayed byte for byte`);
    if (v >= 4) assert.equal(res.memberId, first.memberId, `v${v}`);
  }
});

test('JoinGroup: the protocol is chosen across all members; the leader gets every member', async () => {
  const a = await RawClient.connect(tb.port);
  const b = await RawClient.connect(tb.port);
  const groupId = 'two-members';
  const pa = join(a, { groupId, protocols: [{ name: 'range', metadata: enc.encode('a-range') }, { name: 'roundrobin', metadata: enc.encode('a-rr') }] });
  // Let the first join open the group before the second arrives (initial delay is 0 in tests).
  const ja = await pa;
  assert.equal(ja.errorCode, 0);
  assert.equal(ja.generationId, 1);
  // A second member that only speaks roundrobin: the stable group rebalances.
  const pb = join(b, { groupId, protocols: [{ name: 'roundrobin', metadata: enc.encode('b-rr') }] });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(await heartbeat(a, groupId, ja.memberId as string, 1), ErrorCode.REBALANCE_IN_PROGRESS);
  const ja2 = await join(a, { groupId, memberId: ja.memberId, protocols: [{ name: 'range', metadata: enc.encode('a-range') }, { name: 'roundrobin', metadata: enc.encode('a-rr') }] });
  const jb = await pb;
  assert.equal(ja2.errorCode, 0);
  assert.equal(jb.errorCode, 0);
  assert.equal(ja2.generationId, 2);
  assert.equal(jb.generationId, 2);
  assert.equal(ja2.protocolName, 'roundrobin');
  assert.equal(jb.protocolName, 'roundrobin');
  assert.equal(ja2.leader, ja.memberId, 'the leader stays');
  assert.equal(jb.leader, ja.memberId);
  const members = new Map((ja2.members ?? []).map((m) => [m.memberId, new TextDecoder().decode(m.metadata)]));
  assert.deepEqual(members, new Map([[ja.memberId, 'a-rr'], [jb.memberId, 'b-rr']]), 'the leader sees the chosen protocol\'s metadata');
  assert.deepEqual(jb.members, [], 'followers get no member list');
  a.close();
  b.close();
});

test('JoinGroup: bad input', async () => {
  const invalidGroup = await client.request<JoinResponse>(joinGroup, 5, joinRequest({ groupId: '' }));
  assert.equal(invalidGroup.errorCode, ErrorCode.INVALID_GROUP_ID);
  const tooShort = await client.request<JoinResponse>(joinGroup, 5, joinRequest({ groupId: 'bad-timeout', sessionTimeoutMs: 100 }));
  assert.equal(tooShort.errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
  const tooLong = await client.request<JoinResponse>(joinGroup, 5, joinRequest({ groupId: 'bad-timeout', sessionTimeoutMs: 1_800_001 }));
  assert.equal(tooLong.errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
  const unknownMember = await client.request<JoinResponse>(joinGroup, 5, joinRequest({ groupId: 'no-such-group', memberId: 'ghost' }));
  assert.equal(unknownMember.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  const noProtocols = await client.request<JoinResponse>(joinGroup, 3, joinRequest({ groupId: 'no-protocols', protocols: [] }));
  assert.equal(noProtocols.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  assert.equal((await describe(client, 'no-protocols')).groupState, 'Dead', 'a failed join leaves no group behind');

  await soloMember(client, { groupId: 'protocol-check' });
  const otherType = await join(client, { groupId: 'protocol-check', protocolType: 'connect' });
  assert.equal(otherType.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  const noCommon = await join(client, { groupId: 'protocol-check', protocols: [{ name: 'sticky', metadata: subscription(['t']) }] });
  assert.equal(noCommon.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  const unknownInGroup = await client.request<JoinResponse>(joinGroup, 5, joinRequest({ groupId: 'protocol-check', memberId: 'ghost' }));
  assert.equal(unknownInGroup.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
});

test('JoinGroup: a static member that restarts gets its assignment back without a rebalance', async () => {
  const groupId = 'static-group';
  const a = await RawClient.connect(tb.port);
  const first = await soloMember(a, { groupId, groupInstanceId: 'instance-1' }, new Uint8Array([7, 7, 7]));
  // "Restart": a new connection, an empty member id, the same instance id.
  const b = await RawClient.connect(tb.port);
  const again = await join(b, { groupId, groupInstanceId: 'instance-1' });
  assert.equal(again.errorCode, 0);
  assert.equal(again.generationId, first.generationId, 'no new generation');
  assert.notEqual(again.memberId, first.memberId, 'a new member id');
  assert.equal(again.skipAssignment, true, 'v9: the returning leader skips the assignment');
  const s = await sync(b, groupId, again.memberId as string, first.generationId, [], { groupInstanceId: 'instance-1' });
  assert.equal(s.errorCode, 0);
  assert.deepEqual(s.assignment, new Uint8Array([7, 7, 7]), 'the old assignment');
  assert.equal((await describe(b, groupId)).groupState, 'Stable');
  // The old instance is fenced.
  assert.equal(await heartbeat(a, groupId, first.memberId, first.generationId, 'instance-1'), ErrorCode.FENCED_INSTANCE_ID);
  assert.equal(await heartbeat(b, groupId, again.memberId as string, first.generationId, 'instance-1'), ErrorCode.NONE);
  // Before v9 the old leader id comes back, so the restarted leader does not assign.
  const c = await RawClient.connect(tb.port);
  const v8 = await join(c, { groupId, groupInstanceId: 'instance-1', version: 8 });
  assert.equal(v8.errorCode, 0);
  assert.equal(v8.leader, again.memberId);
  assert.notEqual(v8.leader, v8.memberId);
  assert.equal(v8.skipAssignment, false);
  a.close();
  b.close();
  c.close();
});

test('JoinGroup: a member that stops heartbeating is removed after its session timeout', async () => {
  const groupId = 'expiring';
  const a = await RawClient.connect(tb.port);
  const b = await RawClient.connect(tb.port);
  const ja = await join(a, { groupId, sessionTimeoutMs: 400 });
  await sync(a, groupId, ja.memberId as string, 1, [{ memberId: ja.memberId as string, assignment: new Uint8Array([1]) }]);
  // b joins; a rejoins; both sync; then only b keeps heartbeating.
  const pb = join(b, { groupId, sessionTimeoutMs: 400 });
  await new Promise((r) => setTimeout(r, 30));
  const ja2 = await join(a, { groupId, memberId: ja.memberId, sessionTimeoutMs: 400 });
  const jb = await pb;
  assert.equal(ja2.generationId, 2);
  await Promise.all([
    sync(a, groupId, ja.memberId as string, 2, [{ memberId: ja.memberId as string, assignment: new Uint8Array([1]) }, { memberId: jb.memberId as string, assignment: new Uint8Array([2]) }]),
    sync(b, groupId, jb.memberId as string, 2),
  ]);
  let code: number = ErrorCode.NONE;
  const deadline = Date.now() + 3000;
  while (code === ErrorCode.NONE && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    code = await heartbeat(b, groupId, jb.memberId as string, 2);
  }
  assert.equal(code, ErrorCode.REBALANCE_IN_PROGRESS, 'a expired: b is asked to rejoin');
  const jb2 = await join(b, { groupId, memberId: jb.memberId, sessionTimeoutMs: 400 });
  assert.equal(jb2.generationId, 3);
  assert.equal(jb2.leader, jb.memberId, 'b leads now');
  assert.deepEqual(jb2.members?.map((m) => m.memberId), [jb.memberId]);
  a.close();
  b.close();
});

test('JoinGroup: two members pipelined on one connection complete the rebalance', async () => {
  const groupId = 'pipelined';
  const c = await RawClient.connect(tb.port);
  const ja = await join(c, { groupId });
  await sync(c, groupId, ja.memberId as string, 1, [{ memberId: ja.memberId as string, assignment: new Uint8Array([1]) }]);
  // A second member id (v3: no MEMBER_ID_REQUIRED round) joins: the group waits for the first to rejoin, which
  // it does on the same connection, before the first join is answered.
  const pb = c.request<JoinResponse>(joinGroup, 3, joinRequest({ groupId }));
  const pa = c.request<JoinResponse>(joinGroup, 3, joinRequest({ groupId, memberId: ja.memberId }));
  const [jb, ja2] = await Promise.all([pb, pa]);
  assert.equal(jb.errorCode, 0);
  assert.equal(ja2.errorCode, 0);
  assert.equal(jb.generationId, 2);
  assert.equal(ja2.generationId, 2);
  c.close();
});

test('JoinGroup: a broker that does not hold the group\'s slot answers NOT_COORDINATOR', async () => {
  const other = await startTestBroker({ nodeId: 77 }, { databaseUrl: tb.databaseUrl });
  try {
    const c = await RawClient.connect(other.port);
    const find = await c.request<findCoordinator.FindCoordinatorResponse>(findCoordinator, 3, { key: 'solo-v0', keyType: 0, coordinatorKeys: [] });
    assert.deepEqual([find.errorCode, find.nodeId, find.port], [0, tb.config.nodeId, tb.port]);
    const res = await c.request<JoinResponse>(joinGroup, 9, joinRequest({ groupId: 'solo-v0' }));
    assert.equal(res.errorCode, ErrorCode.NOT_COORDINATOR);
    c.close();
  } finally {
    await other.stopBroker();
  }
});
