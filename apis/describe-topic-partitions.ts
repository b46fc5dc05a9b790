// DescribeTopicPartitions (key 75), version 0 (KIP-966): what the newest Java admin client and kafka-topics ask
// first to describe topics, paginated. Topics are answered in name order, from the cursor's topic and partition
// on, with at most responsePartitionLimit partitions (1 to 2000, Kafka's max.request.partition.size.limit);
// nextCursor names where the next page starts when partitions were left out. No topics asked for means every
// topic. Unknown topics get UNKNOWN_TOPIC_OR_PARTITION, invalid names INVALID_TOPIC_EXCEPTION (not when listing
// every topic); a cursor whose topic was not asked for, or with a negative partition, gets INVALID_REQUEST for
// every topic asked for. Partitions are presented as Metadata presents them (runtime/leadership.ts).

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import type { RequestContext } from '../runtime/context.ts';
import { ErrorCode } from '../codec/errors.ts';
import { ZERO_UUID } from '../codec/compile.ts';
import { ledPartition } from '../runtime/leadership.ts';
import { OPERATIONS_NOT_REQUESTED, TOPIC_OPERATIONS } from '../runtime/authorized-operations.ts';
import { topicNameProblem } from '../runtime/topic-names.ts';
import type { Topic } from '../store/types.ts';

// <generated> by scripts/gen-api.ts from Kafka's DescribeTopicPartitionsRequest.json and DescribeTopicPartitionsResponse.json, versions 0-0.
export const schema = {
  apiKey: 75,
  name: 'DescribeTopicPartitions',
  minVersion: 0,
  maxVersion: 0,
  flexibleFrom: 0,
  request: [
    { name: 'Topics', type: '[]struct', versions: '0+', fields: [
      { name: 'Name', type: 'string', versions: '0+' },
    ] },
    { name: 'ResponsePartitionLimit', type: 'int32', versions: '0+', default: "2000" },
    { name: 'Cursor', type: 'struct', versions: '0+', nullable: '0+', default: "null", fields: [
      { name: 'TopicName', type: 'string', versions: '0+' },
      { name: 'PartitionIndex', type: 'int32', versions: '0+' },
    ] },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '0+' },
    { name: 'Topics', type: '[]struct', versions: '0+', fields: [
      { name: 'ErrorCode', type: 'int16', versions: '0+' },
      { name: 'Name', type: 'string', versions: '0+', nullable: '0+' },
      { name: 'TopicId', type: 'uuid', versions: '0+' },
      { name: 'IsInternal', type: 'bool', versions: '0+', default: "false" },
      { name: 'Partitions', type: '[]struct', versions: '0+', fields: [
        { name: 'ErrorCode', type: 'int16', versions: '0+' },
        { name: 'PartitionIndex', type: 'int32', versions: '0+' },
        { name: 'LeaderId', type: 'int32', versions: '0+' },
        { name: 'LeaderEpoch', type: 'int32', versions: '0+', default: "-1" },
        { name: 'ReplicaNodes', type: '[]int32', versions: '0+' },
        { name: 'IsrNodes', type: '[]int32', versions: '0+' },
        { name: 'EligibleLeaderReplicas', type: '[]int32', versions: '0+', nullable: '0+', default: "null" },
        { name: 'LastKnownElr', type: '[]int32', versions: '0+', nullable: '0+', default: "null" },
        { name: 'OfflineReplicas', type: '[]int32', versions: '0+' },
      ] },
      { name: 'TopicAuthorizedOperations', type: 'int32', versions: '0+', default: "-2147483648" },
    ] },
    { name: 'NextCursor', type: 'struct', versions: '0+', nullable: '0+', default: "null", fields: [
      { name: 'TopicName', type: 'string', versions: '0+' },
      { name: 'PartitionIndex', type: 'int32', versions: '0+' },
    ] },
  ],
} as const satisfies ApiSchema;

export interface DescribeTopicPartitionsRequest {
  topics: Array<{
    name: string;
  }>;
  responsePartitionLimit: number;
  cursor: {
    topicName: string;
    partitionIndex: number;
  } | null;
}

