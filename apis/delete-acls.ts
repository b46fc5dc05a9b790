// DeleteAcls (key 31), versions 0-3: deletes the stored ACL bindings each filter matches (ANY and MATCH as
// Kafka's AclBindingFilter) and returns them per filter. v0 filters LITERAL patterns only, v1 adds pattern
// types, v2 is flexible, v3 the same. Needs ALTER on the cluster; SECURITY_DISABLED without an authorizer.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import type { RequestContext } from '../runtime/context.ts';
import { ErrorCode } from '../codec/errors.ts';
import { AclOperation } from '../runtime/authorized-operations.ts';
import { CLUSTER_NAME, fromWireFilter, invalidFilter, ResourceType } from '../runtime/auth/acl.ts';
import { SECURITY_DISABLED_MESSAGE } from '../runtime/auth/authorizer.ts';

// <generated> by scripts/gen-api.ts from Kafka's DeleteAclsRequest.json and DeleteAclsResponse.json, versions 0-3.
export const schema = {
  apiKey: 31,
  name: 'DeleteAcls',
  minVersion: 0,
  maxVersion: 3,
  flexibleFrom: 2,
  request: [
    { name: 'Filters', type: '[]struct', versions: '0+', fields: [
      { name: 'ResourceTypeFilter', type: 'int8', versions: '0+' },
      { name: 'ResourceNameFilter', type: 'string', versions: '0+', nullable: '0+' },
      { name: 'PatternTypeFilter', type: 'int8', versions: '1+', default: "3" },
      { name: 'PrincipalFilter', type: 'string', versions: '0+', nullable: '0+' },
      { name: 'HostFilter', type: 'string', versions: '0+', nullable: '0+' },
      { name: 'Operation', type: 'int8', versions: '0+' },
      { name: 'PermissionType', type: 'int8', versions: '0+' },
    ] },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '0+' },
    { name: 'FilterResults', type: '[]struct', versions: '0+', fields: [
      { name: 'ErrorCode', type: 'int16', versions: '0+' },
      { name: 'ErrorMessage', type: 'string', versions: '0+', nullable: '0+' },
      { name: 'MatchingAcls', type: '[]struct', versions: '0+', fields: [
        { name: 'ErrorCode', type: 'int16', versions: '0+' },
        { name: 'ErrorMessage', type: 'string', versions: '0+', nullable: '0+' },
        { name: 'ResourceType', type: 'int8', versions: '0+' },
        { name: 'ResourceName', type: 'string', versions: '0+' },
        { name: 'PatternType', type: 'int8', versions: '1+', default: "3" },
        { name: 'Principal', type: 'string', versions: '0+' },
        { name: 'Host', type: 'string', versions: '0+' },
        { name: 'Operation', type: 'int8', versions: '0+' },
        { name: 'PermissionType', type: 'int8', versions: '0+' },
      ] },
    ] },
  ],
} as const satisfies ApiSchema;

export interface DeleteAclsRequest {
  filters: Array<{
    resourceTypeFilter: number;
    resourceNameFilter: string | null;
    patternTypeFilter: number;
    principalFilter: string | null;
    hostFilter: string | null;
    operation: number;
    permissionType: number;
  }>;
}

export interface DeleteAclsResponse {
  throttleTimeMs?: number;
  filterResults?: Array<{
    errorCode?: number;
    errorMessage?: string | null;
    matchingAcls?: Array<{
      errorCode?: number;
      errorMessage?: string | null;
      resourceType?: number;
      resourceName?: string;
      patternType?: number;
      principal?: string;
      host?: string;
      operation?: number;
      permissionType?: number;
    }>;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<DeleteAclsRequest, DeleteAclsResponse>(schema);

/** The whole request failed with `errorCode` (PostgreSQL unreachable): every filter gets it, matching nothing. */
export function errorResponse(request: DeleteAclsRequest, errorCode: number): DeleteAclsResponse {
  return { throttleTimeMs: 0, filterResults: request.filters.map(() => ({ errorCode, errorMessage: null, matchingAcls: [] })) };
}

/** Kafka's retriable answer when the controller does not answer in time. */
export const unavailableError = ErrorCode.REQUEST_TIMED_OUT;

export async function handle(request: DeleteAclsRequest, ctx: RequestContext): Promise<DeleteAclsResponse> {
  const { authorizer } = ctx.broker;
  const fail = (errorCode: number, errorMessage: string | null) => ({
    throttleTimeMs: 0,
    filterResults: request.filters.map(() => ({ errorCode, errorMessage, matchingAcls: [] })),
  });
  if (!authorizer.enabled) return fail(ErrorCode.SECURITY_DISABLED, SECURITY_DISABLED_MESSAGE);
  if (!ctx.authorize(AclOperation.ALTER, ResourceType.CLUSTER, CLUSTER_NAME)) return fail(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, null);
  const filters = request.filters.map(fromWireFilter);
  const problems = filters.map(invalidFilter);
  const valid = filters.filter((_, i) => problems[i] === null);
  const deleted = await authorizer.delete(valid);
  let next = 0;
  return {
    throttleTimeMs: 0,
    filterResults: problems.map((problem) => {
      if (problem !== null) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: problem, matchingAcls: [] };
      return {
        errorCode: 0,
        errorMessage: null,
        matchingAcls: deleted[next++].map((b) => ({
          errorCode: 0,
          errorMessage: null,
          resourceType: b.resourceType,
          resourceName: b.resourceName,
          patternType: b.patternType,
          principal: b.principal,
          host: b.host,
          operation: b.operation,
          permissionType: b.permission,
        })),
      };
    }),
  };
}
