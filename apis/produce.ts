// Produce (api key): TODO describe the versions served and what changes between them.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import type { RequestContext } from '../runtime/context.ts';

// <generated> by scripts/gen-api.ts from Kafka's ProduceRequest.json and ProduceResponse.json, versions 0-11.
export const schema = {
  apiKey: 0,
  name: 'Produce',
  minVersion: 0,
  maxVersion: 11,
  flexibleFrom: 9,
  request: [
    { name: 'TransactionalId', type: 'string', versions: '3+', nullable: '3+', default: "null" },
    { name: 'Acks', type: 'int16', versions: '0+' },
    { name: 'TimeoutMs', type: 'int32', versions: '0+' },
    { name: 'TopicData', type: '[]struct', versions: '0+', fields: [
      { name: 'Name', type: 'string', versions: '0+' },
      { name: 'PartitionData', type: '[]struct', versions: '0+', fields: [
        { name: 'Index', type: 'int32', versions: '0+' },
        { name: 'Records', type: 'records', versions: '0+', nullable: '0+' },
      ] },
    ] },
  ],
  response: [
    { name: 'Responses', type: '[]struct', versions: '0+', fields: [
      { name: 'Name', type: 'string', versions: '0+' },
      { name: 'PartitionResponses', type: '[]struct', versions: '0+', fields: [
        { name: 'Index', type: 'int32', versions: '0+' },
        { name: 'ErrorCode', type: 'int16', versions: '0+' },
        { name: 'BaseOffset', type: 'int64', versions: '0+' },
        { name: 'LogAppendTimeMs', type: 'int64', versions: '2+', default: "-1" },
        { name: 'LogStartOffset', type: 'int64', versions: '5+', default: "-1" },
        { name: 'RecordErrors', type: '[]struct', versions: '8+', fields: [
          { name: 'BatchIndex', type: 'int32', versions: '8+' },
          { name: 'BatchIndexErrorMessage', type: 'string', versions: '8+', nullable: '8+', default: "null" },
        ] },
        { name: 'ErrorMessage', type: 'string', versions: '8+', nullable: '8+', default: "null" },
        { name: 'CurrentLeader', type: 'struct', versions: '10+', tag: 0, taggedVersions: '10+', fields: [
          { name: 'LeaderId', type: 'int32', versions: '10+', default: "-1" },
          { name: 'LeaderEpoch', type: 'int32', versions: '10+', default: "-1" },
        ] },
      ] },
    ] },
    { name: 'ThrottleTimeMs', type: 'int32', versions: '1+', default: "0" },
    { name: 'NodeEndpoints', type: '[]struct', versions: '10+', tag: 0, taggedVersions: '10+', fields: [
      { name: 'NodeId', type: 'int32', versions: '10+' },
      { name: 'Host', type: 'string', versions: '10+' },
      { name: 'Port', type: 'int32', versions: '10+' },
      { name: 'Rack', type: 'string', versions: '10+', nullable: '10+', default: "null" },
    ] },
  ],
} as const satisfies ApiSchema;

export interface ProduceRequest {
  transactionalId: string | null;
  acks: number;
  timeoutMs: number;
  topicData: Array<{
    name: string;
    partitionData: Array<{
      index: number;
      records: Uint8Array | Uint8Array[] | null;
    }>;
  }>;
}

export interface ProduceResponse {
  responses?: Array<{
    name?: string;
    partitionResponses?: Array<{
      index?: number;
      errorCode?: number;
      baseOffset?: number;
      logAppendTimeMs?: number;
      logStartOffset?: number;
      recordErrors?: Array<{
        batchIndex?: number;
        batchIndexErrorMessage?: string | null;
      }>;
      errorMessage?: string | null;
      currentLeader?: {
        leaderId?: number;
        leaderEpoch?: number;
      };
    }>;
  }>;
  throttleTimeMs?: number;
  nodeEndpoints?: Array<{
    nodeId?: number;
    host?: string;
    port?: number;
    rack?: string | null;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<ProduceRequest, ProduceResponse>(schema);

export async function handle(request: ProduceRequest, ctx: RequestContext): Promise<ProduceResponse> {
  throw new Error('produce: handler missing');
}
