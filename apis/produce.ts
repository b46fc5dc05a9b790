// Produce (api key 0), versions 0-11: appends record batches to partition logs, one PostgreSQL transaction per
// request. v0-2 carry the old message formats (magic 0/1), which are not stored: they are advertised only
// because librdkafka needs Produce from v0, and their partitions are answered UNSUPPORTED_FOR_MESSAGE_FORMAT.
// v1 adds throttle time; v2 the log append time; v3 the transactional id and magic-2 batches; v4 allows
// KAFKA_STORAGE_ERROR; v5 adds the log start offset; v7 allows zstd (earlier versions get
// UNSUPPORTED_COMPRESSION_TYPE for it); v8 adds per-record errors and an error message; v9 is flexible;
// v10 adds the current leader and node endpoints (tagged, for NOT_LEADER_OR_FOLLOWER: never sent here);
// v11 allows TRANSACTION_ABORTABLE.
// acks 0 appends and sends no answer; acks 1 and -1 answer after the commit; anything else is INVALID_REQUIRED_ACKS.
// Produce never creates topics. Idempotent and transactional producers (batches with a producer id) are checked
// by the store under the partition lock, in the append's PostgreSQL transaction: a batch sent again is answered
// with its original offsets and written once, a sequence gap is OUT_OF_ORDER_SEQUENCE_NUMBER, a stale epoch
// INVALID_PRODUCER_EPOCH, a transactional batch outside its ongoing transaction INVALID_TXN_STATE (Kafka's
// partition verification, KIP-890); transactional records without a transactional id are refused as Kafka does.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import { ErrorCode } from '../codec/errors.ts';
import { Compression } from '../codec/compression.ts';
import {
  BatchAttributes,
  batchSize,
  checkProducedBatch,
  CorruptRecordError,
  readBatches,
  type RecordBatch,
} from '../codec/record-batch.ts';
import { noResponse, type RequestContext } from '../runtime/context.ts';
import { appendQueue } from '../runtime/append-queue.ts';
import { maxMessageBytes, topicConfigValue, usesLogAppendTime } from '../runtime/topic-configs.ts';
import { isDatabaseUnavailable, UnknownPartitionError } from '../store/errors.ts';
import { databaseOutage } from '../runtime/unavailable.ts';
import { isInternalTopic } from '../runtime/topic-names.ts';
import type { AppendBatch, PartitionAppend, PartitionAppendResult, Topic } from '../store/types.ts';
import { AclOperation, ResourceType } from '../runtime/auth/acl.ts';
import { isShadowed, shadowService } from '../runtime/shadow/service.ts';

// <generated> by scripts/gen-api.ts from Kafka's ProduceRequest.json and ProduceResponse.json, versions 0-11.
export const schema = {
  apiKey: 0,
  name: 'Produce',
  minVersion: 0,
  maxVersion: 11,
  flexibleFrom: 9,
  request: [
    { name: 'TransactionalId', type: 'string', versions: '3+', nullable: '3+', default: "null" },
    { name: 'Acks', type: 'int16', versions: '0+' },
    { name: 'TimeoutMs', type: 'int32', versions: '0+' },
    { name: 'TopicData', type: '[]struct', versions: '0+', fields: [
      { name: 'Name', type: 'string', versions: '0+' },
      { name: 'PartitionData', type: '[]struct', versions: '0+', fields: [
        { name: 'Index', type: 'int32', versions: '0+' },
        { name: 'Records', type: 'records', versions: '0+', nullable: '0+' },
      ] },
    ] },
  ],
  response: [
    { name: 'Responses', type: '[]struct', versions: '0+', fields: [
      { name: 'Name', type: 'string', versions: '0+' },
      { name: 'PartitionResponses', type: '[]struct', versions: '0+', fields: [
        { name: 'Index', type: 'int32', versions: '0+' },
        { name: 'ErrorCode', type: 'int16', versions: '0+' },
        { name: 'BaseOffset', type: 'int64', versions: '0+' },
        { name: 'LogAppendTimeMs', type: 'int64', versions: '2+', default: "-1" },
        { name: 'LogStartOffset', type: 'int64', versions: '5+', default: "-1" },
        { name: 'RecordErrors', type: '[]struct', versions: '8+', fields: [
          { name: 'BatchIndex', type: 'int32', versions: '8+' },
          { name: 'BatchIndexErrorMessage', type: 'string', versions: '8+', nullable: '8+', default: "null" },
        ] },
        { name: 'ErrorMessage', type: 'string', versions: '8+', nullable: '8+', default: "null" },
        { name: 'CurrentLeader', type: 'struct', versions: '10+', tag: 0, taggedVersions: '10+', fields: [
          { name: 'LeaderId', type: 'int32', versions: '10+', default: "-1" },
          { name: 'LeaderEpoch', type: 'int32', versions: '10+', default: "-1" },
        ] },
      ] },
    ] },
    { name: 'ThrottleTimeMs', type: 'int32', versions: '1+', default: "0" },
    { name: 'NodeEndpoints', type: '[]struct', versions: '10+', tag: 0, taggedVersions: '10+', fields: [
      { name: 'NodeId', type: 'int32', versions: '10+' },
      { name: 'Host', type: 'string', versions: '10+' },
      { name: 'Port', type: 'int32', versions: '10+' },
      { name: 'Rack', type: 'string', versions: '10+', nullable: '10+', default: "null" },
    ] },
  ],
} as const satisfies ApiSchema;

