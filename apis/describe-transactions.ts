// DescribeTransactions (api key 65), version 0: each transactional id's state as the coordinator keeps it:
// state name, timeout, start time of the transaction, producer id and epoch, and the partitions of the ongoing
// transaction. Unknown ids are TRANSACTIONAL_ID_NOT_FOUND, an empty id INVALID_REQUEST.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import { ErrorCode } from '../codec/errors.ts';
import type { RequestContext } from '../runtime/context.ts';
import { transactionCoordinator } from '../runtime/transactions/coordinator.ts';

// <generated> by scripts/gen-api.ts from Kafka's DescribeTransactionsRequest.json and DescribeTransactionsResponse.json, versions 0-0.
export const schema = {
  apiKey: 65,
  name: 'DescribeTransactions',
  minVersion: 0,
  maxVersion: 0,
  flexibleFrom: 0,
  request: [
    { name: 'TransactionalIds', type: '[]string', versions: '0+' },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '0+' },
    { name: 'TransactionStates', type: '[]struct', versions: '0+', fields: [
      { name: 'ErrorCode', type: 'int16', versions: '0+' },
      { name: 'TransactionalId', type: 'string', versions: '0+' },
      { name: 'TransactionState', type: 'string', versions: '0+' },
      { name: 'TransactionTimeoutMs', type: 'int32', versions: '0+' },
      { name: 'TransactionStartTimeMs', type: 'int64', versions: '0+' },
      { name: 'ProducerId', type: 'int64', versions: '0+' },
      { name: 'ProducerEpoch', type: 'int16', versions: '0+' },
      { name: 'Topics', type: '[]struct', versions: '0+', fields: [
        { name: 'Topic', type: 'string', versions: '0+' },
        { name: 'Partitions', type: '[]int32', versions: '0+' },
      ] },
    ] },
  ],
} as const satisfies ApiSchema;

export interface DescribeTransactionsRequest {
  transactionalIds: string[];
}

export interface DescribeTransactionsResponse {
  throttleTimeMs?: number;
  transactionStates?: Array<{
    errorCode?: number;
    transactionalId?: string;
    transactionState?: string;
    transactionTimeoutMs?: number;
    transactionStartTimeMs?: number | bigint;
    producerId?: number | bigint;
    producerEpoch?: number;
    topics?: Array<{
      topic?: string;
      partitions?: number[];
    }>;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<DescribeTransactionsRequest, DescribeTransactionsResponse>(schema);

/** Only reads. */
export const concurrent = true;

type TransactionState = NonNullable<DescribeTransactionsResponse['transactionStates']>[number];

function failure(transactionalId: string, errorCode: number): TransactionState {
  return { errorCode, transactionalId, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1, producerId: -1, producerEpoch: -1, topics: [] };
}

/** The whole request failed with `errorCode` (PostgreSQL unreachable): every transactional id gets it. */
export function errorResponse(request: DescribeTransactionsRequest, errorCode: number): DescribeTransactionsResponse {
  return { throttleTimeMs: 0, transactionStates: request.transactionalIds.map((transactionalId) => ({ errorCode, transactionalId, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1, producerId: -1, producerEpoch: -1, topics: [] })) };
}

export const unavailableError = ErrorCode.COORDINATOR_NOT_AVAILABLE;

export async function handle(request: DescribeTransactionsRequest, ctx: RequestContext): Promise<DescribeTransactionsResponse> {
  const coordinator = transactionCoordinator(ctx.broker);
  const transactionStates = await Promise.all(request.transactionalIds.map(async (id): Promise<TransactionState> => {
    if (id === '') return failure(id, ErrorCode.INVALID_REQUEST);
    const txn = await coordinator.describe(id);
    if (txn === null) return failure(id, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
    const byTopic = new Map<string, number[]>();
    for (const p of txn.partitions) {
      const list = byTopic.get(p.topic) ?? [];
      list.push(p.partition);
      byTopic.set(p.topic, list);
    }
    return {
      errorCode: ErrorCode.NONE,
      transactionalId: id,
      transactionState: txn.state,
      transactionTimeoutMs: txn.timeoutMs,
      transactionStartTimeMs: txn.startTimestamp,
      producerId: txn.producerId,
      producerEpoch: txn.producerEpoch,
      topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
    };
  }));
  return { throttleTimeMs: 0, transactionStates };
}
