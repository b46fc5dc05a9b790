// DescribeCluster (key 60), versions 0-1: the cluster id, every live broker sharing the database (this one always
// included; the lowest node id as controller, as in Metadata), and (when asked) the cluster's authorized
// operations: all of them, as Kafka without an authorizer reports.
// Flexible from v0. v1 adds the endpoint type: 1 (brokers) is served; 2 (controllers) gets
// MISMATCHED_ENDPOINT_TYPE, anything else UNSUPPORTED_ENDPOINT_TYPE, as Kafka's brokers answer.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import { ErrorCode } from '../codec/errors.ts';
import { brokersFor } from '../runtime/listeners.ts';
import type { RequestContext } from '../runtime/context.ts';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../runtime/auth/acl.ts';
import { CLUSTER_OPERATIONS, OPERATIONS_NOT_REQUESTED } from '../runtime/authorized-operations.ts';

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

export const concurrent = true;

/** Kafka's EndpointType. */
const EndpointType = { UNKNOWN: 0, BROKER: 1, CONTROLLER: 2 } as const;

export async function handle(request: DescribeClusterRequest, ctx: RequestContext): Promise<DescribeClusterResponse> {
  const { cluster, clusterId } = ctx.broker;
  if (!ctx.authorize(AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME)) {
    return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null, clusterId, brokers: [] };
  }
  const endpointType = ctx.apiVersion >= 1 ? request.endpointType : EndpointType.BROKER;
  if (endpointType === EndpointType.CONTROLLER) {
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.MISMATCHED_ENDPOINT_TYPE,
      errorMessage: 'The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER',
    };
  }
  if (endpointType !== EndpointType.BROKER) {
    return { throttleTimeMs: 0, errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, errorMessage: `Unsupported endpoint type ${endpointType}` };
  }
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    endpointType: EndpointType.BROKER,
    clusterId,
    controllerId: cluster.controllerId(),
    brokers: brokersFor(cluster.brokers(), ctx.listenerName).map((b) => ({ brokerId: b.nodeId, host: b.host, port: b.port, rack: b.rack })),
    clusterAuthorizedOperations: request.includeClusterAuthorizedOperations
      ? ctx.authorizedOperations(ResourceType.CLUSTER, CLUSTER_NAME, CLUSTER_OPERATIONS)
      : OPERATIONS_NOT_REQUESTED,
  };
}
