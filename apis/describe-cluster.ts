// DescribeCluster (api key): TODO describe the versions served and what changes between them.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import type { RequestContext } from '../runtime/context.ts';

// <generated> by scripts/gen-api.ts from Kafka's DescribeClusterRequest.json and DescribeClusterResponse.json, versions 0-1.
export const schema = {
  apiKey: 60,
  name: 'DescribeCluster',
  minVersion: 0,
  maxVersion: 1,
  flexibleFrom: 0,
  request: [
    { name: 'IncludeClusterAuthorizedOperations', type: 'bool', versions: '0+' },
    { name: 'EndpointType', type: 'int8', versions: '1+', default: "1" },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '0+' },
    { name: 'ErrorCode', type: 'int16', versions: '0+' },
    { name: 'ErrorMessage', type: 'string', versions: '0+', nullable: '0+', default: "null" },
    { name: 'EndpointType', type: 'int8', versions: '1+', default: "1" },
    { name: 'ClusterId', type: 'string', versions: '0+' },
    { name: 'ControllerId', type: 'int32', versions: '0+', default: "-1" },
    { name: 'Brokers', type: '[]struct', versions: '0+', fields: [
      { name: 'BrokerId', type: 'int32', versions: '0+' },
      { name: 'Host', type: 'string', versions: '0+' },
      { name: 'Port', type: 'int32', versions: '0+' },
      { name: 'Rack', type: 'string', versions: '0+', nullable: '0+', default: "null" },
    ] },
    { name: 'ClusterAuthorizedOperations', type: 'int32', versions: '0+', default: "-2147483648" },
  ],
} as const satisfies ApiSchema;

export interface DescribeClusterRequest {
  includeClusterAuthorizedOperations: boolean;
  endpointType: number;
}

export interface DescribeClusterResponse {
  throttleTimeMs?: number;
  errorCode?: number;
  errorMessage?: string | null;
  endpointType?: number;
  clusterId?: string;
  controllerId?: number;
  brokers?: Array<{
    brokerId?: number;
    host?: string;
    port?: number;
    rack?: string | null;
  }>;
  clusterAuthorizedOperations?: number;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<DescribeClusterRequest, DescribeClusterResponse>(schema);

export async function handle(request: DescribeClusterRequest, ctx: RequestContext): Promise<DescribeClusterResponse> {
  throw new Error('describe-cluster: handler missing');
}
