// DescribeProducers (api key 61), version 0: the producers with state in each partition (kafka.producer_state):
// producer id and epoch, last sequence and timestamp, coordinator epoch and the first offset of an open
// transaction (-1 when none). A partition that does not exist is UNKNOWN_TOPIC_OR_PARTITION.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import { ErrorCode } from '../codec/errors.ts';
import type { RequestContext } from '../runtime/context.ts';
import { producersOf } from '../store/producers.ts';

// <generated> by scripts/gen-api.ts from Kafka's DescribeProducersRequest.json and DescribeProducersResponse.json, versions 0-0.
export const schema = {
  apiKey: 61,
  name: 'DescribeProducers',
  minVersion: 0,
  maxVersion: 0,
  flexibleFrom: 0,
  request: [
    { name: 'Topics', type: '[]struct', versions: '0+', fields: [
      { name: 'Name', type: 'string', versions: '0+' },
      { name: 'PartitionIndexes', type: '[]int32', versions: '0+' },
    ] },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '0+' },
    { name: 'Topics', type: '[]struct', versions: '0+', fields: [
      { name: 'Name', type: 'string', versions: '0+' },
      { name: 'Partitions', type: '[]struct', versions: '0+', fields: [
        { name: 'PartitionIndex', type: 'int32', versions: '0+' },
        { name: 'ErrorCode', type: 'int16', versions: '0+' },
        { name: 'ErrorMessage', type: 'string', versions: '0+', nullable: '0+', default: "null" },
        { name: 'ActiveProducers', type: '[]struct', versions: '0+', fields: [
          { name: 'ProducerId', type: 'int64', versions: '0+' },
          { name: 'ProducerEpoch', type: 'int32', versions: '0+' },
          { name: 'LastSequence', type: 'int32', versions: '0+', default: "-1" },
          { name: 'LastTimestamp', type: 'int64', versions: '0+', default: "-1" },
          { name: 'CoordinatorEpoch', type: 'int32', versions: '0+' },
          { name: 'CurrentTxnStartOffset', type: 'int64', versions: '0+', default: "-1" },
        ] },
      ] },
    ] },
  ],
} as const satisfies ApiSchema;

export interface DescribeProducersRequest {
  topics: Array<{
    name: string;
    partitionIndexes: number[];
  }>;
}

export interface DescribeProducersResponse {
  throttleTimeMs?: number;
  topics?: Array<{
    name?: string;
    partitions?: Array<{
      partitionIndex?: number;
      errorCode?: number;
      errorMessage?: string | null;
      activeProducers?: Array<{
        producerId?: number | bigint;
        producerEpoch?: number;
        lastSequence?: number;
        lastTimestamp?: number | bigint;
        coordinatorEpoch?: number;
        currentTxnStartOffset?: number | bigint;
      }>;
    }>;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<DescribeProducersRequest, DescribeProducersResponse>(schema);

/** Only reads. */
export const concurrent = true;

/** The whole request failed with `errorCode` (PostgreSQL unreachable): every partition gets it. */
export function errorResponse(request: DescribeProducersRequest, errorCode: number): DescribeProducersResponse {
  return { throttleTimeMs: 0, topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, errorCode, errorMessage: null, activeProducers: [] })) })) };
}

export const unavailableError = ErrorCode.NOT_LEADER_OR_FOLLOWER;

export async function handle(request: DescribeProducersRequest, ctx: RequestContext): Promise<DescribeProducersResponse> {
  const { store } = ctx.broker;
  const topics = await store.getTopics(request.topics.map((t) => t.name));
  return {
    throttleTimeMs: 0,
    topics: await Promise.all(request.topics.map(async (t) => {
      const topic = topics.get(t.name);
      return {
        name: t.name,
        partitions: await Promise.all(t.partitionIndexes.map(async (partitionIndex) => {
          if (!topic || partitionIndex < 0 || partitionIndex >= topic.partitions) {
            return { partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null, activeProducers: [] };
          }
          const producers = await producersOf(store.sql, topic.id, partitionIndex);
          return {
            partitionIndex,
            errorCode: ErrorCode.NONE,
            errorMessage: null,
            activeProducers: producers.map((p) => ({
              producerId: p.producerId,
              producerEpoch: p.producerEpoch,
              lastSequence: p.batches.length > 0 ? p.batches[p.batches.length - 1].lastSeq : -1,
              lastTimestamp: p.lastTimestamp,
              coordinatorEpoch: p.coordinatorEpoch,
              currentTxnStartOffset: p.txnFirstOffset ?? -1,
            })),
          };
        })),
      };
    })),
  };
}
