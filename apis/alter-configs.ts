// AlterConfigs (key 33), versions 0-2, the legacy API (kafkajs, AKHQ): the configs given replace every dynamic
// config of the resource (a topic's explicit configs, or a broker's dynamic ones: per node id or "" for the
// cluster-wide defaults); what is left out goes back to its default. v1 changes nothing on the wire, v2 is
// flexible. The rules and errors are runtime/alter-configs.ts's.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import { ErrorCode } from '../codec/errors.ts';
import type { RequestContext } from '../runtime/context.ts';
import { alterConfigs, ConfigOp } from '../runtime/alter-configs.ts';

// <generated> by scripts/gen-api.ts from Kafka's AlterConfigsRequest.json and AlterConfigsResponse.json, versions 0-2.
export const schema = {
  apiKey: 33,
  name: 'AlterConfigs',
  minVersion: 0,
  maxVersion: 2,
  flexibleFrom: 2,
  request: [
    { name: 'Resources', type: '[]struct', versions: '0+', fields: [
      { name: 'ResourceType', type: 'int8', versions: '0+' },
      { name: 'ResourceName', type: 'string', versions: '0+' },
      { name: 'Configs', type: '[]struct', versions: '0+', fields: [
        { name: 'Name', type: 'string', versions: '0+' },
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

export interface AlterConfigsRequest {
  resources: Array<{
    resourceType: number;
    resourceName: string;
    configs: Array<{
      name: string;
      value: string | null;
    }>;
  }>;
  validateOnly: boolean;
}

export interface AlterConfigsResponse {
  throttleTimeMs?: number;
  responses?: Array<{
    errorCode?: number;
    errorMessage?: string | null;
    resourceType?: number;
    resourceName?: string;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<AlterConfigsRequest, AlterConfigsResponse>(schema);

/** The whole request failed with `errorCode` (PostgreSQL unreachable): every resource gets it. */
export function errorResponse(request: AlterConfigsRequest, errorCode: number): AlterConfigsResponse {
  return { throttleTimeMs: 0, responses: request.resources.map((r) => ({ errorCode, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName })) };
}

/** Kafka's retriable answer when the controller does not answer in time. */
export const unavailableError = ErrorCode.REQUEST_TIMED_OUT;

export async function handle(request: AlterConfigsRequest, ctx: RequestContext): Promise<AlterConfigsResponse> {
  const resources = request.resources.map((r) => ({
    resourceType: r.resourceType,
    resourceName: r.resourceName,
    changes: r.configs.map((c) => ({ name: c.name, op: ConfigOp.SET, value: c.value })),
  }));
  const results = await alterConfigs(resources, 'replace', request.validateOnly, ctx);
  return {
    throttleTimeMs: 0,
    responses: request.resources.map((r, i) => ({ ...results[i], resourceType: r.resourceType, resourceName: r.resourceName })),
  };
}
