// AddPartitionsToTxn (api key 24), versions 0-5: partitions join the producer's transaction (it becomes Ongoing;
// its timeout starts with the first). Errors as Kafka's coordinator gives them, one for all partitions: unknown
// transactional id or another producer id INVALID_PRODUCER_ID_MAPPING, an older epoch PRODUCER_FENCED (before v2:
// INVALID_PRODUCER_EPOCH), a transaction being ended CONCURRENT_TRANSACTIONS. A partition that does not exist is
// UNKNOWN_TOPIC_OR_PARTITION and then nothing is added: the others get OPERATION_NOT_ATTEMPTED. v3 is flexible;
// v4 batches several transactions (meant for brokers) with a top-level error and VerifyOnly, which only checks
// that the partitions are in the ongoing transaction (INVALID_TXN_STATE when not); v5 may answer
// TRANSACTION_ABORTABLE (never needed here).

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import { ErrorCode } from '../codec/errors.ts';
import type { Int64 } from '../codec/int64.ts';
import type { RequestContext } from '../runtime/context.ts';
import { transactionCoordinator } from '../runtime/transactions/coordinator.ts';
import { fencedForVersion } from '../runtime/transactions/state.ts';
import { AclOperation, ResourceType } from '../runtime/auth/acl.ts';

// <generated> by scripts/gen-api.ts from Kafka's AddPartitionsToTxnRequest.json and AddPartitionsToTxnResponse.json, versions 0-5.
export const schema = {
  apiKey: 24,
  name: 'AddPartitionsToTxn',
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 3,
  request: [
    { name: 'Transactions', type: '[]struct', versions: '4+', fields: [
      { name: 'TransactionalId', type: 'string', versions: '4+' },
      { name: 'ProducerId', type: 'int64', versions: '4+' },
      { name: 'ProducerEpoch', type: 'int16', versions: '4+' },
      { name: 'VerifyOnly', type: 'bool', versions: '4+', default: false },
      { name: 'Topics', type: '[]struct', versions: '4+', fields: [
        { name: 'Name', type: 'string', versions: '0+' },
        { name: 'Partitions', type: '[]int32', versions: '0+' },
      ] },
    ] },
    { name: 'V3AndBelowTransactionalId', type: 'string', versions: '0-3' },
    { name: 'V3AndBelowProducerId', type: 'int64', versions: '0-3' },
    { name: 'V3AndBelowProducerEpoch', type: 'int16', versions: '0-3' },
    { name: 'V3AndBelowTopics', type: '[]struct', versions: '0-3', fields: [
      { name: 'Name', type: 'string', versions: '0+' },
      { name: 'Partitions', type: '[]int32', versions: '0+' },
    ] },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '0+' },
    { name: 'ErrorCode', type: 'int16', versions: '4+' },
    { name: 'ResultsByTransaction', type: '[]struct', versions: '4+', fields: [
      { name: 'TransactionalId', type: 'string', versions: '4+' },
      { name: 'TopicResults', type: '[]struct', versions: '4+', fields: [
        { name: 'Name', type: 'string', versions: '0+' },
        { name: 'ResultsByPartition', type: '[]struct', versions: '0+', fields: [
          { name: 'PartitionIndex', type: 'int32', versions: '0+' },
          { name: 'PartitionErrorCode', type: 'int16', versions: '0+' },
        ] },
      ] },
    ] },
    { name: 'ResultsByTopicV3AndBelow', type: '[]struct', versions: '0-3', fields: [
      { name: 'Name', type: 'string', versions: '0+' },
      { name: 'ResultsByPartition', type: '[]struct', versions: '0+', fields: [
        { name: 'PartitionIndex', type: 'int32', versions: '0+' },
        { name: 'PartitionErrorCode', type: 'int16', versions: '0+' },
      ] },
    ] },
  ],
} as const satisfies ApiSchema;

export interface AddPartitionsToTxnRequest {
  transactions: Array<{
    transactionalId: string;
    producerId: number | bigint;
    producerEpoch: number;
    verifyOnly: boolean;
    topics: Array<{
      name: string;
      partitions: number[];
    }>;
  }>;
  v3AndBelowTransactionalId: string;
  v3AndBelowProducerId: number | bigint;
  v3AndBelowProducerEpoch: number;
  v3AndBelowTopics: Array<{
    name: string;
    partitions: number[];
  }>;
}

