// Fetch (api key): TODO describe the versions served and what changes between them.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import type { RequestContext } from '../runtime/context.ts';

// <generated> by scripts/gen-api.ts from Kafka's FetchRequest.json and FetchResponse.json, versions 4-17.
export const schema = {
  apiKey: 1,
  name: 'Fetch',
  minVersion: 4,
  maxVersion: 17,
  flexibleFrom: 12,
  request: [
    { name: 'ClusterId', type: 'string', versions: '12+', nullable: '12+', tag: 0, taggedVersions: '12+', default: "null" },
    { name: 'ReplicaId', type: 'int32', versions: '0-14', default: "-1" },
    { name: 'ReplicaState', type: 'struct', versions: '15+', tag: 1, taggedVersions: '15+', fields: [
      { name: 'ReplicaId', type: 'int32', versions: '15+', default: "-1" },
      { name: 'ReplicaEpoch', type: 'int64', versions: '15+', default: "-1" },
    ] },
    { name: 'MaxWaitMs', type: 'int32', versions: '0+' },
    { name: 'MinBytes', type: 'int32', versions: '0+' },
    { name: 'MaxBytes', type: 'int32', versions: '3+', default: "0x7fffffff" },
    { name: 'IsolationLevel', type: 'int8', versions: '4+', default: "0" },
    { name: 'SessionId', type: 'int32', versions: '7+', default: "0" },
    { name: 'SessionEpoch', type: 'int32', versions: '7+', default: "-1" },
    { name: 'Topics', type: '[]struct', versions: '0+', fields: [
      { name: 'Topic', type: 'string', versions: '0-12' },
      { name: 'TopicId', type: 'uuid', versions: '13+' },
      { name: 'Partitions', type: '[]struct', versions: '0+', fields: [
        { name: 'Partition', type: 'int32', versions: '0+' },
        { name: 'CurrentLeaderEpoch', type: 'int32', versions: '9+', default: "-1" },
        { name: 'FetchOffset', type: 'int64', versions: '0+' },
        { name: 'LastFetchedEpoch', type: 'int32', versions: '12+', default: "-1" },
        { name: 'LogStartOffset', type: 'int64', versions: '5+', default: "-1" },
        { name: 'PartitionMaxBytes', type: 'int32', versions: '0+' },
        { name: 'ReplicaDirectoryId', type: 'uuid', versions: '17+', tag: 0, taggedVersions: '17+' },
      ] },
    ] },
    { name: 'ForgottenTopicsData', type: '[]struct', versions: '7+', fields: [
      { name: 'Topic', type: 'string', versions: '7-12' },
      { name: 'TopicId', type: 'uuid', versions: '13+' },
      { name: 'Partitions', type: '[]int32', versions: '7+' },
    ] },
    { name: 'RackId', type: 'string', versions: '11+', default: "" },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '1+' },
    { name: 'ErrorCode', type: 'int16', versions: '7+' },
    { name: 'SessionId', type: 'int32', versions: '7+', default: "0" },
    { name: 'Responses', type: '[]struct', versions: '0+', fields: [
      { name: 'Topic', type: 'string', versions: '0-12' },
      { name: 'TopicId', type: 'uuid', versions: '13+' },
      { name: 'Partitions', type: '[]struct', versions: '0+', fields: [
        { name: 'PartitionIndex', type: 'int32', versions: '0+' },
        { name: 'ErrorCode', type: 'int16', versions: '0+' },
        { name: 'HighWatermark', type: 'int64', versions: '0+' },
        { name: 'LastStableOffset', type: 'int64', versions: '4+', default: "-1" },
        { name: 'LogStartOffset', type: 'int64', versions: '5+', default: "-1" },
        { name: 'DivergingEpoch', type: 'struct', versions: '12+', tag: 0, taggedVersions: '12+', fields: [
          { name: 'Epoch', type: 'int32', versions: '12+', default: "-1" },
          { name: 'EndOffset', type: 'int64', versions: '12+', default: "-1" },
        ] },
        { name: 'CurrentLeader', type: 'struct', versions: '12+', tag: 1, taggedVersions: '12+', fields: [
          { name: 'LeaderId', type: 'int32', versions: '12+', default: "-1" },
          { name: 'LeaderEpoch', type: 'int32', versions: '12+', default: "-1" },
        ] },
        { name: 'SnapshotId', type: 'struct', versions: '12+', tag: 2, taggedVersions: '12+', fields: [
          { name: 'EndOffset', type: 'int64', versions: '0+', default: "-1" },
          { name: 'Epoch', type: 'int32', versions: '0+', default: "-1" },
        ] },
        { name: 'AbortedTransactions', type: '[]struct', versions: '4+', nullable: '4+', fields: [
          { name: 'ProducerId', type: 'int64', versions: '4+' },
          { name: 'FirstOffset', type: 'int64', versions: '4+' },
        ] },
        { name: 'PreferredReadReplica', type: 'int32', versions: '11+', default: "-1" },
        { name: 'Records', type: 'records', versions: '0+', nullable: '0+' },
      ] },
    ] },
    { name: 'NodeEndpoints', type: '[]struct', versions: '16+', tag: 0, taggedVersions: '16+', fields: [
      { name: 'NodeId', type: 'int32', versions: '16+' },
      { name: 'Host', type: 'string', versions: '16+' },
      { name: 'Port', type: 'int32', versions: '16+' },
      { name: 'Rack', type: 'string', versions: '16+', nullable: '16+', default: "null" },
    ] },
  ],
} as const satisfies ApiSchema;

export interface FetchRequest {
  clusterId: string | null;
  replicaId: number;
  replicaState: {
    replicaId: number;
    replicaEpoch: number;
  };
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  isolationLevel: number;
  sessionId: number;
  sessionEpoch: number;
  topics: Array<{
    topic: string;
    topicId: string;
    partitions: Array<{
      partition: number;
      currentLeaderEpoch: number;
      fetchOffset: number;
      lastFetchedEpoch: number;
      logStartOffset: number;
      partitionMaxBytes: number;
      replicaDirectoryId: string;
    }>;
  }>;
  forgottenTopicsData: Array<{
    topic: string;
    topicId: string;
    partitions: number[];
  }>;
  rackId: string;
}

export interface FetchResponse {
  throttleTimeMs?: number;
  errorCode?: number;
  sessionId?: number;
  responses?: Array<{
    topic?: string;
    topicId?: string;
    partitions?: Array<{
      partitionIndex?: number;
      errorCode?: number;
      highWatermark?: number;
      lastStableOffset?: number;
      logStartOffset?: number;
      divergingEpoch?: {
        epoch?: number;
        endOffset?: number;
      };
      currentLeader?: {
        leaderId?: number;
        leaderEpoch?: number;
      };
      snapshotId?: {
        endOffset?: number;
        epoch?: number;
      };
      abortedTransactions?: Array<{
        producerId?: number;
        firstOffset?: number;
      }> | null;
      preferredReadReplica?: number;
      records?: Uint8Array | Uint8Array[] | null;
    }>;
  }>;
  nodeEndpoints?: Array<{
    nodeId?: number;
    host?: string;
    port?: number;
    rack?: string | null;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<FetchRequest, FetchResponse>(schema);

export async function handle(request: FetchRequest, ctx: RequestContext): Promise<FetchResponse> {
  throw new Error('fetch: handler missing');
}
