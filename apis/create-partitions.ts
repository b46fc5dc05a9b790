// CreatePartitions (api key): TODO describe the versions served and what changes between them.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import type { RequestContext } from '../runtime/context.ts';

// <generated> by scripts/gen-api.ts from Kafka's CreatePartitionsRequest.json and CreatePartitionsResponse.json, versions 0-3.
export const schema = {
  apiKey: 37,
  name: 'CreatePartitions',
  minVersion: 0,
  maxVersion: 3,
  flexibleFrom: 2,
  request: [
    { name: 'Topics', type: '[]struct', versions: '0+', fields: [
      { name: 'Name', type: 'string', versions: '0+' },
      { name: 'Count', type: 'int32', versions: '0+' },
      { name: 'Assignments', type: '[]struct', versions: '0+', nullable: '0+', fields: [
        { name: 'BrokerIds', type: '[]int32', versions: '0+' },
      ] },
    ] },
    { name: 'TimeoutMs', type: 'int32', versions: '0+' },
    { name: 'ValidateOnly', type: 'bool', versions: '0+' },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '0+' },
    { name: 'Results', type: '[]struct', versions: '0+', fields: [
      { name: 'Name', type: 'string', versions: '0+' },
      { name: 'ErrorCode', type: 'int16', versions: '0+' },
      { name: 'ErrorMessage', type: 'string', versions: '0+', nullable: '0+', default: "null" },
    ] },
  ],
} as const satisfies ApiSchema;

export interface CreatePartitionsRequest {
  topics: Array<{
    name: string;
    count: number;
    assignments: Array<{
      brokerIds: number[];
    }> | null;
  }>;
  timeoutMs: number;
  validateOnly: boolean;
}

export interface CreatePartitionsResponse {
  throttleTimeMs?: number;
  results?: Array<{
    name?: string;
    errorCode?: number;
    errorMessage?: string | null;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<CreatePartitionsRequest, CreatePartitionsResponse>(schema);

export async function handle(request: CreatePartitionsRequest, ctx: RequestContext): Promise<CreatePartitionsResponse> {
  throw new Error('create-partitions: handler missing');
}
