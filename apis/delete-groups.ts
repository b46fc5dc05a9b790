// DeleteGroups (key 42), versions 0-2: removes empty groups with their committed offsets. A group with members
// gets NON_EMPTY_GROUP, one that does not exist GROUP_ID_NOT_FOUND. v1 is the same, v2 is flexible.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import { ErrorCode } from '../codec/errors.ts';
import type { RequestContext } from '../runtime/context.ts';
import { groupCoordinator } from '../runtime/groups/coordinator.ts';
import { deleteGroupsById } from '../runtime/groups/admin.ts';
import { AclOperation, ResourceType } from '../runtime/auth/acl.ts';

// <generated> by scripts/gen-api.ts from Kafka's DeleteGroupsRequest.json and DeleteGroupsResponse.json, versions 0-2.
export const schema = {
  apiKey: 42,
  name: 'DeleteGroups',
  minVersion: 0,
  maxVersion: 2,
  flexibleFrom: 2,
  request: [
    { name: 'GroupsNames', type: '[]string', versions: '0+' },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '0+' },
    { name: 'Results', type: '[]struct', versions: '0+', fields: [
      { name: 'GroupId', type: 'string', versions: '0+' },
      { name: 'ErrorCode', type: 'int16', versions: '0+' },
    ] },
  ],
} as const satisfies ApiSchema;

export interface DeleteGroupsRequest {
  groupsNames: string[];
}

export interface DeleteGroupsResponse {
  throttleTimeMs?: number;
  results?: Array<{
    groupId?: string;
    errorCode?: number;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<DeleteGroupsRequest, DeleteGroupsResponse>(schema);

/** The whole request failed with `errorCode` (PostgreSQL unreachable): every group gets it. */
export function errorResponse(request: DeleteGroupsRequest, errorCode: number): DeleteGroupsResponse {
  return { throttleTimeMs: 0, results: request.groupsNames.map((groupId) => ({ groupId, errorCode })) };
}

export const unavailableError = ErrorCode.COORDINATOR_NOT_AVAILABLE;

export async function handle(request: DeleteGroupsRequest, ctx: RequestContext): Promise<DeleteGroupsResponse> {
  const allowed = (id: string) => ctx.authorize(AclOperation.DELETE, ResourceType.GROUP, id);
  const deleted = await deleteGroupsById(groupCoordinator(ctx), request.groupsNames.filter(allowed));
  const denied = request.groupsNames.filter((id) => !allowed(id)).map((groupId) => ({ groupId, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED }));
  return { throttleTimeMs: 0, results: [...deleted, ...denied] };
}
