// ConsumerGroupDescribe (key 69), version 0: KIP-848 consumer groups with their epochs, assignor and members
// (subscriptions, current and target assignments with topic names). A group that does not exist, or is a classic
// group, is GROUP_ID_NOT_FOUND; an empty group id INVALID_GROUP_ID.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import type { RequestContext } from '../runtime/context.ts';
import { groupCoordinator } from '../runtime/groups/coordinator.ts';
import { describeConsumerGroups } from '../runtime/groups/consumer-admin.ts';
import { GROUP_OPERATIONS, OPERATIONS_NOT_REQUESTED } from '../runtime/authorized-operations.ts';
import { AclOperation, ResourceType } from '../runtime/auth/acl.ts';
import { ErrorCode } from '../codec/errors.ts';

// <generated> by scripts/gen-api.ts from Kafka's ConsumerGroupDescribeRequest.json and ConsumerGroupDescribeResponse.json, versions 0-0.
export const schema = {
  apiKey: 69,
  name: 'ConsumerGroupDescribe',
  minVersion: 0,
  maxVersion: 0,
  flexibleFrom: 0,
  request: [
    { name: 'GroupIds', type: '[]string', versions: '0+' },
    { name: 'IncludeAuthorizedOperations', type: 'bool', versions: '0+' },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '0+' },
    { name: 'Groups', type: '[]struct', versions: '0+', fields: [
      { name: 'ErrorCode', type: 'int16', versions: '0+' },
      { name: 'ErrorMessage', type: 'string', versions: '0+', nullable: '0+', default: "null" },
      { name: 'GroupId', type: 'string', versions: '0+' },
      { name: 'GroupState', type: 'string', versions: '0+' },
      { name: 'GroupEpoch', type: 'int32', versions: '0+' },
      { name: 'AssignmentEpoch', type: 'int32', versions: '0+' },
      { name: 'AssignorName', type: 'string', versions: '0+' },
      { name: 'Members', type: '[]struct', versions: '0+', fields: [
        { name: 'MemberId', type: 'string', versions: '0+' },
        { name: 'InstanceId', type: 'string', versions: '0+', nullable: '0+', default: "null" },
        { name: 'RackId', type: 'string', versions: '0+', nullable: '0+', default: "null" },
        { name: 'MemberEpoch', type: 'int32', versions: '0+' },
        { name: 'ClientId', type: 'string', versions: '0+' },
        { name: 'ClientHost', type: 'string', versions: '0+' },
        { name: 'SubscribedTopicNames', type: '[]string', versions: '0+' },
        { name: 'SubscribedTopicRegex', type: 'string', versions: '0+', nullable: '0+', default: "null" },
        { name: 'Assignment', type: 'struct', versions: '0+', fields: [
          { name: 'TopicPartitions', type: '[]struct', versions: '0+', fields: [
            { name: 'TopicId', type: 'uuid', versions: '0+' },
            { name: 'TopicName', type: 'string', versions: '0+' },
            { name: 'Partitions', type: '[]int32', versions: '0+' },
          ] },
        ] },
        { name: 'TargetAssignment', type: 'struct', versions: '0+', fields: [
          { name: 'TopicPartitions', type: '[]struct', versions: '0+', fields: [
            { name: 'TopicId', type: 'uuid', versions: '0+' },
            { name: 'TopicName', type: 'string', versions: '0+' },
            { name: 'Partitions', type: '[]int32', versions: '0+' },
          ] },
        ] },
      ] },
      { name: 'AuthorizedOperations', type: 'int32', versions: '0+', default: "-2147483648" },
    ] },
  ],
} as const satisfies ApiSchema;

export interface ConsumerGroupDescribeRequest {
  groupIds: string[];
  includeAuthorizedOperations: boolean;
}

export interface ConsumerGroupDescribeResponse {
  throttleTimeMs?: number;
  groups?: Array<{
    errorCode?: number;
    errorMessage?: string | null;
    groupId?: string;
    groupState?: string;
    groupEpoch?: number;
    assignmentEpoch?: number;
    assignorName?: string;
    members?: Array<{
      memberId?: string;
      instanceId?: string | null;
      rackId?: string | null;
      memberEpoch?: number;
      clientId?: string;
      clientHost?: string;
      subscribedTopicNames?: string[];
      subscribedTopicRegex?: string | null;
      assignment?: {
        topicPartitions?: Array<{
          topicId?: string;
          topicName?: string;
          partitions?: number[];
        }>;
      };
      targetAssignment?: {
        topicPartitions?: Array<{
          topicId?: string;
          topicName?: string;
          partitions?: number[];
        }>;
      };
    }>;
    authorizedOperations?: number;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse>(schema);

export const concurrent = true;

/** AclEntry.supportedOperations(GROUP): READ, DELETE and DESCRIBE. */

/** The whole request failed with `errorCode` (PostgreSQL unreachable): every group gets it. */
export function errorResponse(request: ConsumerGroupDescribeRequest, errorCode: number): ConsumerGroupDescribeResponse {
  return { throttleTimeMs: 0, groups: request.groupIds.map((groupId) => ({ errorCode, errorMessage: null, groupId, groupState: '', groupEpoch: -1, assignmentEpoch: -1, assignorName: '', members: [], authorizedOperations: OPERATIONS_NOT_REQUESTED })) };
}

export const unavailableError = ErrorCode.COORDINATOR_NOT_AVAILABLE;

export async function handle(request: ConsumerGroupDescribeRequest, ctx: RequestContext): Promise<ConsumerGroupDescribeResponse> {
  const allowed = request.groupIds.filter((id) => ctx.authorize(AclOperation.DESCRIBE, ResourceType.GROUP, id));
  const described = new Map((await describeConsumerGroups(groupCoordinator(ctx), allowed)).map((g) => [g.groupId, g]));
  return {
    throttleTimeMs: 0,
    groups: request.groupIds.map((id) => {
      const g = described.get(id);
      if (!g) return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: null, groupId: id, authorizedOperations: OPERATIONS_NOT_REQUESTED };
      const operations = request.includeAuthorizedOperations ? ctx.authorizedOperations(ResourceType.GROUP, id, GROUP_OPERATIONS) : OPERATIONS_NOT_REQUESTED;
      return { ...g, authorizedOperations: g.errorCode === 0 ? operations : OPERATIONS_NOT_REQUESTED };
    }),
  };
}
