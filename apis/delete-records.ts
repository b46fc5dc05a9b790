// DeleteRecords (key 21), versions 0-2: moves partitions' log start offsets forward (kafka-delete-records.sh,
// kafkajs admin.deleteTopicRecords). v1 is v0 again; v2 is flexible. Offset -1 means the high watermark; an offset
// past the high watermark (or another negative) gets OFFSET_OUT_OF_RANGE; unknown topics and partitions
// UNKNOWN_TOPIC_OR_PARTITION; topics whose cleanup.policy lacks `delete` POLICY_VIOLATION (as Kafka). The answer's
// low watermark is the new log start offset, in force at once (fetches below it get OFFSET_OUT_OF_RANGE); the rows
// are deleted in the background (runtime/retention.ts) and, should that fail, by the next retention pass.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import { ErrorCode } from '../codec/errors.ts';
import { isSafeInt64 } from '../codec/int64.ts';
import type { RequestContext } from '../runtime/context.ts';
import { deletesByPolicy, retentionService } from '../runtime/retention.ts';
import { topicConfigValue } from '../runtime/topic-configs.ts';
import { deleteRecordsBefore } from '../store/retention.ts';

// <generated> by scripts/gen-api.ts from Kafka's DeleteRecordsRequest.json and DeleteRecordsResponse.json, versions 0-2.
export const schema = {
  apiKey: 21,
  name: 'DeleteRecords',
  minVersion: 0,
  maxVersion: 2,
  flexibleFrom: 2,
  request: [
    { name: 'Topics', type: '[]struct', versions: '0+', fields: [
      { name: 'Name', type: 'string', versions: '0+' },
      { name: 'Partitions', type: '[]struct', versions: '0+', fields: [
        { name: 'PartitionIndex', type: 'int32', versions: '0+' },
        { name: 'Offset', type: 'int64', versions: '0+' },
      ] },
    ] },
    { name: 'TimeoutMs', type: 'int32', versions: '0+' },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '0+' },
    { name: 'Topics', type: '[]struct', versions: '0+', fields: [
      { name: 'Name', type: 'string', versions: '0+' },
      { name: 'Partitions', type: '[]struct', versions: '0+', fields: [
        { name: 'PartitionIndex', type: 'int32', versions: '0+' },
        { name: 'LowWatermark', type: 'int64', versions: '0+' },
        { name: 'ErrorCode', type: 'int16', versions: '0+' },
      ] },
    ] },
  ],
} as const satisfies ApiSchema;

export interface DeleteRecordsRequest {
  topics: Array<{
    name: string;
    partitions: Array<{
      partitionIndex: number;
      offset: number | bigint;
    }>;
  }>;
  timeoutMs: number;
}

export interface DeleteRecordsResponse {
  throttleTimeMs?: number;
  topics?: Array<{
    name?: string;
    partitions?: Array<{
      partitionIndex?: number;
      lowWatermark?: number | bigint;
      errorCode?: number;
    }>;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<DeleteRecordsRequest, DeleteRecordsResponse>(schema);

type PartitionResult = NonNullable<NonNullable<DeleteRecordsResponse['topics']>[number]['partitions']>[number];

/** The whole request failed with `errorCode` (PostgreSQL unreachable): every partition gets it. */
export function errorResponse(request: DeleteRecordsRequest, errorCode: number): DeleteRecordsResponse {
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode })) })),
  };
}

export async function handle(request: DeleteRecordsRequest, ctx: RequestContext): Promise<DeleteRecordsResponse> {
  const { store, settings } = ctx.broker;
  const topics = await store.getTopics(request.topics.map((t) => t.name));
  const work: Promise<void>[] = [];
  const response: DeleteRecordsResponse = {
    throttleTimeMs: 0,
    topics: request.topics.map((t) => {
      const topic = topics.get(t.name);
      return {
        name: t.name,
        partitions: t.partitions.map((p) => {
          const out: PartitionResult = { partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: ErrorCode.NONE };
          if (!topic || p.partitionIndex < 0 || p.partitionIndex >= topic.partitions) {
            out.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          } else if (!deletesByPolicy(topicConfigValue(topic.configs, 'cleanup.policy', settings))) {
            out.errorCode = ErrorCode.POLICY_VIOLATION;
          } else if (p.offset < -1 || !isSafeInt64(p.offset)) {
            // Beyond 2^53 is beyond every high watermark: offsets are assigned one by one.
            out.errorCode = ErrorCode.OFFSET_OUT_OF_RANGE;
          } else {
            work.push(deleteOne(ctx, topic.id, topic.name, p.partitionIndex, p.offset, out));
          }
          return out;
        }),
      };
    }),
  };
  await Promise.all(work);
  return response;
}

async function deleteOne(ctx: RequestContext, topicId: number, name: string, partition: number, offset: number, out: PartitionResult): Promise<void> {
  const outcome = await deleteRecordsBefore(ctx.broker.store.sql, topicId, partition, offset);
  switch (outcome.kind) {
    case 'unknown':
      out.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      return;
    case 'outOfRange':
      out.errorCode = ErrorCode.OFFSET_OUT_OF_RANGE;
      return;
    case 'ok':
      out.lowWatermark = outcome.lowWatermark;
      ctx.broker.log.debug('records deleted', { topic: name, partition, lowWatermark: outcome.lowWatermark, clientId: ctx.clientId });
      void retentionService(ctx.broker).purge(topicId, partition);
  }
}
