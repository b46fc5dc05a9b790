// The transaction state machine, as Kafka's TransactionCoordinator and TransactionMetadata define it, without I/O:
// what InitProducerId, AddPartitionsToTxn / AddOffsetsToTxn and EndTxn do to a transactional id's state, and the
// errors they answer. The coordinator (coordinator.ts) applies these inside the row-locked PostgreSQL transaction.

import { ErrorCode } from '../../codec/errors.ts';
import type { Int64 } from '../../codec/int64.ts';
import type { TransactionRow } from '../../store/transactions.ts';

export const TxnState = {
  Empty: 'Empty',
  Ongoing: 'Ongoing',
  PrepareCommit: 'PrepareCommit',
  PrepareAbort: 'PrepareAbort',
  CompleteCommit: 'CompleteCommit',
  CompleteAbort: 'CompleteAbort',
  Dead: 'Dead',
  PrepareEpochFence: 'PrepareEpochFence',
} as const;
export type TxnStateName = (typeof TxnState)[keyof typeof TxnState];

export const ALL_STATES: readonly string[] = Object.values(TxnState);

export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
const SHORT_MAX = 32767;

/** Kafka's TransactionMetadata.isEpochExhausted: the last usable epoch is Short.MAX - 1. */
export function isEpochExhausted(epoch: number): boolean {
  return epoch >= SHORT_MAX - 1;
}

export interface ProducerIdAndEpoch {
  /** As the client sent it: one beyond 2^53 was never assigned, and matches no row. */
  producerId: Int64;
  producerEpoch: number;
}

export type InitDecision =
  | { kind: 'error'; error: number }
  /** Hand out this state (epoch bumped, or a retry answered with the current epoch). */
  | { kind: 'init'; row: TransactionRow }
  /** The epoch is exhausted: a new producer id is needed (rotateProducerId). */
  | { kind: 'rotate' }
  /** An ongoing transaction: abort it under a bumped epoch (fencing the old producer), answer CONCURRENT_TRANSACTIONS. */
  | { kind: 'fence' };

/** TransactionCoordinator.prepareInitProducerIdTransit. */
export function prepareInit(row: TransactionRow, expected: ProducerIdAndEpoch | null, timeoutMs: number, now: number): InitDecision {
  const validProducerId = (e: ProducerIdAndEpoch) =>
    row.producerEpoch === NO_PRODUCER_EPOCH ||
    e.producerId === row.producerId ||
    (e.producerId === row.lastProducerId && isEpochExhausted(e.producerEpoch));
  if (expected !== null && !validProducerId(expected)) return { kind: 'error', error: ErrorCode.PRODUCER_FENCED };
  switch (row.state) {
    case TxnState.PrepareAbort:
    case TxnState.PrepareCommit:
      return { kind: 'error', error: ErrorCode.CONCURRENT_TRANSACTIONS };
    case TxnState.CompleteAbort:
    case TxnState.CompleteCommit:
    case TxnState.Empty: {
      if (isEpochExhausted(row.producerEpoch) && (expected === null || expected.producerEpoch === row.producerEpoch)) return { kind: 'rotate' };
      return incrementEpoch(row, expected === null ? null : expected.producerEpoch, timeoutMs, now);
    }
    case TxnState.Ongoing:
      return { kind: 'fence' };
    default:
      throw new Error(`transactional id ${row.transactionalId} is in state ${row.state}, which it should never reach`);
  }
}

/** TransactionMetadata.prepareIncrementProducerEpoch. */
function incrementEpoch(row: TransactionRow, expectedEpoch: number | null, timeoutMs: number, now: number): InitDecision {
  const bumped = row.producerEpoch + 1;
  let next: { epoch: number; last: number };
  if (expectedEpoch === null) {
    next = { epoch: bumped, last: NO_PRODUCER_EPOCH };
  } else if (row.producerEpoch === NO_PRODUCER_EPOCH || expectedEpoch === row.producerEpoch) {
    next = { epoch: bumped, last: row.producerEpoch };
  } else if (expectedEpoch === row.lastProducerEpoch) {
    // A retry of a bump whose answer was lost: the current epoch again.
    next = { epoch: row.producerEpoch, last: row.lastProducerEpoch };
  } else {
    return { kind: 'error', error: ErrorCode.PRODUCER_FENCED };
  }
  return {
    kind: 'init',
    row: { ...row, producerEpoch: next.epoch, lastProducerEpoch: next.last, timeoutMs, state: TxnState.Empty, startTimestamp: -1, updateTimestamp: now },
  };
}

/** TransactionMetadata.prepareProducerIdRotation. */
export function rotateProducerId(row: TransactionRow, newProducerId: number, timeoutMs: number, now: number, recordLastEpoch: boolean): TransactionRow {
  return {
    ...row,
    producerId: newProducerId,
    producerEpoch: 0,
    lastProducerId: row.producerId,
    lastProducerEpoch: recordLastEpoch ? row.producerEpoch : NO_PRODUCER_EPOCH,
    timeoutMs,
    state: TxnState.Empty,
    startTimestamp: -1,
    updateTimestamp: now,
  };
}

