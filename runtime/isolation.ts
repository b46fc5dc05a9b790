// Isolation levels: where read_committed reads must stop (the last stable offset) and which aborted
// transactions a read_committed Fetch reports. Fetch and ListOffsets both ask here, so transactions (a later
// piece of work) change only this file: today nothing is transactional, the last stable offset is the high
// watermark and there are no aborted transactions.

import type { BrokerServices } from './context.ts';
import type { PartitionOffsets, Topic } from '../store/types.ts';

export const IsolationLevel = { readUncommitted: 0, readCommitted: 1 } as const;
export type IsolationLevelValue = (typeof IsolationLevel)[keyof typeof IsolationLevel];

export interface AbortedTransaction {
  producerId: number;
  firstOffset: number;
}

/** The first offset of the oldest open transaction in the partition, or the high watermark when none is open. */
export async function lastStableOffset(_broker: BrokerServices, _topic: Topic, _partition: number, offsets: PartitionOffsets): Promise<number> {
  return offsets.highWatermark;
}

/** The exclusive end of what a reader at `isolationLevel` may see. */
export async function visibleEnd(broker: BrokerServices, topic: Topic, partition: number, offsets: PartitionOffsets, isolationLevel: number): Promise<number> {
  return isolationLevel === IsolationLevel.readCommitted ? lastStableOffset(broker, topic, partition, offsets) : offsets.highWatermark;
}

/**
 * Aborted transactions overlapping [fromOffset, toOffset) for a Fetch answer: a list (possibly empty) under
 * read_committed, null under read_uncommitted (the client then does not filter).
 */
export async function abortedTransactions(
  _broker: BrokerServices,
  _topic: Topic,
  _partition: number,
  isolationLevel: number,
  _fromOffset: number,
  _toOffset: number,
): Promise<AbortedTransaction[] | null> {
  return isolationLevel === IsolationLevel.readCommitted ? [] : null;
}
