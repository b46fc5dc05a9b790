// ConsumerGroupHeartbeat (key 68), versions 0-1: the KIP-848 consumer group protocol. A member joins with epoch 0,
// heartbeats with its epoch (reporting its owned partitions when they changed), gets its assignment from the
// coordinator's server assignor ("uniform" or "range") and reconciles towards it one epoch at a time (revoke before
// assign); epoch -1 leaves, -2 leaves for a while (static members). v0: the coordinator names new members; v1: the
// client does, and the subscription may be a regular expression. The group logic lives in runtime/groups/.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import type { RequestContext } from '../runtime/context.ts';
import { groupCoordinator } from '../runtime/groups/coordinator.ts';
import { clientHost } from '../runtime/groups/member.ts';

// <generated> by scripts/gen-api.ts from Kafka's ConsumerGroupHeartbeatRequest.json and ConsumerGroupHeartbeatResponse.json, versions 0-1.
export const schema = {
  apiKey: 68,
  name: 'ConsumerGroupHeartbeat',
  minVersion: 0,
  maxVersion: 1,
  flexibleFrom: 0,
  request: [
    { name: 'GroupId', type: 'string', versions: '0+' },
    { name: 'MemberId', type: 'string', versions: '0+' },
    { name: 'MemberEpoch', type: 'int32', versions: '0+' },
    { name: 'InstanceId', type: 'string', versions: '0+', nullable: '0+', default: "null" },
    { name: 'RackId', type: 'string', versions: '0+', nullable: '0+', default: "null" },
    { name: 'RebalanceTimeoutMs', type: 'int32', versions: '0+', default: -1 },
    { name: 'SubscribedTopicNames', type: '[]string', versions: '0+', nullable: '0+', default: "null" },
    { name: 'SubscribedTopicRegex', type: 'string', versions: '1+', nullable: '1+', default: "null" },
    { name: 'ServerAssignor', type: 'string', versions: '0+', nullable: '0+', default: "null" },
    { name: 'TopicPartitions', type: '[]struct', versions: '0+', nullable: '0+', default: "null", fields: [
      { name: 'TopicId', type: 'uuid', versions: '0+' },
      { name: 'Partitions', type: '[]int32', versions: '0+' },
    ] },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '0+' },
    { name: 'ErrorCode', type: 'int16', versions: '0+' },
    { name: 'ErrorMessage', type: 'string', versions: '0+', nullable: '0+', default: "null" },
    { name: 'MemberId', type: 'string', versions: '0+', nullable: '0+', default: "null" },
    { name: 'MemberEpoch', type: 'int32', versions: '0+' },
    { name: 'HeartbeatIntervalMs', type: 'int32', versions: '0+' },
    { name: 'Assignment', type: 'struct', versions: '0+', nullable: '0+', default: "null", fields: [
      { name: 'TopicPartitions', type: '[]struct', versions: '0+', fields: [
        { name: 'TopicId', type: 'uuid', versions: '0+' },
        { name: 'Partitions', type: '[]int32', versions: '0+' },
      ] },
    ] },
  ],
} as const satisfies ApiSchema;

export interface ConsumerGroupHeartbeatRequest {
  groupId: string;
  memberId: string;
  memberEpoch: number;
  instanceId: string | null;
  rackId: string | null;
  rebalanceTimeoutMs: number;
  subscribedTopicNames: string[] | null;
  subscribedTopicRegex: string | null;
  serverAssignor: string | null;
  topicPartitions: Array<{
    topicId: string;
    partitions: number[];
  }> | null;
}

export interface ConsumerGroupHeartbeatResponse {
  throttleTimeMs?: number;
  errorCode?: number;
  errorMessage?: string | null;
  memberId?: string | null;
  memberEpoch?: number;
  heartbeatIntervalMs?: number;
  assignment?: {
    topicPartitions?: Array<{
      topicId?: string;
      partitions?: number[];
    }>;
  } | null;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse>(schema);

export async function handle(request: ConsumerGroupHeartbeatRequest, ctx: RequestContext): Promise<ConsumerGroupHeartbeatResponse> {
  const v = ctx.apiVersion;
  const result = await groupCoordinator(ctx).consumerHeartbeat({
    apiVersion: v,
    groupId: request.groupId,
    memberId: request.memberId,
    memberEpoch: request.memberEpoch,
    instanceId: request.instanceId,
    rackId: request.rackId,
    rebalanceTimeoutMs: request.rebalanceTimeoutMs,
    subscribedTopicNames: request.subscribedTopicNames,
    subscribedTopicRegex: v >= 1 ? request.subscribedTopicRegex : null,
    serverAssignor: request.serverAssignor,
    topicPartitions: request.topicPartitions,
    clientId: ctx.clientId ?? '',
    clientHost: clientHost(ctx.remoteAddress),
  });
  return { throttleTimeMs: 0, ...result };
}
