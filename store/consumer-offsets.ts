// The internal topic `__consumer_offsets` (created by migration 135, compacted, 50 partitions): every change to a
// group's committed offsets or metadata is appended to it, as Kafka's group coordinator does, in the PostgreSQL
// transaction that makes the change, through the store's own append path (store/log.ts appendRecordsIn). Offset
// lag checkers that read the topic (Burrow) then see what OffsetFetch answers. The rows in kafka.group_offsets
// and kafka.groups stay the source of truth; the topic is their change log.
import type { Sql, TransactionSql } from 'postgres';
import {
  CONSUMER_OFFSETS_TOPIC,
  consumerOffsetsPartition,
  encodeGroupMetadataKey,
  encodeGroupMetadataValue,
  encodeOffsetCommitKey,
  encodeOffsetCommitValue,
  type GroupMetadataValue,
} from '../codec/coordinator-records.ts';
import { appendRecordsIn } from './log.ts';
import type { PartitionAppend, Topic } from './types.ts';

/** A committed offset (value) or its removal (tombstone: value null). */
export interface OffsetChange {
  groupId: string;
  topic: string;
  partition: number;
  value: { offset: number; leaderEpoch: number; metadata: string | null; commitTimestamp: number } | null;
}

/** A group's metadata (value) or its deletion (tombstone: value null). */
export interface GroupChange {
  groupId: string;
  value: GroupMetadataValue | null;
}

/** A partition of `__consumer_offsets` that grew: for Store.notifyAppended (fetch long polls). */
export interface AppendedPartition {
  topicId: number;
  partition: number;
  highWatermark: number;
}

interface RawRecord {
  groupId: string;
  key: Uint8Array;
  value: Uint8Array | null;
}

export function offsetRecord(c: OffsetChange): RawRecord {
  return {
    groupId: c.groupId,
    key: encodeOffsetCommitKey({ group: c.groupId, topic: c.topic, partition: c.partition }),
    value: c.value === null
      ? null
      : encodeOffsetCommitValue({
        offset: c.value.offset,
        leaderEpoch: c.value.leaderEpoch,
        metadata: c.value.metadata ?? '',
        commitTimestamp: c.value.commitTimestamp,
      }),
  };
}

export function groupRecord(c: GroupChange): RawRecord {
  return { groupId: c.groupId, key: encodeGroupMetadataKey(c.groupId), value: c.value === null ? null : encodeGroupMetadataValue(c.value) };
}

/** The topic's row, read in the caller's transaction (null on a database migrated without it: nothing is logged). */
async function logTopic(tx: TransactionSql): Promise<Topic | null> {
  const [row] = await tx<{ id: number; topic_id: string; partitions: number }[]>`
    select id, topic_id, partitions from kafka.topics where name = ${CONSUMER_OFFSETS_TOPIC}`;
  return row ? { id: row.id, topicId: row.topic_id, name: CONSUMER_OFFSETS_TOPIC, partitions: row.partitions, configs: {} } : null;
}

/**
 * Appends the records to each group's partition of `__consumer_offsets`, in `tx`, stamped `now`. Records of one
 * partition go in one batch, in the order given.
 */
export async function appendCoordinatorRecords(tx: TransactionSql, records: RawRecord[], now: number): Promise<AppendedPartition[]> {
  if (records.length === 0) return [];
  const topic = await logTopic(tx);
  if (!topic) return [];
  const byPartition = new Map<number, RawRecord[]>();
  for (const r of records) {
    const p = consumerOffsetsPartition(r.groupId, topic.partitions);
    const list = byPartition.get(p);
    if (list) list.push(r);
    else byPartition.set(p, [r]);
  }
  const parts: PartitionAppend[] = [...byPartition].map(([partition, list]) => ({
    topic,
    partition,
    batches: [{
      attributes: 0,
      baseTimestamp: now,
      producerId: -1,
      producerEpoch: -1,
      baseSequence: -1,
      records: list.map((r, i) => ({ attributes: 0, timestampDelta: 0, offsetDelta: i, key: r.key, value: r.value, headers: [] })),
    }],
  }));
  const results = await appendRecordsIn(tx, parts);
  return parts.map((p, i) => ({ topicId: topic.id, partition: p.partition, highWatermark: results[i].highWatermark }));
}

/** Topic names by internal id, for offset records of rows that only hold the id. */
export async function topicNames(sql: Sql | TransactionSql, topicIds: number[]): Promise<Map<number, string>> {
  if (topicIds.length === 0) return new Map();
  const rows = await sql<{ id: number; name: string }[]>`select id, name from kafka.topics where id = any(${[...new Set(topicIds)]}::int[])`;
  return new Map(rows.map((r) => [r.id, r.name]));
}
