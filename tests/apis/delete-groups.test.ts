// DeleteGroups conformance: codec round trip of every version; an empty group is deleted with its offsets; a group
// with members gets NON_EMPTY_GROUP; an unknown one GROUP_ID_NOT_FOUND; answers are per group, in order.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as deleteGroups from '../../apis/delete-groups.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { commit, describe, fetchCommitted, soloMember } from '../helpers/groups.ts';

type Res = deleteGroups.DeleteGroupsResponse;

let tb: TestBroker;
let client: RawClient;
before(async () => {
  tb = await startTestBroker();
  client = await RawClient.connect(tb.port);
  await tb.store.createTopic({ name: 't', partitions: 2 });
});
after(async () => {
  client?.close();
  await tb?.stop();
});

test('DeleteGroups: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(deleteGroups);
});

test('DeleteGroups: empty groups go with their offsets; others are refused, at every version', async () => {
  for (let v = 0; v <= 2; v++) {
    const empty = `empty-v${v}`;
    const busy = `busy-v${v}`;
    assert.deepEqual(await commit(client, empty, 't', { 0: 3, 1: 4 }), [0, 0]);
    await soloMember(client, { groupId: busy });
    const res = await client.request<Res>(deleteGroups, v, { groupsNames: [empty, busy, `missing-v${v}`] });
    assert.deepEqual(res.results?.map((r) => [r.groupId, r.errorCode]), [
      [empty, ErrorCode.NONE],
      [busy, ErrorCode.NON_EMPTY_GROUP],
      [`missing-v${v}`, ErrorCode.GROUP_ID_NOT_FOUND],
    ], `v${v}`);
    assert.equal((await describe(client, empty)).groupState, 'Dead');
    assert.deepEqual(await fetchCommitted(client, empty, 't', [0, 1]), [-1, -1]);
    assert.equal((await describe(client, busy)).groupState, 'Stable');
    // Deleted for good: again is GROUP_ID_NOT_FOUND, and the group can start over.
    const again = await client.request<Res>(deleteGroups, v, { groupsNames: [empty] });
    assert.equal(again.results?.[0].errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
    assert.deepEqual(await commit(client, empty, 't', { 0: 1 }), [0]);
  }
});

test('DeleteGroups: a deleted group stays deleted after a restart', async () => {
  const first = await startTestBroker();
  let second: TestBroker | null = null;
  try {
    await first.store.createTopic({ name: 't', partitions: 1 });
    const c1 = await RawClient.connect(first.port);
    assert.deepEqual(await commit(c1, 'gone', 't', { 0: 1 }), [0]);
    const res = await c1.request<Res>(deleteGroups, 2, { groupsNames: ['gone'] });
    assert.equal(res.results?.[0].errorCode, 0);
    c1.close();
    await first.stopBroker();
    second = await startTestBroker({}, { databaseUrl: first.databaseUrl });
    const c2 = await RawClient.connect(second.port);
    assert.equal((await describe(c2, 'gone')).groupState, 'Dead');
    assert.deepEqual(await fetchCommitted(c2, 'gone', 't', [0]), [-1]);
    c2.close();
  } finally {
    await second?.stopBroker();
    await first.stop();
  }
});
