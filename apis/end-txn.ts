// EndTxn (api key 26), versions 0-4: commit or abort the producer's ongoing transaction. In one PostgreSQL
// transaction the coordinator writes a COMMIT or ABORT marker to every partition of the transaction, makes the
// transaction's offsets (TxnOffsetCommit) committed offsets of their groups or drops them, and records the new
// state (CompleteCommit / CompleteAbort): the answer comes after all of it. Repeating an ended transaction's
// result is NONE (a retry), the other result INVALID_TXN_STATE; no ongoing transaction INVALID_TXN_STATE; another
// producer id INVALID_PRODUCER_ID_MAPPING; another epoch PRODUCER_FENCED (before v2: INVALID_PRODUCER_EPOCH).
// v3 is flexible; v4 may answer TRANSACTION_ABORTABLE (never needed here). v5 (KIP-890 part 2, an epoch bump per
// transaction) is not served.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import { ErrorCode } from '../codec/errors.ts';
import type { RequestContext } from '../runtime/context.ts';
import { transactionCoordinator } from '../runtime/transactions/coordinator.ts';
import { fencedForVersion } from '../runtime/transactions/state.ts';
import { AclOperation, ResourceType } from '../runtime/auth/acl.ts';

// <generated> by scripts/gen-api.ts from Kafka's EndTxnRequest.json and EndTxnResponse.json, versions 0-4.
export const schema = {
  apiKey: 26,
  name: 'EndTxn',
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 3,
  request: [
    { name: 'TransactionalId', type: 'string', versions: '0+' },
    { name: 'ProducerId', type: 'int64', versions: '0+' },
    { name: 'ProducerEpoch', type: 'int16', versions: '0+' },
    { name: 'Committed', type: 'bool', versions: '0+' },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '0+' },
    { name: 'ErrorCode', type: 'int16', versions: '0+' },
  ],
} as const satisfies ApiSchema;

export interface EndTxnRequest {
  transactionalId: string;
  producerId: number | bigint;
  producerEpoch: number;
  committed: boolean;
}

export interface EndTxnResponse {
  throttleTimeMs?: number;
  errorCode?: number;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<EndTxnRequest, EndTxnResponse>(schema);

/** Version from which PRODUCER_FENCED may be answered. */
const FIRST_FENCED_VERSION = 2;

export async function handle(request: EndTxnRequest, ctx: RequestContext): Promise<EndTxnResponse> {
  if (!ctx.authorize(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)) {
    return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED };
  }
  const error = await transactionCoordinator(ctx.broker).endTransaction(
    request.transactionalId, request.producerId, request.producerEpoch, request.committed);
  return { throttleTimeMs: 0, errorCode: fencedForVersion(error, ctx.apiVersion, FIRST_FENCED_VERSION) };
}
