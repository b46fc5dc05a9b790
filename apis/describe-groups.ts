// DescribeGroups (key 15), versions 0-5: state, protocol and members of groups; member metadata and assignments
// (and the protocol) only while the group is Stable. A group that does not exist is Dead, without an error.
// v1 adds throttle time, v3 authorized operations (on request), v4 group.instance.id, v5 is flexible.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import { ErrorCode } from '../codec/errors.ts';
import type { RequestContext } from '../runtime/context.ts';
import { groupCoordinator } from '../runtime/groups/coordinator.ts';
import { describeGroups } from '../runtime/groups/admin.ts';
import { GROUP_OPERATIONS, OPERATIONS_NOT_REQUESTED } from '../runtime/authorized-operations.ts';
import { AclOperation, ResourceType } from '../runtime/auth/acl.ts';

// <generated> by scripts/gen-api.ts from Kafka's DescribeGroupsRequest.json and DescribeGroupsResponse.json, versions 0-5.
export const schema = {
  apiKey: 15,
  name: 'DescribeGroups',
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 5,
  request: [
    { name: 'Groups', type: '[]string', versions: '0+' },
    { name: 'IncludeAuthorizedOperations', type: 'bool', versions: '3+' },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '1+' },
    { name: 'Groups', type: '[]struct', versions: '0+', fields: [
      { name: 'ErrorCode', type: 'int16', versions: '0+' },
      { name: 'GroupId', type: 'string', versions: '0+' },
      { name: 'GroupState', type: 'string', versions: '0+' },
      { name: 'ProtocolType', type: 'string', versions: '0+' },
      { name: 'ProtocolData', type: 'string', versions: '0+' },
      { name: 'Members', type: '[]struct', versions: '0+', fields: [
        { name: 'MemberId', type: 'string', versions: '0+' },
        { name: 'GroupInstanceId', type: 'string', versions: '4+', nullable: '4+', default: "null" },
        { name: 'ClientId', type: 'string', versions: '0+' },
        { name: 'ClientHost', type: 'string', versions: '0+' },
        { name: 'MemberMetadata', type: 'bytes', versions: '0+' },
        { name: 'MemberAssignment', type: 'bytes', versions: '0+' },
      ] },
      { name: 'AuthorizedOperations', type: 'int32', versions: '3+', default: "-2147483648" },
    ] },
  ],
} as const satisfies ApiSchema;

export interface DescribeGroupsRequest {
  groups: string[];
  includeAuthorizedOperations: boolean;
}

export interface DescribeGroupsResponse {
  throttleTimeMs?: number;
  groups?: Array<{
    errorCode?: number;
    groupId?: string;
    groupState?: string;
    protocolType?: string;
    protocolData?: string;
    members?: Array<{
      memberId?: string;
      groupInstanceId?: string | null;
      clientId?: string;
      clientHost?: string;
      memberMetadata?: Uint8Array;
      memberAssignment?: Uint8Array;
    }>;
    authorizedOperations?: number;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<DescribeGroupsRequest, DescribeGroupsResponse>(schema);

export const concurrent = true;

/** AclEntry.supportedOperations(GROUP): READ, DELETE and DESCRIBE. */

/** The whole request failed with `errorCode` (PostgreSQL unreachable): every group gets it. */
export function errorResponse(request: DescribeGroupsRequest, errorCode: number): DescribeGroupsResponse {
  return { throttleTimeMs: 0, groups: request.groups.map((groupId) => ({ errorCode, groupId, groupState: '', protocolType: '', protocolData: '', members: [] })) };
}

export const unavailableError = ErrorCode.COORDINATOR_NOT_AVAILABLE;

export async function handle(request: DescribeGroupsRequest, ctx: RequestContext): Promise<DescribeGroupsResponse> {
  const asked = ctx.apiVersion >= 3 && request.includeAuthorizedOperations;
  const allowed = request.groups.filter((id) => ctx.authorize(AclOperation.DESCRIBE, ResourceType.GROUP, id));
  const described = new Map((await describeGroups(groupCoordinator(ctx), allowed)).map((g) => [g.groupId, g]));
  const groups = request.groups.map((id) => {
    const g = described.get(id);
    if (!g) return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, groupId: id, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: OPERATIONS_NOT_REQUESTED };
    const operations = asked ? ctx.authorizedOperations(ResourceType.GROUP, id, GROUP_OPERATIONS) : OPERATIONS_NOT_REQUESTED;
    return { ...g, authorizedOperations: g.errorCode === 0 ? operations : OPERATIONS_NOT_REQUESTED };
  });
  return { throttleTimeMs: 0, groups };
}
