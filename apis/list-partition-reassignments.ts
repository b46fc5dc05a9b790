// ListPartitionReassignments (key 46), version 0: no partition is ever being reassigned (PostgreSQL holds every
// partition; there are no replicas to move), so the answer is always an empty list, as Kafka's when none is
// ongoing. kafka-topics and kafka-reassign-partitions call it.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import type { RequestContext } from '../runtime/context.ts';
import { ErrorCode } from '../codec/errors.ts';

// <generated> by scripts/gen-api.ts from Kafka's ListPartitionReassignmentsRequest.json and ListPartitionReassignmentsResponse.json, versions 0-0.
export const schema = {
  apiKey: 46,
  name: 'ListPartitionReassignments',
  minVersion: 0,
  maxVersion: 0,
  flexibleFrom: 0,
  request: [
    { name: 'TimeoutMs', type: 'int32', versions: '0+', default: "60000" },
    { name: 'Topics', type: '[]struct', versions: '0+', nullable: '0+', default: "null", fields: [
      { name: 'Name', type: 'string', versions: '0+' },
      { name: 'PartitionIndexes', type: '[]int32', versions: '0+' },
    ] },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '0+' },
    { name: 'ErrorCode', type: 'int16', versions: '0+' },
    { name: 'ErrorMessage', type: 'string', versions: '0+', nullable: '0+' },
    { name: 'Topics', type: '[]struct', versions: '0+', fields: [
      { name: 'Name', type: 'string', versions: '0+' },
      { name: 'Partitions', type: '[]struct', versions: '0+', fields: [
        { name: 'PartitionIndex', type: 'int32', versions: '0+' },
        { name: 'Replicas', type: '[]int32', versions: '0+' },
        { name: 'AddingReplicas', type: '[]int32', versions: '0+' },
        { name: 'RemovingReplicas', type: '[]int32', versions: '0+' },
      ] },
    ] },
  ],
} as const satisfies ApiSchema;

export interface ListPartitionReassignmentsRequest {
  timeoutMs: number;
  topics: Array<{
    name: string;
    partitionIndexes: number[];
  }> | null;
}

export interface ListPartitionReassignmentsResponse {
  throttleTimeMs?: number;
  errorCode?: number;
  errorMessage?: string | null;
  topics?: Array<{
    name?: string;
    partitions?: Array<{
      partitionIndex?: number;
      replicas?: number[];
      addingReplicas?: number[];
      removingReplicas?: number[];
    }>;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse>(schema);

export const concurrent = true;

export async function handle(_request: ListPartitionReassignmentsRequest, _ctx: RequestContext): Promise<ListPartitionReassignmentsResponse> {
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, topics: [] };
}
