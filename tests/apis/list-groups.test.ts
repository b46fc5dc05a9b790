// ListGroups conformance: codec round trip of every version; the groups this broker coordinates with their
// protocol type at every version; v4 state filter (case-insensitive) and state; v5 type filter and type.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as listGroups from '../../apis/list-groups.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { commit, soloMember } from '../helpers/groups.ts';

type Res = listGroups.ListGroupsResponse;

let tb: TestBroker;
let client: RawClient;
before(async () => {
  tb = await startTestBroker();
  client = await RawClient.connect(tb.port);
  await tb.store.createTopic({ name: 't', partitions: 1 });
  await soloMember(client, { groupId: 'stable-one' });
  await soloMember(client, { groupId: 'connect-one', protocolType: 'connect' });
  assert.deepEqual(await commit(client, 'simple-one', 't', { 0: 1 }), [0]);
});
after(async () => {
  client?.close();
  await tb?.stop();
});

test('ListGroups: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(listGroups);
});

test('ListGroups: every group with its protocol type, at every version', async () => {
  for (let v = 0; v <= 5; v++) {
    const res = await client.request<Res>(listGroups, v, { statesFilter: [], typesFilter: [] });
    assert.equal(res.errorCode, 0);
    assert.deepEqual(res.groups?.map((g) => [g.groupId, g.protocolType, g.groupState, g.groupType]), [
      ['connect-one', 'connect', v >= 4 ? 'Stable' : '', v >= 5 ? 'classic' : ''],
      ['simple-one', '', v >= 4 ? 'Empty' : '', v >= 5 ? 'classic' : ''],
      ['stable-one', 'consumer', v >= 4 ? 'Stable' : '', v >= 5 ? 'classic' : ''],
    ], `v${v}`);
  }
});

test('ListGroups v4-5: state and type filters', async () => {
  const empty = await client.request<Res>(listGroups, 4, { statesFilter: ['empty'], typesFilter: [] });
  assert.deepEqual(empty.groups?.map((g) => g.groupId), ['simple-one']);
  const some = await client.request<Res>(listGroups, 5, { statesFilter: ['Stable', 'PreparingRebalance'], typesFilter: ['Classic'] });
  assert.deepEqual(some.groups?.map((g) => g.groupId), ['connect-one', 'stable-one']);
  const consumerType = await client.request<Res>(listGroups, 5, { statesFilter: [], typesFilter: ['consumer'] });
  assert.deepEqual(consumerType.groups, []);
  const dead = await client.request<Res>(listGroups, 4, { statesFilter: ['Dead'], typesFilter: [] });
  assert.deepEqual(dead.groups, []);
});

test('ListGroups: groups are listed again after a broker restart', async () => {
  const first = await startTestBroker();
  let second: TestBroker | null = null;
  try {
    const c1 = await RawClient.connect(first.port);
    await soloMember(c1, { groupId: 'survivor' });
    c1.close();
    await first.stopBroker();
    second = await startTestBroker({}, { databaseUrl: first.databaseUrl });
    const c2 = await RawClient.connect(second.port);
    const res = await c2.request<Res>(listGroups, 4, { statesFilter: [], typesFilter: [] });
    assert.deepEqual(res.groups?.map((g) => [g.groupId, g.groupState]), [['survivor', 'Stable']]);
    c2.close();
  } finally {
    await second?.stopBroker();
    await first.stop();
  }
});
