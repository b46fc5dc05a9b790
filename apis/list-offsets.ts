// ListOffsets (api key): TODO describe the versions served and what changes between them.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import type { RequestContext } from '../runtime/context.ts';

// <generated> by scripts/gen-api.ts from Kafka's ListOffsetsRequest.json and ListOffsetsResponse.json, versions 1-10.
export const schema = {
  apiKey: 2,
  name: 'ListOffsets',
  minVersion: 1,
  maxVersion: 10,
  flexibleFrom: 6,
  request: [
    { name: 'ReplicaId', type: 'int32', versions: '0+' },
    { name: 'IsolationLevel', type: 'int8', versions: '2+' },
    { name: 'Topics', type: '[]struct', versions: '0+', fields: [
      { name: 'Name', type: 'string', versions: '0+' },
      { name: 'Partitions', type: '[]struct', versions: '0+', fields: [
        { name: 'PartitionIndex', type: 'int32', versions: '0+' },
        { name: 'CurrentLeaderEpoch', type: 'int32', versions: '4+', default: "-1" },
        { name: 'Timestamp', type: 'int64', versions: '0+' },
      ] },
    ] },
    { name: 'TimeoutMs', type: 'int32', versions: '10+' },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '2+' },
    { name: 'Topics', type: '[]struct', versions: '0+', fields: [
      { name: 'Name', type: 'string', versions: '0+' },
      { name: 'Partitions', type: '[]struct', versions: '0+', fields: [
        { name: 'PartitionIndex', type: 'int32', versions: '0+' },
        { name: 'ErrorCode', type: 'int16', versions: '0+' },
        { name: 'Timestamp', type: 'int64', versions: '1+', default: "-1" },
        { name: 'Offset', type: 'int64', versions: '1+', default: "-1" },
        { name: 'LeaderEpoch', type: 'int32', versions: '4+', default: "-1" },
      ] },
    ] },
  ],
} as const satisfies ApiSchema;

export interface ListOffsetsRequest {
  replicaId: number;
  isolationLevel: number;
  topics: Array<{
    name: string;
    partitions: Array<{
      partitionIndex: number;
      currentLeaderEpoch: number;
      timestamp: number;
    }>;
  }>;
  timeoutMs: number;
}

export interface ListOffsetsResponse {
  throttleTimeMs?: number;
  topics?: Array<{
    name?: string;
    partitions?: Array<{
      partitionIndex?: number;
      errorCode?: number;
      timestamp?: number;
      offset?: number;
      leaderEpoch?: number;
    }>;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<ListOffsetsRequest, ListOffsetsResponse>(schema);

export async function handle(request: ListOffsetsRequest, ctx: RequestContext): Promise<ListOffsetsResponse> {
  throw new Error('list-offsets: handler missing');
}
