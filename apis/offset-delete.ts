// OffsetDelete (key 47), version 0: deletes some committed offsets of a group. Allowed for an empty group, or
// for topics a consumer group does not subscribe to (else GROUP_SUBSCRIBED_TO_TOPIC); a non-empty group of
// another protocol type gets NON_EMPTY_GROUP, an unknown group GROUP_ID_NOT_FOUND.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import type { RequestContext } from '../runtime/context.ts';
import { groupCoordinator } from '../runtime/groups/coordinator.ts';
import { deleteGroupOffsets } from '../runtime/groups/offsets.ts';

// <generated> by scripts/gen-api.ts from Kafka's OffsetDeleteRequest.json and OffsetDeleteResponse.json, versions 0-0.
export const schema = {
  apiKey: 47,
  name: 'OffsetDelete',
  minVersion: 0,
  maxVersion: 0,
  flexibleFrom: Infinity,
  request: [
    { name: 'GroupId', type: 'string', versions: '0+' },
    { name: 'Topics', type: '[]struct', versions: '0+', fields: [
      { name: 'Name', type: 'string', versions: '0+' },
      { name: 'Partitions', type: '[]struct', versions: '0+', fields: [
        { name: 'PartitionIndex', type: 'int32', versions: '0+' },
      ] },
    ] },
  ],
  response: [
    { name: 'ErrorCode', type: 'int16', versions: '0+' },
    { name: 'ThrottleTimeMs', type: 'int32', versions: '0+' },
    { name: 'Topics', type: '[]struct', versions: '0+', fields: [
      { name: 'Name', type: 'string', versions: '0+' },
      { name: 'Partitions', type: '[]struct', versions: '0+', fields: [
        { name: 'PartitionIndex', type: 'int32', versions: '0+' },
        { name: 'ErrorCode', type: 'int16', versions: '0+' },
      ] },
    ] },
  ],
} as const satisfies ApiSchema;

export interface OffsetDeleteRequest {
  groupId: string;
  topics: Array<{
    name: string;
    partitions: Array<{
      partitionIndex: number;
    }>;
  }>;
}

export interface OffsetDeleteResponse {
  errorCode?: number;
  throttleTimeMs?: number;
  topics?: Array<{
    name?: string;
    partitions?: Array<{
      partitionIndex?: number;
      errorCode?: number;
    }>;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<OffsetDeleteRequest, OffsetDeleteResponse>(schema);

export async function handle(request: OffsetDeleteRequest, ctx: RequestContext): Promise<OffsetDeleteResponse> {
  const out = await deleteGroupOffsets(groupCoordinator(ctx), request.groupId, request.topics);
  return { errorCode: out.errorCode, throttleTimeMs: 0, topics: out.topics };
}
