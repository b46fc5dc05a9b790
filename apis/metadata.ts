// Metadata (api key): TODO describe the versions served and what changes between them.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import type { RequestContext } from '../runtime/context.ts';

// <generated> by scripts/gen-api.ts from Kafka's MetadataRequest.json and MetadataResponse.json, versions 0-12.
export const schema = {
  apiKey: 3,
  name: 'Metadata',
  minVersion: 0,
  maxVersion: 12,
  flexibleFrom: 9,
  request: [
    { name: 'Topics', type: '[]struct', versions: '0+', nullable: '1+', fields: [
      { name: 'TopicId', type: 'uuid', versions: '10+' },
      { name: 'Name', type: 'string', versions: '0+', nullable: '10+' },
    ] },
    { name: 'AllowAutoTopicCreation', type: 'bool', versions: '4+', default: "true" },
    { name: 'IncludeClusterAuthorizedOperations', type: 'bool', versions: '8-10' },
    { name: 'IncludeTopicAuthorizedOperations', type: 'bool', versions: '8+' },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '3+' },
    { name: 'Brokers', type: '[]struct', versions: '0+', fields: [
      { name: 'NodeId', type: 'int32', versions: '0+' },
      { name: 'Host', type: 'string', versions: '0+' },
      { name: 'Port', type: 'int32', versions: '0+' },
      { name: 'Rack', type: 'string', versions: '1+', nullable: '1+', default: "null" },
    ] },
    { name: 'ClusterId', type: 'string', versions: '2+', nullable: '2+', default: "null" },
    { name: 'ControllerId', type: 'int32', versions: '1+', default: "-1" },
    { name: 'Topics', type: '[]struct', versions: '0+', fields: [
      { name: 'ErrorCode', type: 'int16', versions: '0+' },
      { name: 'Name', type: 'string', versions: '0+', nullable: '12+' },
      { name: 'TopicId', type: 'uuid', versions: '10+' },
      { name: 'IsInternal', type: 'bool', versions: '1+', default: "false" },
      { name: 'Partitions', type: '[]struct', versions: '0+', fields: [
        { name: 'ErrorCode', type: 'int16', versions: '0+' },
        { name: 'PartitionIndex', type: 'int32', versions: '0+' },
        { name: 'LeaderId', type: 'int32', versions: '0+' },
        { name: 'LeaderEpoch', type: 'int32', versions: '7+', default: "-1" },
        { name: 'ReplicaNodes', type: '[]int32', versions: '0+' },
        { name: 'IsrNodes', type: '[]int32', versions: '0+' },
        { name: 'OfflineReplicas', type: '[]int32', versions: '5+' },
      ] },
      { name: 'TopicAuthorizedOperations', type: 'int32', versions: '8+', default: "-2147483648" },
    ] },
    { name: 'ClusterAuthorizedOperations', type: 'int32', versions: '8-10', default: "-2147483648" },
  ],
} as const satisfies ApiSchema;

export interface MetadataRequest {
  topics: Array<{
    topicId: string;
    name: string | null;
  }> | null;
  allowAutoTopicCreation: boolean;
  includeClusterAuthorizedOperations: boolean;
  includeTopicAuthorizedOperations: boolean;
}

export interface MetadataResponse {
  throttleTimeMs?: number;
  brokers?: Array<{
    nodeId?: number;
    host?: string;
    port?: number;
    rack?: string | null;
  }>;
  clusterId?: string | null;
  controllerId?: number;
  topics?: Array<{
    errorCode?: number;
    name?: string | null;
    topicId?: string;
    isInternal?: boolean;
    partitions?: Array<{
      errorCode?: number;
      partitionIndex?: number;
      leaderId?: number;
      leaderEpoch?: number;
      replicaNodes?: number[];
      isrNodes?: number[];
      offlineReplicas?: number[];
    }>;
    topicAuthorizedOperations?: number;
  }>;
  clusterAuthorizedOperations?: number;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<MetadataRequest, MetadataResponse>(schema);

export async function handle(request: MetadataRequest, ctx: RequestContext): Promise<MetadataResponse> {
  throw new Error('metadata: handler missing');
}
