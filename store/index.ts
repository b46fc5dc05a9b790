// The store: PostgreSQL behind the coarse domain methods the handlers call (topics, partition logs, offsets),
// plus change signals across broker processes (LISTEN/NOTIFY). openStore connects and applies migrations.
import { randomUUID } from 'node:crypto';
import type { TransactionSql } from 'postgres';
import { connect, type Sql } from './db.ts';
import { appendWithProducerState } from './append-producer.ts';
import { appendRecords, appendRecordsIn, hasProducerIds, maxTimestamp, offsetForTimestamp, partitionOffsets, readRecords, RecordSizes } from './log.ts';
import { migrate } from './migrations.ts';
import type { Int64 } from '../codec/int64.ts';
import { APPEND_CHANNEL, AppendNotifier, BROKER_CONFIGS_SIGNAL, parseAppendPayload, QUOTAS_CHANNEL, TOPICS_CHANNEL } from './notify.ts';
import { BrokerConfigCatalog, type ConfigMap } from './broker-configs.ts';
import { logDirName, logDirUsage, type LogDirUsage } from './log-dirs.ts';
import { alterClientQuotas, listClientQuotas, type QuotaChange, type QuotaRow } from './client-quotas.ts';
import { TopicCatalog, type TopicRef } from './topics.ts';
import type {
  AppendListener,
  AppendOptions,
  NewTopic,
  PartitionAppend,
  PartitionAppendResult,
  PartitionOffsets,
  ReadOptions,
  StoredRecord,
  TimestampOffset,
  Topic,
} from './types.ts';

export { InvalidPartitionsError, isDatabaseUnavailable, TopicCollisionError, TopicExistsError, UnknownPartitionError, UnknownTopicError } from './errors.ts';
export type * from './types.ts';
export type { TopicRef } from './topics.ts';
export type { ConfigMap } from './broker-configs.ts';
export type { LogDirUsage, PartitionSize } from './log-dirs.ts';
export type { QuotaChange, QuotaEntity, QuotaRow } from './client-quotas.ts';

export interface StoreOptions {
  log?: (message: string) => void;
  /** Pool size of the main connection pool (default 10). */
  poolSize?: number;
  /** flush (default): commits wait for the WAL flush; relaxed: synchronous_commit=off in the broker's sessions. */
  durability?: Durability;
}

export type Durability = 'flush' | 'relaxed';

/**
 * The user-settable server settings the broker gives its own sessions, whatever the server's defaults:
 * synchronous_commit from the durability setting (on even where the server's default is off), and
 * backend_flush_after as the embedded PostgreSQL sets it (runtime/embedded-postgres.ts says why).
 */
export function sessionSettings(durability: Durability): Record<string, string> {
  return { synchronous_commit: durability === 'relaxed' ? 'off' : 'on', backend_flush_after: '256kB' };
}

