// CreateTopics (api key): TODO describe the versions served and what changes between them.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import type { RequestContext } from '../runtime/context.ts';

// <generated> by scripts/gen-api.ts from Kafka's CreateTopicsRequest.json and CreateTopicsResponse.json, versions 2-7.
export const schema = {
  apiKey: 19,
  name: 'CreateTopics',
  minVersion: 2,
  maxVersion: 7,
  flexibleFrom: 5,
  request: [
    { name: 'Topics', type: '[]struct', versions: '0+', fields: [
      { name: 'Name', type: 'string', versions: '0+' },
      { name: 'NumPartitions', type: 'int32', versions: '0+' },
      { name: 'ReplicationFactor', type: 'int16', versions: '0+' },
      { name: 'Assignments', type: '[]struct', versions: '0+', fields: [
        { name: 'PartitionIndex', type: 'int32', versions: '0+' },
        { name: 'BrokerIds', type: '[]int32', versions: '0+' },
      ] },
      { name: 'Configs', type: '[]struct', versions: '0+', fields: [
        { name: 'Name', type: 'string', versions: '0+' },
        { name: 'Value', type: 'string', versions: '0+', nullable: '0+' },
      ] },
    ] },
    { name: 'timeoutMs', type: 'int32', versions: '0+', default: "60000" },
    { name: 'validateOnly', type: 'bool', versions: '1+', default: "false" },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '2+' },
    { name: 'Topics', type: '[]struct', versions: '0+', fields: [
      { name: 'Name', type: 'string', versions: '0+' },
      { name: 'TopicId', type: 'uuid', versions: '7+' },
      { name: 'ErrorCode', type: 'int16', versions: '0+' },
      { name: 'ErrorMessage', type: 'string', versions: '1+', nullable: '0+' },
      { name: 'TopicConfigErrorCode', type: 'int16', versions: '5+', tag: 0, taggedVersions: '5+' },
      { name: 'NumPartitions', type: 'int32', versions: '5+', default: "-1" },
      { name: 'ReplicationFactor', type: 'int16', versions: '5+', default: "-1" },
      { name: 'Configs', type: '[]struct', versions: '5+', nullable: '5+', fields: [
        { name: 'Name', type: 'string', versions: '5+' },
        { name: 'Value', type: 'string', versions: '5+', nullable: '5+' },
        { name: 'ReadOnly', type: 'bool', versions: '5+' },
        { name: 'ConfigSource', type: 'int8', versions: '5+', default: "-1" },
        { name: 'IsSensitive', type: 'bool', versions: '5+' },
      ] },
    ] },
  ],
} as const satisfies ApiSchema;

export interface CreateTopicsRequest {
  topics: Array<{
    name: string;
    numPartitions: number;
    replicationFactor: number;
    assignments: Array<{
      partitionIndex: number;
      brokerIds: number[];
    }>;
    configs: Array<{
      name: string;
      value: string | null;
    }>;
  }>;
  timeoutMs: number;
  validateOnly: boolean;
}

export interface CreateTopicsResponse {
  throttleTimeMs?: number;
  topics?: Array<{
    name?: string;
    topicId?: string;
    errorCode?: number;
    errorMessage?: string | null;
    topicConfigErrorCode?: number;
    numPartitions?: number;
    replicationFactor?: number;
    configs?: Array<{
      name?: string;
      value?: string | null;
      readOnly?: boolean;
      configSource?: number;
      isSensitive?: boolean;
    }> | null;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<CreateTopicsRequest, CreateTopicsResponse>(schema);

export async function handle(request: CreateTopicsRequest, ctx: RequestContext): Promise<CreateTopicsResponse> {
  throw new Error('create-topics: handler missing');
}
