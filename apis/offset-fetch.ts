// OffsetFetch (key 9), versions 0-9: a group's committed offsets (-1 where none). v0 reports partitions that do
// not exist as UNKNOWN_TOPIC_OR_PARTITION, v1+ as -1; v2 accepts a null topic list (every committed offset) and
// adds a group-level error code (before it, group errors are repeated on each partition), v5 the leader epoch,
// v6 is flexible, v7 require-stable (a partition with offsets pending in an open transaction answers
// UNSTABLE_OFFSET_COMMIT, which read_committed consumers retry), v8 several groups per request,
// v9 member id and epoch (a KIP-848 group answers UNKNOWN_MEMBER_ID or STALE_MEMBER_EPOCH when they do not match).

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import type { RequestContext } from '../runtime/context.ts';
import { ErrorCode } from '../codec/errors.ts';
import { groupCoordinator } from '../runtime/groups/coordinator.ts';
import { fetchGroupOffsets } from '../runtime/groups/offsets.ts';
import { AclOperation, ResourceType } from '../runtime/auth/acl.ts';

// <generated> by scripts/gen-api.ts from Kafka's OffsetFetchRequest.json and OffsetFetchResponse.json, versions 0-9.
export const schema = {
  apiKey: 9,
  name: 'OffsetFetch',
  minVersion: 0,
  maxVersion: 9,
  flexibleFrom: 6,
  request: [
    { name: 'GroupId', type: 'string', versions: '0-7' },
    { name: 'Topics', type: '[]struct', versions: '0-7', nullable: '2-7', fields: [
      { name: 'Name', type: 'string', versions: '0-7' },
      { name: 'PartitionIndexes', type: '[]int32', versions: '0-7' },
    ] },
    { name: 'Groups', type: '[]struct', versions: '8+', fields: [
      { name: 'GroupId', type: 'string', versions: '8+' },
      { name: 'MemberId', type: 'string', versions: '9+', nullable: '9+', default: "null" },
      { name: 'MemberEpoch', type: 'int32', versions: '9+', default: "-1" },
      { name: 'Topics', type: '[]struct', versions: '8+', nullable: '8+', fields: [
        { name: 'Name', type: 'string', versions: '8+' },
        { name: 'PartitionIndexes', type: '[]int32', versions: '8+' },
      ] },
    ] },
    { name: 'RequireStable', type: 'bool', versions: '7+', default: "false" },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '3+' },
    { name: 'Topics', type: '[]struct', versions: '0-7', fields: [
      { name: 'Name', type: 'string', versions: '0-7' },
      { name: 'Partitions', type: '[]struct', versions: '0-7', fields: [
        { name: 'PartitionIndex', type: 'int32', versions: '0-7' },
        { name: 'CommittedOffset', type: 'int64', versions: '0-7' },
        { name: 'CommittedLeaderEpoch', type: 'int32', versions: '5-7', default: "-1" },
        { name: 'Metadata', type: 'string', versions: '0-7', nullable: '0-7' },
        { name: 'ErrorCode', type: 'int16', versions: '0-7' },
      ] },
    ] },
    { name: 'ErrorCode', type: 'int16', versions: '2-7', default: "0" },
    { name: 'Groups', type: '[]struct', versions: '8+', fields: [
      { name: 'GroupId', type: 'string', versions: '8+' },
      { name: 'Topics', type: '[]struct', versions: '8+', fields: [
        { name: 'Name', type: 'string', versions: '8+' },
        { name: 'Partitions', type: '[]struct', versions: '8+', fields: [
          { name: 'PartitionIndex', type: 'int32', versions: '8+' },
          { name: 'CommittedOffset', type: 'int64', versions: '8+' },
          { name: 'CommittedLeaderEpoch', type: 'int32', versions: '8+', default: "-1" },
          { name: 'Metadata', type: 'string', versions: '8+', nullable: '8+' },
          { name: 'ErrorCode', type: 'int16', versions: '8+' },
        ] },
      ] },
      { name: 'ErrorCode', type: 'int16', versions: '8+', default: "0" },
    ] },
  ],
} as const satisfies ApiSchema;

export interface OffsetFetchRequest {
  groupId: string;
  topics: Array<{
    name: string;
    partitionIndexes: number[];
  }> | null;
  groups: Array<{
    groupId: string;
    memberId: string | null;
    memberEpoch: number;
    topics: Array<{
      name: string;
      partitionIndexes: number[];
    }> | null;
  }>;
  requireStable: boolean;
}

