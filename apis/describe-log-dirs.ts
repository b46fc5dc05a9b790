// DescribeLogDirs (key 35), versions 0-4: one log dir per broker, the PostgreSQL database, named by its URL without
// credentials (postgresql://host:port/dbname), listing the partitions asked for (null: every topic; partitions that
// don't exist are left out, as in Kafka) with an estimated size in bytes (store/log-dirs.ts), offset lag 0 and
// isFutureKey false (there are no replicas to catch up or move). v2 is flexible, v3 adds a top-level error code,
// v4 the dir's total bytes (the database's size) and usable bytes (-1: PostgreSQL cannot tell free space).

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import type { RequestContext } from '../runtime/context.ts';
import { ErrorCode } from '../codec/errors.ts';

// <generated> by scripts/gen-api.ts from Kafka's DescribeLogDirsRequest.json and DescribeLogDirsResponse.json, versions 0-4.
export const schema = {
  apiKey: 35,
  name: 'DescribeLogDirs',
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 2,
  request: [
    { name: 'Topics', type: '[]struct', versions: '0+', nullable: '0+', fields: [
      { name: 'Topic', type: 'string', versions: '0+' },
      { name: 'Partitions', type: '[]int32', versions: '0+' },
    ] },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '0+' },
    { name: 'ErrorCode', type: 'int16', versions: '3+' },
    { name: 'Results', type: '[]struct', versions: '0+', fields: [
      { name: 'ErrorCode', type: 'int16', versions: '0+' },
      { name: 'LogDir', type: 'string', versions: '0+' },
      { name: 'Topics', type: '[]struct', versions: '0+', fields: [
        { name: 'Name', type: 'string', versions: '0+' },
        { name: 'Partitions', type: '[]struct', versions: '0+', fields: [
          { name: 'PartitionIndex', type: 'int32', versions: '0+' },
          { name: 'PartitionSize', type: 'int64', versions: '0+' },
          { name: 'OffsetLag', type: 'int64', versions: '0+' },
          { name: 'IsFutureKey', type: 'bool', versions: '0+' },
        ] },
      ] },
      { name: 'TotalBytes', type: 'int64', versions: '4+', default: "-1" },
      { name: 'UsableBytes', type: 'int64', versions: '4+', default: "-1" },
    ] },
  ],
} as const satisfies ApiSchema;

export interface DescribeLogDirsRequest {
  topics: Array<{
    topic: string;
    partitions: number[];
  }> | null;
}

export interface DescribeLogDirsResponse {
  throttleTimeMs?: number;
  errorCode?: number;
  results?: Array<{
    errorCode?: number;
    logDir?: string;
    topics?: Array<{
      name?: string;
      partitions?: Array<{
        partitionIndex?: number;
        partitionSize?: number;
        offsetLag?: number;
        isFutureKey?: boolean;
      }>;
    }>;
    totalBytes?: number;
    usableBytes?: number;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<DescribeLogDirsRequest, DescribeLogDirsResponse>(schema);

export const concurrent = true;

type TopicResult = NonNullable<NonNullable<DescribeLogDirsResponse['results']>[number]['topics']>[number];

/** The whole request failed with `errorCode` (PostgreSQL unreachable): the one log dir (the database) is offline. */
export function errorResponse(request: DescribeLogDirsRequest, errorCode: number, ctx: RequestContext): DescribeLogDirsResponse {
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, results: [{ errorCode, logDir: ctx.broker.store.logDir, topics: [], totalBytes: -1, usableBytes: -1 }] };
}

/** Kafka's answer for an offline log dir. */
export const unavailableError = ErrorCode.KAFKA_STORAGE_ERROR;

export async function handle(request: DescribeLogDirsRequest, ctx: RequestContext): Promise<DescribeLogDirsResponse> {
  const { store } = ctx.broker;
  const asked = request.topics;
  const usage = await store.logDirUsage(asked === null ? null : [...new Set(asked.map((t) => t.topic))]);
  const wanted = asked === null ? null : new Map<string, Set<number>>();
  for (const t of asked ?? []) {
    const set = wanted?.get(t.topic) ?? new Set<number>();
    for (const p of t.partitions) set.add(p);
    wanted?.set(t.topic, set);
  }
  const byTopic = new Map<string, TopicResult>();
  for (const p of usage.partitions) {
    if (wanted !== null && !wanted.get(p.topic)?.has(p.partition)) continue;
    let topic = byTopic.get(p.topic);
    if (!topic) byTopic.set(p.topic, (topic = { name: p.topic, partitions: [] }));
    topic.partitions?.push({ partitionIndex: p.partition, partitionSize: p.bytes, offsetLag: 0, isFutureKey: false });
  }
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    results: [{
      errorCode: ErrorCode.NONE,
      logDir: store.logDir,
      topics: [...byTopic.values()],
      totalBytes: usage.databaseBytes,
      usableBytes: -1,
    }],
  };
}
