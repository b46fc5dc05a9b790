// JoinGroup (key 11), versions 0-9: a member joins (or rejoins) a classic group and waits until the join phase
// completes; the leader gets every member's metadata. v1 adds the rebalance timeout (v0 uses the session
// timeout), v4 makes new members join twice (MEMBER_ID_REQUIRED hands out the member id), v5 adds static
// membership (group.instance.id), v6 is flexible, v7 returns the protocol type, v8 adds a reason, v9 tells a
// returning static leader to skip the assignment. Concurrent: a waiting join must not hold up the connection's
// heartbeats. The state machine lives in runtime/groups/.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import { ErrorCode } from '../codec/errors.ts';
import type { RequestContext } from '../runtime/context.ts';
import { groupCoordinator } from '../runtime/groups/coordinator.ts';
import { clientHost } from '../runtime/groups/member.ts';
import { AclOperation, ResourceType } from '../runtime/auth/acl.ts';

// <generated> by scripts/gen-api.ts from Kafka's JoinGroupRequest.json and JoinGroupResponse.json, versions 0-9.
export const schema = {
  apiKey: 11,
  name: 'JoinGroup',
  minVersion: 0,
  maxVersion: 9,
  flexibleFrom: 6,
  request: [
    { name: 'GroupId', type: 'string', versions: '0+' },
    { name: 'SessionTimeoutMs', type: 'int32', versions: '0+' },
    { name: 'RebalanceTimeoutMs', type: 'int32', versions: '1+', default: "-1" },
    { name: 'MemberId', type: 'string', versions: '0+' },
    { name: 'GroupInstanceId', type: 'string', versions: '5+', nullable: '5+', default: "null" },
    { name: 'ProtocolType', type: 'string', versions: '0+' },
    { name: 'Protocols', type: '[]struct', versions: '0+', fields: [
      { name: 'Name', type: 'string', versions: '0+' },
      { name: 'Metadata', type: 'bytes', versions: '0+' },
    ] },
    { name: 'Reason', type: 'string', versions: '8+', nullable: '8+', default: "null" },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '2+' },
    { name: 'ErrorCode', type: 'int16', versions: '0+' },
    { name: 'GenerationId', type: 'int32', versions: '0+', default: "-1" },
    { name: 'ProtocolType', type: 'string', versions: '7+', nullable: '7+', default: "null" },
    { name: 'ProtocolName', type: 'string', versions: '0+', nullable: '7+' },
    { name: 'Leader', type: 'string', versions: '0+' },
    { name: 'SkipAssignment', type: 'bool', versions: '9+', default: "false" },
    { name: 'MemberId', type: 'string', versions: '0+' },
    { name: 'Members', type: '[]struct', versions: '0+', fields: [
      { name: 'MemberId', type: 'string', versions: '0+' },
      { name: 'GroupInstanceId', type: 'string', versions: '5+', nullable: '5+', default: "null" },
      { name: 'Metadata', type: 'bytes', versions: '0+' },
    ] },
  ],
} as const satisfies ApiSchema;

export interface JoinGroupRequest {
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  protocols: Array<{
    name: string;
    metadata: Uint8Array;
  }>;
  reason: string | null;
}

export interface JoinGroupResponse {
  throttleTimeMs?: number;
  errorCode?: number;
  generationId?: number;
  protocolType?: string | null;
  protocolName?: string | null;
  leader?: string;
  skipAssignment?: boolean;
  memberId?: string;
  members?: Array<{
    memberId?: string;
    groupInstanceId?: string | null;
    metadata?: Uint8Array;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<JoinGroupRequest, JoinGroupResponse>(schema);

export const concurrent = true;

export async function handle(request: JoinGroupRequest, ctx: RequestContext): Promise<JoinGroupResponse> {
  const v = ctx.apiVersion;
  if (!ctx.authorize(AclOperation.READ, ResourceType.GROUP, request.groupId)) {
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED,
      generationId: -1,
      protocolType: null,
      protocolName: v >= 7 ? null : '',
      leader: '',
      skipAssignment: false,
      memberId: '',
      members: [],
    };
  }
  const result = await groupCoordinator(ctx).join(request.groupId, {
    memberId: request.memberId,
    groupInstanceId: v >= 5 ? request.groupInstanceId : null,
    sessionTimeoutMs: request.sessionTimeoutMs,
    rebalanceTimeoutMs: v >= 1 && request.rebalanceTimeoutMs >= 0 ? request.rebalanceTimeoutMs : request.sessionTimeoutMs,
    protocolType: request.protocolType,
    // Copies: members keep their metadata for the group's life, the request frame need not stay alive with it.
    protocols: request.protocols.map((p) => ({ name: p.name, metadata: (p.metadata ?? new Uint8Array(0)).slice() })),
    reason: v >= 8 ? request.reason : null,
    clientId: ctx.clientId ?? '',
    clientHost: clientHost(ctx.remoteAddress),
    requireKnownMemberId: v >= 4,
    supportSkippingAssignment: v >= 9,
  }, ctx.signal);
  return {
    throttleTimeMs: 0,
    errorCode: result.errorCode,
    generationId: result.generationId,
    protocolType: result.protocolType,
    protocolName: result.protocolName,
    leader: result.leader,
    skipAssignment: result.skipAssignment,
    memberId: result.memberId,
    members: result.members,
  };
}