export interface AddPartitionsToTxnResponse {
  throttleTimeMs?: number;
  errorCode?: number;
  resultsByTransaction?: Array<{
    transactionalId?: string;
    topicResults?: Array<{
      name?: string;
      resultsByPartition?: Array<{
        partitionIndex?: number;
        partitionErrorCode?: number;
      }>;
    }>;
  }>;
  resultsByTopicV3AndBelow?: Array<{
    name?: string;
    resultsByPartition?: Array<{
      partitionIndex?: number;
      partitionErrorCode?: number;
    }>;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse>(schema);

/** Version from which transactions are batched (and may be verified only). */
const FIRST_BATCHED_VERSION = 4;
/** Version from which PRODUCER_FENCED may be answered. */
const FIRST_FENCED_VERSION = 2;

type TopicResult = { name: string; resultsByPartition: { partitionIndex: number; partitionErrorCode: number }[] };
interface TxnRequest {
  transactionalId: string;
  /** A producer id beyond 2^53 was never assigned: INVALID_PRODUCER_ID_MAPPING, as for any unknown id. */
  producerId: Int64;
  producerEpoch: number;
  verifyOnly: boolean;
  topics: { name: string; partitions: number[] }[];
}

/** The whole request failed with `errorCode` (PostgreSQL unreachable): the request (v4+), or every partition. */
export function errorResponse(request: AddPartitionsToTxnRequest, errorCode: number, ctx: RequestContext): AddPartitionsToTxnResponse {
  const topics = (list: { name: string; partitions: number[] }[]) =>
    list.map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: errorCode })) }));
  if (ctx.apiVersion >= 4) return { throttleTimeMs: 0, errorCode, resultsByTransaction: [] };
  return { throttleTimeMs: 0, resultsByTopicV3AndBelow: topics(request.v3AndBelowTopics) };
}

export const unavailableError = ErrorCode.COORDINATOR_NOT_AVAILABLE;

export async function handle(request: AddPartitionsToTxnRequest, ctx: RequestContext): Promise<AddPartitionsToTxnResponse> {
  if (ctx.apiVersion >= FIRST_BATCHED_VERSION) {
    const resultsByTransaction = await Promise.all(request.transactions.map(async (t) => ({
      transactionalId: t.transactionalId,
      topicResults: await addPartitions(t, ctx),
    })));
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction };
  }
  const resultsByTopicV3AndBelow = await addPartitions({
    transactionalId: request.v3AndBelowTransactionalId,
    producerId: request.v3AndBelowProducerId,
    producerEpoch: request.v3AndBelowProducerEpoch,
    verifyOnly: false,
    topics: request.v3AndBelowTopics,
  }, ctx);
  return { throttleTimeMs: 0, resultsByTopicV3AndBelow };
}

async function addPartitions(t: TxnRequest, ctx: RequestContext): Promise<TopicResult[]> {
  const version = ctx.apiVersion;
  // Each partition once, in request order (the answer is keyed by topic and partition).
  const wanted = new Map<string, Set<number>>();
  for (const topic of t.topics) {
    const set = wanted.get(topic.name) ?? new Set<number>();
    for (const p of topic.partitions) set.add(p);
    wanted.set(topic.name, set);
  }
  const known = await ctx.broker.store.getTopics([...wanted.keys()]);
  const exists = (name: string, p: number) => {
    const topic = known.get(name);
    return topic !== undefined && p >= 0 && p < topic.partitions;
  };
  const answer = (error: (name: string, partition: number) => number): TopicResult[] =>
    [...wanted].map(([name, partitions]) => ({
      name,
      resultsByPartition: [...partitions].map((partitionIndex) => ({ partitionIndex, partitionErrorCode: error(name, partitionIndex) })),
    }));
  if (!ctx.authorize(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, t.transactionalId)) {
    return answer(() => ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  }
  const denied = new Set([...wanted.keys()].filter((name) => !ctx.authorize(AclOperation.WRITE, ResourceType.TOPIC, name)));
  if (denied.size > 0) {
    // Topics the principal may not WRITE fail the request; the others were not attempted.
    return answer((name) => (denied.has(name) ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : ErrorCode.OPERATION_NOT_ATTEMPTED));
  }
  const list = [...wanted].flatMap(([name, ps]) => [...ps].map((partition) => ({ name, partition })));
  const coordinator = transactionCoordinator(ctx.broker);

  if (t.verifyOnly) {
    const present = list.filter((p) => exists(p.name, p.partition));
    const errors = await coordinator.verifyPartitions(t.transactionalId, t.producerId, t.producerEpoch,
      present.map((p) => ({ topicId: known.get(p.name)!.id, partition: p.partition })));
    const byKey = new Map(present.map((p, i) => [`${p.name}\u0000${p.partition}`, errors[i]]));
    return answer((name, partition) => fencedForVersion(byKey.get(`${name}\u0000${partition}`) ?? ErrorCode.INVALID_TXN_STATE, version, FIRST_FENCED_VERSION));
  }
  if (list.some((p) => !exists(p.name, p.partition))) {
    // Any partition that does not exist fails the whole request; the others were not attempted.
    return answer((name, partition) => (exists(name, partition) ? ErrorCode.OPERATION_NOT_ATTEMPTED : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
  }
  const error = await coordinator.addToTransaction(t.transactionalId, t.producerId, t.producerEpoch,
    list.map((p) => ({ topicId: known.get(p.name)!.id, partition: p.partition })), []);
  const code = fencedForVersion(error, version, FIRST_FENCED_VERSION);
  return answer(() => code);
}
