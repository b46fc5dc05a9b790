// Helpers for the exactly-once tests over the raw protocol: InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn,
// EndTxn and TxnOffsetCommit short-hands, idempotent/transactional produce of one batch, and reads of what the
// store holds (rows, markers, producer state) straight from PostgreSQL.

import * as initProducerIdApi from '../../apis/init-producer-id.ts';
import * as addPartitionsApi from '../../apis/add-partitions-to-txn.ts';
import * as addOffsetsApi from '../../apis/add-offsets-to-txn.ts';
import * as endTxnApi from '../../apis/end-txn.ts';
import * as txnOffsetCommitApi from '../../apis/txn-offset-commit.ts';
import * as produceApi from '../../apis/produce.ts';
import type { Sql } from 'postgres';
import { makeBatch, type ProducePartitionResponse, type TestRecord } from './data-path.ts';
import type { RawClient } from './raw-client.ts';

export interface ProducerIdAndEpoch {
  producerId: number;
  producerEpoch: number;
}

/** InitProducerId; resolves with the whole answer. */
export async function initProducerId(
  client: RawClient,
  transactionalId: string | null,
  o: { timeoutMs?: number; version?: number; producerId?: number; producerEpoch?: number } = {},
): Promise<initProducerIdApi.InitProducerIdResponse> {
  return client.request<initProducerIdApi.InitProducerIdResponse>(initProducerIdApi, o.version ?? 5, {
    transactionalId,
    transactionTimeoutMs: o.timeoutMs ?? 60_000,
    producerId: o.producerId ?? -1,
    producerEpoch: o.producerEpoch ?? -1,
  });
}

/** InitProducerId that must succeed (CONCURRENT_TRANSACTIONS retried). */
export async function initOk(client: RawClient, transactionalId: string | null, timeoutMs = 60_000): Promise<ProducerIdAndEpoch> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const res = await initProducerId(client, transactionalId, { timeoutMs });
    if (res.errorCode === 51) {
      await new Promise((r) => setTimeout(r, 20));
      continue;
    }
    if (res.errorCode !== 0) throw new Error(`InitProducerId failed: ${res.errorCode}`);
    return { producerId: res.producerId as number, producerEpoch: res.producerEpoch as number };
  }
  throw new Error('InitProducerId: CONCURRENT_TRANSACTIONS forever');
}

/** AddPartitionsToTxn (v0-3 layout); returns the error of each partition, in request order. */
export async function addPartitions(
  client: RawClient,
  transactionalId: string,
  p: ProducerIdAndEpoch,
  topics: { name: string; partitions: number[] }[],
  version = 3,
): Promise<number[]> {
  const res = await client.request<addPartitionsApi.AddPartitionsToTxnResponse>(addPartitionsApi, version, {
    transactions: [],
    v3AndBelowTransactionalId: transactionalId,
    v3AndBelowProducerId: p.producerId,
    v3AndBelowProducerEpoch: p.producerEpoch,
    v3AndBelowTopics: topics,
  });
  return (res.resultsByTopicV3AndBelow ?? []).flatMap((t) => (t.resultsByPartition ?? []).map((r) => r.partitionErrorCode ?? -999));
}

export async function addOffsets(client: RawClient, transactionalId: string, p: ProducerIdAndEpoch, groupId: string, version = 3): Promise<number> {
  const res = await client.request<addOffsetsApi.AddOffsetsToTxnResponse>(addOffsetsApi, version, {
    transactionalId,
    producerId: p.producerId,
    producerEpoch: p.producerEpoch,
    groupId,
  });
  return res.errorCode ?? -999;
}

export async function endTxn(client: RawClient, transactionalId: string, p: ProducerIdAndEpoch, committed: boolean, version = 3): Promise<number> {
  const res = await client.request<endTxnApi.EndTxnResponse>(endTxnApi, version, {
    transactionalId,
    producerId: p.producerId,
    producerEpoch: p.producerEpoch,
    committed,
  });
  return res.errorCode ?? -999;
}

