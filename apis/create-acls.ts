// CreateAcls (key 30), versions 0-3: stores ACL bindings in kafka.acls (runtime/auth/). v0 has no pattern type
// (LITERAL), v1 adds it, v2 is flexible, v3 the same. Needs ALTER on the cluster; a binding Kafka would refuse
// gets INVALID_REQUEST with Kafka's message; without an authorizer every creation answers SECURITY_DISABLED.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import type { RequestContext } from '../runtime/context.ts';
import { ErrorCode } from '../codec/errors.ts';
import { AclOperation } from '../runtime/authorized-operations.ts';
import { CLUSTER_NAME, invalidBinding, ResourceType, type AclBinding } from '../runtime/auth/acl.ts';
import { SECURITY_DISABLED_MESSAGE } from '../runtime/auth/authorizer.ts';

// <generated> by scripts/gen-api.ts from Kafka's CreateAclsRequest.json and CreateAclsResponse.json, versions 0-3.
export const schema = {
  apiKey: 30,
  name: 'CreateAcls',
  minVersion: 0,
  maxVersion: 3,
  flexibleFrom: 2,
  request: [
    { name: 'Creations', type: '[]struct', versions: '0+', fields: [
      { name: 'ResourceType', type: 'int8', versions: '0+' },
      { name: 'ResourceName', type: 'string', versions: '0+' },
      { name: 'ResourcePatternType', type: 'int8', versions: '1+', default: "3" },
      { name: 'Principal', type: 'string', versions: '0+' },
      { name: 'Host', type: 'string', versions: '0+' },
      { name: 'Operation', type: 'int8', versions: '0+' },
      { name: 'PermissionType', type: 'int8', versions: '0+' },
    ] },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '0+' },
    { name: 'Results', type: '[]struct', versions: '0+', fields: [
      { name: 'ErrorCode', type: 'int16', versions: '0+' },
      { name: 'ErrorMessage', type: 'string', versions: '0+', nullable: '0+' },
    ] },
  ],
} as const satisfies ApiSchema;

export interface CreateAclsRequest {
  creations: Array<{
    resourceType: number;
    resourceName: string;
    resourcePatternType: number;
    principal: string;
    host: string;
    operation: number;
    permissionType: number;
  }>;
}

export interface CreateAclsResponse {
  throttleTimeMs?: number;
  results?: Array<{
    errorCode?: number;
    errorMessage?: string | null;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<CreateAclsRequest, CreateAclsResponse>(schema);

/** The whole request failed with `errorCode` (PostgreSQL unreachable): every creation gets it. */
export function errorResponse(request: CreateAclsRequest, errorCode: number): CreateAclsResponse {
  return { throttleTimeMs: 0, results: request.creations.map(() => ({ errorCode, errorMessage: null })) };
}

/** Kafka's retriable answer when the controller does not answer in time. */
export const unavailableError = ErrorCode.REQUEST_TIMED_OUT;

export async function handle(request: CreateAclsRequest, ctx: RequestContext): Promise<CreateAclsResponse> {
  const { authorizer } = ctx.broker;
  const fail = (errorCode: number, errorMessage: string | null) => ({ throttleTimeMs: 0, results: request.creations.map(() => ({ errorCode, errorMessage })) });
  if (!authorizer.enabled) return fail(ErrorCode.SECURITY_DISABLED, SECURITY_DISABLED_MESSAGE);
  if (!ctx.authorize(AclOperation.ALTER, ResourceType.CLUSTER, CLUSTER_NAME)) return fail(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, null);
  const bindings: AclBinding[] = request.creations.map((c) => ({
    principal: c.principal,
    host: c.host,
    resourceType: c.resourceType,
    resourceName: c.resourceName,
    patternType: c.resourcePatternType,
    operation: c.operation,
    permission: c.permissionType,
  }));
  const problems = bindings.map(invalidBinding);
  await authorizer.create(bindings.filter((_, i) => problems[i] === null));
  return {
    throttleTimeMs: 0,
    results: problems.map((p) => (p === null ? { errorCode: 0, errorMessage: null } : { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: p })),
  };
}
