// Answers while PostgreSQL is unreachable (runtime/unavailable.ts): every API that has one builds a well-formed
// response at every version it serves (none closes its connection), with the retriable code its kind of API gets
// (partition, coordinator, controller or log dir), and Produce with acks=0 stays silent.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as alterConfigs from '../../apis/alter-configs.ts';
import * as consumerGroupDescribe from '../../apis/consumer-group-describe.ts';
import * as createAcls from '../../apis/create-acls.ts';
import * as describeClientQuotas from '../../apis/describe-client-quotas.ts';
import * as describeConfigs from '../../apis/describe-configs.ts';
import * as describeLogDirs from '../../apis/describe-log-dirs.ts';
import * as describeProducers from '../../apis/describe-producers.ts';
import * as describeTopicPartitions from '../../apis/describe-topic-partitions.ts';
import * as describeTransactions from '../../apis/describe-transactions.ts';
import * as listOffsets from '../../apis/list-offsets.ts';
import * as offsetForLeaderEpoch from '../../apis/offset-for-leader-epoch.ts';
import * as offsetCommit from '../../apis/offset-commit.ts';
import * as produce from '../../apis/produce.ts';
import * as saslAuthenticate from '../../apis/sasl-authenticate.ts';
import { toBytes } from '../../codec/api-codec.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { Reader } from '../../codec/reader.ts';
import type { RequestContext } from '../../runtime/context.ts';
import { noResponse } from '../../runtime/context.ts';
import { loadRegistry, type ApiModule } from '../../runtime/registry.ts';
import { unavailableResponse } from '../../runtime/unavailable.ts';

const self = { nodeId: 1, host: '127.0.0.1', port: 9092, rack: null };
const ctxAt = (apiVersion: number) =>
  ({ apiVersion, broker: { clusterId: 'cluster', store: { logDir: 'postgresql://db:5432/kafka' }, cluster: { brokers: () => [self], controllerId: () => 1 } } }) as unknown as RequestContext;

function roundTrip(mod: ApiModule, version: number, answer: unknown): Record<string, unknown> {
  const r = new Reader(toBytes((w) => mod.encodeResponse(version, w, answer)));
  const decoded = mod.decodeResponse(version, r) as Record<string, unknown>;
  assert.equal(r.remaining, 0, `${mod.schema.name} v${version}: nothing left over`);
  return decoded;
}

test('every API with an answer for an unreachable database builds a well-formed response at every version', async () => {
  const registry = await loadRegistry();
  const without: string[] = [];
  for (const schema of registry.list()) {
    const mod = registry.get(schema.apiKey) as ApiModule;
    for (let v = schema.minVersion; v <= schema.maxVersion; v++) {
      const request = mod.decodeRequest(v, new Reader(toBytes((w) => mod.encodeRequest(v, w, {}))));
      const answer = unavailableResponse(mod, request, ctxAt(v), v);
      if (answer === null) {
        if (!without.includes(schema.name)) without.push(schema.name);
        continue;
      }
      if (answer !== noResponse) roundTrip(mod, v, answer);
    }
  }
  // Every API answers; none closes its connection. (SaslHandshake never reads the database; SaslAuthenticate reads
  // credentials and answers REQUEST_TIMED_OUT, checked below.)
  assert.deepEqual(without, []);
});

test('partition APIs answer NOT_LEADER_OR_FOLLOWER per partition, coordinator APIs COORDINATOR_NOT_AVAILABLE', () => {
  const produced = produce.decodeRequest(9, new Reader(toBytes((w) => produce.encodeRequest(9, w, {
    transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: 't', partitionData: [{ index: 0, records: null }, { index: 1, records: null }] }],
  }))));
  const p = roundTrip(produce as unknown as ApiModule, 9, unavailableResponse(produce as unknown as ApiModule, produced, ctxAt(9), 9)) as produce.ProduceResponse;
  assert.deepEqual(p.responses?.[0].partitionResponses?.map((x) => [x.index, x.errorCode]), [[0, ErrorCode.NOT_LEADER_OR_FOLLOWER], [1, ErrorCode.NOT_LEADER_OR_FOLLOWER]]);
  assert.equal(unavailableResponse(produce as unknown as ApiModule, { ...produced, acks: 0 }, ctxAt(9), 9), noResponse, 'acks=0: no answer');

  const listed = { replicaId: -1, isolationLevel: 0, topics: [{ name: 't', partitions: [{ partitionIndex: 3, currentLeaderEpoch: -1, timestamp: -1 }] }], timeoutMs: 0 };
  const l = unavailableResponse(listOffsets as unknown as ApiModule, listed, ctxAt(7), 7) as listOffsets.ListOffsetsResponse;
  assert.deepEqual(l.topics?.[0].partitions?.[0], { partitionIndex: 3, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, timestamp: -1, offset: -1, leaderEpoch: -1 });

  const committed = { groupId: 'g', generationIdOrMemberEpoch: 1, memberId: 'm', groupInstanceId: null, retentionTimeMs: -1, topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null }] }] };
  const c = unavailableResponse(offsetCommit as unknown as ApiModule, committed, ctxAt(8), 8) as offsetCommit.OffsetCommitResponse;
  assert.equal(c.topics?.[0].partitions?.[0].errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
});

