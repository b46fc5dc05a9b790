// AddOffsetsToTxn (api key 25), versions 0-4: the producer will commit a group's offsets in its transaction
// (TxnOffsetCommit, to the group's coordinator, follows): the group joins the transaction like a partition does
// (Kafka adds the group's __consumer_offsets partition), with AddPartitionsToTxn's errors. v2 answers
// PRODUCER_FENCED (older versions INVALID_PRODUCER_EPOCH); v3 is flexible; v4 may answer TRANSACTION_ABORTABLE
// (never needed here).

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import { ErrorCode } from '../codec/errors.ts';
import type { RequestContext } from '../runtime/context.ts';
import { transactionCoordinator } from '../runtime/transactions/coordinator.ts';
import { fencedForVersion } from '../runtime/transactions/state.ts';
import { AclOperation, ResourceType } from '../runtime/auth/acl.ts';

// <generated> by scripts/gen-api.ts from Kafka's AddOffsetsToTxnRequest.json and AddOffsetsToTxnResponse.json, versions 0-4.
export const schema = {
  apiKey: 25,
  name: 'AddOffsetsToTxn',
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 3,
  request: [
    { name: 'TransactionalId', type: 'string', versions: '0+' },
    { name: 'ProducerId', type: 'int64', versions: '0+' },
    { name: 'ProducerEpoch', type: 'int16', versions: '0+' },
    { name: 'GroupId', type: 'string', versions: '0+' },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '0+' },
    { name: 'ErrorCode', type: 'int16', versions: '0+' },
  ],
} as const satisfies ApiSchema;

export interface AddOffsetsToTxnRequest {
  transactionalId: string;
  producerId: number | bigint;
  producerEpoch: number;
  groupId: string;
}

export interface AddOffsetsToTxnResponse {
  throttleTimeMs?: number;
  errorCode?: number;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<AddOffsetsToTxnRequest, AddOffsetsToTxnResponse>(schema);

/** Version from which PRODUCER_FENCED may be answered. */
const FIRST_FENCED_VERSION = 2;

export async function handle(request: AddOffsetsToTxnRequest, ctx: RequestContext): Promise<AddOffsetsToTxnResponse> {
  if (!ctx.authorize(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)) {
    return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED };
  }
  if (!ctx.authorize(AclOperation.READ, ResourceType.GROUP, request.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
  const error = await transactionCoordinator(ctx.broker).addToTransaction(
    request.transactionalId, request.producerId, request.producerEpoch, [], [request.groupId]);
  return { throttleTimeMs: 0, errorCode: fencedForVersion(error, ctx.apiVersion, FIRST_FENCED_VERSION) };
}
