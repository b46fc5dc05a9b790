// ListGroups (key 16), versions 0-5: the groups this broker coordinates, with their protocol type. v1 adds
// throttle time, v3 is flexible, v4 filters by state (and returns it), v5 filters by type ("classic", or
// "consumer" for KIP-848 groups). Filters match case-insensitively; an empty filter matches all.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import type { RequestContext } from '../runtime/context.ts';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../runtime/auth/acl.ts';
import { ErrorCode } from '../codec/errors.ts';
import { groupCoordinator } from '../runtime/groups/coordinator.ts';
import { listGroups } from '../runtime/groups/admin.ts';

// <generated> by scripts/gen-api.ts from Kafka's ListGroupsRequest.json and ListGroupsResponse.json, versions 0-5.
export const schema = {
  apiKey: 16,
  name: 'ListGroups',
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 3,
  request: [
    { name: 'StatesFilter', type: '[]string', versions: '4+' },
    { name: 'TypesFilter', type: '[]string', versions: '5+' },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '1+' },
    { name: 'ErrorCode', type: 'int16', versions: '0+' },
    { name: 'Groups', type: '[]struct', versions: '0+', fields: [
      { name: 'GroupId', type: 'string', versions: '0+' },
      { name: 'ProtocolType', type: 'string', versions: '0+' },
      { name: 'GroupState', type: 'string', versions: '4+' },
      { name: 'GroupType', type: 'string', versions: '5+' },
    ] },
  ],
} as const satisfies ApiSchema;

export interface ListGroupsRequest {
  statesFilter: string[];
  typesFilter: string[];
}

export interface ListGroupsResponse {
  throttleTimeMs?: number;
  errorCode?: number;
  groups?: Array<{
    groupId?: string;
    protocolType?: string;
    groupState?: string;
    groupType?: string;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<ListGroupsRequest, ListGroupsResponse>(schema);

export const concurrent = true;

export async function handle(request: ListGroupsRequest, ctx: RequestContext): Promise<ListGroupsResponse> {
  const v = ctx.apiVersion;
  const all = await listGroups(groupCoordinator(ctx), v >= 4 ? request.statesFilter : [], v >= 5 ? request.typesFilter : []);
  // DESCRIBE on the cluster lists every group; without it, the groups the principal may DESCRIBE (as Kafka).
  const groups = ctx.authorize(AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME)
    ? all
    : all.filter((g) => ctx.authorize(AclOperation.DESCRIBE, ResourceType.GROUP, g.groupId));
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups };
}
