// ListTransactions (api key 66), versions 0-1: the transactional ids the coordinator knows, optionally only those
// in some states and of some producer ids; state names it does not know come back in unknownStateFilters (and
// match nothing). v1 adds the duration filter: only transactions running longer than that many milliseconds.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import { ErrorCode } from '../codec/errors.ts';
import { toInt64 } from '../codec/int64.ts';
import type { RequestContext } from '../runtime/context.ts';
import { transactionCoordinator } from '../runtime/transactions/coordinator.ts';
import { ALL_STATES } from '../runtime/transactions/state.ts';

// <generated> by scripts/gen-api.ts from Kafka's ListTransactionsRequest.json and ListTransactionsResponse.json, versions 0-1.
export const schema = {
  apiKey: 66,
  name: 'ListTransactions',
  minVersion: 0,
  maxVersion: 1,
  flexibleFrom: 0,
  request: [
    { name: 'StateFilters', type: '[]string', versions: '0+' },
    { name: 'ProducerIdFilters', type: '[]int64', versions: '0+' },
    { name: 'DurationFilter', type: 'int64', versions: '1+', default: -1 },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '0+' },
    { name: 'ErrorCode', type: 'int16', versions: '0+' },
    { name: 'UnknownStateFilters', type: '[]string', versions: '0+' },
    { name: 'TransactionStates', type: '[]struct', versions: '0+', fields: [
      { name: 'TransactionalId', type: 'string', versions: '0+' },
      { name: 'ProducerId', type: 'int64', versions: '0+' },
      { name: 'TransactionState', type: 'string', versions: '0+' },
    ] },
  ],
} as const satisfies ApiSchema;

export interface ListTransactionsRequest {
  stateFilters: string[];
  producerIdFilters: Array<number | bigint>;
  durationFilter: number | bigint;
}

export interface ListTransactionsResponse {
  throttleTimeMs?: number;
  errorCode?: number;
  unknownStateFilters?: string[];
  transactionStates?: Array<{
    transactionalId?: string;
    producerId?: number | bigint;
    transactionState?: string;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<ListTransactionsRequest, ListTransactionsResponse>(schema);

/** Only reads. */
export const concurrent = true;

export async function handle(request: ListTransactionsRequest, ctx: RequestContext): Promise<ListTransactionsResponse> {
  const known = request.stateFilters.filter((s) => ALL_STATES.includes(s));
  const unknownStateFilters = request.stateFilters.filter((s) => !ALL_STATES.includes(s));
  if (request.stateFilters.length > 0 && known.length === 0) {
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, unknownStateFilters, transactionStates: [] };
  }
  const duration = ctx.apiVersion >= 1 ? request.durationFilter : -1;
  const rows = await transactionCoordinator(ctx.broker).list({
    states: known,
    producerIds: request.producerIdFilters,
    // Exact for any duration: Long.MAX_VALUE (begun before the year -292 million) matches nothing.
    startedBefore: duration >= 0 ? toInt64(BigInt(Date.now()) - BigInt(duration)) : null,
  });
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    unknownStateFilters,
    transactionStates: rows.map((r) => ({ transactionalId: r.transactionalId, producerId: r.producerId, transactionState: r.state })),
  };
}