export interface DescribeTopicPartitionsResponse {
  throttleTimeMs?: number;
  topics?: Array<{
    errorCode?: number;
    name?: string | null;
    topicId?: string;
    isInternal?: boolean;
    partitions?: Array<{
      errorCode?: number;
      partitionIndex?: number;
      leaderId?: number;
      leaderEpoch?: number;
      replicaNodes?: number[];
      isrNodes?: number[];
      eligibleLeaderReplicas?: number[] | null;
      lastKnownElr?: number[] | null;
      offlineReplicas?: number[];
    }>;
    topicAuthorizedOperations?: number;
  }>;
  nextCursor?: {
    topicName?: string;
    partitionIndex?: number;
  } | null;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse>(schema);

export const concurrent = true;

/** Kafka's max.request.partition.size.limit default: the most partitions one answer carries. */
export const MAX_PARTITIONS_PER_RESPONSE = 2000;

type TopicResult = NonNullable<DescribeTopicPartitionsResponse['topics']>[number];

/** The whole request failed with `errorCode` (PostgreSQL unreachable): every topic named gets it (its partitions are unknown). */
export function errorResponse(request: DescribeTopicPartitionsRequest, errorCode: number): DescribeTopicPartitionsResponse {
  return { throttleTimeMs: 0, topics: request.topics.map((t) => ({ errorCode, name: t.name, topicId: ZERO_UUID, isInternal: false, partitions: [], topicAuthorizedOperations: OPERATIONS_NOT_REQUESTED })), nextCursor: null };
}

/** As Metadata: retriable, the topic's leader is not known. */
export const unavailableError = ErrorCode.LEADER_NOT_AVAILABLE;

export async function handle(request: DescribeTopicPartitionsRequest, ctx: RequestContext): Promise<DescribeTopicPartitionsResponse> {
  const { store, info } = ctx.broker;
  const failed = (name: string, errorCode: number): TopicResult => ({
    errorCode, name, topicId: ZERO_UUID, isInternal: false, partitions: [], topicAuthorizedOperations: TOPIC_OPERATIONS,
  });
  const cursor = request.cursor;
  const asked = [...new Set(request.topics.map((t) => t.name))];
  const all = asked.length === 0;
  let known: Map<string, Topic>;
  if (all) known = new Map((await store.listTopics()).map((t) => [t.name, t]));
  else known = await store.getTopics(asked.filter((n) => topicNameProblem(n) === null));
  const names = all ? [...known.keys()] : asked;

  if (cursor !== null && (!names.includes(cursor.topicName) || cursor.partitionIndex < 0)) {
    return { throttleTimeMs: 0, topics: asked.map((n) => failed(n, ErrorCode.INVALID_REQUEST)), nextCursor: null };
  }

  let remaining = Math.max(1, Math.min(MAX_PARTITIONS_PER_RESPONSE, request.responsePartitionLimit));
  const topics: TopicResult[] = [];
  let nextCursor: DescribeTopicPartitionsResponse['nextCursor'] = null;
  const ordered = names.filter((n) => cursor === null || n >= cursor.topicName).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const name of ordered) {
    const topic = known.get(name);
    if (!topic) {
      if (!all) topics.push(failed(name, topicNameProblem(name) === null ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.INVALID_TOPIC_EXCEPTION));
      continue;
    }
    if (remaining === 0) {
      nextCursor = { topicName: name, partitionIndex: 0 };
      break;
    }
    const start = cursor !== null && name === cursor.topicName ? cursor.partitionIndex : 0;
    const end = Math.min(topic.partitions, start + remaining);
    const partitions = [];
    for (let i = start; i < end; i++) partitions.push({ ...ledPartition(info.nodeId, i), eligibleLeaderReplicas: [], lastKnownElr: [] });
    topics.push({
      errorCode: ErrorCode.NONE,
      name,
      topicId: topic.topicId,
      isInternal: false,
      partitions,
      topicAuthorizedOperations: TOPIC_OPERATIONS,
    });
    remaining -= partitions.length;
    if (end < topic.partitions) {
      nextCursor = { topicName: name, partitionIndex: end };
      break;
    }
  }
  return { throttleTimeMs: 0, topics, nextCursor };
}
