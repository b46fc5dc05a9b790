// DeleteTopics (api key): TODO describe the versions served and what changes between them.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import type { RequestContext } from '../runtime/context.ts';

// <generated> by scripts/gen-api.ts from Kafka's DeleteTopicsRequest.json and DeleteTopicsResponse.json, versions 1-6.
export const schema = {
  apiKey: 20,
  name: 'DeleteTopics',
  minVersion: 1,
  maxVersion: 6,
  flexibleFrom: 4,
  request: [
    { name: 'Topics', type: '[]struct', versions: '6+', fields: [
      { name: 'Name', type: 'string', versions: '6+', nullable: '6+', default: "null" },
      { name: 'TopicId', type: 'uuid', versions: '6+' },
    ] },
    { name: 'TopicNames', type: '[]string', versions: '0-5' },
    { name: 'TimeoutMs', type: 'int32', versions: '0+' },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '1+' },
    { name: 'Responses', type: '[]struct', versions: '0+', fields: [
      { name: 'Name', type: 'string', versions: '0+', nullable: '6+' },
      { name: 'TopicId', type: 'uuid', versions: '6+' },
      { name: 'ErrorCode', type: 'int16', versions: '0+' },
      { name: 'ErrorMessage', type: 'string', versions: '5+', nullable: '5+', default: "null" },
    ] },
  ],
} as const satisfies ApiSchema;

export interface DeleteTopicsRequest {
  topics: Array<{
    name: string | null;
    topicId: string;
  }>;
  topicNames: string[];
  timeoutMs: number;
}

export interface DeleteTopicsResponse {
  throttleTimeMs?: number;
  responses?: Array<{
    name?: string | null;
    topicId?: string;
    errorCode?: number;
    errorMessage?: string | null;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<DeleteTopicsRequest, DeleteTopicsResponse>(schema);

export async function handle(request: DeleteTopicsRequest, ctx: RequestContext): Promise<DeleteTopicsResponse> {
  throw new Error('delete-topics: handler missing');
}
