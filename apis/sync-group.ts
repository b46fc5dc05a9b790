// SyncGroup (key 14), versions 0-5: after JoinGroup, every member asks for its assignment; the leader brings
// everyone's. The assignments are persisted, then relayed byte for byte. v1 adds throttle time, v3 static
// membership, v4 is flexible, v5 carries the protocol type and name (checked against the group's).
// Concurrent: followers wait for the leader's SyncGroup.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import { ErrorCode } from '../codec/errors.ts';
import type { RequestContext } from '../runtime/context.ts';
import { groupCoordinator } from '../runtime/groups/coordinator.ts';
import { AclOperation, ResourceType } from '../runtime/auth/acl.ts';

// <generated> by scripts/gen-api.ts from Kafka's SyncGroupRequest.json and SyncGroupResponse.json, versions 0-5.
export const schema = {
  apiKey: 14,
  name: 'SyncGroup',
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 4,
  request: [
    { name: 'GroupId', type: 'string', versions: '0+' },
    { name: 'GenerationId', type: 'int32', versions: '0+' },
    { name: 'MemberId', type: 'string', versions: '0+' },
    { name: 'GroupInstanceId', type: 'string', versions: '3+', nullable: '3+', default: "null" },
    { name: 'ProtocolType', type: 'string', versions: '5+', nullable: '5+', default: "null" },
    { name: 'ProtocolName', type: 'string', versions: '5+', nullable: '5+', default: "null" },
    { name: 'Assignments', type: '[]struct', versions: '0+', fields: [
      { name: 'MemberId', type: 'string', versions: '0+' },
      { name: 'Assignment', type: 'bytes', versions: '0+' },
    ] },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '1+' },
    { name: 'ErrorCode', type: 'int16', versions: '0+' },
    { name: 'ProtocolType', type: 'string', versions: '5+', nullable: '5+', default: "null" },
    { name: 'ProtocolName', type: 'string', versions: '5+', nullable: '5+', default: "null" },
    { name: 'Assignment', type: 'bytes', versions: '0+' },
  ],
} as const satisfies ApiSchema;

export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  assignments: Array<{
    memberId: string;
    assignment: Uint8Array;
  }>;
}

export interface SyncGroupResponse {
  throttleTimeMs?: number;
  errorCode?: number;
  protocolType?: string | null;
  protocolName?: string | null;
  assignment?: Uint8Array;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<SyncGroupRequest, SyncGroupResponse>(schema);

export const concurrent = true;

export async function handle(request: SyncGroupRequest, ctx: RequestContext): Promise<SyncGroupResponse> {
  const v = ctx.apiVersion;
  if (!ctx.authorize(AclOperation.READ, ResourceType.GROUP, request.groupId)) {
    return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, protocolType: null, protocolName: null, assignment: new Uint8Array(0) };
  }
  const result = await groupCoordinator(ctx).sync(request.groupId, {
    memberId: request.memberId,
    generationId: request.generationId,
    groupInstanceId: v >= 3 ? request.groupInstanceId : null,
    protocolType: v >= 5 ? request.protocolType : null,
    protocolName: v >= 5 ? request.protocolName : null,
    assignments: request.assignments.map((a) => ({ memberId: a.memberId, assignment: (a.assignment ?? new Uint8Array(0)).slice() })),
  }, ctx.signal);
  return {
    throttleTimeMs: 0,
    errorCode: result.errorCode,
    protocolType: result.protocolType,
    protocolName: result.protocolName,
    assignment: result.assignment,
  };
}
