// Answers while PostgreSQL is unreachable (runtime/unavailable.ts): every API that has one builds a well-formed
// response at every version it serves, with the retriable code its kind of API gets (partition, coordinator or
// controller), and Produce with acks=0 stays silent.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as listOffsets from '../../apis/list-offsets.ts';
import * as offsetCommit from '../../apis/offset-commit.ts';
import * as produce from '../../apis/produce.ts';
import { toBytes } from '../../codec/api-codec.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { Reader } from '../../codec/reader.ts';
import type { RequestContext } from '../../runtime/context.ts';
import { noResponse } from '../../runtime/context.ts';
import { loadRegistry, type ApiModule } from '../../runtime/registry.ts';
import { unavailableResponse } from '../../runtime/unavailable.ts';

const self = { nodeId: 1, host: '127.0.0.1', port: 9092, rack: null };
const ctxAt = (apiVersion: number) =>
  ({ apiVersion, broker: { clusterId: 'cluster', cluster: { brokers: () => [self], controllerId: () => 1 } } }) as unknown as RequestContext;

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
  // Admin APIs with no errorResponse yet and no top-level error field: their connection is closed.
  assert.deepEqual(without.sort(), [
    'AlterConfigs', 'ConsumerGroupDescribe', 'DescribeConfigs', 'DescribeLogDirs', 'DescribeProducers', 'DescribeTopicPartitions',
    'DescribeTransactions', 'IncrementalAlterConfigs', 'OffsetForLeaderEpoch',
  ]);
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
