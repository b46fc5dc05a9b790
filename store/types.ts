// The store's contract: the coarse domain methods handlers call. All SQL lives behind it, in store/.

import type { KafkaRecord } from '../codec/record-batch.ts';
import type { ProducerRejection } from './producer-state.ts';

export type { ProducerRejection } from './producer-state.ts';

export interface Topic {
  /** Internal numeric id, used as the key of every per-topic row. */
  readonly id: number;
  /** Kafka's topic id (a UUID), stable for the topic's life, shown in Metadata v10+ and used by Fetch v13+. */
  readonly topicId: string;
  readonly name: string;
  readonly partitions: number;
  /** Topic-level configs that were set explicitly (Kafka names, e.g. "compression.type": "lz4"). */
  readonly configs: Readonly<Record<string, string>>;
}

export interface NewTopic {
  name: string;
  partitions: number;
  configs?: Record<string, string>;
}

/** One batch to append, already validated and decoded; offsets are assigned by the store. */
export interface AppendBatch {
  /** Batch attributes (compression bits as the producer sent them, timestamp type, transactional, control). */
  attributes: number;
  baseTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  records: KafkaRecord[];
}

export interface PartitionAppend {
  topic: Topic;
  partition: number;
  batches: AppendBatch[];
  /** When set (topic uses LogAppendTime), every record's timestamp becomes this. */
  logAppendTime?: number;
}

export interface PartitionAppendResult {
  /** Offset of the first record appended (of a duplicate: of the original; of a rejected append: -1). */
  baseOffset: number;
  /** Offset of each batch's first record, in input order (empty when rejected). */
  batchBaseOffsets: number[];
  logStartOffset: number;
  highWatermark: number;
  /** Set (only) when the batches repeat batches already appended: nothing was written, offsets are the originals. */
  duplicate?: true;
  /** Set (only) when the producer checks refused the partition: nothing was written to it. */
  rejected?: { reason: ProducerRejection; message: string };
}

/** Options of Store.append. */
export interface AppendOptions {
  /**
   * The Produce request's transactional id: transactional batches are accepted only for partitions added to its
   * ongoing transaction (checked in the append's PostgreSQL transaction, under a share lock on the transaction).
   * Without one, transactional batches are not verified: Produce refuses them before they get here.
   */
  transactionalId?: string | null;
}

/** A stored record as read back, with what is needed to rebuild batches. */
export interface StoredRecord {
  offset: number;
  timestamp: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headerKeys: string[] | null;
  headerValues: (Uint8Array | null)[] | null;
  producerId: number;
  producerEpoch: number;
  sequence: number;
  /** The attributes of the batch the record came in with. */
  attributes: number;
  /** The record's offset delta in the batch it came in (offset minus the batch's base offset); -1: not known (old row). */
  offsetDelta: number;
  /** The last offset delta of the batch it came in (record count - 1); -1: not known (a row from before migration 110). */
  lastOffsetDelta: number;
}

export interface ReadOptions {
  fromOffset: number;
  /** Stop after roughly this many bytes of key+value+headers (always at least one record). */
  maxBytes: number;
  /** Exclusive upper bound (e.g. the last stable offset); defaults to the high watermark. */
  toOffset?: number;
}

export interface PartitionOffsets {
  logStartOffset: number;
  highWatermark: number;
  /** Present only while a transaction is open in the partition: the first offset of the oldest one (< highWatermark). */
  lastStableOffset?: number;
  /** Present only when the partition has aborted transactions: the offset of the latest abort marker. */
  lastAbortedOffset?: number;
}

export interface TimestampOffset {
  offset: number;
  timestamp: number;
}

/** A partition's log changed: fired after a commit, locally at once and from other brokers over LISTEN/NOTIFY. */
export type AppendListener = (topicId: number, partition: number, highWatermark: number) => void;
