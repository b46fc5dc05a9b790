// TxnOffsetCommit (api key 28), versions 0-4: a transactional producer commits consumed offsets for a group, sent
// to the group's coordinator after AddOffsetsToTxn. The offsets stay pending in the transaction and become the
// group's committed offsets only when it commits (dropped on abort): runtime/transactions/txn-offsets.ts. A
// transactional id that is unknown or has another producer id is INVALID_PRODUCER_ID_MAPPING, another epoch
// INVALID_PRODUCER_EPOCH, a transaction without the group (no AddOffsetsToTxn) INVALID_TXN_STATE. v1 is v0; v2 adds
// the committed leader epoch; v3 is flexible and adds the member id, generation and instance id (checked like
// OffsetCommit's: UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, FENCED_INSTANCE_ID); v4 may answer TRANSACTION_ABORTABLE
// (never needed here).

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import { ErrorCode } from '../codec/errors.ts';
import type { RequestContext } from '../runtime/context.ts';
import { commitTransactionalOffsets } from '../runtime/transactions/txn-offsets.ts';
import { AclOperation, ResourceType } from '../runtime/auth/acl.ts';

// <generated> by scripts/gen-api.ts from Kafka's TxnOffsetCommitRequest.json and TxnOffsetCommitResponse.json, versions 0-4.
export const schema = {
  apiKey: 28,
  name: 'TxnOffsetCommit',
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 3,
  request: [
    { name: 'TransactionalId', type: 'string', versions: '0+' },
    { name: 'GroupId', type: 'string', versions: '0+' },
    { name: 'ProducerId', type: 'int64', versions: '0+' },
    { name: 'ProducerEpoch', type: 'int16', versions: '0+' },
    { name: 'GenerationId', type: 'int32', versions: '3+', default: "-1" },
    { name: 'MemberId', type: 'string', versions: '3+', default: "" },
    { name: 'GroupInstanceId', type: 'string', versions: '3+', nullable: '3+', default: "null" },
    { name: 'Topics', type: '[]struct', versions: '0+', fields: [
      { name: 'Name', type: 'string', versions: '0+' },
      { name: 'Partitions', type: '[]struct', versions: '0+', fields: [
        { name: 'PartitionIndex', type: 'int32', versions: '0+' },
        { name: 'CommittedOffset', type: 'int64', versions: '0+' },
        { name: 'CommittedLeaderEpoch', type: 'int32', versions: '2+', default: "-1" },
        { name: 'CommittedMetadata', type: 'string', versions: '0+', nullable: '0+' },
      ] },
    ] },
  ],
  response: [
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

export interface TxnOffsetCommitRequest {
  transactionalId: string;
  groupId: string;
  producerId: number | bigint;
  producerEpoch: number;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  topics: Array<{
    name: string;
    partitions: Array<{
      partitionIndex: number;
      committedOffset: number | bigint;
      committedLeaderEpoch: number;
      committedMetadata: string | null;
    }>;
  }>;
}

export interface TxnOffsetCommitResponse {
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

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<TxnOffsetCommitRequest, TxnOffsetCommitResponse>(schema);

/** The whole request failed with `errorCode` (PostgreSQL unreachable): every partition gets it. */
export function errorResponse(request: TxnOffsetCommitRequest, errorCode: number): TxnOffsetCommitResponse {
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })),
  };
}

export const unavailableError = ErrorCode.COORDINATOR_NOT_AVAILABLE;

export async function handle(request: TxnOffsetCommitRequest, ctx: RequestContext): Promise<TxnOffsetCommitResponse> {
  const v = ctx.apiVersion;
  const failAll = (code: number) => request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code })) }));
  if (!ctx.authorize(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)) {
    return { throttleTimeMs: 0, topics: failAll(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED) };
  }
  if (!ctx.authorize(AclOperation.READ, ResourceType.GROUP, request.groupId)) return { throttleTimeMs: 0, topics: failAll(ErrorCode.GROUP_AUTHORIZATION_FAILED) };
  const readable = request.topics.map((t) => ctx.authorize(AclOperation.READ, ResourceType.TOPIC, t.name));
  const committed = await commitTransactionalOffsets(ctx, {
    transactionalId: request.transactionalId,
    groupId: request.groupId,
    producerId: request.producerId,
    producerEpoch: request.producerEpoch,
    generationId: v >= 3 ? request.generationId : -1,
    memberId: v >= 3 ? request.memberId : '',
    groupInstanceId: v >= 3 ? request.groupInstanceId : null,
    topics: request.topics.filter((_, i) => readable[i]).map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        committedOffset: p.committedOffset,
        committedLeaderEpoch: v >= 2 ? p.committedLeaderEpoch : -1,
        committedMetadata: p.committedMetadata,
      })),
    })),
  });
  const denied = failAll(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  let next = 0;
  return { throttleTimeMs: 0, topics: readable.map((ok, i) => (ok ? committed[next++] : denied[i])) };
}