export async function openStore(url: string, options: StoreOptions = {}): Promise<Store> {
  const store = new Store(url, options);
  try {
    await store.migrate();
    await store.listen();
    await store.reloadBrokerConfigs();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

export class Store {
  /** The main pool, for store modules (groups, producer state) that live in store/ too. */
  readonly sql: Sql;
  /** The database as DescribeLogDirs names it: postgresql://host:port/dbname (no credentials). */
  readonly logDir: string;
  private readonly notifySql: Sql;
  private readonly log: (message: string) => void;
  private readonly origin = randomUUID();
  private readonly topics: TopicCatalog;
  private readonly brokerConfigCatalog: BrokerConfigCatalog;
  private readonly sizes = new RecordSizes();
  private readonly notifier: AppendNotifier;
  private readonly listeners = new Set<AppendListener>();
  private readonly quotaListeners = new Set<() => void>();
  /** Whether other processes may listen for appends (NOTIFY is skipped when not); set by the broker. */
  private appendAudience: () => boolean = () => true;
  private unlisten: (() => Promise<void>)[] = [];

  constructor(url: string, options: StoreOptions = {}) {
    this.log = options.log ?? (() => {});
    this.sql = connect(url, { max: options.poolSize ?? 10, settings: sessionSettings(options.durability ?? 'flush') });
    this.logDir = logDirName(url);
    this.notifySql = connect(url, { max: 1, settings: { synchronous_commit: 'off' }, applicationName: 'pg-kafka notify' });
    this.topics = new TopicCatalog(this.sql);
    this.brokerConfigCatalog = new BrokerConfigCatalog(this.sql);
    this.notifier = new AppendNotifier(this.notifySql, this.origin, this.log);
  }

  async migrate(): Promise<void> {
    await migrate(this.sql, this.log);
  }

  /** Subscribes to topic changes and appends from other processes (openStore calls it). */
  async listen(): Promise<void> {
    const topics = await this.sql.listen(
      TOPICS_CHANNEL,
      (name) => {
        if (name === BROKER_CONFIGS_SIGNAL) void this.reloadBrokerConfigs();
        else this.topics.invalidate(name);
      },
      () => {
        // (re)connected: notifications may have been missed
        this.topics.invalidate();
        void this.reloadBrokerConfigs();
      },
    );
    const appends = await this.sql.listen(APPEND_CHANNEL, (payload) => {
      const signals = parseAppendPayload(payload, this.origin);
      if (signals) for (const s of signals) this.emit(s.topicId, s.partition, s.highWatermark);
    });
    const quotas = await this.sql.listen(QUOTAS_CHANNEL, () => this.emitQuotas(), () => this.emitQuotas());
    this.unlisten.push(() => topics.unlisten(), () => appends.unlisten(), () => quotas.unlisten());
  }

  // Client quotas

  listClientQuotas(): Promise<QuotaRow[]> {
    return listClientQuotas(this.sql);
  }

  /** One transaction; every broker's onQuotasChanged listeners fire after it commits (this one's too, over NOTIFY). */
  alterClientQuotas(changes: QuotaChange[]): Promise<void> {
    return alterClientQuotas(this.sql, changes);
  }

  /** Called when client quotas may have changed (also after the notification connection reconnects). */
  onQuotasChanged(listener: () => void): () => void {
    this.quotaListeners.add(listener);
    return () => {
      this.quotaListeners.delete(listener);
    };
  }

  private emitQuotas(): void {
    for (const listener of this.quotaListeners) {
      try {
        listener();
      } catch (error) {
        this.log(`quota listener failed: ${(error as Error).message}`);
      }
    }
  }

  async close(): Promise<void> {
    await this.notifier.flush();
    for (const unlisten of this.unlisten.splice(0)) await unlisten().catch(() => {});
    this.listeners.clear();
    await Promise.all([this.sql.end({ timeout: 5 }), this.notifySql.end({ timeout: 5 })]);
  }

  // Topics

  listTopics(): Promise<Topic[]> {
    return this.topics.list();
  }

  getTopics(names: string[]): Promise<Map<string, Topic>> {
    return this.topics.get(names);
  }

  /** Topic ids (UUID strings) → Topic; unknown ids are absent from the map. */
  getTopicsByIds(topicIds: string[]): Promise<Map<string, Topic>> {
    return this.topics.getByIds(topicIds);
  }

  /**
   * Throws TopicExistsError when the name is taken, TopicCollisionError when it equals an existing name once '.'
   * and '_' are equated, InvalidPartitionsError when partitions < 1.
   */
  createTopic(topic: NewTopic): Promise<Topic> {
    return this.topics.create(topic);
  }

  /** For each name, the existing topic it collides with ('.' and '_' equated; not the same name); others absent. */
  topicCollisions(names: readonly string[]): Promise<Map<string, string>> {
    return this.topics.collisions(names);
  }

  /** Removes the topic with its partitions and records (one transaction); null when there is no such topic. */
  deleteTopic(topic: TopicRef): Promise<Topic | null> {
    return this.topics.delete(topic);
  }

  /** Throws UnknownTopicError, or InvalidPartitionsError when `total` is not above the current count. */
  createPartitions(topic: TopicRef, total: number): Promise<Topic> {
    return this.topics.createPartitions(topic, total);
  }

  /**
   * The one way topic configs are written: replaces the topic's explicit configs with `change(current)`, atomically
   * (row lock); `change` may throw to refuse. With `validateOnly` nothing is written and the topic is returned as it
   * would be. Every broker on the database sees the change at once (NOTIFY). Throws UnknownTopicError.
   */
  updateTopicConfigs(topic: TopicRef, change: (current: ConfigMap) => Record<string, string>, options: { validateOnly?: boolean } = {}): Promise<Topic> {
    return this.topics.updateConfigs(topic, change, !options.validateOnly);
  }

  /** Estimated size of each partition of `topics` (null: all) and of the database (store/log-dirs.ts). */
  logDirUsage(topics: string[] | null): Promise<LogDirUsage> {
    return logDirUsage(this.sql, topics);
  }

  // Dynamic broker configs

  /** The dynamic broker configs of one scope (a node id, or '' for the cluster-wide defaults), from memory. */
  brokerConfigs(scope: string): ConfigMap {
    return this.brokerConfigCatalog.get(scope);
  }

  /**
   * The one way dynamic broker configs are written: replaces those of `scope` with `change(current)`, atomically;
   * `change` may throw to refuse. With `validateOnly` nothing is written. Every broker sees the change at once.
   */
  updateBrokerConfigs(scope: string, change: (current: ConfigMap) => Record<string, string>, options: { validateOnly?: boolean } = {}): Promise<ConfigMap> {
    return this.brokerConfigCatalog.update(scope, change, !options.validateOnly);
  }

  /** Reads the dynamic broker configs again (openStore does, and every change notification). */
  async reloadBrokerConfigs(): Promise<void> {
    try {
      await this.brokerConfigCatalog.reload();
    } catch (error) {
      this.log(`could not load dynamic broker configs: ${(error as Error).message}`);
    }
  }

  // Partition logs

  /**
   * Appends in one transaction and returns one result per input, in input order. Throws UnknownPartitionError
   * (nothing appended) when a partition does not exist; listeners fire after the commit. Batches with producer ids
   * are checked against the producer state first (idempotence, epochs, transactions): a result then may be a
   * duplicate (nothing written, the original offsets) or rejected (nothing written to that partition).
   */
  async append(parts: PartitionAppend[], options: AppendOptions = {}): Promise<PartitionAppendResult[]> {
    if (parts.length === 0) return [];
    const transactionalId = options.transactionalId ?? null;
    const results = transactionalId === null && !hasProducerIds(parts)
      ? await appendRecords(this.sql, parts)
      : await appendWithProducerState(this.sql, parts, transactionalId);
    const seen = new Set<string>();
    for (let i = parts.length - 1; i >= 0; i--) {
      const { topic, partition } = parts[i];
      const key = `${topic.id}:${partition}`;
      if (seen.has(key) || results[i].rejected || results[i].duplicate) continue;
      seen.add(key);
      this.emit(topic.id, partition, results[i].highWatermark);
      if (this.appendAudience()) this.notifier.push(topic.id, partition, results[i].highWatermark);
    }
    return results;
  }

  /**
   * Runs `work` in one transaction on `sql` (the pool, or a connection the caller reserved) with `append`, the plain
   * append (no producer ids), inside that transaction: what else `work` writes commits or rolls back with the
   * records. After the commit, listeners fire and other brokers are told, as for append().
   */
  async appendInTransaction<T>(
    sql: Sql,
    work: (tx: TransactionSql, append: (parts: PartitionAppend[]) => Promise<PartitionAppendResult[]>) => Promise<T>,
  ): Promise<T> {
    const grown = new Map<string, { topicId: number; partition: number; highWatermark: number }>();
    const result = await sql.begin((tx) =>
      work(tx, async (parts) => {
        const results = await appendRecordsIn(tx, parts);
        parts.forEach((p, i) => {
          const key = `${p.topic.id}:${p.partition}`;
          const hw = results[i].highWatermark;
          if ((grown.get(key)?.highWatermark ?? -1) < hw) grown.set(key, { topicId: p.topic.id, partition: p.partition, highWatermark: hw });
        });
        return results;
      }),
    );
    this.notifyAppended([...grown.values()]);
    return result as T;
  }

  /**
   * Tells the store whether any other process may be listening for its appends: while `audience()` is false, no
   * NOTIFY is sent for them (a statement per append saved when a broker runs alone). By default, always notify.
   */
  setAppendAudience(audience: () => boolean): void {
    this.appendAudience = audience;
  }

  /**
   * Signals appends committed outside append() (transaction markers written by the transaction coordinator through
   * its own store functions), to this process's listeners and, over NOTIFY, to other brokers.
   */
  notifyAppended(appends: { topicId: number; partition: number; highWatermark: number }[]): void {
    for (const a of appends) {
      this.emit(a.topicId, a.partition, a.highWatermark);
      if (this.appendAudience()) this.notifier.push(a.topicId, a.partition, a.highWatermark);
    }
  }

  read(topic: Topic, partition: number, options: ReadOptions): Promise<StoredRecord[]> {
    return readRecords(this.sql, this.sizes, topic, partition, options);
  }

  /** Throws UnknownPartitionError when the partition does not exist. */
  async offsets(topic: Topic, partition: number): Promise<PartitionOffsets> {
    const [offsets] = await partitionOffsets(this.sql, [{ topic, partition }]);
    return offsets;
  }

  /** One query for all; results in input order. Throws UnknownPartitionError when any partition does not exist. */
  offsetsMany(list: { topic: Topic; partition: number }[]): Promise<PartitionOffsets[]> {
    return partitionOffsets(this.sql, list);
  }

  offsetForTimestamp(topic: Topic, partition: number, timestamp: Int64): Promise<TimestampOffset | null> {
    return offsetForTimestamp(this.sql, topic, partition, timestamp);
  }

  maxTimestamp(topic: Topic, partition: number): Promise<TimestampOffset | null> {
    return maxTimestamp(this.sql, topic, partition);
  }

  /** Called after every commit that grew a partition, from this process at once and from others over NOTIFY. */
  onAppend(listener: AppendListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Listeners subscribed with onAppend (for tests: a closed connection must leave none behind). */
  get appendListenerCount(): number {
    return this.listeners.size;
  }

  private emit(topicId: number, partition: number, highWatermark: number): void {
    for (const listener of this.listeners) {
      try {
        listener(topicId, partition, highWatermark);
      } catch (error) {
        this.log(`append listener failed: ${(error as Error).message}`);
      }
    }
  }
}
