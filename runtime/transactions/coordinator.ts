// The transaction coordinator service (one per broker, `transactionCoordinator(broker)`): InitProducerId,
// AddPartitionsToTxn, AddOffsetsToTxn, EndTxn and the transactional side of TxnOffsetCommit, each one PostgreSQL
// transaction under the transactional id's row lock (state.ts decides, store/transactions.ts writes). Every broker
// coordinates every transactional id: the row lock serialises them. Ending a transaction writes its markers, moves
// or drops its pending offsets and records the new state atomically, so no Prepare* state is ever left behind.
// A sweeper aborts transactions past their timeout (also those a stopped broker left open: the state is in
// PostgreSQL) and expires idle transactional ids and producer state.

import { ErrorCode } from '../../codec/errors.ts';
import type { Int64 } from '../../codec/int64.ts';
import type { BrokerServices, Service } from '../context.ts';
import { nextProducerId, expireProducers } from '../../store/producers.ts';
import {
  describeTransaction,
  expireTransactionalIds,
  listTransactions,
  LOCKED,
  timedOutTransactions,
  updateTransaction,
  type DescribedTransaction,
  type PendingOffset,
  type TransactionFilter,
  type TransactionRow,
  type TxnOps,
  type TxnPartition,
} from '../../store/transactions.ts';
import { databaseOutage, isDatabaseUnavailable, logStoreFailure } from '../unavailable.ts';
import type { WrittenMarker } from '../../store/markers.ts';
import type { AppendedPartition } from '../../store/consumer-offsets.ts';
import {
  completed,
  fenceEpoch,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  prepareAdd,
  prepareEnd,
  prepareInit,
  rotateProducerId,
  TxnState,
  verifyError,
  type ProducerIdAndEpoch,
} from './state.ts';

export interface TransactionCoordinatorOptions {
  /** Kafka's transaction.abort.timed.out.transaction.cleanup.interval.ms (Kafka: 10 s; here 1 s, a cheap query). */
  abortCheckIntervalMs: number;
  /** Kafka's transaction.remove.expired.transaction.cleanup.interval.ms. */
  expiryCheckIntervalMs: number;
  /** Kafka's producer.id.expiration.ms: state of producers idle this long (and without open transaction) is dropped. */
  producerIdExpirationMs: number;
}

export const defaultTransactionCoordinatorOptions: TransactionCoordinatorOptions = {
  abortCheckIntervalMs: 1000,
  expiryCheckIntervalMs: 3_600_000,
  producerIdExpirationMs: 86_400_000,
};

/** The coordinator epoch written into markers: one coordinator that never changes. */
const COORDINATOR_EPOCH = 0;

export const TRANSACTIONS_SERVICE = 'transactions';

/** The broker's transaction coordinator, created (and its sweeper started) on first use. */
export function transactionCoordinator(broker: BrokerServices): TransactionCoordinator {
  return broker.service(TRANSACTIONS_SERVICE, (b) => new TransactionCoordinator(b));
}

export interface InitResult {
  errorCode: number;
  producerId: number;
  producerEpoch: number;
}

/** What TxnOffsetCommit did: an error for every partition, or NONE and the topics that still exist (the others: unknown). */
export interface TxnOffsetsOutcome {
  error: number;
  liveTopicIds?: Set<number>;
}

export class TransactionCoordinator implements Service {
  readonly options: TransactionCoordinatorOptions;
  readonly #broker: BrokerServices;
  #abortTimer: ReturnType<typeof setInterval> | null = null;
  #expiryTimer: ReturnType<typeof setInterval> | null = null;
  #sweeping: Promise<unknown> | null = null;
  #closed = false;

