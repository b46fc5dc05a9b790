// Log retention (Kafka's log cleaner for cleanup.policy=delete): every logRetentionCheckIntervalMs the broker
// sweeps every partition, moving its log start offset past records older than retention.ms and past the oldest
// records while the partition holds more than retention.bytes (key+value+headers), then deleting the rows below
// the log start offset in bounded chunks. Kafka deletes whole segments and never the active one; pg-kafka has no
// segments and deletes record by record: when every record is past retention the log start reaches the high
// watermark. The move never passes the last stable offset (an open transaction's first record). Topics whose
// cleanup.policy lacks `delete` (compact only) are not deleted from by age or size. Topics whose cleanup.policy
// has `compact` are compacted in the same pass (store/compaction.ts): below the last stable offset, and below the
// first record younger than min.compaction.lag.ms, each key keeps its latest record, and tombstones go once older
// than delete.retention.ms. A pass compacts what was written since this broker's previous pass (all of it at first).
// One broker sweeps at a time (an advisory lock). The service is started by Broker.listen() and stopped with the
// broker's other services.

import { databaseOutage, isDatabaseUnavailable } from './unavailable.ts';
import type { BrokerServices, Service } from './context.ts';
import { topicConfigValue } from './topic-configs.ts';
import {
  advanceLogStart,
  DEFAULT_DELETE_CHUNK,
  deleteBelowLogStart,
  dropAbortedBelowLogStart,
  firstRetainedBySize,
  firstRetainedByTime,
  retentionPartitions,
  withRetentionLock,
  type RetentionPartition,
} from '../store/retention.ts';
import { compactPartition } from '../store/compaction.ts';

export const RETENTION_SERVICE = 'retention';

export interface RetentionOptions {
  /** Rows deleted per statement. */
  deleteChunk: number;
}

/** What one pass did. */
export interface SweepResult {
  /** Partitions whose log start offset moved. */
  advanced: number;
  /** Rows deleted. */
  deletedRows: number;
  /** DELETE statements run. */
  deleteStatements: number;
  /** Records removed by compaction: superseded by a later record of their key, or expired tombstones. */
  compactedRows: number;
}

/** The broker's retention service, created (and its timer started) on first use. */
export function retentionService(broker: BrokerServices): RetentionService {
  return broker.service(RETENTION_SERVICE, (b) => new RetentionService(b));
}

/** Whether a cleanup.policy value includes deletion (`delete`, `compact,delete`). */
export function deletesByPolicy(policy: string): boolean {
  return policy.split(',').some((p) => p.trim() === 'delete');
}

/** Whether a cleanup.policy value includes compaction (`compact`, `compact,delete`). */
export function compactsByPolicy(policy: string): boolean {
  return policy.split(',').some((p) => p.trim() === 'compact');
}

export class RetentionService implements Service {
  readonly options: RetentionOptions;
  readonly #broker: BrokerServices;
  #timer: ReturnType<typeof setInterval> | null;
  #running: Promise<SweepResult | null> | null = null;
  #purges = new Map<string, Promise<void>>();
  /** Per "topicId:partition" of a compacted topic: where this broker's previous pass stopped. */
  #compactedTo = new Map<string, number>();
  #closed = false;

