// OffsetDelete conformance: codec round trip; an empty group's offsets are deleted; a stable consumer group keeps
// the offsets of topics it subscribes to (GROUP_SUBSCRIBED_TO_TOPIC) and loses the others; unknown group
// GROUP_ID_NOT_FOUND; unknown topic or partition UNKNOWN_TOPIC_OR_PARTITION; a non-consumer group with members
// NON_EMPTY_GROUP.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as offsetDelete from '../../apis/offset-delete.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { commit, fetchCommitted, soloMember, subscription } from '../helpers/groups.ts';

type Res = offsetDelete.OffsetDeleteResponse;

let tb: TestBroker;
let client: RawClient;
before(async () => {
  tb = await startTestBroker();
  client = await RawClient.connect(tb.port);
  await tb.store.createTopic({ name: 'sub', partitions: 2 });
  await tb.store.createTopic({ name: 'unsub', partitions: 1 });
});
after(async () => {
  client?.close();
  await tb?.stop();
});

const request = (groupId: string, topics: [string, number[]][]) => ({
  groupId,
  topics: topics.map(([name, ps]) => ({ name, partitions: ps.map((partitionIndex) => ({ partitionIndex })) })),
});

test('OffsetDelete: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(offsetDelete);
});

test('OffsetDelete: an empty group\'s offsets', async () => {
  assert.deepEqual(await commit(client, 'empty', 'sub', { 0: 1, 1: 2 }), [0, 0]);
  const res = await client.request<Res>(offsetDelete, 0, request('empty', [['sub', [0]], ['nope', [0]], ['sub', [9]]]));
  assert.equal(res.errorCode, 0);
  assert.deepEqual(res.topics?.map((t) => [t.name, t.partitions?.map((p) => [p.partitionIndex, p.errorCode])]), [
    ['sub', [[0, 0]]],
    ['nope', [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
    ['sub', [[9, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
  ]);
  assert.deepEqual(await fetchCommitted(client, 'empty', 'sub', [0, 1]), [-1, 2]);
  const missing = await client.request<Res>(offsetDelete, 0, request('missing', [['sub', [0]]]));
  assert.equal(missing.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
});

test('OffsetDelete: a stable consumer group keeps the offsets of its subscribed topics', async () => {
  const groupId = 'consuming';
  const { memberId, generationId } = await soloMember(client, { groupId, protocols: [{ name: 'range', metadata: subscription(['sub']) }] });
  assert.deepEqual(await commit(client, groupId, 'sub', { 0: 5 }, { memberId, generationId }), [0]);
  assert.deepEqual(await commit(client, groupId, 'unsub', { 0: 6 }, { memberId, generationId }), [0]);
  const res = await client.request<Res>(offsetDelete, 0, request(groupId, [['sub', [0]], ['unsub', [0]]]));
  assert.equal(res.errorCode, 0);
  assert.deepEqual(res.topics?.map((t) => [t.name, t.partitions?.[0].errorCode]), [['sub', ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC], ['unsub', 0]]);
  assert.deepEqual(await fetchCommitted(client, groupId, 'sub', [0]), [5]);
  assert.deepEqual(await fetchCommitted(client, groupId, 'unsub', [0]), [-1]);
});

test('OffsetDelete: a non-consumer group with members is refused', async () => {
  await soloMember(client, { groupId: 'connect', protocolType: 'connect' });
  const res = await client.request<Res>(offsetDelete, 0, request('connect', [['sub', [0]]]));
  assert.deepEqual([res.errorCode, res.topics], [ErrorCode.NON_EMPTY_GROUP, []]);
});
