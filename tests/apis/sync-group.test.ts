// SyncGroup conformance: codec round trip of every version; the leader's assignments reach every member byte for
// byte (followers that ask first wait for the leader), at every version; a stable group answers at once; fencing
// (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS) and v5's protocol check.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as syncGroup from '../../apis/sync-group.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { describe, join, sync } from '../helpers/groups.ts';

let tb: TestBroker;
before(async () => {
  // Members joining together land in one generation (the initial delay collects them).
  tb = await startTestBroker({ groupInitialRebalanceDelayMs: 200 });
});
after(async () => {
  await tb?.stop();
});

test('SyncGroup: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(syncGroup);
});

/** Two members joined to `groupId` at generation 1 (a first, then b; a leads). */
async function twoMembers(groupId: string) {
  const a = await RawClient.connect(tb.port);
  const b = await RawClient.connect(tb.port);
  const pa = join(a, { groupId });
  const pb = join(b, { groupId });
  const [ja, jb] = await Promise.all([pa, pb]);
  assert.equal(ja.errorCode, 0);
  assert.equal(jb.errorCode, 0);
  assert.equal(ja.generationId, jb.generationId);
  const leader = ja.leader === ja.memberId ? { client: a, id: ja.memberId as string } : { client: b, id: jb.memberId as string };
  const follower = leader.client === a ? { client: b, id: jb.memberId as string } : { client: a, id: ja.memberId as string };
  return { a, b, leader, follower, generationId: ja.generationId as number };
}

test('SyncGroup: the leader\'s assignments reach every member byte for byte, at every version', async () => {
  for (let v = 0; v <= 5; v++) {
    const groupId = `sync-v${v}`;
    const { a, b, leader, follower, generationId } = await twoMembers(groupId);
    const forLeader = new Uint8Array([0, 1, 2, 255, v]);
    const forFollower = new Uint8Array([9, 8, 7, v]);
    const extra = { version: v, protocolType: v >= 5 ? 'consumer' : null, protocolName: v >= 5 ? 'range' : null };
    // The follower asks first and waits for the leader.
    const pf = sync(follower.client, groupId, follower.id, generationId, [], extra);
    await new Promise((r) => setTimeout(r, 30));
    const sl = await sync(leader.client, groupId, leader.id, generationId, [{ memberId: leader.id, assignment: forLeader }, { memberId: follower.id, assignment: forFollower }], extra);
    const sf = await pf;
    assert.equal(sl.errorCode, 0, `v${v}`);
    assert.equal(sf.errorCode, 0, `v${v}`);
    assert.deepEqual(sl.assignment, forLeader, `v${v}`);
    assert.deepEqual(sf.assignment, forFollower, `v${v}`);
    if (v >= 5) {
      assert.equal(sf.protocolType, 'consumer');
      assert.equal(sf.protocolName, 'range');
    }
    // Stable now: a repeated SyncGroup answers at once with the same assignment.
    const again = await sync(follower.client, groupId, follower.id, generationId, [], extra);
    assert.deepEqual([again.errorCode, again.assignment], [0, forFollower], `v${v}`);
    assert.equal((await describe(a, groupId)).groupState, 'Stable');
    a.close();
    b.close();
  }
});

test('SyncGroup: a member the leader leaves out gets an empty assignment', async () => {
  const groupId = 'sync-missing';
  const { a, b, leader, follower, generationId } = await twoMembers(groupId);
  const pf = sync(follower.client, groupId, follower.id, generationId);
  const sl = await sync(leader.client, groupId, leader.id, generationId, [{ memberId: leader.id, assignment: new Uint8Array([1]) }]);
  assert.equal(sl.errorCode, 0);
  const sf = await pf;
  assert.deepEqual([sf.errorCode, sf.assignment?.length], [0, 0]);
  a.close();
  b.close();
});

test('SyncGroup: fencing and bad input', async () => {
  const groupId = 'sync-fencing';
  const { a, b, leader, follower, generationId } = await twoMembers(groupId);
  assert.equal((await sync(a, groupId, leader.id, generationId + 1)).errorCode, ErrorCode.ILLEGAL_GENERATION);
  assert.equal((await sync(a, groupId, 'ghost', generationId)).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal((await sync(a, 'no-such-group', 'ghost', 1)).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal((await sync(a, '', 'ghost', 1)).errorCode, ErrorCode.INVALID_GROUP_ID);
  assert.equal((await sync(a, groupId, leader.id, generationId, [], { protocolName: 'roundrobin' })).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  assert.equal((await sync(a, groupId, leader.id, generationId, [], { protocolType: 'connect' })).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  // A follower waiting in SyncGroup is told to rejoin when a new member starts a rebalance.
  const pf = sync(follower.client, groupId, follower.id, generationId);
  await new Promise((r) => setTimeout(r, 30));
  const c = await RawClient.connect(tb.port);
  const pc = join(c, { groupId });
  assert.equal((await pf).errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
  assert.equal((await sync(leader.client, groupId, leader.id, generationId)).errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
  // Everyone rejoins; generation 2.
  const [ja, jb, jc] = await Promise.all([join(leader.client, { groupId, memberId: leader.id }), join(follower.client, { groupId, memberId: follower.id }), pc]);
  assert.deepEqual([ja.generationId, jb.generationId, jc.generationId], [2, 2, 2]);
  a.close();
  b.close();
  c.close();
});
