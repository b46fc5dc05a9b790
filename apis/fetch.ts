// Fetch (api key 1), versions 4-17: reads records from partition logs and sends them as magic-2 record batches
// re-encoded from the stored records with the boundaries and producer fields the producer wrote, never split
// (runtime/batch-builder.ts), compressed per the topic's compression.type.
// Sessionless: the answer always carries session id 0, so clients keep sending full fetches; an incremental
// fetch (epoch > 0) gets FETCH_SESSION_ID_NOT_FOUND. Size limits follow KIP-74: partitions are served in request
// order within maxBytes and each within its partitionMaxBytes, except that the first partition with data
// always gets one whole batch. With fewer than minBytes available and maxWaitMs > 0 the request waits (without
// polling) for an append to any of its partitions, the end of the wait, broker shutdown, or the connection's
// close (ctx.signal), then reads again.
// v4 adds the isolation level, last stable offset and aborted transactions; v5 the log start offset; v7 fetch
// sessions (declined here) and forgotten topics (ignored); v9 currentLeaderEpoch (ignored: one leader, epoch 0);
// v10 allows zstd (below v10, batches the topic would send zstd-compressed go out uncompressed instead);
// v11 the rack id and preferred read replica (always -1); v12 is flexible and adds lastFetchedEpoch (ignored)
// and tagged diverging epoch / current leader / snapshot id (never sent); v13 names topics by topic id (unknown
// id: UNKNOWN_TOPIC_ID); v14 allows OFFSET_MOVED_TO_TIERED_STORAGE (never: nothing is tiered); v15 moves the
// replica id into ReplicaState; v16 adds node endpoints (tagged, unused); v17 the replica directory id (unused).

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import { ErrorCode } from '../codec/errors.ts';
import { clampToSafe } from '../codec/int64.ts';
import type { RequestContext } from '../runtime/context.ts';
import { appendWaiters, type WatchedPartition } from '../runtime/append-waiters.ts';
import { readAhead } from '../runtime/read-ahead.ts';
import { buildBatches } from '../runtime/batch-builder.ts';
import { abortedTransactions, lastStableOffset, visibleEnd } from '../runtime/isolation.ts';
import { topicCompression } from '../runtime/topic-configs.ts';
import { isDatabaseUnavailable, UnknownPartitionError } from '../store/errors.ts';
import { databaseOutage } from '../runtime/unavailable.ts';
import type { PartitionOffsets, StoredRecord, Topic } from '../store/types.ts';
import { AclOperation, ResourceType } from '../runtime/auth/acl.ts';

