// FindCoordinator (key 10), versions 0-6: which broker coordinates a consumer group (key type 0) or a
// transactional id (key type 1). v1 adds the key type and an error message, v3 is flexible, v4 batches keys
// (one answer per key), v5 adds an error code, v6 share groups (key type 2, not served). Groups: the broker
// holding the lease on the group's slot (claimed here if free), with the endpoint the broker registry lists for it
// (COORDINATOR_NOT_AVAILABLE while no live broker of that node id is registered). Transactions: this broker.
// Any other key type (share groups included): INVALID_REQUEST.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import { ErrorCode, errorName } from '../codec/errors.ts';
import { endpointFor } from '../runtime/listeners.ts';
import type { RequestContext } from '../runtime/context.ts';
import { groupCoordinator } from '../runtime/groups/coordinator.ts';
import { AclOperation, ResourceType } from '../runtime/auth/acl.ts';

// <generated> by scripts/gen-api.ts from Kafka's FindCoordinatorRequest.json and FindCoordinatorResponse.json, versions 0-6.
export const schema = {
  apiKey: 10,
  name: 'FindCoordinator',
  minVersion: 0,
  maxVersion: 6,
  flexibleFrom: 3,
  request: [
    { name: 'Key', type: 'string', versions: '0-3' },
    { name: 'KeyType', type: 'int8', versions: '1+', default: "0" },
    { name: 'CoordinatorKeys', type: '[]string', versions: '4+' },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '1+' },
    { name: 'ErrorCode', type: 'int16', versions: '0-3' },
    { name: 'ErrorMessage', type: 'string', versions: '1-3', nullable: '1-3' },
    { name: 'NodeId', type: 'int32', versions: '0-3' },
    { name: 'Host', type: 'string', versions: '0-3' },
    { name: 'Port', type: 'int32', versions: '0-3' },
    { name: 'Coordinators', type: '[]struct', versions: '4+', fields: [
      { name: 'Key', type: 'string', versions: '4+' },
      { name: 'NodeId', type: 'int32', versions: '4+' },
      { name: 'Host', type: 'string', versions: '4+' },
      { name: 'Port', type: 'int32', versions: '4+' },
      { name: 'ErrorCode', type: 'int16', versions: '4+' },
      { name: 'ErrorMessage', type: 'string', versions: '4+', nullable: '4+' },
    ] },
  ],
} as const satisfies ApiSchema;

export interface FindCoordinatorRequest {
  key: string;
  keyType: number;
  coordinatorKeys: string[];
}

export interface FindCoordinatorResponse {
  throttleTimeMs?: number;
  errorCode?: number;
  errorMessage?: string | null;
  nodeId?: number;
  host?: string;
  port?: number;
  coordinators?: Array<{
    key?: string;
    nodeId?: number;
    host?: string;
    port?: number;
    errorCode?: number;
    errorMessage?: string | null;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<FindCoordinatorRequest, FindCoordinatorResponse>(schema);

export const concurrent = true;

const KeyType = { GROUP: 0, TRANSACTION: 1 } as const;

interface Answer {
  errorCode: number;
  errorMessage: string | null;
  nodeId: number;
  host: string;
  port: number;
}

function failure(errorCode: number): Answer {
  return { errorCode, errorMessage: errorName(errorCode), nodeId: -1, host: '', port: -1 };
}

async function find(key: string, keyType: number, ctx: RequestContext): Promise<Answer> {
  if (keyType === KeyType.TRANSACTION) {
    if (!ctx.authorize(AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, key)) return failure(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    const self = ctx.broker.info;
    const e = endpointFor(self, ctx.listenerName) ?? self;
    return { errorCode: ErrorCode.NONE, errorMessage: null, nodeId: self.nodeId, host: e.host, port: e.port };
  }
  if (keyType !== KeyType.GROUP) return failure(ErrorCode.INVALID_REQUEST);
  if (!ctx.authorize(AclOperation.DESCRIBE, ResourceType.GROUP, key)) return failure(ErrorCode.GROUP_AUTHORIZATION_FAILED);
  const owner = await groupCoordinator(ctx).coordinatorFor(key);
  // Clients look the coordinator up in Metadata's broker list: name it only as the registry lists it.
  const broker = owner && (await ctx.broker.cluster.lookup(owner.nodeId));
  const endpoint = broker && endpointFor(broker, ctx.listenerName);
  if (!broker || !endpoint) return failure(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  return { errorCode: ErrorCode.NONE, errorMessage: null, nodeId: broker.nodeId, host: endpoint.host, port: endpoint.port };
}

/** The whole request failed with `errorCode` (PostgreSQL unreachable): every key gets it. */
export function errorResponse(request: FindCoordinatorRequest, errorCode: number, ctx: RequestContext): FindCoordinatorResponse {
  const none = { nodeId: -1, host: '', port: -1, errorCode, errorMessage: null };
  if (ctx.apiVersion >= 4) return { throttleTimeMs: 0, coordinators: request.coordinatorKeys.map((key) => ({ key, ...none })) };
  return { throttleTimeMs: 0, ...none };
}

export const unavailableError = ErrorCode.COORDINATOR_NOT_AVAILABLE;

export async function handle(request: FindCoordinatorRequest, ctx: RequestContext): Promise<FindCoordinatorResponse> {
  const keyType = ctx.apiVersion >= 1 ? request.keyType : KeyType.GROUP;
  if (ctx.apiVersion >= 4) {
    const coordinators = await Promise.all(request.coordinatorKeys.map(async (key) => ({ key, ...(await find(key, keyType, ctx)) })));
    return { throttleTimeMs: 0, coordinators };
  }
  return { throttleTimeMs: 0, ...(await find(request.key, keyType, ctx)) };
}