/** TxnOffsetCommit of one topic's offsets; returns each partition's error. */
export async function txnOffsetCommit(
  client: RawClient,
  transactionalId: string,
  p: ProducerIdAndEpoch,
  groupId: string,
  topic: string,
  offsets: Record<number, number>,
  o: { version?: number; generationId?: number; memberId?: string; groupInstanceId?: string | null; metadata?: string | null } = {},
): Promise<number[]> {
  const res = await client.request<txnOffsetCommitApi.TxnOffsetCommitResponse>(txnOffsetCommitApi, o.version ?? 3, {
    transactionalId,
    groupId,
    producerId: p.producerId,
    producerEpoch: p.producerEpoch,
    generationId: o.generationId ?? -1,
    memberId: o.memberId ?? '',
    groupInstanceId: o.groupInstanceId ?? null,
    topics: [{
      name: topic,
      partitions: Object.entries(offsets).map(([partition, offset]) => ({
        partitionIndex: Number(partition),
        committedOffset: offset,
        committedLeaderEpoch: -1,
        committedMetadata: o.metadata === undefined ? 'txn' : o.metadata,
      })),
    }],
  });
  return (res.topics ?? []).flatMap((t) => (t.partitions ?? []).map((x) => x.errorCode ?? -999));
}

export interface ProducerBatchOptions extends ProducerIdAndEpoch {
  baseSequence: number;
  transactional?: boolean;
  transactionalId?: string | null;
  version?: number;
}

/** Produces one batch with producer fields to one partition; returns the partition's answer. */
export async function produceBatch(client: RawClient, topic: string, partition: number, records: TestRecord[], o: ProducerBatchOptions): Promise<ProducePartitionResponse> {
  return produceBytes(client, topic, partition, makeBatch(records, {
    producerId: o.producerId,
    producerEpoch: o.producerEpoch,
    baseSequence: o.baseSequence,
    attributes: o.transactional ? 0x10 : 0,
  }), o.transactionalId ?? null, o.version);
}

/** Produces exactly these batch bytes (to resend an identical batch). */
export async function produceBytes(client: RawClient, topic: string, partition: number, records: Uint8Array, transactionalId: string | null = null, version = 11): Promise<ProducePartitionResponse> {
  const res = await client.request<produceApi.ProduceResponse>(produceApi, version, {
    transactionalId,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  });
  const p = res.responses?.[0]?.partitionResponses?.[0];
  if (!p) throw new Error('no partition in produce response');
  return p;
}

/** Values of a topic-partition's rows in the database, by offset, with the control (marker) flag. */
export async function storedRows(sql: Sql, topic: string, partition: number): Promise<{ offset: number; value: string | null; control: boolean; producerId: number; producerEpoch: number; sequence: number }[]> {
  const rows = await sql<{ offset: number; value: Uint8Array | null; attributes: number; producerId: number; producerEpoch: number; sequence: number }[]>`
    select r."offset", r.value, r.attributes, r.producer_id as "producerId", r.producer_epoch as "producerEpoch", r.sequence
    from kafka.records r join kafka.topics t on t.id = r.topic_id
    where t.name = ${topic} and r.partition = ${partition} order by r."offset"`;
  return rows.map((r) => ({
    offset: Number(r.offset),
    value: r.value === null ? null : new TextDecoder().decode(r.value),
    control: (r.attributes & 0x20) !== 0,
    producerId: Number(r.producerId),
    producerEpoch: r.producerEpoch,
    sequence: r.sequence,
  }));
}

/** The marker type of control rows: 'commit' or 'abort', by offset. */
export async function storedMarkers(sql: Sql, topic: string, partition: number): Promise<{ offset: number; type: 'commit' | 'abort'; producerId: number; producerEpoch: number }[]> {
  const rows = await sql<{ offset: number; key: Uint8Array; producerId: number; producerEpoch: number }[]>`
    select r."offset", r.key, r.producer_id as "producerId", r.producer_epoch as "producerEpoch"
    from kafka.records r join kafka.topics t on t.id = r.topic_id
    where t.name = ${topic} and r.partition = ${partition} and (r.attributes & 32) <> 0 order by r."offset"`;
  return rows.map((r) => ({ offset: Number(r.offset), type: r.key[3] === 1 ? 'commit' : 'abort', producerId: Number(r.producerId), producerEpoch: r.producerEpoch }));
}

export async function transactionState(sql: Sql, transactionalId: string): Promise<{ state: string; producerId: number; producerEpoch: number } | undefined> {
  const [row] = await sql<{ state: string; producerId: number; producerEpoch: number }[]>`
    select state, producer_id as "producerId", producer_epoch as "producerEpoch" from kafka.transactions where transactional_id = ${transactionalId}`;
  return row ? { state: row.state, producerId: Number(row.producerId), producerEpoch: row.producerEpoch } : undefined;
}

export const records = (n: number, tag: string): TestRecord[] => Array.from({ length: n }, (_, i) => ({ key: `${tag}-k${i}`, value: `${tag}-${i}` }));
