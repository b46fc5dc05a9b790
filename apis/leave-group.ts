// LeaveGroup (key 13), versions 0-5: members leave a classic group, which rebalances the others. v0-2 name one
// member and answer with one error code; v3 leaves in batches (member id and/or group.instance.id, one answer
// per member; an instance id alone removes that static member), v4 is flexible, v5 adds a reason.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import type { RequestContext } from '../runtime/context.ts';
import { ErrorCode } from '../codec/errors.ts';
import { groupCoordinator } from '../runtime/groups/coordinator.ts';
import { AclOperation, ResourceType } from '../runtime/auth/acl.ts';

// <generated> by scripts/gen-api.ts from Kafka's LeaveGroupRequest.json and LeaveGroupResponse.json, versions 0-5.
export const schema = {
  apiKey: 13,
  name: 'LeaveGroup',
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 4,
  request: [
    { name: 'GroupId', type: 'string', versions: '0+' },
    { name: 'MemberId', type: 'string', versions: '0-2' },
    { name: 'Members', type: '[]struct', versions: '3+', fields: [
      { name: 'MemberId', type: 'string', versions: '3+' },
      { name: 'GroupInstanceId', type: 'string', versions: '3+', nullable: '3+', default: "null" },
      { name: 'Reason', type: 'string', versions: '5+', nullable: '5+', default: "null" },
    ] },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '1+' },
    { name: 'ErrorCode', type: 'int16', versions: '0+' },
    { name: 'Members', type: '[]struct', versions: '3+', fields: [
      { name: 'MemberId', type: 'string', versions: '3+' },
      { name: 'GroupInstanceId', type: 'string', versions: '3+', nullable: '3+' },
      { name: 'ErrorCode', type: 'int16', versions: '3+' },
    ] },
  ],
} as const satisfies ApiSchema;

export interface LeaveGroupRequest {
  groupId: string;
  memberId: string;
  members: Array<{
    memberId: string;
    groupInstanceId: string | null;
    reason: string | null;
  }>;
}

export interface LeaveGroupResponse {
  throttleTimeMs?: number;
  errorCode?: number;
  members?: Array<{
    memberId?: string;
    groupInstanceId?: string | null;
    errorCode?: number;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<LeaveGroupRequest, LeaveGroupResponse>(schema);

export async function handle(request: LeaveGroupRequest, ctx: RequestContext): Promise<LeaveGroupResponse> {
  const v = ctx.apiVersion;
  if (!ctx.authorize(AclOperation.READ, ResourceType.GROUP, request.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, members: [] };
  const leaving = v >= 3
    ? request.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, reason: v >= 5 ? m.reason : null }))
    : [{ memberId: request.memberId, groupInstanceId: null, reason: null }];
  const result = await groupCoordinator(ctx).leave(request.groupId, leaving);
  if (v < 3) {
    // One member, one code: the group's error, else the member's.
    const errorCode = result.errorCode !== ErrorCode.NONE ? result.errorCode : (result.members.find((c) => c !== ErrorCode.NONE) ?? ErrorCode.NONE);
    return { throttleTimeMs: 0, errorCode };
  }
  return {
    throttleTimeMs: 0,
    errorCode: result.errorCode,
    members: result.errorCode !== ErrorCode.NONE ? [] : leaving.map((m, i) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: result.members[i] })),
  };
}