// <generated> by scripts/gen-api.ts from Kafka's FetchRequest.json and FetchResponse.json, versions 4-17.
export const schema = {
  apiKey: 1,
  name: 'Fetch',
  minVersion: 4,
  maxVersion: 17,
  flexibleFrom: 12,
  request: [
    { name: 'ClusterId', type: 'string', versions: '12+', nullable: '12+', tag: 0, taggedVersions: '12+', default: "null" },
    { name: 'ReplicaId', type: 'int32', versions: '0-14', default: "-1" },
    { name: 'ReplicaState', type: 'struct', versions: '15+', tag: 1, taggedVersions: '15+', fields: [
      { name: 'ReplicaId', type: 'int32', versions: '15+', default: "-1" },
      { name: 'ReplicaEpoch', type: 'int64', versions: '15+', default: "-1" },
    ] },
    { name: 'MaxWaitMs', type: 'int32', versions: '0+' },
    { name: 'MinBytes', type: 'int32', versions: '0+' },
    { name: 'MaxBytes', type: 'int32', versions: '3+', default: "0x7fffffff" },
    { name: 'IsolationLevel', type: 'int8', versions: '4+', default: "0" },
    { name: 'SessionId', type: 'int32', versions: '7+', default: "0" },
    { name: 'SessionEpoch', type: 'int32', versions: '7+', default: "-1" },
    { name: 'Topics', type: '[]struct', versions: '0+', fields: [
      { name: 'Topic', type: 'string', versions: '0-12' },
      { name: 'TopicId', type: 'uuid', versions: '13+' },
      { name: 'Partitions', type: '[]struct', versions: '0+', fields: [
        { name: 'Partition', type: 'int32', versions: '0+' },
        { name: 'CurrentLeaderEpoch', type: 'int32', versions: '9+', default: "-1" },
        { name: 'FetchOffset', type: 'int64', versions: '0+' },
        { name: 'LastFetchedEpoch', type: 'int32', versions: '12+', default: "-1" },
        { name: 'LogStartOffset', type: 'int64', versions: '5+', default: "-1" },
        { name: 'PartitionMaxBytes', type: 'int32', versions: '0+' },
        { name: 'ReplicaDirectoryId', type: 'uuid', versions: '17+', tag: 0, taggedVersions: '17+' },
      ] },
    ] },
    { name: 'ForgottenTopicsData', type: '[]struct', versions: '7+', fields: [
      { name: 'Topic', type: 'string', versions: '7-12' },
      { name: 'TopicId', type: 'uuid', versions: '13+' },
      { name: 'Partitions', type: '[]int32', versions: '7+' },
    ] },
    { name: 'RackId', type: 'string', versions: '11+', default: "" },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '1+' },
    { name: 'ErrorCode', type: 'int16', versions: '7+' },
    { name: 'SessionId', type: 'int32', versions: '7+', default: "0" },
    { name: 'Responses', type: '[]struct', versions: '0+', fields: [
      { name: 'Topic', type: 'string', versions: '0-12' },
      { name: 'TopicId', type: 'uuid', versions: '13+' },
      { name: 'Partitions', type: '[]struct', versions: '0+', fields: [
        { name: 'PartitionIndex', type: 'int32', versions: '0+' },
        { name: 'ErrorCode', type: 'int16', versions: '0+' },
        { name: 'HighWatermark', type: 'int64', versions: '0+' },
        { name: 'LastStableOffset', type: 'int64', versions: '4+', default: "-1" },
        { name: 'LogStartOffset', type: 'int64', versions: '5+', default: "-1" },
        { name: 'DivergingEpoch', type: 'struct', versions: '12+', tag: 0, taggedVersions: '12+', fields: [
          { name: 'Epoch', type: 'int32', versions: '12+', default: "-1" },
          { name: 'EndOffset', type: 'int64', versions: '12+', default: "-1" },
        ] },
        { name: 'CurrentLeader', type: 'struct', versions: '12+', tag: 1, taggedVersions: '12+', fields: [
          { name: 'LeaderId', type: 'int32', versions: '12+', default: "-1" },
          { name: 'LeaderEpoch', type: 'int32', versions: '12+', default: "-1" },
        ] },
        { name: 'SnapshotId', type: 'struct', versions: '12+', tag: 2, taggedVersions: '12+', fields: [
          { name: 'EndOffset', type: 'int64', versions: '0+', default: "-1" },
          { name: 'Epoch', type: 'int32', versions: '0+', default: "-1" },
        ] },
        { name: 'AbortedTransactions', type: '[]struct', versions: '4+', nullable: '4+', fields: [
          { name: 'ProducerId', type: 'int64', versions: '4+' },
          { name: 'FirstOffset', type: 'int64', versions: '4+' },
        ] },
        { name: 'PreferredReadReplica', type: 'int32', versions: '11+', default: "-1" },
        { name: 'Records', type: 'records', versions: '0+', nullable: '0+' },
      ] },
    ] },
    { name: 'NodeEndpoints', type: '[]struct', versions: '16+', tag: 0, taggedVersions: '16+', fields: [
      { name: 'NodeId', type: 'int32', versions: '16+' },
      { name: 'Host', type: 'string', versions: '16+' },
      { name: 'Port', type: 'int32', versions: '16+' },
      { name: 'Rack', type: 'string', versions: '16+', nullable: '16+', default: "null" },
    ] },
  ],
} as const satisfies ApiSchema;

export interface FetchRequest {
  clusterId: string | null;
  replicaId: number;
  replicaState: {
    replicaId: number;
    replicaEpoch: number | bigint;
  };
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  isolationLevel: number;
  sessionId: number;
  sessionEpoch: number;
  topics: Array<{
    topic: string;
    topicId: string;
    partitions: Array<{
      partition: number;
      currentLeaderEpoch: number;
      fetchOffset: number | bigint;
      lastFetchedEpoch: number;
      logStartOffset: number | bigint;
      partitionMaxBytes: number;
      replicaDirectoryId: string;
    }>;
  }>;
  forgottenTopicsData: Array<{
    topic: string;
    topicId: string;
    partitions: number[];
  }>;
  rackId: string;
}

