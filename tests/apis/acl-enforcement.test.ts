// Authorization codes through the raw protocol (what kafkajs hides behind its own errors): a principal with no
// ACLs gets GROUP_AUTHORIZATION_FAILED from FindCoordinator and DeleteGroups, CLUSTER_AUTHORIZATION_FAILED from
// DescribeCluster, TOPIC_AUTHORIZATION_FAILED from CreatePartitions and CreateTopics; Metadata's authorized
// operations are the principal's (READ implies DESCRIBE); the SCRAM user APIs need DESCRIBE / ALTER on the cluster.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as findCoordinator from '../../apis/find-coordinator.ts';
import * as deleteGroups from '../../apis/delete-groups.ts';
import * as describeCluster from '../../apis/describe-cluster.ts';
import * as createPartitions from '../../apis/create-partitions.ts';
import * as createTopics from '../../apis/create-topics.ts';
import * as metadata from '../../apis/metadata.ts';
import * as describeScram from '../../apis/describe-user-scram-credentials.ts';
import * as alterScram from '../../apis/alter-user-scram-credentials.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { AclOperation } from '../../runtime/auth/acl.ts';
import { createAcls } from '../../store/acls.ts';
import { AclAuthorizer } from '../../runtime/auth/authorizer.ts';

let tb: TestBroker;
let client: RawClient;
before(async () => {
  tb = await startTestBroker({ authorizer: 'acl' }, { principalFor: () => 'User:raw' });
  await tb.store.createTopic({ name: 'seen', partitions: 1 });
  await tb.store.createTopic({ name: 'hidden', partitions: 1 });
  await createAcls(tb.store.sql, [{ principal: 'User:raw', host: '*', resourceType: 2, resourceName: 'seen', patternType: 3, operation: AclOperation.READ, permission: 3 }]);
  assert.ok(tb.broker.authorizer instanceof AclAuthorizer);
  await tb.broker.authorizer.reload(); // the NOTIFY would do it too, a moment later
  client = await RawClient.connect(tb.port);
});
after(async () => {
  client?.close();
  await tb?.stop();
});

test('ACL enforcement: group, cluster and topic refusals carry Kafka\'s codes', async () => {
  const fc = await client.request<findCoordinator.FindCoordinatorResponse>(findCoordinator, 3, { key: 'g', keyType: 0, coordinatorKeys: [] });
  assert.equal(fc.errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  const txn = await client.request<findCoordinator.FindCoordinatorResponse>(findCoordinator, 3, { key: 'tx', keyType: 1, coordinatorKeys: [] });
  assert.equal(txn.errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  const dg = await client.request<deleteGroups.DeleteGroupsResponse>(deleteGroups, 2, { groupsNames: ['g'] });
  assert.deepEqual(dg.results?.map((r) => r.errorCode), [ErrorCode.GROUP_AUTHORIZATION_FAILED]);
  const dc = await client.request<describeCluster.DescribeClusterResponse>(describeCluster, 1, { includeClusterAuthorizedOperations: true, endpointType: 1 });
  assert.equal(dc.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  const cp = await client.request<createPartitions.CreatePartitionsResponse>(createPartitions, 3, { topics: [{ name: 'seen', count: 2, assignments: null }], timeoutMs: 1000, validateOnly: false });
  assert.deepEqual(cp.results?.map((r) => r.errorCode), [ErrorCode.TOPIC_AUTHORIZATION_FAILED]);
  const ct = await client.request<createTopics.CreateTopicsResponse>(createTopics, 7, { topics: [{ name: 'new', numPartitions: 1, replicationFactor: -1, assignments: [], configs: [] }], timeoutMs: 1000, validateOnly: false });
  assert.deepEqual(ct.topics?.map((t) => t.errorCode), [ErrorCode.TOPIC_AUTHORIZATION_FAILED]);
});

test('ACL enforcement: Metadata leaves out undescribable topics and reports the principal\'s operations', async () => {
  const all = await client.request<metadata.MetadataResponse>(metadata, 10, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: true, includeTopicAuthorizedOperations: true });
  assert.deepEqual(all.topics?.map((t) => [t.name, t.topicAuthorizedOperations]), [['seen', (1 << AclOperation.READ) | (1 << AclOperation.DESCRIBE)]]);
  assert.equal(all.clusterAuthorizedOperations, 0); // v8-10 carry it
  const named = await client.request<metadata.MetadataResponse>(metadata, 12, { topics: [{ name: 'hidden', topicId: '00000000-0000-0000-0000-000000000000' }], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
  assert.deepEqual(named.topics?.map((t) => t.errorCode), [ErrorCode.TOPIC_AUTHORIZATION_FAILED]);
});

test('ACL enforcement: SCRAM users are described and altered only with DESCRIBE / ALTER on the cluster', async () => {
  const described = await client.request<describeScram.DescribeUserScramCredentialsResponse>(describeScram, 0, { users: null });
  assert.equal(described.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  assert.deepEqual(described.results, []);
  const altered = await client.request<alterScram.AlterUserScramCredentialsResponse>(alterScram, 0, {
    deletions: [{ name: 'alice', mechanism: 1 }],
    upsertions: [{ name: 'bob', mechanism: 1, iterations: 4096, salt: new Uint8Array(16), saltedPassword: new Uint8Array(32) }],
  });
  assert.deepEqual(altered.results?.map((r) => [r.user, r.errorCode]), [['alice', ErrorCode.CLUSTER_AUTHORIZATION_FAILED], ['bob', ErrorCode.CLUSTER_AUTHORIZATION_FAILED]]);
  assert.equal((await tb.store.sql`select 1 from kafka.scram_credentials where user_name = 'bob'`).length, 0, 'nothing written');
});
