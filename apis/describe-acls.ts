// DescribeAcls (key 29), versions 0-3: the stored ACL bindings one filter matches, grouped by resource pattern.
// v0 filters LITERAL patterns only (no pattern type field), v1 adds pattern types (ANY, MATCH, LITERAL,
// PREFIXED), v2 is flexible, v3 the same. Needs DESCRIBE on the cluster; SECURITY_DISABLED without an authorizer.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import type { RequestContext } from '../runtime/context.ts';
import { ErrorCode } from '../codec/errors.ts';
import { AclOperation } from '../runtime/authorized-operations.ts';
import { CLUSTER_NAME, fromWireFilter, invalidFilter, ResourceType } from '../runtime/auth/acl.ts';
import { SECURITY_DISABLED_MESSAGE } from '../runtime/auth/authorizer.ts';

// <generated> by scripts/gen-api.ts from Kafka's DescribeAclsRequest.json and DescribeAclsResponse.json, versions 0-3.
export const schema = {
  apiKey: 29,
  name: 'DescribeAcls',
  minVersion: 0,
  maxVersion: 3,
  flexibleFrom: 2,
  request: [
    { name: 'ResourceTypeFilter', type: 'int8', versions: '0+' },
    { name: 'ResourceNameFilter', type: 'string', versions: '0+', nullable: '0+' },
    { name: 'PatternTypeFilter', type: 'int8', versions: '1+', default: "3" },
    { name: 'PrincipalFilter', type: 'string', versions: '0+', nullable: '0+' },
    { name: 'HostFilter', type: 'string', versions: '0+', nullable: '0+' },
    { name: 'Operation', type: 'int8', versions: '0+' },
    { name: 'PermissionType', type: 'int8', versions: '0+' },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '0+' },
    { name: 'ErrorCode', type: 'int16', versions: '0+' },
    { name: 'ErrorMessage', type: 'string', versions: '0+', nullable: '0+' },
    { name: 'Resources', type: '[]struct', versions: '0+', fields: [
      { name: 'ResourceType', type: 'int8', versions: '0+' },
      { name: 'ResourceName', type: 'string', versions: '0+' },
      { name: 'PatternType', type: 'int8', versions: '1+', default: "3" },
      { name: 'Acls', type: '[]struct', versions: '0+', fields: [
        { name: 'Principal', type: 'string', versions: '0+' },
        { name: 'Host', type: 'string', versions: '0+' },
        { name: 'Operation', type: 'int8', versions: '0+' },
        { name: 'PermissionType', type: 'int8', versions: '0+' },
      ] },
    ] },
  ],
} as const satisfies ApiSchema;

export interface DescribeAclsRequest {
  resourceTypeFilter: number;
  resourceNameFilter: string | null;
  patternTypeFilter: number;
  principalFilter: string | null;
  hostFilter: string | null;
  operation: number;
  permissionType: number;
}

export interface DescribeAclsResponse {
  throttleTimeMs?: number;
  errorCode?: number;
  errorMessage?: string | null;
  resources?: Array<{
    resourceType?: number;
    resourceName?: string;
    patternType?: number;
    acls?: Array<{
      principal?: string;
      host?: string;
      operation?: number;
      permissionType?: number;
    }>;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<DescribeAclsRequest, DescribeAclsResponse>(schema);

/** Answered at the top level while PostgreSQL is unreachable: Kafka's retriable answer when the controller does not
 * answer in time (not COORDINATOR_NOT_AVAILABLE: there is no coordinator behind this API). */
export const unavailableError = ErrorCode.REQUEST_TIMED_OUT;

export async function handle(request: DescribeAclsRequest, ctx: RequestContext): Promise<DescribeAclsResponse> {
  const { authorizer } = ctx.broker;
  const fail = (errorCode: number, errorMessage: string | null) => ({ throttleTimeMs: 0, errorCode, errorMessage, resources: [] });
  if (!authorizer.enabled) return fail(ErrorCode.SECURITY_DISABLED, SECURITY_DISABLED_MESSAGE);
  if (!ctx.authorize(AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME)) return fail(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, null);
  const filter = fromWireFilter(request);
  const problem = invalidFilter(filter);
  if (problem) return fail(ErrorCode.INVALID_REQUEST, problem);
  const resources = new Map<string, NonNullable<DescribeAclsResponse['resources']>[number] & { acls: unknown[] }>();
  for (const b of await authorizer.describe(filter)) {
    const key = JSON.stringify([b.resourceType, b.resourceName, b.patternType]);
    let r = resources.get(key);
    if (!r) {
      r = { resourceType: b.resourceType, resourceName: b.resourceName, patternType: b.patternType, acls: [] };
      resources.set(key, r);
    }
    r.acls.push({ principal: b.principal, host: b.host, operation: b.operation, permissionType: b.permission });
  }
  return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, resources: [...resources.values()] };
}