export interface FetchResponse {
  throttleTimeMs?: number;
  errorCode?: number;
  sessionId?: number;
  responses?: Array<{
    topic?: string;
    topicId?: string;
    partitions?: Array<{
      partitionIndex?: number;
      errorCode?: number;
      highWatermark?: number | bigint;
      lastStableOffset?: number | bigint;
      logStartOffset?: number | bigint;
      divergingEpoch?: {
        epoch?: number;
        endOffset?: number | bigint;
      };
      currentLeader?: {
        leaderId?: number;
        leaderEpoch?: number;
      };
      snapshotId?: {
        endOffset?: number | bigint;
        epoch?: number;
      };
      abortedTransactions?: Array<{
        producerId?: number | bigint;
        firstOffset?: number | bigint;
      }> | null;
      preferredReadReplica?: number;
      records?: Uint8Array | Uint8Array[] | null;
    }>;
  }>;
  nodeEndpoints?: Array<{
    nodeId?: number;
    host?: string;
    port?: number;
    rack?: string | null;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<FetchRequest, FetchResponse>(schema);

/** Fetch only reads (and may wait): requests from one connection run side by side. */
export const concurrent = true;

type TopicResponse = NonNullable<FetchResponse['responses']>[number];
type PartitionResponse = NonNullable<TopicResponse['partitions']>[number];

/** Version from which topics are named by topic id. */
const FIRST_TOPIC_ID_VERSION = 13;
/** Version from which zstd-compressed batches may be sent (KIP-110). */
const FIRST_ZSTD_VERSION = 10;
const EMPTY = new Uint8Array(0);

/** A requested partition of a known topic. */
interface Target {
  topic: Topic;
  partition: number;
  fetchOffset: number;
  partitionMaxBytes: number;
  out: PartitionResponse;
}

/** What one pass over the partitions found. */
interface ReadResult {
  bytes: number;
  /** True when a partition answered with an error: the request is answered at once, as Kafka does. */
  failed: boolean;
  watched: WatchedPartition[];
}

function partitionResponse(partitionIndex: number, errorCode: number): PartitionResponse {
  return {
    partitionIndex,
    errorCode,
    highWatermark: -1,
    lastStableOffset: -1,
    logStartOffset: -1,
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: EMPTY,
  };
}

/** The whole request failed with `errorCode` (PostgreSQL unreachable): every partition gets it. */
export function errorResponse(request: FetchRequest, errorCode: number): FetchResponse {
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    sessionId: 0,
    responses: request.topics.map((t) => ({
      topic: t.topic,
      topicId: t.topicId,
      partitions: t.partitions.map((p) => partitionResponse(p.partition, errorCode)),
    })),
  };
}

/** How often a fetch that found PostgreSQL unreachable tries again while its max wait lasts. */
const UNAVAILABLE_RETRY_MS = 250;

/**
 * A long poll outlives a database outage: while its max wait lasts, a fetch that found PostgreSQL unreachable tries
 * again every UNAVAILABLE_RETRY_MS, and answers as usual once it is back; after that, the error reaches the
 * dispatch layer, which answers every partition with NOT_LEADER_OR_FOLLOWER (errorResponse).
 */
export async function handle(request: FetchRequest, ctx: RequestContext): Promise<FetchResponse> {
  const deadline = Date.now() + Math.max(0, request.maxWaitMs);
  for (;;) {
    try {
      return await fetchOnce(request, ctx, deadline);
    } catch (err) {
      if (!isDatabaseUnavailable(err) || ctx.broker.isClosing || ctx.signal.aborted || Date.now() + UNAVAILABLE_RETRY_MS > deadline) throw err;
      databaseOutage(ctx.broker).report(err);
      await new Promise((resolve) => setTimeout(resolve, UNAVAILABLE_RETRY_MS));
    }
  }
}

async function fetchOnce(request: FetchRequest, ctx: RequestContext, deadline: number): Promise<FetchResponse> {
  const version = ctx.apiVersion;
  if (request.sessionEpoch > 0) {
    // An incremental fetch: we never hand out sessions, so the one it names does not exist.
    return { throttleTimeMs: 0, errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] };
  }
  const byId = version >= FIRST_TOPIC_ID_VERSION;
  const { store } = ctx.broker;
  const topics = byId
    ? await store.getTopicsByIds(request.topics.map((t) => t.topicId))
    : await store.getTopics(request.topics.map((t) => t.topic));

