// OffsetForLeaderEpoch (key 23), versions 0-4: clients (and followers) ask where a leader epoch ended, to check
// their position after a leader change (KIP-101, KIP-320). pg-kafka's leader epoch never changes (0, from
// runtime/leadership.ts), so the epoch history has one entry: asked for epoch 0, the answer is epoch 0 ending at
// the high watermark; for a later epoch, or -1 (undefined), epoch -1 and offset -1, as Kafka's epoch cache answers;
// for an earlier one (below 0), that epoch ending at the log start offset, where epoch 0 starts. currentLeaderEpoch
// (v2+; -1 = not given) below ours gets FENCED_LEADER_EPOCH, above ours UNKNOWN_LEADER_EPOCH, as in Kafka. Unknown
// topics and partitions get UNKNOWN_TOPIC_OR_PARTITION. v1 adds the epoch to the answer, v2 currentLeaderEpoch and
// throttle time, v3 replicaId, v4 is flexible.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import type { RequestContext } from '../runtime/context.ts';
import { ErrorCode } from '../codec/errors.ts';
import { LEADER_EPOCH } from '../runtime/leadership.ts';
import { UnknownPartitionError } from '../store/errors.ts';
import type { PartitionOffsets, Topic } from '../store/types.ts';

// <generated> by scripts/gen-api.ts from Kafka's OffsetForLeaderEpochRequest.json and OffsetForLeaderEpochResponse.json, versions 0-4.
export const schema = {
  apiKey: 23,
  name: 'OffsetForLeaderEpoch',
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 4,
  request: [
    { name: 'ReplicaId', type: 'int32', versions: '3+', default: -2 },
    { name: 'Topics', type: '[]struct', versions: '0+', fields: [
      { name: 'Topic', type: 'string', versions: '0+' },
      { name: 'Partitions', type: '[]struct', versions: '0+', fields: [
        { name: 'Partition', type: 'int32', versions: '0+' },
        { name: 'CurrentLeaderEpoch', type: 'int32', versions: '2+', default: "-1" },
        { name: 'LeaderEpoch', type: 'int32', versions: '0+' },
      ] },
    ] },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '2+' },
    { name: 'Topics', type: '[]struct', versions: '0+', fields: [
      { name: 'Topic', type: 'string', versions: '0+' },
      { name: 'Partitions', type: '[]struct', versions: '0+', fields: [
        { name: 'ErrorCode', type: 'int16', versions: '0+' },
        { name: 'Partition', type: 'int32', versions: '0+' },
        { name: 'LeaderEpoch', type: 'int32', versions: '1+', default: "-1" },
        { name: 'EndOffset', type: 'int64', versions: '0+', default: "-1" },
      ] },
    ] },
  ],
} as const satisfies ApiSchema;

export interface OffsetForLeaderEpochRequest {
  replicaId: number;
  topics: Array<{
    topic: string;
    partitions: Array<{
      partition: number;
      currentLeaderEpoch: number;
      leaderEpoch: number;
    }>;
  }>;
}

export interface OffsetForLeaderEpochResponse {
  throttleTimeMs?: number;
  topics?: Array<{
    topic?: string;
    partitions?: Array<{
      errorCode?: number;
      partition?: number;
      leaderEpoch?: number;
      endOffset?: number;
    }>;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>(schema);

export const concurrent = true;

/** Kafka's RecordBatch.NO_PARTITION_LEADER_EPOCH / UNDEFINED_EPOCH, and UNDEFINED_EPOCH_OFFSET. */
const NO_EPOCH = -1;
const NO_OFFSET = -1;

type PartitionResult = NonNullable<NonNullable<OffsetForLeaderEpochResponse['topics']>[number]['partitions']>[number];

/** The whole request failed with `errorCode` (PostgreSQL unreachable): every partition gets it. */
export function errorResponse(request: OffsetForLeaderEpochRequest, errorCode: number): OffsetForLeaderEpochResponse {
  return { throttleTimeMs: 0, topics: request.topics.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => ({ errorCode, partition: p.partition, leaderEpoch: -1, endOffset: -1 })) })) };
}

export const unavailableError = ErrorCode.NOT_LEADER_OR_FOLLOWER;

export async function handle(request: OffsetForLeaderEpochRequest, ctx: RequestContext): Promise<OffsetForLeaderEpochResponse> {
  const { store } = ctx.broker;
  const topics = await store.getTopics(request.topics.map((t) => t.topic));
  const lookups: { topic: Topic; partition: number; requested: number; out: PartitionResult }[] = [];
  const answer = request.topics.map((t) => ({
    topic: t.topic,
    partitions: t.partitions.map((p): PartitionResult => {
      const out: PartitionResult = { errorCode: ErrorCode.NONE, partition: p.partition, leaderEpoch: NO_EPOCH, endOffset: NO_OFFSET };
      const topic = topics.get(t.topic);
      if (!topic || p.partition < 0 || p.partition >= topic.partitions) out.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      else if (p.currentLeaderEpoch !== NO_EPOCH && p.currentLeaderEpoch < LEADER_EPOCH) out.errorCode = ErrorCode.FENCED_LEADER_EPOCH;
      else if (p.currentLeaderEpoch > LEADER_EPOCH) out.errorCode = ErrorCode.UNKNOWN_LEADER_EPOCH;
      else if (p.leaderEpoch === LEADER_EPOCH || (p.leaderEpoch < LEADER_EPOCH && p.leaderEpoch !== NO_EPOCH)) {
        lookups.push({ topic, partition: p.partition, requested: p.leaderEpoch, out });
      }
      return out;
    }),
  }));
  if (lookups.length > 0) {
    let offsets: PartitionOffsets[] | null;
    try {
      offsets = await store.offsetsMany(lookups.map((l) => ({ topic: l.topic, partition: l.partition })));
    } catch (err) {
      if (!(err instanceof UnknownPartitionError)) throw err;
      offsets = null; // a topic was deleted meanwhile
    }
    lookups.forEach((l, i) => {
      if (offsets === null) {
        l.out.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        return;
      }
      l.out.leaderEpoch = l.requested;
      l.out.endOffset = l.requested === LEADER_EPOCH ? offsets[i].highWatermark : offsets[i].logStartOffset;
    });
  }
  return { throttleTimeMs: 0, topics: answer };
}
