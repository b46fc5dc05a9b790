// Isolation levels: where read_committed reads must stop (the last stable offset) and which aborted transactions a
// read_committed Fetch reports. Fetch and ListOffsets both ask here. The last stable offset is the first offset of
// the oldest transaction still open in the partition (store: kafka.producer_state, read with the partition's
// offsets), or the high watermark when none is open; aborted transactions come from the partition's index
// (kafka.aborted_transactions). Asking here also starts the transaction coordinator, whose sweeper aborts
// transactions that timed out, including those a stopped broker left open: readers are never held back for good.

import type { BrokerServices } from './context.ts';
import type { PartitionOffsets, Topic } from '../store/types.ts';
import { abortedTransactionsIn } from '../store/producers.ts';
import { transactionCoordinator } from './transactions/coordinator.ts';

export const IsolationLevel = { readUncommitted: 0, readCommitted: 1 } as const;
export type IsolationLevelValue = (typeof IsolationLevel)[keyof typeof IsolationLevel];

export interface AbortedTransaction {
  producerId: number;
  firstOffset: number;
}

/** The first offset of the oldest open transaction in the partition, or the high watermark when none is open. */
export async function lastStableOffset(broker: BrokerServices, _topic: Topic, _partition: number, offsets: PartitionOffsets): Promise<number> {
  transactionCoordinator(broker);
  return offsets.lastStableOffset ?? offsets.highWatermark;
}

/** The exclusive end of what a reader at `isolationLevel` may see. */
export async function visibleEnd(broker: BrokerServices, topic: Topic, partition: number, offsets: PartitionOffsets, isolationLevel: number): Promise<number> {
  return isolationLevel === IsolationLevel.readCommitted ? lastStableOffset(broker, topic, partition, offsets) : offsets.highWatermark;
}

/**
 * Aborted transactions overlapping [fromOffset, toOffset) for a Fetch answer: a list (possibly empty) under
 * read_committed, null under read_uncommitted (the client then does not filter). `offsets` (the partition's, read
 * in the same pass) saves the query when no aborted transaction ends at or after fromOffset.
 */
export async function abortedTransactions(
  broker: BrokerServices,
  topic: Topic,
  partition: number,
  isolationLevel: number,
  fromOffset: number,
  toOffset: number,
  offsets?: PartitionOffsets,
): Promise<AbortedTransaction[] | null> {
  if (isolationLevel !== IsolationLevel.readCommitted) return null;
  if (toOffset <= fromOffset) return [];
  if (offsets !== undefined && (offsets.lastAbortedOffset === undefined || offsets.lastAbortedOffset < fromOffset)) return [];
  return abortedTransactionsIn(broker.store.sql, topic.id, partition, fromOffset, toOffset);
}