export interface ProduceRequest {
  transactionalId: string | null;
  acks: number;
  timeoutMs: number;
  topicData: Array<{
    name: string;
    partitionData: Array<{
      index: number;
      records: Uint8Array | Uint8Array[] | null;
    }>;
  }>;
}

export interface ProduceResponse {
  responses?: Array<{
    name?: string;
    partitionResponses?: Array<{
      index?: number;
      errorCode?: number;
      baseOffset?: number | bigint;
      logAppendTimeMs?: number | bigint;
      logStartOffset?: number | bigint;
      recordErrors?: Array<{
        batchIndex?: number;
        batchIndexErrorMessage?: string | null;
      }>;
      errorMessage?: string | null;
      currentLeader?: {
        leaderId?: number;
        leaderEpoch?: number;
      };
    }>;
  }>;
  throttleTimeMs?: number;
  nodeEndpoints?: Array<{
    nodeId?: number;
    host?: string;
    port?: number;
    rack?: string | null;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<ProduceRequest, ProduceResponse>(schema);

type PartitionResponse = NonNullable<NonNullable<ProduceResponse['responses']>[number]['partitionResponses']>[number];

/** One partition of the request that passed validation: what will be appended, and its answer being built. */
export interface PendingPartition {
  readonly topic: Topic;
  readonly partition: number;
  readonly batches: RecordBatch[];
  /** What goes to store.append; checkProducerState sets it to null when it refuses the partition. */
  append: PartitionAppend | null;
  readonly out: PartitionResponse;
}

/** Version from which Produce carries magic-2 record batches. */
const FIRST_MAGIC2_VERSION = 3;
/** Version from which zstd is allowed (KIP-110). */
const FIRST_ZSTD_VERSION = 7;

function partitionError(index: number, errorCode: number, errorMessage: string | null = null): PartitionResponse {
  return { index, errorCode, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, recordErrors: [], errorMessage };
}

function fail(out: PartitionResponse, errorCode: number, errorMessage: string | null): void {
  out.errorCode = errorCode;
  out.errorMessage = errorMessage;
  out.baseOffset = -1;
  out.logAppendTimeMs = -1;
  out.logStartOffset = -1;
}

/**
 * Produce requests from one connection start in arrival order; each lets the next one start once its append is
 * queued (runtime/append-queue.ts), so decoding overlaps the previous commit and queued appends share one.
 */
export const pipelined = true;

export async function handle(request: ProduceRequest, ctx: RequestContext): Promise<ProduceResponse | typeof noResponse> {
  const version = ctx.apiVersion;
  const acks = request.acks;
  const answer = (response: ProduceResponse) => (acks === 0 ? noResponse : response);

  if (acks !== 0 && acks !== 1 && acks !== -1) {
    return answer(everyPartition(request, ErrorCode.INVALID_REQUIRED_ACKS, `invalid required acks ${acks}: only -1, 0 and 1 are allowed`));
  }
  if (version < FIRST_MAGIC2_VERSION) {
    return answer(everyPartition(request, ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT, 'message formats v0 and v1 are not supported'));
  }

  if (request.transactionalId !== null && !ctx.authorize(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)) {
    return answer(everyPartition(request, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'Transactional Id authorization failed'));
  }
  const allowed = (name: string) => ctx.authorize(AclOperation.WRITE, ResourceType.TOPIC, name);
  const topics = await ctx.broker.store.getTopics(request.topicData.map((t) => t.name).filter(allowed));
  const pending: PendingPartition[] = [];
  const response: ProduceResponse = {
    throttleTimeMs: 0,
    responses: request.topicData.map((t) => {
      const topic = topics.get(t.name);
      return {
        name: t.name,
        partitionResponses: t.partitionData.map((p) => {
          if (!allowed(t.name)) return partitionError(p.index, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Topic authorization failed');
          if (!topic || p.index < 0 || p.index >= topic.partitions) {
            return partitionError(p.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic or partition ${t.name}-${p.index}`);
          }
          // Kafka's ReplicaManager: clients never append to internal topics.
          if (isInternalTopic(t.name)) return partitionError(p.index, ErrorCode.INVALID_TOPIC_EXCEPTION, `Cannot append to internal topic ${t.name}`);
          const out = partitionError(p.index, ErrorCode.NONE);
          const batches = validatePartition(topic, p.index, p.records, version, ctx, out);
          if (batches !== null) pending.push({ topic, partition: p.index, batches, append: toAppend(topic, p.index, batches), out });
          return out;
        }),
      };
    }),
  };

  await checkProducerState(pending, request, ctx);
  await appendAll(pending, ctx, version, version >= FIRST_MAGIC2_VERSION ? request.transactionalId : null);
  countTopics(request, response, pending, ctx);
  return answer(response);
}

/** The whole request failed with `errorCode` (PostgreSQL unreachable): every partition gets it; acks=0 gets nothing. */
export function errorResponse(request: ProduceRequest, errorCode: number): ProduceResponse | typeof noResponse {
  return request.acks === 0 ? noResponse : everyPartition(request, errorCode, null);
}

/** Kafka's BrokerTopicMetrics: every partition of the request counts as a produce request of its topic. */
function countTopics(request: ProduceRequest, response: ProduceResponse, pending: PendingPartition[], ctx: RequestContext): void {
  const appended = new Map<PartitionResponse, number>();
  for (const p of pending) appended.set(p.out, p.batches.reduce((n, b) => n + b.recordCount, 0));
  request.topicData.forEach((t, i) => {
    const series = ctx.broker.metrics.topic(t.name);
    const outs = response.responses?.[i]?.partitionResponses ?? [];
    t.partitionData.forEach((p, j) => {
      series.totalProduceRequests.inc();
      const out = outs[j];
      if (!out || out.errorCode !== ErrorCode.NONE) {
        series.failedProduceRequests.inc();
        return;
      }
      series.bytesIn.inc(p.records?.length ?? 0);
      series.messagesIn.inc(appended.get(out) ?? 0);
    });
  });
}

/** Every partition of the request answered with the same error. */
function everyPartition(request: ProduceRequest, errorCode: number, errorMessage: string | null): ProduceResponse {
  return {
    throttleTimeMs: 0,
    responses: request.topicData.map((t) => ({
      name: t.name,
      partitionResponses: t.partitionData.map((p) => partitionError(p.index, errorCode, errorMessage)),
    })),
  };
}

/** Flattens a records field (bytes, or chunks when an encoder built it) to one byte array. */
function recordBytes(records: Uint8Array | Uint8Array[] | null): Uint8Array | null {
  if (records === null || !Array.isArray(records)) return records;
  let n = 0;
  for (const c of records) n += c.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of records) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Checks one partition's records the way Kafka's log validator does and decodes them; on failure sets the error
 * in `out` and returns null. Order as in Kafka: batch size against max.message.bytes, then CRC and layout.
 */
function validatePartition(
  topic: Topic,
  partition: number,
  raw: Uint8Array | Uint8Array[] | null,
  version: number,
  ctx: RequestContext,
  out: PartitionResponse,
): RecordBatch[] | null {
  const data = recordBytes(raw);
  const where = `${topic.name}-${partition}`;
  if (data === null || data.length === 0) {
    fail(out, ErrorCode.INVALID_RECORD, `produce requests must contain at least one record batch per partition (${where})`);
    return null;
  }
  const max = maxMessageBytes(topic.configs, ctx.broker.settings);
  for (let at = 0; at < data.length;) {
    const size = batchSize(data, at);
    if (size < 0 || at + size > data.length) break; // truncated: readBatches reports it
    if (size > max) {
      fail(out, ErrorCode.MESSAGE_TOO_LARGE, `the record batch size in the append to ${where} is ${size} bytes, which exceeds the maximum configured value of ${max}`);
      return null;
    }
    at += size;
  }
  let batches: RecordBatch[];
  try {
    batches = readBatches(data);
    for (const b of batches) checkProducedBatch(b);
  } catch (err) {
    if (!(err instanceof CorruptRecordError)) throw err;
    fail(out, err.code, `${err.message} (${where})`);
    return null;
  }
  for (const b of batches) {
    if ((b.attributes & BatchAttributes.compressionMask) === Compression.zstd && version < FIRST_ZSTD_VERSION) {
      fail(out, ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `produce requests below version ${FIRST_ZSTD_VERSION} may not use zstd compression`);
      return null;
    }
  }
  if (isCompacted(topic, ctx)) {
    const recordErrors = keylessRecords(batches, where);
    if (recordErrors.length > 0) {
      fail(out, ErrorCode.INVALID_RECORD, recordErrorsMessage(recordErrors));
      out.recordErrors = recordErrors;
      return null;
    }
  }
  return batches;
}

function isCompacted(topic: Topic, ctx: RequestContext): boolean {
  return topicConfigValue(topic.configs, 'cleanup.policy', ctx.broker.settings).includes('compact');
}

interface RecordError {
  batchIndex: number;
  batchIndexErrorMessage: string;
}

/** Kafka refuses records without a key on compacted topics, naming each one (KIP-467), with Kafka's words. */
function keylessRecords(batches: RecordBatch[], where: string): RecordError[] {
  const errors: RecordError[] = [];
  let index = 0;
  for (const b of batches) {
    for (const r of b.records) {
      if (r.key === null) errors.push({ batchIndex: index, batchIndexErrorMessage: `Compacted topic cannot accept message without key in topic partition ${where}` });
      index++;
    }
  }
  return errors;
}

/** The partition's error message for record errors, as Kafka's LogValidator words it (the first three shown). */
function recordErrorsMessage(errors: RecordError[]): string {
  const shown = errors.slice(0, 3).map((e) => `RecordError(batchIndex=${e.batchIndex}, message='${e.batchIndexErrorMessage}')`);
  return `One or more records have been rejected due to ${errors.length} record errors in total, and only showing the first three errors at most: [${shown.join(', ')}]`;
}

function toAppend(topic: Topic, partition: number, batches: RecordBatch[]): PartitionAppend {
  const appendBatches: AppendBatch[] = batches.map((b) => ({
    attributes: b.attributes,
    baseTimestamp: b.baseTimestamp,
    producerId: b.producerId,
    producerEpoch: b.producerEpoch,
    baseSequence: b.baseSequence,
    records: b.records,
  }));
  return { topic, partition, batches: appendBatches };
}

/**
 * Producer checks that need no stored state, before appending: transactional records need the request's
 * transactional id (Kafka answers TRANSACTIONAL_ID_AUTHORIZATION_FAILED for every partition). Everything that does
 * need state (sequences, epochs, duplicates, transaction membership) is checked by store.append, atomically with
 * the append; its verdicts are mapped in appendAll.
 */
async function checkProducerState(pending: PendingPartition[], request: ProduceRequest, _ctx: RequestContext): Promise<void> {
  if (request.transactionalId !== null) return;
  const transactional = pending.some((p) => p.batches.some((b) => (b.attributes & BatchAttributes.transactional) !== 0));
  if (!transactional) return;
  for (const p of pending) {
    fail(p.out, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'transactional records need a transactional id');
    p.append = null;
  }
}

/**
 * Appends every accepted partition as one entry of the connection's append queue (one transaction, possibly shared
 * with the appends of the same transactional id, or none, queued beside it) and fills in their answers.
 */
async function appendAll(pending: PendingPartition[], ctx: RequestContext, version: number, transactionalId: string | null): Promise<void> {
  let todo = pending.filter((p) => p.append !== null);
  if (todo.length === 0) return;
  const now = Date.now();
  for (const p of todo) {
    if (usesLogAppendTime(p.topic.configs, ctx.broker.settings)) {
      const append = p.append as PartitionAppend;
      append.logAppendTime = now;
      for (const b of append.batches) b.attributes |= BatchAttributes.timestampType;
      p.out.logAppendTimeMs = now;
    }
  }
  // The first attempt takes its place in the connection's append queue; once the queue has room, the next
  // Produce request of this connection may start.
  const queued = appendQueue(ctx.broker).enqueue(ctx.connectionId, todo.map((p) => p.append as PartitionAppend), { transactionalId });
  let attempt = queued.result;
  attempt.catch(() => {}); // awaited below
  await queued.room;
  ctx.queued();
  for (;;) {
    try {
      const results = await attempt;
      todo.forEach((p, i) => {
        const r = results[i];
        if (r.rejected) {
          fail(p.out, ErrorCode[r.rejected.reason], r.rejected.message);
          return;
        }
        p.out.baseOffset = r.baseOffset;
        p.out.logStartOffset = r.logStartOffset;
        // A duplicate was appended by an earlier request: Kafka answers without its append time.
        if (r.duplicate) p.out.logAppendTimeMs = -1;
        else ctx.broker.metrics.recordsProduced.inc(p.batches.reduce((n, b) => n + b.recordCount, 0));
      });
      await awaitShadowSync(todo, results, ctx);
      return;
    } catch (err) {
      if (err instanceof UnknownPartitionError) {
        // A topic was deleted or shrunk after its metadata was cached. Nothing was appended: answer those
        // partitions and append the rest.
        const gone = new Set(err.partitions.map((x) => `${x.topic.id}:${x.partition}`));
        for (const p of todo) {
          if (gone.has(`${p.topic.id}:${p.partition}`)) fail(p.out, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic or partition ${p.topic.name}-${p.partition}`);
        }
        todo = todo.filter((p) => !gone.has(`${p.topic.id}:${p.partition}`));
        if (todo.length === 0) return;
        attempt = ctx.broker.store.append(todo.map((p) => p.append as PartitionAppend), { transactionalId });
        continue;
      }
      if (isDatabaseUnavailable(err)) {
        // Retriable, as when a partition's leader is away (the append may have committed: a retry of a
        // non-idempotent producer can write it twice); the outage is logged once, not per request.
        databaseOutage(ctx.broker).report(err);
        for (const p of todo) fail(p.out, ErrorCode.NOT_LEADER_OR_FOLLOWER, 'PostgreSQL is unreachable');
        return;
      }
      ctx.broker.log.error('produce: append failed', { err: err as Error, partitions: todo.length });
      const code = version >= 4 ? ErrorCode.KAFKA_STORAGE_ERROR : ErrorCode.UNKNOWN_SERVER_ERROR;
      for (const p of todo) fail(p.out, code, `append failed: ${(err as Error).message}`);
      return;
    }
  }
}

/**
 * Shadow mode with shadow.acks=sync: the answer waits until the external cluster acknowledged the records (the
 * partition's forwarded position passed them). After shadow.sync.timeout.ms the partition is answered
 * REQUEST_TIMED_OUT (retriable; the records stay in the log and are forwarded later, and an idempotent producer's
 * retry is recognised as a duplicate), unless shadow.sync.on.timeout=local, which answers with the local result.
 */
async function awaitShadowSync(todo: PendingPartition[], results: PartitionAppendResult[], ctx: RequestContext): Promise<void> {
  const waits: Promise<void>[] = [];
  todo.forEach((p, i) => {
    const r = results[i];
    const configs = p.topic.configs;
    if (r.rejected || !isShadowed(p.topic) || configs['shadow.acks'] !== 'sync') return;
    const shadow = shadowService(ctx.broker);
    if (!shadow) return;
    const count = p.batches.reduce((n, b) => n + b.recordCount, 0);
    const timeoutMs = Number(topicConfigValue(configs, 'shadow.sync.timeout.ms', ctx.broker.settings));
    waits.push(shadow.waitForwarded(p.topic.id, p.partition, r.baseOffset + count, timeoutMs).then((ok) => {
      if (!ok && configs['shadow.sync.on.timeout'] !== 'local') {
        fail(p.out, ErrorCode.REQUEST_TIMED_OUT, `shadow: the external cluster did not acknowledge within ${timeoutMs} ms (the records are stored locally and will be forwarded)`);
      }
    }));
  });
  await Promise.all(waits);
}