test('admin APIs answer per resource: configs, ACLs, quotas and SASL REQUEST_TIMED_OUT, log dirs KAFKA_STORAGE_ERROR, describe APIs retriable codes', () => {
  // Round-trips the answer to `request` at every version the API serves; returns the one at `version`.
  const answer = <T>(mod: unknown, request: unknown, version: number): T => {
    const m = mod as ApiModule;
    let at: unknown;
    for (let v = m.schema.minVersion; v <= m.schema.maxVersion; v++) {
      const decoded = roundTrip(m, v, unavailableResponse(m, request, ctxAt(v), v));
      if (v === version) at = decoded;
    }
    return at as T;
  };
  const resource = { resourceType: 2, resourceName: 't' };
  const altered = answer<alterConfigs.AlterConfigsResponse>(alterConfigs, { resources: [{ ...resource, configs: [{ name: 'retention.ms', value: '1' }] }], validateOnly: false }, 2);
  assert.deepEqual(altered.responses?.map((r) => [r.resourceName, r.errorCode]), [['t', ErrorCode.REQUEST_TIMED_OUT]]);
  const described = answer<describeConfigs.DescribeConfigsResponse>(describeConfigs, { resources: [{ ...resource, configurationKeys: null }], includeSynonyms: false, includeDocumentation: false }, 4);
  assert.deepEqual(described.results?.map((r) => [r.resourceName, r.errorCode, r.configs]), [['t', ErrorCode.REQUEST_TIMED_OUT, []]]);
  const acl = { resourceType: 2, resourceName: 't', resourcePatternType: 3, principal: 'User:a', host: '*', operation: 2, permissionType: 3 };
  const created = answer<createAcls.CreateAclsResponse>(createAcls, { creations: [acl, acl] }, 3);
  assert.deepEqual(created.results?.map((r) => r.errorCode), [ErrorCode.REQUEST_TIMED_OUT, ErrorCode.REQUEST_TIMED_OUT]);
  const quotas = answer<describeClientQuotas.DescribeClientQuotasResponse>(describeClientQuotas, { components: [], strict: false }, 1);
  assert.equal(quotas.errorCode, ErrorCode.REQUEST_TIMED_OUT, 'top level, no coordinator behind it');

  const dirs = answer<describeLogDirs.DescribeLogDirsResponse>(describeLogDirs, { topics: null }, 4);
  assert.equal(dirs.errorCode, ErrorCode.NONE);
  assert.deepEqual(dirs.results?.map((r) => [r.logDir, r.errorCode]), [['postgresql://db:5432/kafka', ErrorCode.KAFKA_STORAGE_ERROR]]);

  const epochs = answer<offsetForLeaderEpoch.OffsetForLeaderEpochResponse>(offsetForLeaderEpoch, { replicaId: -1, topics: [{ topic: 't', partitions: [{ partition: 2, currentLeaderEpoch: -1, leaderEpoch: 0 }] }] }, 4);
  assert.deepEqual(epochs.topics?.[0].partitions?.[0], { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, partition: 2, leaderEpoch: -1, endOffset: -1 });
  const producers = answer<describeProducers.DescribeProducersResponse>(describeProducers, { topics: [{ name: 't', partitionIndexes: [0, 1] }] }, 0);
  assert.deepEqual(producers.topics?.[0].partitions?.map((p) => [p.partitionIndex, p.errorCode]), [[0, ErrorCode.NOT_LEADER_OR_FOLLOWER], [1, ErrorCode.NOT_LEADER_OR_FOLLOWER]]);
  const topics = answer<describeTopicPartitions.DescribeTopicPartitionsResponse>(describeTopicPartitions, { topics: [{ name: 't' }], responsePartitionLimit: 10, cursor: null }, 0);
  assert.deepEqual(topics.topics?.map((t) => [t.name, t.errorCode]), [['t', ErrorCode.LEADER_NOT_AVAILABLE]]);

  const groups = answer<consumerGroupDescribe.ConsumerGroupDescribeResponse>(consumerGroupDescribe, { groupIds: ['g'], includeAuthorizedOperations: false }, 0);
  assert.deepEqual(groups.groups?.map((g) => [g.groupId, g.errorCode]), [['g', ErrorCode.COORDINATOR_NOT_AVAILABLE]]);
  const txns = answer<describeTransactions.DescribeTransactionsResponse>(describeTransactions, { transactionalIds: ['x'] }, 0);
  assert.deepEqual(txns.transactionStates?.map((t) => [t.transactionalId, t.errorCode]), [['x', ErrorCode.COORDINATOR_NOT_AVAILABLE]]);

  const sasl = answer<saslAuthenticate.SaslAuthenticateResponse>(saslAuthenticate, { authBytes: new Uint8Array(0) }, 2);
  assert.equal(sasl.errorCode, ErrorCode.REQUEST_TIMED_OUT, 'retriable, not SASL_AUTHENTICATION_FAILED');
});
