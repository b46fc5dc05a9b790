// Heartbeat conformance: codec round trip of every version; a stable member heartbeats at every version; the
// answers that steer a client: REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID,
// INVALID_GROUP_ID.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as heartbeatApi from '../../apis/heartbeat.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { heartbeat, join, soloMember } from '../helpers/groups.ts';
import { until } from '../helpers/eventually.ts';

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

test('Heartbeat: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(heartbeatApi);
});

test('Heartbeat: a stable member heartbeats at every version', async () => {
  const { memberId, generationId } = await soloMember(client, { groupId: 'hb-stable' });
  for (let v = 0; v <= 4; v++) assert.equal(await heartbeat(client, 'hb-stable', memberId, generationId, null, v), ErrorCode.NONE, `v${v}`);
});

test('Heartbeat: fencing answers', async () => {
  const { memberId, generationId } = await soloMember(client, { groupId: 'hb-fencing' });
  assert.equal(await heartbeat(client, 'hb-fencing', memberId, generationId + 1), ErrorCode.ILLEGAL_GENERATION);
  assert.equal(await heartbeat(client, 'hb-fencing', memberId, generationId - 1), ErrorCode.ILLEGAL_GENERATION);
  assert.equal(await heartbeat(client, 'hb-fencing', 'ghost', generationId), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(await heartbeat(client, 'hb-no-group', 'ghost', 1), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(await heartbeat(client, '', 'ghost', 1), ErrorCode.INVALID_GROUP_ID);
  // A second member joining starts a rebalance.
  const other = await RawClient.connect(tb.port);
  const pending = join(other, { groupId: 'hb-fencing' });
  // Until the join has reached the coordinator the member is still stable (NONE); then it is told to rejoin.
  let answer: number = ErrorCode.NONE;
  await until(async () => (answer = await heartbeat(client, 'hb-fencing', memberId, generationId)) !== ErrorCode.NONE, 10_000, 'the join to start a rebalance');
  assert.equal(answer, ErrorCode.REBALANCE_IN_PROGRESS);
  await join(client, { groupId: 'hb-fencing', memberId });
  await pending;
  other.close();
});

test('Heartbeat: a replaced static instance is fenced', async () => {
  const first = await soloMember(client, { groupId: 'hb-static', groupInstanceId: 'i-1' });
  const second = await RawClient.connect(tb.port);
  const j = await join(second, { groupId: 'hb-static', groupInstanceId: 'i-1' });
  assert.equal(j.errorCode, 0);
  assert.equal(await heartbeat(client, 'hb-static', first.memberId, first.generationId, 'i-1'), ErrorCode.FENCED_INSTANCE_ID);
  assert.equal(await heartbeat(second, 'hb-static', j.memberId as string, first.generationId, 'i-1'), ErrorCode.NONE);
  assert.equal(await heartbeat(second, 'hb-static', j.memberId as string, first.generationId, 'i-unknown'), ErrorCode.UNKNOWN_MEMBER_ID);
  second.close();
});