  constructor(broker: BrokerServices, options: Partial<RetentionOptions> = {}) {
    this.#broker = broker;
    this.options = { deleteChunk: DEFAULT_DELETE_CHUNK, ...options };
    // Like Kafka, the first check comes after one interval, not at start.
    this.#timer = setInterval(() => {
      if (this.#running === null) void this.sweep().catch((err: unknown) => (isDatabaseUnavailable(err) ? databaseOutage(broker).report(err) : broker.log.warn('retention sweep failed', { err: err as Error })));
    }, broker.config.logRetentionCheckIntervalMs);
  }

  /**
   * One pass over every partition; null when another broker (session) holds the sweep lock or the broker is
   * closing. A call while a pass runs joins that pass.
   */
  sweep(now = Date.now()): Promise<SweepResult | null> {
    if (this.#running) return this.#running;
    if (this.#closed || this.#broker.isClosing) return Promise.resolve(null);
    const run = withRetentionLock(this.#broker.store.sql, () => this.#pass(now)).finally(() => {
      this.#running = null;
    });
    this.#running = run;
    return run;
  }

  /**
   * Deletes the rows below a partition's log start offset in the background (after DeleteRecords moved it);
   * resolves when done. Failures are logged: the next sweep deletes what is left.
   */
  purge(topicId: number, partition: number): Promise<void> {
    const key = `${topicId}:${partition}`;
    const pending = this.#purges.get(key);
    if (pending) return pending.then(() => this.purge(topicId, partition));
    const p = deleteBelowLogStart(this.#broker.store.sql, topicId, partition, this.options.deleteChunk, this.#stopping)
      .then(() => {}, (err: unknown) => this.#broker.log.warn('record deletion failed', { topicId, partition, err: err as Error }))
      .finally(() => this.#purges.delete(key));
    this.#purges.set(key, p);
    return p;
  }

  /** Shutdown began: deletions stop after their current chunk (the next pass, of any broker, finishes them). */
  readonly #stopping = (): boolean => this.#closed || this.#broker.isClosing;

  async #pass(now: number): Promise<SweepResult> {
    const sql = this.#broker.store.sql;
    const result: SweepResult = { advanced: 0, deletedRows: 0, deleteStatements: 0, compactedRows: 0 };
    for (const p of await retentionPartitions(sql)) {
      if (this.#stopping()) break;
      let logStart = p.logStartOffset;
      const target = await this.#target(p, now);
      if (target > logStart) {
        const moved = await advanceLogStart(sql, p.topicId, p.partition, target);
        if (moved === null) continue; // the topic was deleted meanwhile
        if (moved > logStart) {
          result.advanced++;
          this.#broker.log.debug('log start offset advanced by retention', { topic: p.topicName, partition: p.partition, from: logStart, to: moved });
        }
        logStart = moved;
      }
      if (p.firstStoredOffset !== null && p.firstStoredOffset < logStart) {
        const deleted = await deleteBelowLogStart(sql, p.topicId, p.partition, this.options.deleteChunk, this.#stopping);
        result.deletedRows += deleted.rows;
        result.deleteStatements += deleted.statements;
        await dropAbortedBelowLogStart(sql, p.topicId, p.partition, logStart);
      }
      if (compactsByPolicy(topicConfigValue(p.configs, 'cleanup.policy', this.#broker.settings))) {
        result.compactedRows += await this.#compact(p, logStart, now);
      }
    }
    if (result.deletedRows > 0 || result.compactedRows > 0) this.#broker.log.info('retention deleted records', { ...result });
    return result;
  }

  /** Compacts what was written to the partition since the previous pass; returns the rows removed. */
  async #compact(p: RetentionPartition, logStart: number, now: number): Promise<number> {
    const sql = this.#broker.store.sql;
    const key = `${p.topicId}:${p.partition}`;
    const dirtyFrom = Math.max(logStart, this.#compactedTo.get(key) ?? logStart);
    let limit = Math.min(p.highWatermark, p.firstOpenOffset ?? p.highWatermark);
    const lagMs = Number(topicConfigValue(p.configs, 'min.compaction.lag.ms', this.#broker.settings));
    // Compaction stops at the first record younger than the lag (the first one retention by that age would keep).
    if (lagMs > 0 && limit > dirtyFrom) limit = await firstRetainedByTime(sql, p.topicId, p.partition, dirtyFrom, limit, now - lagMs);
    // Nothing new below the limit (it never moves back past the previous pass): only tombstones may have aged.
    limit = Math.max(limit, dirtyFrom);
    const tombstonesBefore = now - Number(topicConfigValue(p.configs, 'delete.retention.ms', this.#broker.settings));
    const done = await compactPartition(sql, { topicId: p.topicId, partition: p.partition, logStartOffset: logStart, dirtyFrom, limit, tombstonesBefore });
    this.#compactedTo.set(key, limit);
    if (done.superseded + done.tombstones > 0) {
      this.#broker.log.debug('partition compacted', { topic: p.topicName, partition: p.partition, from: dirtyFrom, to: limit, ...done });
    }
    return done.superseded + done.tombstones;
  }

  /** Where retention wants the partition's log to start (at least where it starts now). */
  async #target(p: RetentionPartition, now: number): Promise<number> {
    const broker = this.#broker;
    if (!deletesByPolicy(topicConfigValue(p.configs, 'cleanup.policy', broker.settings))) return p.logStartOffset;
    const limit = Math.min(p.highWatermark, p.firstOpenOffset ?? p.highWatermark);
    if (limit <= p.logStartOffset) return p.logStartOffset;
    let target = p.logStartOffset;
    const retentionMs = Number(topicConfigValue(p.configs, 'retention.ms', broker.settings));
    if (retentionMs >= 0) {
      target = await firstRetainedByTime(broker.store.sql, p.topicId, p.partition, p.logStartOffset, limit, now - retentionMs);
    }
    const retentionBytes = Number(topicConfigValue(p.configs, 'retention.bytes', broker.settings));
    if (retentionBytes >= 0 && target < limit) {
      const bySize = await firstRetainedBySize(broker.store.sql, p.topicId, p.partition, target, limit, p.highWatermark, retentionBytes);
      target = Math.max(target, bySize);
    }
    return target;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await Promise.allSettled([this.#running, ...this.#purges.values()]);
  }
}
