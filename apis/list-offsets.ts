// ListOffsets (api key 2), versions 0-10: for each partition, the offset that goes with a timestamp.
// Special timestamps: -1 latest (the high watermark; under read_committed the last stable offset), -2 earliest
// (log start), -3 the record with the largest timestamp (v7+), -4 earliest local (v8+; no tiered storage, so the
// log start), -5 latest tiered (v9+; nothing is tiered: offset -1, timestamp -1). Any other value: the first
// offset whose timestamp is at or after it, or offset -1 / timestamp -1 when there is none.
// v0 answers a list of offsets (OldStyleOffsets): the one offset found, or none (Kafka lists segment base offsets
// too, up to MaxNumOffsets; there are no segments here). Kafka 4.0 dropped v0, but clients still in use send it
// (Burrow 1.2, Debian's, asks for high watermarks with it). v1 returns one offset per partition; v2 adds the isolation level and throttle
// time; v4 adds currentLeaderEpoch (ignored: there is one leader, epoch 0) and leaderEpoch in the answer; v5 may
// answer OFFSET_NOT_AVAILABLE (never needed here); v6 is flexible; v10 adds timeoutMs, the wait allowed for
// offsets read from remote (tiered) storage: with no tiered storage every answer is immediate, so it is unused.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import { ErrorCode } from '../codec/errors.ts';
import type { Int64 } from '../codec/int64.ts';
import type { RequestContext } from '../runtime/context.ts';
import { LEADER_EPOCH } from '../runtime/leadership.ts';
import { visibleEnd } from '../runtime/isolation.ts';
import { UnknownPartitionError } from '../store/errors.ts';
import type { PartitionOffsets, Topic } from '../store/types.ts';

// <generated> by scripts/gen-api.ts from Kafka's ListOffsetsRequest.json and ListOffsetsResponse.json, versions 0-10.
export const schema = {
  apiKey: 2,
  name: 'ListOffsets',
  minVersion: 0,
  maxVersion: 10,
  flexibleFrom: 6,
  request: [
    { name: 'ReplicaId', type: 'int32', versions: '0+' },
    { name: 'IsolationLevel', type: 'int8', versions: '2+' },
    { name: 'Topics', type: '[]struct', versions: '0+', fields: [
      { name: 'Name', type: 'string', versions: '0+' },
      { name: 'Partitions', type: '[]struct', versions: '0+', fields: [
        { name: 'PartitionIndex', type: 'int32', versions: '0+' },
        { name: 'CurrentLeaderEpoch', type: 'int32', versions: '4+', default: "-1" },
        { name: 'Timestamp', type: 'int64', versions: '0+' },
        { name: 'MaxNumOffsets', type: 'int32', versions: '0', default: "1" },
      ] },
    ] },
    { name: 'TimeoutMs', type: 'int32', versions: '10+' },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '2+' },
    { name: 'Topics', type: '[]struct', versions: '0+', fields: [
      { name: 'Name', type: 'string', versions: '0+' },
      { name: 'Partitions', type: '[]struct', versions: '0+', fields: [
        { name: 'PartitionIndex', type: 'int32', versions: '0+' },
        { name: 'ErrorCode', type: 'int16', versions: '0+' },
        { name: 'OldStyleOffsets', type: '[]int64', versions: '0' },
        { name: 'Timestamp', type: 'int64', versions: '1+', default: "-1" },
        { name: 'Offset', type: 'int64', versions: '1+', default: "-1" },
        { name: 'LeaderEpoch', type: 'int32', versions: '4+', default: "-1" },
      ] },
    ] },
  ],
} as const satisfies ApiSchema;

export interface ListOffsetsRequest {
  replicaId: number;
  isolationLevel: number;
  topics: Array<{
    name: string;
    partitions: Array<{
      partitionIndex: number;
      currentLeaderEpoch: number;
      timestamp: number | bigint;
      maxNumOffsets: number;
    }>;
  }>;
  timeoutMs: number;
}