  const targets: Target[] = [];
  const responses: TopicResponse[] = request.topics.map((t) => {
    const topic = topics.get(byId ? t.topicId : t.topic);
    const unknown = byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    return {
      topic: t.topic,
      topicId: t.topicId,
      partitions: t.partitions.map((p) => {
        if ((topic || !byId) && !ctx.authorize(AclOperation.READ, ResourceType.TOPIC, topic?.name ?? t.topic)) {
          return partitionResponse(p.partition, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
        }
        if (!topic) return partitionResponse(p.partition, unknown);
        const out = partitionResponse(p.partition, ErrorCode.NONE);
        if (p.partition < 0 || p.partition >= topic.partitions) out.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        // An offset beyond 2^53 is beyond every log: clamped, it gets OFFSET_OUT_OF_RANGE like any other.
        else targets.push({ topic, partition: p.partition, fetchOffset: clampToSafe(p.fetchOffset), partitionMaxBytes: p.partitionMaxBytes, out });
        return out;
      }),
    };
  });
  const response: FetchResponse = { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses };
  const failedUpFront = targets.length < request.topics.reduce((n, t) => n + t.partitions.length, 0);

  for (;;) {
    const result = await readAll(targets, request, ctx);
    const waitMs = deadline - Date.now();
    if (failedUpFront || result.failed || targets.length === 0 || result.bytes >= request.minBytes || waitMs <= 0 || ctx.broker.isClosing) {
      return countTopics(response, topics, byId, ctx);
    }
    const outcome = await appendWaiters(ctx.broker).wait(result.watched, waitMs, ctx.signal);
    // Nothing changed on a timeout or at shutdown (an append would have woken us): the last read stands. When the
    // connection closed, nobody reads the answer.
    if (outcome !== 'appended') return countTopics(response, topics, byId, ctx);
  }
}

/** Kafka's BrokerTopicMetrics: every partition of the answer counts as a fetch request of its topic (unknown topics not counted). */
function countTopics(response: FetchResponse, topics: Map<string, Topic>, byId: boolean, ctx: RequestContext): FetchResponse {
  for (const t of response.responses ?? []) {
    const topic = topics.get((byId ? t.topicId : t.topic) ?? '');
    if (!topic) continue;
    const series = ctx.broker.metrics.topic(topic.name);
    for (const p of t.partitions ?? []) {
      series.totalFetchRequests.inc();
      if (p.errorCode !== ErrorCode.NONE) series.failedFetchRequests.inc();
      const records = p.records;
      if (records instanceof Uint8Array) series.bytesOut.inc(records.length);
      else if (records) for (const b of records) series.bytesOut.inc(b.length);
    }
  }
  return response;
}

/** Offsets of every target in one query; null for a partition that vanished since its topic was cached. */
async function offsetsOf(targets: Target[], ctx: RequestContext): Promise<(PartitionOffsets | null)[]> {
  const { store } = ctx.broker;
  try {
    return await store.offsetsMany(targets.map((t) => ({ topic: t.topic, partition: t.partition })));
  } catch (err) {
    if (!(err instanceof UnknownPartitionError)) throw err;
    return Promise.all(targets.map((t) => store.offsets(t.topic, t.partition).catch((e: unknown) => {
      if (e instanceof UnknownPartitionError) return null;
      throw e;
    })));
  }
}

/** A target that has records to read, with where reading must stop. */
interface Readable {
  target: Target;
  end: number;
  highWatermark: number;
}

/**
 * One pass: fills every target's answer (offsets, errors, batches) in request order within the size limits.
 * Partitions known (from earlier reads or append notifications) to hold data past their fetch offset are read
 * while the offsets query runs, saving a round trip; records past the visible end are dropped afterwards. The
 * others are read in waves of partitions whose limits fit in what is left of maxBytes, in parallel.
 */
async function readAll(targets: Target[], request: FetchRequest, ctx: RequestContext): Promise<ReadResult> {
  const result: ReadResult = { bytes: 0, failed: false, watched: [] };
  if (targets.length === 0) return result;
  const waiters = appendWaiters(ctx.broker);
  const maxBytes = Math.max(0, request.maxBytes);

  const offsetsPromise = offsetsOf(targets, ctx);
  const early = new Map<Target, Promise<StoredRecord[]>>();
  let planned = 0;
  for (const t of targets) {
    const known = waiters.knownHighWatermark(t.topic.id, t.partition);
    if (known === undefined || t.fetchOffset < 0 || known <= t.fetchOffset) continue;
    const limit = Math.min(t.partitionMaxBytes, maxBytes);
    if (early.size > 0 && planned + limit > maxBytes) break;
    const read = readRecords(t, limit, undefined, ctx);
    read.catch(() => {}); // awaited below, or dropped when the partition turns out to be in error
    early.set(t, read);
    planned += limit;
  }
  const offsets = await offsetsPromise;

  const readable: Readable[] = [];
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i];
    const o = offsets[i];
    const out = t.out;
    out.records = EMPTY;
    if (o === null) {
      Object.assign(out, partitionResponse(t.partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
      result.failed = true;
      continue;
    }
    waiters.observe(t.topic.id, t.partition, o.highWatermark);
    if (t.fetchOffset < o.logStartOffset || t.fetchOffset > o.highWatermark) {
      Object.assign(out, partitionResponse(t.partition, ErrorCode.OFFSET_OUT_OF_RANGE));
      result.failed = true;
      continue;
    }
    const lso = await lastStableOffset(ctx.broker, t.topic, t.partition, o);
    const end = await visibleEnd(ctx.broker, t.topic, t.partition, o, request.isolationLevel);
    out.errorCode = ErrorCode.NONE;
    out.highWatermark = o.highWatermark;
    out.lastStableOffset = lso;
    out.logStartOffset = o.logStartOffset;
    out.abortedTransactions = await abortedTransactions(ctx.broker, t.topic, t.partition, request.isolationLevel, t.fetchOffset, end, o);
    result.watched.push({ topicId: t.topic.id, partition: t.partition, highWatermark: o.highWatermark });
    if (t.fetchOffset < end) readable.push({ target: t, end, highWatermark: o.highWatermark });
  }

  const options = (topic: Topic) => ({ topicCodec: topicCompression(topic.configs, ctx.broker.settings), allowZstd: ctx.apiVersion >= FIRST_ZSTD_VERSION });
  let remaining = maxBytes;
  let haveData = false;
  for (let i = 0; i < readable.length && (remaining > 0 || !haveData);) {
    // A wave: the next partitions whose limits together fit in what is left (at least one).
    const wave: Readable[] = [];
    let waveBytes = 0;
    while (i < readable.length) {
      const limit = Math.min(readable[i].target.partitionMaxBytes, remaining);
      if (wave.length > 0 && waveBytes + limit > remaining) break;
      wave.push(readable[i]);
      waveBytes += early.has(readable[i].target) ? 0 : limit;
      i++;
    }
    const reads = await Promise.all(wave.map((r) => {
      const limit = Math.min(r.target.partitionMaxBytes, remaining);
      // With no data in the answer yet, the first record is read even past the limits (KIP-74).
      if (limit <= 0 && haveData) return [];
      return early.get(r.target) ?? readRecords(r.target, limit, r.end, ctx);
    }));
    for (let k = 0; k < wave.length; k++) {
      const { target, end, highWatermark } = wave[k];
      const records = before(reads[k], end);
      if (records.length === 0) continue;
      const limit = Math.max(0, Math.min(target.partitionMaxBytes, remaining));
      const built = buildBatches(records, options(target.topic), limit, !haveData);
      if (built.batches.length === 0) continue;
      target.out.records = built.batches;
      // More is stored: read what the consumer's next fetch will ask for while this answer travels.
      if (built.nextOffset < highWatermark) {
        readAhead(ctx.broker).start(target.topic, target.partition, built.nextOffset, Math.min(target.partitionMaxBytes, maxBytes));
      }
      ctx.broker.metrics.recordsFetched.inc(built.nextOffset - records[0].offset);
      result.bytes += built.bytes;
      remaining = Math.max(0, remaining - built.bytes);
      haveData = true;
    }
  }
  return result;
}

/** The records from the fetch offset: read ahead by an earlier fetch, or read now. */
function readRecords(t: Target, limit: number, end: number | undefined, ctx: RequestContext): Promise<StoredRecord[]> {
  return readAhead(ctx.broker).take(t.topic.id, t.partition, t.fetchOffset) ?? ctx.broker.store.read(t.topic, t.partition, { fromOffset: t.fetchOffset, maxBytes: Math.max(1, limit), toOffset: end });
}

/** The records below `end` (a speculative read may have gone past it). */
function before(records: StoredRecord[], end: number): StoredRecord[] {
  const n = records.length;
  if (n === 0 || records[n - 1].offset < end) return records;
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (records[mid].offset < end) lo = mid + 1;
    else hi = mid;
  }
  return records.slice(0, lo);
}