  constructor(broker: BrokerServices, options: Partial<TransactionCoordinatorOptions> = {}) {
    this.#broker = broker;
    this.options = { ...defaultTransactionCoordinatorOptions, ...options };
    this.#abortTimer = setInterval(() => this.#sweep(() => this.abortTimedOut()), this.options.abortCheckIntervalMs);
    this.#expiryTimer = setInterval(() => this.#sweep(() => this.expire()), this.options.expiryCheckIntervalMs);
    // Transactions left open by a previous broker process are looked at right away.
    this.#sweep(() => this.abortTimedOut());
  }

  get #sql() {
    return this.#broker.store.sql;
  }

  #sweep(work: () => Promise<unknown>): void {
    if (this.#closed || this.#sweeping !== null || this.#broker.isClosing) return;
    this.#sweeping = work()
      .catch((err: unknown) => (isDatabaseUnavailable(err) ? databaseOutage(this.#broker).report(err) : this.#broker.log.warn('transaction sweep failed', { err: err as Error })))
      .finally(() => {
        this.#sweeping = null;
      });
  }

  /** Runs a coordinator operation; a failure of PostgreSQL becomes COORDINATOR_NOT_AVAILABLE (clients retry). */
  async #guard<T>(what: string, fallback: (code: number) => T, work: () => Promise<T>): Promise<T> {
    if (this.#closed || this.#broker.isClosing) return fallback(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    try {
      return await work();
    } catch (err) {
      logStoreFailure(this.#broker, `transaction coordinator: ${what} failed`, {}, err);
      return fallback(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
  }

  #notify(written: AppendedPartition[]): void {
    if (written.length > 0) this.#broker.store.notifyAppended(written);
  }

  /** Markers on every partition, pending offsets committed or dropped, the transaction forgotten: one step. */
  async #complete(ops: TxnOps, row: TransactionRow, commit: boolean, now: number): Promise<AppendedPartition[]> {
    const partitions = await ops.partitions();
    const written = await ops.writeMarkers({
      producerId: row.producerId,
      producerEpoch: row.producerEpoch,
      commit,
      coordinatorEpoch: COORDINATOR_EPOCH,
      partitions,
      now,
    });
    // The committed offsets' records in __consumer_offsets grew the log too: notified with the markers.
    const logged = commit ? (await ops.commitPendingOffsets(now)).appended : [];
    if (!commit) await ops.dropPendingOffsets();
    await ops.clearMembership();
    await ops.save(completed(row, commit, now));
    return [...written, ...logged];
  }

  /** InitProducerId: a producer id for an idempotent producer, or the transactional id's (re)initialisation. */
  initProducerId(transactionalId: string | null, timeoutMs: number, expected: ProducerIdAndEpoch | null): Promise<InitResult> {
    const failure = (errorCode: number): InitResult => ({ errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH });
    return this.#guard('InitProducerId', failure, async () => {
      if (transactionalId === null) {
        // Idempotent producers: always a fresh producer id (also for the KIP-360 retry with the old id and epoch).
        return { errorCode: ErrorCode.NONE, producerId: await nextProducerId(this.#sql), producerEpoch: 0 };
      }
      if (transactionalId === '') return failure(ErrorCode.INVALID_REQUEST);
      if (timeoutMs <= 0 || timeoutMs > this.#broker.config.transactionMaxTimeoutMs) return failure(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
      const now = Date.now();
      let written: AppendedPartition[] = [];
      const result = await updateTransaction(this.#sql, transactionalId, async (ops) => {
        const row = ops.current ?? await ops.create({
          producerEpoch: NO_PRODUCER_EPOCH,
          lastProducerId: NO_PRODUCER_ID,
          lastProducerEpoch: NO_PRODUCER_EPOCH,
          timeoutMs,
          state: TxnState.Empty,
          startTimestamp: -1,
          updateTimestamp: now,
        });
        const decision = prepareInit(row, expected, timeoutMs, now);
        switch (decision.kind) {
          case 'error':
            return failure(decision.error);
          case 'init':
            await ops.save(decision.row);
            return { errorCode: ErrorCode.NONE, producerId: decision.row.producerId, producerEpoch: decision.row.producerEpoch };
          case 'rotate': {
            const next = rotateProducerId(row, await ops.nextProducerId(), timeoutMs, now, expected !== null);
            await ops.save(next);
            return { errorCode: ErrorCode.NONE, producerId: next.producerId, producerEpoch: next.producerEpoch };
          }
          case 'fence':
            // Abort the open transaction under a bumped epoch, fencing its producer; the client retries.
            written = await this.#complete(ops, fenceEpoch(row), false, now);
            return failure(ErrorCode.CONCURRENT_TRANSACTIONS);
        }
      });
      this.#notify(written);
      return result === LOCKED ? failure(ErrorCode.CONCURRENT_TRANSACTIONS) : result;
    });
  }

  /** AddPartitionsToTxn (partitions) and AddOffsetsToTxn (a group): one error for the whole request. */
  addToTransaction(transactionalId: string, producerId: Int64, producerEpoch: number, partitions: TxnPartition[], groupIds: string[]): Promise<number> {
    return this.#guard('AddPartitionsToTxn', (code) => code, async () => {
      if (transactionalId === '') return ErrorCode.INVALID_REQUEST;
      const now = Date.now();
      const result = await updateTransaction(this.#sql, transactionalId, async (ops) => {
        const row = ops.current;
        let allIncluded = false;
        if (row !== null && row.state === TxnState.Ongoing && row.producerId === producerId && row.producerEpoch === producerEpoch) {
          const [have, groups] = await Promise.all([ops.partitions(), groupIds.length > 0 ? ops.groups() : Promise.resolve([])]);
          const keys = new Set(have.map((p) => `${p.topicId}:${p.partition}`));
          allIncluded = partitions.every((p) => keys.has(`${p.topicId}:${p.partition}`)) && groupIds.every((g) => groups.includes(g));
        }
        const decision = prepareAdd(row, producerId, producerEpoch, allIncluded, now);
        if (decision.kind === 'error') return decision.error;
        if (decision.kind === 'add') {
          await ops.addPartitions(partitions);
          await ops.addGroups(groupIds);
          await ops.save(decision.row);
        }
        return ErrorCode.NONE;
      });
      return result === LOCKED ? ErrorCode.CONCURRENT_TRANSACTIONS : result;
    });
  }

  /** AddPartitionsToTxn v4+ with verifyOnly: per partition NONE when in the ongoing transaction, else the error. */
  verifyPartitions(transactionalId: string, producerId: Int64, producerEpoch: number, partitions: TxnPartition[]): Promise<number[]> {
    return this.#guard('AddPartitionsToTxn (verify)', (code) => partitions.map(() => code), async () => {
      const result = await updateTransaction(this.#sql, transactionalId, async (ops) => {
        const error = verifyError(ops.current, producerId, producerEpoch);
        if (error !== ErrorCode.NONE) return partitions.map(() => error);
        const ongoing = ops.current?.state === TxnState.Ongoing;
        const keys = new Set((ongoing ? await ops.partitions() : []).map((p) => `${p.topicId}:${p.partition}`));
        return partitions.map((p) => (keys.has(`${p.topicId}:${p.partition}`) ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE));
      });
      return result === LOCKED ? partitions.map(() => ErrorCode.CONCURRENT_TRANSACTIONS) : result;
    });
  }

  /** EndTxn: commit or abort the ongoing transaction (markers, offsets, state in one PostgreSQL transaction). */
  endTransaction(transactionalId: string, producerId: Int64, producerEpoch: number, commit: boolean): Promise<number> {
    return this.#guard('EndTxn', (code) => code, async () => {
      if (transactionalId === '') return ErrorCode.INVALID_REQUEST;
      const now = Date.now();
      let written: AppendedPartition[] = [];
      const result = await updateTransaction(this.#sql, transactionalId, async (ops) => {
        const decision = prepareEnd(ops.current, producerId, producerEpoch, commit);
        if (decision.kind === 'error') return decision.error;
        if (decision.kind === 'complete') written = await this.#complete(ops, ops.current as TransactionRow, commit, now);
        return ErrorCode.NONE;
      });
      this.#notify(written);
      return result === LOCKED ? ErrorCode.CONCURRENT_TRANSACTIONS : result;
    });
  }

  /**
   * TxnOffsetCommit, once the group coordinator accepted the member: the offsets are kept pending in the ongoing
   * transaction (which must hold the group: AddOffsetsToTxn) until it ends.
   */
  commitTransactionalOffsets(transactionalId: string, producerId: Int64, producerEpoch: number, groupId: string, offsets: PendingOffset[]): Promise<TxnOffsetsOutcome> {
    return this.#guard('TxnOffsetCommit', (error): TxnOffsetsOutcome => ({ error }), async () => {
      const result = await updateTransaction(this.#sql, transactionalId, async (ops): Promise<TxnOffsetsOutcome> => {
        const row = ops.current;
        if (row === null || row.producerId !== producerId) return { error: ErrorCode.INVALID_PRODUCER_ID_MAPPING };
        if (row.producerEpoch !== producerEpoch) return { error: ErrorCode.INVALID_PRODUCER_EPOCH };
        if (row.state !== TxnState.Ongoing || !(await ops.groups()).includes(groupId)) return { error: ErrorCode.INVALID_TXN_STATE };
        return { error: ErrorCode.NONE, liveTopicIds: await ops.putPendingOffsets(offsets) };
      });
      return result === LOCKED ? { error: ErrorCode.CONCURRENT_TRANSACTIONS } : result;
    });
  }

  describe(transactionalId: string): Promise<DescribedTransaction | null> {
    return describeTransaction(this.#sql, transactionalId);
  }

  list(filter: TransactionFilter): Promise<TransactionRow[]> {
    return listTransactions(this.#sql, filter);
  }

  /**
   * Aborts every ongoing transaction past its timeout at `now` (Kafka's abortTimedOutTransactions): the epoch is
   * bumped first, so the producer that let it time out is fenced. Returns the transactional ids aborted.
   */
  async abortTimedOut(now: number = Date.now()): Promise<string[]> {
    const aborted: string[] = [];
    for (const candidate of await timedOutTransactions(this.#sql, now)) {
      if (this.#closed) break;
      let written: AppendedPartition[] = [];
      const done = await updateTransaction(this.#sql, candidate.transactionalId, async (ops) => {
        const row = ops.current;
        // Re-checked under the lock: the producer may have ended it, or another broker aborted it.
        if (!row || row.producerId !== candidate.producerId || row.state !== TxnState.Ongoing || row.startTimestamp + row.timeoutMs >= now) return false;
        written = await this.#complete(ops, fenceEpoch(row), false, now);
        return true;
      }, { skipLocked: true });
      this.#notify(written);
      if (done === true) {
        aborted.push(candidate.transactionalId);
        this.#broker.log.info('aborted a timed-out transaction', { transactionalId: candidate.transactionalId, producerId: candidate.producerId });
      }
    }
    return aborted;
  }

  /** Drops transactional ids idle past transactional.id.expiration.ms and producer state past producer.id.expiration.ms. */
  async expire(now: number = Date.now()): Promise<{ transactionalIds: string[]; producers: number }> {
    const transactionalIds = await expireTransactionalIds(this.#sql, now - this.#broker.config.transactionalIdExpirationMs);
    const producers = await expireProducers(this.#sql, now - this.options.producerIdExpirationMs);
    return { transactionalIds, producers };
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#abortTimer !== null) clearInterval(this.#abortTimer);
    if (this.#expiryTimer !== null) clearInterval(this.#expiryTimer);
    this.#abortTimer = this.#expiryTimer = null;
    await this.#sweeping;
  }
}
