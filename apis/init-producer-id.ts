// InitProducerId (api key 22), versions 0-5: a producer id and epoch. Without a transactional id (idempotent
// producers): a new producer id from PostgreSQL's sequence, epoch 0. With one: the transactional id's producer id
// with its epoch bumped, fencing any older producer with that id; an ongoing transaction is aborted first (under a
// bumped epoch) and the client told CONCURRENT_TRANSACTIONS, so its retry gets the next epoch (Kafka's
// prepareInitProducerIdTransit, in runtime/transactions/). v1 is v0; v2 is flexible; v3 carries the producer's
// current id and epoch (KIP-360: resume after INVALID_PRODUCER_EPOCH; a retried bump gets the same epoch back);
// v4 answers PRODUCER_FENCED (older versions get INVALID_PRODUCER_EPOCH); v5 may answer TRANSACTION_ABORTABLE
// (never needed here). A timeout over transaction.max.timeout.ms is INVALID_TRANSACTION_TIMEOUT.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import { ErrorCode } from '../codec/errors.ts';
import type { RequestContext } from '../runtime/context.ts';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../runtime/auth/acl.ts';
import { transactionCoordinator } from '../runtime/transactions/coordinator.ts';
import { fencedForVersion } from '../runtime/transactions/state.ts';

// <generated> by scripts/gen-api.ts from Kafka's InitProducerIdRequest.json and InitProducerIdResponse.json, versions 0-5.
export const schema = {
  apiKey: 22,
  name: 'InitProducerId',
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 2,
  request: [
    { name: 'TransactionalId', type: 'string', versions: '0+', nullable: '0+' },
    { name: 'TransactionTimeoutMs', type: 'int32', versions: '0+' },
    { name: 'ProducerId', type: 'int64', versions: '3+', default: "-1" },
    { name: 'ProducerEpoch', type: 'int16', versions: '3+', default: "-1" },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '0+' },
    { name: 'ErrorCode', type: 'int16', versions: '0+' },
    { name: 'ProducerId', type: 'int64', versions: '0+', default: -1 },
    { name: 'ProducerEpoch', type: 'int16', versions: '0+' },
  ],
} as const satisfies ApiSchema;

export interface InitProducerIdRequest {
  transactionalId: string | null;
  transactionTimeoutMs: number;
  producerId: number | bigint;
  producerEpoch: number;
}

export interface InitProducerIdResponse {
  throttleTimeMs?: number;
  errorCode?: number;
  producerId?: number | bigint;
  producerEpoch?: number;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<InitProducerIdRequest, InitProducerIdResponse>(schema);

/** Version from which the request carries the producer's current id and epoch. */
const FIRST_RESUME_VERSION = 3;
/** Version from which PRODUCER_FENCED may be answered. */
const FIRST_FENCED_VERSION = 4;

export async function handle(request: InitProducerIdRequest, ctx: RequestContext): Promise<InitProducerIdResponse> {
  const answer = (errorCode: number, producerId = -1, producerEpoch = -1): InitProducerIdResponse => ({
    throttleTimeMs: 0,
    errorCode: fencedForVersion(errorCode, ctx.apiVersion, FIRST_FENCED_VERSION),
    producerId,
    producerEpoch,
  });
  if (request.transactionalId !== null) {
    if (!ctx.authorize(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)) return answer(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  } else if (!ctx.authorize(AclOperation.IDEMPOTENT_WRITE, ResourceType.CLUSTER, CLUSTER_NAME) && !ctx.authorizeAny(AclOperation.WRITE, ResourceType.TOPIC)) {
    // An idempotent producer needs IDEMPOTENT_WRITE on the cluster or WRITE on some topic (KIP-679).
    return answer(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  }
  let expected: { producerId: number | bigint; producerEpoch: number } | null = null;
  if (ctx.apiVersion >= FIRST_RESUME_VERSION && (request.producerId !== -1 || request.producerEpoch !== -1)) {
    // Both or neither (Kafka: INVALID_REQUEST otherwise).
    if (request.producerId === -1 || request.producerEpoch === -1) return answer(ErrorCode.INVALID_REQUEST);
    expected = { producerId: request.producerId, producerEpoch: request.producerEpoch };
  }
  const result = await transactionCoordinator(ctx.broker).initProducerId(request.transactionalId, request.transactionTimeoutMs, expected);
  return answer(result.errorCode, result.producerId, result.producerEpoch);
}
