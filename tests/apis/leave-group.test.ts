// LeaveGroup conformance: codec round trip of every version; one member leaves at v0-2 (one error code); batch
// leave at v3+ (per-member answers, by member id or by group.instance.id alone); the others rebalance; the last
// one out leaves the group Empty.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as leaveGroup from '../../apis/leave-group.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { describe, heartbeat, join, soloMember } from '../helpers/groups.ts';

type Res = leaveGroup.LeaveGroupResponse;

let tb: TestBroker;
let client: RawClient;
before(async () => {
  // Members joining together land in one generation (the initial delay collects them).
  tb = await startTestBroker({ groupInitialRebalanceDelayMs: 200 });
  client = await RawClient.connect(tb.port);
});
after(async () => {
  client?.close();
  await tb?.stop();
});

test('LeaveGroup: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(leaveGroup);
});

test('LeaveGroup v0-2: one member leaves; the group is empty', async () => {
  for (let v = 0; v <= 2; v++) {
    const groupId = `leave-v${v}`;
    const { memberId } = await soloMember(client, { groupId });
    const res = await client.request<Res>(leaveGroup, v, { groupId, memberId, members: [] });
    assert.equal(res.errorCode, ErrorCode.NONE, `v${v}`);
    assert.equal((await describe(client, groupId)).groupState, 'Empty', `v${v}`);
    const again = await client.request<Res>(leaveGroup, v, { groupId, memberId, members: [] });
    assert.equal(again.errorCode, ErrorCode.UNKNOWN_MEMBER_ID, `v${v}`);
  }
  const none = await client.request<Res>(leaveGroup, 1, { groupId: 'leave-nothing', memberId: 'ghost', members: [] });
  assert.equal(none.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
});

test('LeaveGroup v3-5: batch leave with an answer per member', async () => {
  for (let v = 3; v <= 5; v++) {
    const groupId = `batch-v${v}`;
    const a = await RawClient.connect(tb.port);
    const b = await RawClient.connect(tb.port);
    const c = await RawClient.connect(tb.port);
    const [ja, jb, jc] = await Promise.all([join(a, { groupId }), join(b, { groupId, groupInstanceId: 'static-b' }), join(c, { groupId })]);
    assert.equal(ja.generationId, jc.generationId);
    const res = await a.request<Res>(leaveGroup, v, {
      groupId,
      memberId: '',
      members: [
        { memberId: ja.memberId as string, groupInstanceId: null, reason: 'bye' },
        { memberId: '', groupInstanceId: 'static-b', reason: null },
        { memberId: 'ghost', groupInstanceId: null, reason: null },
      ],
    });
    assert.equal(res.errorCode, ErrorCode.NONE, `v${v}`);
    assert.deepEqual(res.members?.map((m) => [m.memberId, m.groupInstanceId, m.errorCode]), [
      [ja.memberId, null, 0],
      ['', 'static-b', 0],
      ['ghost', null, ErrorCode.UNKNOWN_MEMBER_ID],
    ], `v${v}`);
    // c is the only one left; it is asked to rejoin and becomes leader of the next generation.
    assert.equal(await heartbeat(c, groupId, jc.memberId as string, jc.generationId as number), ErrorCode.REBALANCE_IN_PROGRESS);
    const jc2 = await join(c, { groupId, memberId: jc.memberId });
    assert.deepEqual([jc2.errorCode, jc2.leader, jc2.members?.length], [0, jc.memberId, 1], `v${v}`);
    assert.equal(jb.errorCode, 0);
    a.close();
    b.close();
    c.close();
  }
});

test('LeaveGroup: a fenced static instance cannot leave for its successor', async () => {
  const groupId = 'leave-fenced';
  const first = await soloMember(client, { groupId, groupInstanceId: 'x' });
  const other = await RawClient.connect(tb.port);
  const j = await join(other, { groupId, groupInstanceId: 'x' });
  const res = await client.request<Res>(leaveGroup, 4, { groupId, memberId: '', members: [{ memberId: first.memberId, groupInstanceId: 'x', reason: null }] });
  assert.equal(res.members?.[0].errorCode, ErrorCode.FENCED_INSTANCE_ID);
  assert.equal((await describe(client, groupId)).members?.[0].memberId, j.memberId);
  assert.equal((await client.request<Res>(leaveGroup, 4, { groupId: '', memberId: '', members: [] })).errorCode, ErrorCode.INVALID_GROUP_ID);
  other.close();
});
