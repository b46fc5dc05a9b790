// ConsumerGroupDescribe conformance: codec round trip; a KIP-848 group with its epochs, assignor, state and members
// (subscriptions, assignments and target assignments with topic names) while it reconciles and once it is stable;
// GROUP_ID_NOT_FOUND for unknown groups and classic groups, INVALID_GROUP_ID for an empty id; authorized operations
// on request.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as consumerGroupDescribe from '../../apis/consumer-group-describe.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { soloMember } from '../helpers/groups.ts';
import { describeConsumerGroup, flat, RawMember } from '../helpers/consumer-groups.ts';

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

test('ConsumerGroupDescribe: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(consumerGroupDescribe);
});

test('ConsumerGroupDescribe: members, epochs and assignments while the group reconciles and once it is stable', async () => {
  const topic = await tb.store.createTopic({ name: 'cgd-topic', partitions: 4 });
  const groupId = 'cgd-group';
  const a = new RawMember(client, groupId, 'describe-a');
  const b = new RawMember(client, groupId, 'describe-b');
  await a.join({ subscribedTopicNames: ['cgd-topic'], instanceId: 'describe-instance', rackId: 'rack-1' });
  await a.heartbeat({ ack: true });
  let g = await describeConsumerGroup(client, groupId);
  assert.deepEqual(
    [g.errorCode, g.errorMessage, g.groupId, g.groupState, g.groupEpoch, g.assignmentEpoch, g.assignorName],
    [0, null, groupId, 'Stable', 1, 1, 'uniform'],
  );
  assert.equal(g.members?.length, 1);
  const m = g.members![0];
  assert.deepEqual(
    [m.memberId, m.instanceId, m.rackId, m.memberEpoch, m.clientId, m.clientHost, m.subscribedTopicNames, m.subscribedTopicRegex],
    ['describe-a', 'describe-instance', 'rack-1', 1, 'raw-test', '/127.0.0.1', ['cgd-topic'], null],
  );
  assert.deepEqual(m.assignment?.topicPartitions, [{ topicId: topic.topicId, topicName: 'cgd-topic', partitions: [0, 1, 2, 3] }]);
  assert.deepEqual(m.targetAssignment?.topicPartitions, m.assignment?.topicPartitions);

  // b joins: a's target shrinks before its assignment does.
  await b.join({ subscribedTopicNames: ['cgd-topic'], serverAssignor: 'range' });
  g = await describeConsumerGroup(client, groupId);
  assert.deepEqual([g.groupState, g.groupEpoch, g.assignmentEpoch, g.assignorName], ['Reconciling', 2, 2, 'range'], 'the assignor members ask for (Kafka: the most asked for)');
  const byId = new Map(g.members?.map((x) => [x.memberId, x]));
  assert.equal(flat(byId.get('describe-a')?.assignment?.topicPartitions).length, 4, 'a still has everything');
  assert.equal(flat(byId.get('describe-a')?.targetAssignment?.topicPartitions).length, 2);
  assert.equal(flat(byId.get('describe-b')?.assignment?.topicPartitions).length, 0, 'b waits');
  assert.equal(flat(byId.get('describe-b')?.targetAssignment?.topicPartitions).length, 2);
  assert.equal(byId.get('describe-b')?.memberEpoch, 2);

  for (let i = 0; i < 3; i++) {
    await a.heartbeat({ ack: true });
    await b.heartbeat({ ack: true });
  }
  g = await describeConsumerGroup(client, groupId);
  assert.equal(g.groupState, 'Stable');
  for (const x of g.members ?? []) {
    assert.equal(x.memberEpoch, 2);
    assert.deepEqual(x.assignment, x.targetAssignment);
    assert.equal(flat(x.assignment?.topicPartitions).length, 2);
  }
});

test('ConsumerGroupDescribe: unknown and classic groups are GROUP_ID_NOT_FOUND, an empty id INVALID_GROUP_ID', async () => {
  await soloMember(client, { groupId: 'cgd-classic' });
  const res = await client.request<consumerGroupDescribe.ConsumerGroupDescribeResponse>(consumerGroupDescribe, 0, {
    groupIds: ['cgd-none', 'cgd-classic', ''],
    includeAuthorizedOperations: true,
  });
  assert.deepEqual(res.groups?.map((g) => [g.groupId, g.errorCode, g.errorMessage, g.authorizedOperations]), [
    ['cgd-none', ErrorCode.GROUP_ID_NOT_FOUND, 'Group cgd-none not found.', -2147483648],
    ['cgd-classic', ErrorCode.GROUP_ID_NOT_FOUND, 'Group cgd-classic is not a consumer group.', -2147483648],
    ['', ErrorCode.INVALID_GROUP_ID, "GroupId can't be empty.", -2147483648],
  ]);
});

test('ConsumerGroupDescribe: authorized operations on request', async () => {
  await tb.store.createTopic({ name: 'cgd-ops', partitions: 1 });
  await new RawMember(client, 'cgd-ops-group').join({ subscribedTopicNames: ['cgd-ops'] });
  const ask = async (include: boolean) => {
    const res = await client.request<consumerGroupDescribe.ConsumerGroupDescribeResponse>(consumerGroupDescribe, 0, { groupIds: ['cgd-ops-group'], includeAuthorizedOperations: include });
    return res.groups?.[0]?.authorizedOperations;
  };
  assert.equal(await ask(false), -2147483648);
  // READ (3), DELETE (6), DESCRIBE (8).
  assert.equal(await ask(true), (1 << 3) | (1 << 6) | (1 << 8));
});