export interface OffsetFetchResponse {
  throttleTimeMs?: number;
  topics?: Array<{
    name?: string;
    partitions?: Array<{
      partitionIndex?: number;
      committedOffset?: number | bigint;
      committedLeaderEpoch?: number;
      metadata?: string | null;
      errorCode?: number;
    }>;
  }>;
  errorCode?: number;
  groups?: Array<{
    groupId?: string;
    topics?: Array<{
      name?: string;
      partitions?: Array<{
        partitionIndex?: number;
        committedOffset?: number | bigint;
        committedLeaderEpoch?: number;
        metadata?: string | null;
        errorCode?: number;
      }>;
    }>;
    errorCode?: number;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<OffsetFetchRequest, OffsetFetchResponse>(schema);

/** The whole request failed with `errorCode` (PostgreSQL unreachable): every group, or every partition before v2. */
export function errorResponse(request: OffsetFetchRequest, errorCode: number, ctx: RequestContext): OffsetFetchResponse {
  const v = ctx.apiVersion;
  if (v >= 8) return { throttleTimeMs: 0, groups: request.groups.map((g) => ({ groupId: g.groupId, topics: [], errorCode })) };
  if (v >= 2) return { throttleTimeMs: 0, errorCode, topics: [] };
  return {
    throttleTimeMs: 0,
    topics: (request.topics ?? []).map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((p) => ({ partitionIndex: p, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode })),
    })),
  };
}

/** Offsets are read through the group's coordinator: while PostgreSQL is unreachable, it is not available. */
export const unavailableError = ErrorCode.COORDINATOR_NOT_AVAILABLE;

export async function handle(request: OffsetFetchRequest, ctx: RequestContext): Promise<OffsetFetchResponse> {
  const v = ctx.apiVersion;
  const coordinator = groupCoordinator(ctx);
  const groupAllowed = (id: string) => ctx.authorize(AclOperation.DESCRIBE, ResourceType.GROUP, id);
  if (v >= 8) {
    const groups = await Promise.all(request.groups.map(async (g) => {
      if (!groupAllowed(g.groupId)) return { groupId: g.groupId, topics: [], errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
      // v9: KIP-848 members name themselves and their epoch (checked against consumer groups only).
      const member = v >= 9 ? { memberId: g.memberId, memberEpoch: g.memberEpoch } : null;
      const out = await fetchGroupOffsets(coordinator, g.groupId, g.topics, { requireStable: request.requireStable, member });
      return { groupId: g.groupId, topics: authorizeTopics(out.topics, g.topics === null, ctx), errorCode: out.errorCode };
    }));
    return { throttleTimeMs: 0, groups };
  }
  const topics = v >= 2 ? request.topics : (request.topics ?? []);
  const out = !groupAllowed(request.groupId) ? { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, topics: [] } : await fetchGroupOffsets(coordinator, request.groupId, topics, { unknownAsError: v === 0, requireStable: v >= 7 && request.requireStable });
  const allowedTopics = authorizeTopics(out.topics, topics === null, ctx);
  if (v >= 2) return { throttleTimeMs: 0, errorCode: out.errorCode, topics: allowedTopics };
  if (out.errorCode === ErrorCode.NONE) return { throttleTimeMs: 0, topics: allowedTopics };
  // v0-1 have no group-level error: every requested partition carries it.
  return {
    throttleTimeMs: 0,
    topics: (topics ?? []).map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((p) => ({ partitionIndex: p, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: out.errorCode })),
    })),
  };
}

type FetchedTopic = { name?: string; partitions?: Array<{ partitionIndex?: number; errorCode?: number }> };

/**
 * Topics the principal may not DESCRIBE: left out when all of the group's topics were asked for, else answered
 * TOPIC_AUTHORIZATION_FAILED (offset -1), as Kafka does.
 */
function authorizeTopics<T extends FetchedTopic>(topics: T[], all: boolean, ctx: RequestContext): T[] {
  const allowed = (t: T) => ctx.authorize(AclOperation.DESCRIBE, ResourceType.TOPIC, t.name ?? '');
  if (all) return topics.filter(allowed);
  return topics.map((t) => allowed(t) ? t : {
    ...t,
    partitions: (t.partitions ?? []).map((p) => ({ ...p, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED })),
  });
}
