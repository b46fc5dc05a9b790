// DescribeGroups conformance: codec round trip of every version; a group that does not exist is Dead without an
// error; a stable group shows its protocol and each member's id, instance id, client id, host, metadata and
// assignment (only metadata-free member entries while rebalancing); v3 authorized operations on request.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as describeGroups from '../../apis/describe-groups.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { join, soloMember, subscription } from '../helpers/groups.ts';

type Res = describeGroups.DescribeGroupsResponse;

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

test('DescribeGroups: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(describeGroups);
});

test('DescribeGroups: groups at every version, unknown ones Dead', async () => {
  const metadata = subscription(['x', 'y']);
  const { memberId } = await soloMember(client, { groupId: 'described', groupInstanceId: 'inst', protocols: [{ name: 'roundrobin', metadata }] }, new Uint8Array([4, 2]));
  for (let v = 0; v <= 5; v++) {
    const res = await client.request<Res>(describeGroups, v, { groups: ['described', 'unknown'], includeAuthorizedOperations: true });
    const [g, unknown] = res.groups ?? [];
    assert.deepEqual([g.errorCode, g.groupId, g.groupState, g.protocolType, g.protocolData], [0, 'described', 'Stable', 'consumer', 'roundrobin'], `v${v}`);
    assert.deepEqual(g.members?.map((m) => [m.memberId, m.groupInstanceId, m.clientId, m.clientHost, m.memberMetadata, m.memberAssignment]), [
      [memberId, v >= 4 ? 'inst' : null, 'raw-test', '/127.0.0.1', metadata, new Uint8Array([4, 2])],
    ], `v${v}`);
    assert.equal(g.authorizedOperations, v >= 3 ? 328 : -2147483648, `v${v}`);
    assert.deepEqual([unknown.errorCode, unknown.groupId, unknown.groupState, unknown.members], [0, 'unknown', 'Dead', []], `v${v}`);
  }
  const noOps = await client.request<Res>(describeGroups, 5, { groups: ['described'], includeAuthorizedOperations: false });
  assert.equal(noOps.groups?.[0].authorizedOperations, -2147483648);
});

test('DescribeGroups: while rebalancing, members without metadata', async () => {
  const { memberId } = await soloMember(client, { groupId: 'rebalancing' });
  const other = await RawClient.connect(tb.port);
  const pending = join(other, { groupId: 'rebalancing' });
  await new Promise((r) => setTimeout(r, 30));
  const res = await client.request<Res>(describeGroups, 5, { groups: ['rebalancing'], includeAuthorizedOperations: false });
  const g = res.groups?.[0];
  assert.equal(g?.groupState, 'PreparingRebalance');
  assert.equal(g?.protocolData, '');
  assert.equal(g?.members?.length, 2);
  assert.ok(g?.members?.every((m) => m.memberMetadata?.length === 0 && m.memberAssignment?.length === 0));
  assert.ok(g?.members?.some((m) => m.memberId === memberId));
  await join(client, { groupId: 'rebalancing', memberId });
  await pending;
  other.close();
});
