// Heartbeat (key 12), versions 0-4: a member of a classic group says it is alive; the answer tells it to rejoin
// (REBALANCE_IN_PROGRESS) or that it is fenced (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID).
// v1 adds throttle time, v3 static membership, v4 is flexible. Concurrent: never waits behind a pending join.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import { ErrorCode } from '../codec/errors.ts';
import type { RequestContext } from '../runtime/context.ts';
import { groupCoordinator } from '../runtime/groups/coordinator.ts';
import { AclOperation, ResourceType } from '../runtime/auth/acl.ts';

// <generated> by scripts/gen-api.ts from Kafka's HeartbeatRequest.json and HeartbeatResponse.json, versions 0-4.
export const schema = {
  apiKey: 12,
  name: 'Heartbeat',
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 4,
  request: [
    { name: 'GroupId', type: 'string', versions: '0+' },
    { name: 'GenerationId', type: 'int32', versions: '0+' },
    { name: 'MemberId', type: 'string', versions: '0+' },
    { name: 'GroupInstanceId', type: 'string', versions: '3+', nullable: '3+', default: "null" },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '1+' },
    { name: 'ErrorCode', type: 'int16', versions: '0+' },
  ],
} as const satisfies ApiSchema;

export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export interface HeartbeatResponse {
  throttleTimeMs?: number;
  errorCode?: number;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<HeartbeatRequest, HeartbeatResponse>(schema);

export const concurrent = true;

export async function handle(request: HeartbeatRequest, ctx: RequestContext): Promise<HeartbeatResponse> {
  if (!ctx.authorize(AclOperation.READ, ResourceType.GROUP, request.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
  const groupInstanceId = ctx.apiVersion >= 3 ? request.groupInstanceId : null;
  const errorCode = await groupCoordinator(ctx).heartbeat(request.groupId, request.memberId, groupInstanceId, request.generationId);
  return { throttleTimeMs: 0, errorCode };
}
