// IncrementalAlterConfigs (key 44), versions 0-1: changes topic configs and dynamic broker configs (per node id,
// or "" for the cluster-wide defaults) key by key: SET, DELETE, APPEND and SUBTRACT (list settings such as
// cleanup.policy), with validateOnly. v1 is flexible. The rules and errors are runtime/alter-configs.ts's.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import { ErrorCode } from '../codec/errors.ts';
import type { RequestContext } from '../runtime/context.ts';
import { alterConfigs } from '../runtime/alter-configs.ts';

// <generated> by scripts/gen-api.ts from Kafka's IncrementalAlterConfigsRequest.json and IncrementalAlterConfigsResponse.json, versions 0-1.
export const schema = {
  apiKey: 44,
  name: 'IncrementalAlterConfigs',
  minVersion: 0,
  maxVersion: 1,
  flexibleFrom: 1,
  request: [
    { name: 'Resources', type: '[]struct', versions: '0+', fields: [
      { name: 'ResourceType', type: 'int8', versions: '0+' },
      { name: 'ResourceName', type: 'string', versions: '0+' },
      { name: 'Configs', type: '[]struct', versions: '0+', fields: [
        { name: 'Name', type: 'string', versions: '0+' },
        { name: 'ConfigOperation', type: 'int8', versions: '0+' },
        { name: 'Value', type: 'string', versions: '0+', nullable: '0+' },
      ] },
    ] },
    { name: 'ValidateOnly', type: 'bool', versions: '0+' },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '0+' },
    { name: 'Responses', type: '[]struct', versions: '0+', fields: [
      { name: 'ErrorCode', type: 'int16', versions: '0+' },
      { name: 'ErrorMessage', type: 'string', versions: '0+', nullable: '0+' },
      { name: 'ResourceType', type: 'int8', versions: '0+' },
      { name: 'ResourceName', type: 'string', versions: '0+' },
    ] },
  ],
} as const satisfies ApiSchema;

export interface IncrementalAlterConfigsRequest {
  resources: Array<{
    resourceType: number;
    resourceName: string;
    configs: Array<{
      name: string;
      configOperation: number;
      value: string | null;
    }>;
  }>;
  validateOnly: boolean;
}

export interface IncrementalAlterConfigsResponse {
  throttleTimeMs?: number;
  responses?: Array<{
    errorCode?: number;
    errorMessage?: string | null;
    resourceType?: number;
    resourceName?: string;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse>(schema);

/** The whole request failed with `errorCode` (PostgreSQL unreachable): every resource gets it. */
export function errorResponse(request: IncrementalAlterConfigsRequest, errorCode: number): IncrementalAlterConfigsResponse {
  return { throttleTimeMs: 0, responses: request.resources.map((r) => ({ errorCode, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName })) };
}

/** Kafka's retriable answer when the controller does not answer in time. */
export const unavailableError = ErrorCode.REQUEST_TIMED_OUT;

export async function handle(request: IncrementalAlterConfigsRequest, ctx: RequestContext): Promise<IncrementalAlterConfigsResponse> {
  const resources = request.resources.map((r) => ({
    resourceType: r.resourceType,
    resourceName: r.resourceName,
    changes: r.configs.map((c) => ({ name: c.name, op: c.configOperation, value: c.value })),
  }));
  const results = await alterConfigs(resources, 'incremental', request.validateOnly, ctx);
  return {
    throttleTimeMs: 0,
    responses: request.resources.map((r, i) => ({ ...results[i], resourceType: r.resourceType, resourceName: r.resourceName })),
  };
}