export interface ListOffsetsResponse {
  throttleTimeMs?: number;
  topics?: Array<{
    name?: string;
    partitions?: Array<{
      partitionIndex?: number;
      errorCode?: number;
      oldStyleOffsets?: Array<number | bigint>;
      timestamp?: number | bigint;
      offset?: number | bigint;
      leaderEpoch?: number;
    }>;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<ListOffsetsRequest, ListOffsetsResponse>(schema);

/** ListOffsets only reads, so requests from one connection may run side by side. */
export const concurrent = true;

/** Kafka's special timestamps (ListOffsetsRequest.*_TIMESTAMP). */
export const SpecialTimestamp = {
  latest: -1,
  earliest: -2,
  maxTimestamp: -3,
  earliestLocal: -4,
  latestTiered: -5,
} as const;

type PartitionResponse = NonNullable<NonNullable<ListOffsetsResponse['topics']>[number]['partitions']>[number];

interface Lookup {
  topic: Topic;
  partition: number;
  /** Exact: a timestamp beyond 2^53 is looked up as it is (and finds no record). */
  timestamp: Int64;
  out: PartitionResponse;
}

const NOT_FOUND = { timestamp: -1, offset: -1, leaderEpoch: -1 } as const;

/** The whole request failed with `errorCode` (PostgreSQL unreachable): every partition gets it. */
export function errorResponse(request: ListOffsetsRequest, errorCode: number): ListOffsetsResponse {
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode, ...NOT_FOUND })),
    })),
  };
}

export async function handle(request: ListOffsetsRequest, ctx: RequestContext): Promise<ListOffsetsResponse> {
  const { store } = ctx.broker;
  const topics = await store.getTopics(request.topics.map((t) => t.name));
  const lookups: Lookup[] = [];
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const t of request.topics) {
    for (const p of t.partitions) {
      const k = `${t.name}\u0000${p.partitionIndex}`;
      if (seen.has(k)) duplicates.add(k);
      seen.add(k);
    }
  }

  const response: ListOffsetsResponse = {
    throttleTimeMs: 0,
    topics: request.topics.map((t) => {
      const topic = topics.get(t.name);
      return {
        name: t.name,
        partitions: t.partitions.map((p) => {
          const out: PartitionResponse = { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE, ...NOT_FOUND };
          if (duplicates.has(`${t.name}\u0000${p.partitionIndex}`)) {
            out.errorCode = ErrorCode.INVALID_REQUEST; // Kafka's answer to a partition listed twice
          } else if (!topic || p.partitionIndex < 0 || p.partitionIndex >= topic.partitions) {
            out.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          } else {
            lookups.push({ topic, partition: p.partitionIndex, timestamp: p.timestamp, out });
          }
          return out;
        }),
      };
    }),
  };
  if (lookups.length === 0) return response;

  const offsets = await offsetsOf(ctx, lookups);
  await Promise.all(lookups.map((l, i) => {
    const o = offsets[i];
    if (o === null) {
      l.out.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      return undefined;
    }
    return answer(ctx, l, o, request.isolationLevel);
  }));
  if (ctx.apiVersion === 0) {
    for (const l of lookups) l.out.oldStyleOffsets = l.out.errorCode === ErrorCode.NONE && (l.out.offset ?? -1) >= 0 ? [l.out.offset ?? -1] : [];
  }
  return response;
}

/** Offsets of every looked-up partition in one query; null for a partition that vanished meanwhile. */
async function offsetsOf(ctx: RequestContext, lookups: Lookup[]): Promise<(PartitionOffsets | null)[]> {
  const { store } = ctx.broker;
  try {
    return await store.offsetsMany(lookups.map((l) => ({ topic: l.topic, partition: l.partition })));
  } catch (err) {
    if (!(err instanceof UnknownPartitionError)) throw err;
    // A topic was deleted or shrunk since its metadata was cached: ask one by one.
    return Promise.all(lookups.map((l) => store.offsets(l.topic, l.partition).catch((e: unknown) => {
      if (e instanceof UnknownPartitionError) return null;
      throw e;
    })));
  }
}

async function answer(ctx: RequestContext, l: Lookup, offsets: PartitionOffsets, isolationLevel: number): Promise<void> {
  const { store } = ctx.broker;
  const out = l.out;
  const found = (offset: number, timestamp: number) => {
    out.offset = offset;
    out.timestamp = timestamp;
    out.leaderEpoch = LEADER_EPOCH;
  };
  const end = await visibleEnd(ctx.broker, l.topic, l.partition, offsets, isolationLevel);
  switch (l.timestamp) {
    case SpecialTimestamp.latest:
      found(end, -1);
      return;
    case SpecialTimestamp.earliest:
    case SpecialTimestamp.earliestLocal:
      found(offsets.logStartOffset, -1);
      return;
    case SpecialTimestamp.latestTiered:
      return; // nothing is in tiered storage
    case SpecialTimestamp.maxTimestamp: {
      const max = await store.maxTimestamp(l.topic, l.partition);
      if (max !== null && max.offset < end) found(max.offset, max.timestamp);
      return;
    }
    default: {
      const at = await store.offsetForTimestamp(l.topic, l.partition, l.timestamp);
      // Only offsets the reader may see count (Kafka: below the last fetchable offset).
      if (at !== null && at.offset < end) found(at.offset, at.timestamp);
    }
  }
}
