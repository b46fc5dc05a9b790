// OffsetCommit (key 8), versions 0-9: a group commits consumed offsets, with metadata, to PostgreSQL. v1 adds the
// generation and member id (fencing: ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS), v2-4 carry a
// retention time, v6 the leader epoch, v7 the group.instance.id, v8 is flexible, v9 answers GROUP_ID_NOT_FOUND for
// a generation given to a group that does not exist. Unknown topics or partitions: UNKNOWN_TOPIC_OR_PARTITION;
// metadata over 4096 characters: OFFSET_METADATA_TOO_LARGE (per partition; the others are committed).

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import { ErrorCode } from '../codec/errors.ts';
import type { RequestContext } from '../runtime/context.ts';
import { groupCoordinator } from '../runtime/groups/coordinator.ts';
import { commitGroupOffsets } from '../runtime/groups/offsets.ts';
import { AclOperation, ResourceType } from '../runtime/auth/acl.ts';

// <generated> by scripts/gen-api.ts from Kafka's OffsetCommitRequest.json and OffsetCommitResponse.json, versions 0-9.
export const schema = {
  apiKey: 8,
  name: 'OffsetCommit',
  minVersion: 0,
  maxVersion: 9,
  flexibleFrom: 8,
  request: [
    { name: 'GroupId', type: 'string', versions: '0+' },
    { name: 'GenerationIdOrMemberEpoch', type: 'int32', versions: '1+', default: "-1" },
    { name: 'MemberId', type: 'string', versions: '1+' },
    { name: 'GroupInstanceId', type: 'string', versions: '7+', nullable: '7+', default: "null" },
    { name: 'RetentionTimeMs', type: 'int64', versions: '2-4', default: "-1" },
    { name: 'Topics', type: '[]struct', versions: '0+', fields: [
      { name: 'Name', type: 'string', versions: '0+' },
      { name: 'Partitions', type: '[]struct', versions: '0+', fields: [
        { name: 'PartitionIndex', type: 'int32', versions: '0+' },
        { name: 'CommittedOffset', type: 'int64', versions: '0+' },
        { name: 'CommittedLeaderEpoch', type: 'int32', versions: '6+', default: "-1" },
        { name: 'CommitTimestamp', type: 'int64', versions: '1', default: "-1" },
        { name: 'CommittedMetadata', type: 'string', versions: '0+', nullable: '0+' },
      ] },
    ] },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '3+' },
    { name: 'Topics', type: '[]struct', versions: '0+', fields: [
      { name: 'Name', type: 'string', versions: '0+' },
      { name: 'Partitions', type: '[]struct', versions: '0+', fields: [
        { name: 'PartitionIndex', type: 'int32', versions: '0+' },
        { name: 'ErrorCode', type: 'int16', versions: '0+' },
      ] },
    ] },
  ],
} as const satisfies ApiSchema;

export interface OffsetCommitRequest {
  groupId: string;
  generationIdOrMemberEpoch: number;
  memberId: string;
  groupInstanceId: string | null;
  retentionTimeMs: number | bigint;
  topics: Array<{
    name: string;
    partitions: Array<{
      partitionIndex: number;
      committedOffset: number | bigint;
      committedLeaderEpoch: number;
      commitTimestamp: number | bigint;
      committedMetadata: string | null;
    }>;
  }>;
}

export interface OffsetCommitResponse {
  throttleTimeMs?: number;
  topics?: Array<{
    name?: string;
    partitions?: Array<{
      partitionIndex?: number;
      errorCode?: number;
    }>;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<OffsetCommitRequest, OffsetCommitResponse>(schema);

/** The whole request failed with `errorCode` (PostgreSQL unreachable): every partition gets it. */
export function errorResponse(request: OffsetCommitRequest, errorCode: number): OffsetCommitResponse {
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })),
  };
}

/** Committing needs the group's coordinator: while PostgreSQL is unreachable, it is not available. */
export const unavailableError = ErrorCode.COORDINATOR_NOT_AVAILABLE;

export async function handle(request: OffsetCommitRequest, ctx: RequestContext): Promise<OffsetCommitResponse> {
  const v = ctx.apiVersion;
  const failAll = (code: number) => request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code })) }));
  if (!ctx.authorize(AclOperation.READ, ResourceType.GROUP, request.groupId)) return { throttleTimeMs: 0, topics: failAll(ErrorCode.GROUP_AUTHORIZATION_FAILED) };
  // Topics the principal may not READ get TOPIC_AUTHORIZATION_FAILED; the others are committed.
  const readable = request.topics.map((t) => ctx.authorize(AclOperation.READ, ResourceType.TOPIC, t.name));
  const committed = await commitGroupOffsets(groupCoordinator(ctx), request.groupId, {
    generationId: v >= 1 ? request.generationIdOrMemberEpoch : -1,
    memberId: v >= 1 ? request.memberId : '',
    groupInstanceId: v >= 7 ? request.groupInstanceId : null,
    retentionTimeMs: v >= 2 && v <= 4 ? request.retentionTimeMs : -1,
    topics: request.topics.filter((_, i) => readable[i]).map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        committedOffset: p.committedOffset,
        committedLeaderEpoch: v >= 6 ? p.committedLeaderEpoch : -1,
        committedMetadata: p.committedMetadata,
      })),
    })),
    apiVersion: v,
  });
  const denied = failAll(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  let next = 0;
  return { throttleTimeMs: 0, topics: readable.map((ok, i) => (ok ? committed[next++] : denied[i])) };
}
