// Helpers for the data-path tests (Produce, Fetch, ListOffsets over the raw protocol): build record batches,
// produce them, fetch them back and flatten fetched batches into comparable records.

import * as produceApi from '../../apis/produce.ts';
import * as fetchApi from '../../apis/fetch.ts';
import { encodeBatch, readBatches, type RecordBatch, type RecordHeader } from '../../codec/record-batch.ts';
import type { Topic } from '../../store/types.ts';
import type { RawClient } from './raw-client.ts';

export interface TestRecord {
  key: string | null;
  value: string | null;
  headers?: { key: string; value: string | null }[];
  timestamp?: number;
}

const enc = new TextEncoder();
const dec = new TextDecoder();
const bytes = (s: string | null) => (s === null ? null : enc.encode(s));
const text = (b: Uint8Array | null) => (b === null ? null : dec.decode(b));

export interface BatchOptions {
  compression?: number;
  baseTimestamp?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  /** Extra attribute bits (transactional...). */
  attributes?: number;
}

/** A magic-2 batch as a producer sends it (base offset 0). */
export function makeBatch(records: TestRecord[], options: BatchOptions = {}): Uint8Array {
  const baseTimestamp = options.baseTimestamp ?? records[0]?.timestamp ?? Date.now();
  return encodeBatch(
    {
      baseOffset: 0,
      attributes: options.attributes ?? 0,
      baseTimestamp,
      producerId: options.producerId ?? -1,
      producerEpoch: options.producerEpoch ?? -1,
      baseSequence: options.baseSequence ?? -1,
      records: records.map((r, i) => ({
        offsetDelta: i,
        timestampDelta: (r.timestamp ?? baseTimestamp) - baseTimestamp,
        key: bytes(r.key),
        value: bytes(r.value),
        headers: (r.headers ?? []).map((h): RecordHeader => ({ key: h.key, value: bytes(h.value) })),
      })),
    },
    options.compression ?? 0,
  );
}

/** n records with keys, values and headers, distinct per `tag`. */
export function sampleRecords(n: number, tag = 'r', timestamp = Date.now()): TestRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    key: i % 5 === 4 ? null : `${tag}-key-${i}`,
    value: i % 7 === 6 ? null : `${tag}-value-${i}-${'x'.repeat(i % 13)}`,
    headers: i % 3 === 0 ? [] : [{ key: 'h1', value: `hv-${i}` }, { key: 'héader-2', value: i % 2 ? null : '' }],
    timestamp: timestamp + i,
  }));
}

export type ProducePartitionResponse = NonNullable<NonNullable<produceApi.ProduceResponse['responses']>[number]['partitionResponses']>[number];
export type FetchPartitionResponse = NonNullable<NonNullable<fetchApi.FetchResponse['responses']>[number]['partitions']>[number];

/** Produces one partition's records and returns its answer. */
export async function produceOne(
  client: RawClient,
  version: number,
  topic: string,
  partition: number,
  records: Uint8Array | null,
  acks = -1,
): Promise<ProducePartitionResponse> {
  const res = await client.request<produceApi.ProduceResponse>(produceApi, version, {
    transactionalId: null,
    acks,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  });
  const p = res.responses?.[0]?.partitionResponses?.[0];
  if (!p) throw new Error('no partition in produce response');
  return p;
}

export interface FetchOptions {
  maxWaitMs?: number;
  minBytes?: number;
  maxBytes?: number;
  partitionMaxBytes?: number;
  isolationLevel?: number;
  sessionId?: number;
  sessionEpoch?: number;
}

/** A Fetch request body for one or more partitions of one topic. */
export function fetchRequest(version: number, topic: Pick<Topic, 'name' | 'topicId'>, partitions: { partition: number; offset: number }[], o: FetchOptions = {}): fetchApi.FetchRequest {
  return {
    clusterId: null,
    replicaId: -1,
    replicaState: { replicaId: -1, replicaEpoch: -1 },
    maxWaitMs: o.maxWaitMs ?? 0,
    minBytes: o.minBytes ?? 1,
    maxBytes: o.maxBytes ?? 50 * 1024 * 1024,
    isolationLevel: o.isolationLevel ?? 0,
    sessionId: o.sessionId ?? 0,
    sessionEpoch: o.sessionEpoch ?? -1,
    topics: [{
      topic: version < 13 ? topic.name : '',
      topicId: version >= 13 ? topic.topicId : '00000000-0000-0000-0000-000000000000',
      partitions: partitions.map((p) => ({
        partition: p.partition,
        currentLeaderEpoch: -1,
        fetchOffset: p.offset,
        lastFetchedEpoch: -1,
        logStartOffset: -1,
        partitionMaxBytes: o.partitionMaxBytes ?? 1024 * 1024,
        replicaDirectoryId: '00000000-0000-0000-0000-000000000000',
      })),
    }],
    forgottenTopicsData: [],
    rackId: '',
  };
}

/** Fetches one partition; returns the answer and its whole batches. */
export async function fetchOne(
  client: RawClient,
  version: number,
  topic: Pick<Topic, 'name' | 'topicId'>,
  partition: number,
  offset: number,
  o: FetchOptions = {},
): Promise<{ response: fetchApi.FetchResponse; partition: FetchPartitionResponse; batches: RecordBatch[] }> {
  const response = await client.request<fetchApi.FetchResponse>(fetchApi, version, fetchRequest(version, topic, [{ partition, offset }], o));
  const p = response.responses?.[0]?.partitions?.[0];
  if (!p) throw new Error('no partition in fetch response');
  return { response, partition: p, batches: batchesOf(p) };
}

export function batchesOf(p: FetchPartitionResponse): RecordBatch[] {
  const records = p.records;
  if (records === null || records === undefined) return [];
  if (Array.isArray(records)) throw new Error('decoded records should be bytes');
  return readBatches(records, { allowPartial: true });
}

export interface FlatRecord {
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: { key: string; value: string | null }[];
}

/** Records of fetched batches with absolute offsets and timestamps. */
export function flatten(batches: RecordBatch[]): FlatRecord[] {
  const out: FlatRecord[] = [];
  for (const b of batches) {
    const logAppend = (b.attributes & 0x08) !== 0;
    for (const r of b.records) {
      out.push({
        offset: b.baseOffset + r.offsetDelta,
        timestamp: logAppend ? b.maxTimestamp : b.baseTimestamp + r.timestampDelta,
        key: text(r.key),
        value: text(r.value),
        headers: r.headers.map((h) => ({ key: h.key, value: text(h.value) })),
      });
    }
  }
  return out;
}

/** What fetching `records` produced at `baseOffset` should give back. */
export function expected(records: TestRecord[], baseOffset: number): FlatRecord[] {
  return records.map((r, i) => ({
    offset: baseOffset + i,
    timestamp: r.timestamp as number,
    key: r.key,
    value: r.value,
    headers: r.headers ?? [],
  }));
}