/**
 * TransactionMetadata.prepareFenceProducerEpoch as applied by endTransaction: the epoch goes up by one (unless
 * exhausted), the previous epoch is forgotten, so the old producer can no longer continue or retry.
 */
export function fenceEpoch(row: TransactionRow): TransactionRow {
  const epoch = isEpochExhausted(row.producerEpoch) ? row.producerEpoch : row.producerEpoch + 1;
  return { ...row, producerEpoch: epoch, lastProducerEpoch: NO_PRODUCER_EPOCH };
}

export type AddDecision = { kind: 'error'; error: number } | { kind: 'none' } | { kind: 'add'; row: TransactionRow };

/** TransactionCoordinator.handleAddPartitionsToTransaction (also AddOffsetsToTxn). */
export function prepareAdd(row: TransactionRow | null, producerId: Int64, producerEpoch: number, allIncluded: boolean, now: number): AddDecision {
  if (row === null || row.producerId !== producerId) return { kind: 'error', error: ErrorCode.INVALID_PRODUCER_ID_MAPPING };
  if (row.producerEpoch !== producerEpoch) return { kind: 'error', error: ErrorCode.PRODUCER_FENCED };
  if (row.state === TxnState.PrepareCommit || row.state === TxnState.PrepareAbort) return { kind: 'error', error: ErrorCode.CONCURRENT_TRANSACTIONS };
  if (row.state === TxnState.Ongoing && allIncluded) return { kind: 'none' };
  const starting = row.state === TxnState.Empty || row.state === TxnState.CompleteCommit || row.state === TxnState.CompleteAbort;
  if (!starting && row.state !== TxnState.Ongoing) {
    throw new Error(`transactional id ${row.transactionalId} is in state ${row.state}, which it should never reach`);
  }
  return { kind: 'add', row: { ...row, state: TxnState.Ongoing, startTimestamp: starting ? now : row.startTimestamp, updateTimestamp: now } };
}

/** Verification (AddPartitionsToTxn v4 verifyOnly, transactional produce): the checks before partition membership. */
export function verifyError(row: TransactionRow | null, producerId: Int64, producerEpoch: number): number {
  if (row === null || row.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
  if (row.producerEpoch !== producerEpoch) return ErrorCode.PRODUCER_FENCED;
  if (row.state === TxnState.PrepareCommit || row.state === TxnState.PrepareAbort) return ErrorCode.CONCURRENT_TRANSACTIONS;
  return ErrorCode.NONE;
}

export type EndDecision = { kind: 'error'; error: number } | { kind: 'none' } | { kind: 'complete' };

/** TransactionCoordinator.endTransaction (from a client: the epoch must match exactly). */
export function prepareEnd(row: TransactionRow | null, producerId: Int64, producerEpoch: number, commit: boolean): EndDecision {
  if (row === null || row.producerId !== producerId) return { kind: 'error', error: ErrorCode.INVALID_PRODUCER_ID_MAPPING };
  if (producerEpoch !== row.producerEpoch) return { kind: 'error', error: ErrorCode.PRODUCER_FENCED };
  switch (row.state) {
    case TxnState.Ongoing:
      return { kind: 'complete' };
    case TxnState.CompleteCommit:
      return commit ? { kind: 'none' } : { kind: 'error', error: ErrorCode.INVALID_TXN_STATE };
    case TxnState.CompleteAbort:
      return commit ? { kind: 'error', error: ErrorCode.INVALID_TXN_STATE } : { kind: 'none' };
    case TxnState.PrepareCommit:
      return { kind: 'error', error: commit ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE };
    case TxnState.PrepareAbort:
      return { kind: 'error', error: commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.CONCURRENT_TRANSACTIONS };
    case TxnState.Empty:
      return { kind: 'error', error: ErrorCode.INVALID_TXN_STATE };
    default:
      throw new Error(`transactional id ${row.transactionalId} is in state ${row.state}, which it should never reach`);
  }
}

/** The state after the markers are written (prepareComplete): the transaction's partitions are forgotten. */
export function completed(row: TransactionRow, commit: boolean, now: number): TransactionRow {
  return { ...row, state: commit ? TxnState.CompleteCommit : TxnState.CompleteAbort, updateTimestamp: now };
}

/** Kafka answers PRODUCER_FENCED only from these versions on; older clients get INVALID_PRODUCER_EPOCH. */
export function fencedForVersion(error: number, version: number, firstFencedVersion: number): number {
  return error === ErrorCode.PRODUCER_FENCED && version < firstFencedVersion ? ErrorCode.INVALID_PRODUCER_EPOCH : error;
}
