// The outbox mover: appends the records that SQL sessions sent with kafka.send (rows of kafka.outbox) to the log.
// One broker on the database moves at a time (a session advisory lock on a reserved connection; the others retry
// every second and take over within about a second of its death, kill -9 included: PostgreSQL ends the session).
// Each move is ONE PostgreSQL transaction (on the pool) that deletes the rows it claims and appends them through
// the store's plain append path, so a record moves exactly once whatever happens; a transaction-level lock keeps
// two moves from ever overlapping, also while the session lock changes hands. Rows are claimed in commit-ticket order
// (store/sql-api/outbox-sql.ts explains the tickets and the barrier) and appended in that order per partition.
// The loop sleeps while there is nothing to move; kafka.send's commit wakes it with a NOTIFY (sent only while the
// mover is marked asleep), and it looks anyway every idleCheckMs. Started by Broker.listen(), closed with the
// broker's services.

import type { BrokerServices, Service } from '../context.ts';
import type { KafkaRecord } from '../../codec/record-batch.ts';
import { BatchAttributes } from '../../codec/record-batch.ts';
import type { PartitionAppend, Topic } from '../../store/types.ts';
import type { Sql } from '../../store/db.ts';
import {
  claimOutbox,
  forgetTickets,
  OUTBOX_CHANNEL,
  outboxBarrier,
  publishSqlSettings,
  releaseMoverLock,
  tryMoverLock,
  type OutboxRecord,
} from '../../store/sql-outbox.ts';
import { autoCreateTopic, TOPIC_COLLIDES } from '../auto-create.ts';
import { usesLogAppendTime } from '../topic-configs.ts';

export const SQL_OUTBOX_SERVICE = 'sql-outbox';

export interface MoverOptions {
  /** Outbox rows claimed per move transaction. */
  batchRecords: number;
  /** While asleep, look at the outbox this often anyway (a missed notification costs at most this). */
  idleCheckMs: number;
  /** How often a broker without the mover lock tries to take it. */
  lockRetryMs: number;
}

export const defaultMoverOptions: MoverOptions = { batchRecords: 5000, idleCheckMs: 1000, lockRetryMs: 1000 };

/** The broker's outbox mover, created (and started) on first use. */
export function sqlOutboxMover(broker: BrokerServices, options: Partial<MoverOptions> = {}): OutboxMover {
  return broker.service(SQL_OUTBOX_SERVICE, (b) => new OutboxMover(b, options));
}

type Reserved = Sql & { release(): void };

export class OutboxMover implements Service {
  readonly options: MoverOptions;
  readonly #broker: BrokerServices;
  #conn: Reserved | null = null;
  /** Backend pid of #conn while it holds the mover lock (null: not holding it). */
  #pid: number | null = null;
  /** The settings last written to kafka.sql_settings (JSON). */
  #published = '';
  /** The highest ticket whose rows are all moved (as far as this mover knows). */
  #movedUpTo = -1;
  #wake: (() => void) | null = null;
  #signalled = false;
  #closed = false;
  readonly #loop: Promise<void>;
  #unlisten: (() => Promise<void>) | null = null;
  /** Moves done by this broker (tests look at it). */
  moves = 0;

  constructor(broker: BrokerServices, options: Partial<MoverOptions> = {}) {
    this.#broker = broker;
    this.options = { ...defaultMoverOptions, ...options };
    this.#loop = this.#run();
  }

  /** Whether this broker holds the mover lock. */
  get active(): boolean {
    return this.#pid !== null;
  }

  #signal(): void {
    this.#signalled = true;
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  /** Waits up to `ms`, or until a notification (or close) comes. */
  #sleep(ms: number): Promise<void> {
    if (this.#signalled || this.#closed) {
      this.#signalled = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = null;
        resolve();
      }, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    }).then(() => {
      this.#signalled = false;
    });
  }

  async #run(): Promise<void> {
    const broker = this.#broker;
    try {
      const sub = await broker.store.sql.listen(OUTBOX_CHANNEL, () => this.#signal(), () => this.#signal());
      this.#unlisten = () => sub.unlisten();
    } catch (err) {
      broker.log.warn('sql outbox: could not listen for sends (checking every idle interval instead)', { err: err as Error });
    }
    let sleeping = false;
    while (!this.#closed && !broker.isClosing) {
      try {
        if (this.#pid === null && !(await this.#acquire())) {
          await this.#sleep(this.options.lockRetryMs);
          continue;
        }
        const moved = await this.#drain(sleeping);
        if (moved > 0) {
          sleeping = false;
        } else if (!sleeping) {
          sleeping = true; // nothing found awake: mark asleep (sends notify from now on) and look once more
        } else {
          await this.#sleep(this.options.idleCheckMs);
          sleeping = false;
        }
      } catch (err) {
        if (this.#closed || broker.isClosing) break;
        const timeout = (err as { code?: string }).code === '55P03';
        broker.log.warn(timeout ? 'sql outbox: a sending transaction holds its commit open (SET CONSTRAINTS or PREPARE TRANSACTION?); retrying' : 'sql outbox: move failed; retrying', { err: err as Error });
        if (!timeout) await this.#drop();
        await this.#sleep(this.options.lockRetryMs);
      }
    }
  }

  /** Takes the mover lock on a reserved connection; false when another broker holds it. */
  async #acquire(): Promise<boolean> {
    const broker = this.#broker;
    this.#conn ??= (await broker.store.sql.reserve()) as unknown as Reserved;
    const pid = await tryMoverLock(this.#conn);
    if (pid === null) return false;
    this.#pid = pid;
    this.#movedUpTo = -1;
    this.#published = '';
    await this.#publish();
    broker.log.info('sql outbox: this broker moves kafka.send records', { nodeId: broker.config.nodeId });
    return true;
  }

  /** Writes the settings kafka.send reads (as in force now: dynamic broker configs included) when they changed. */
  async #publish(): Promise<void> {
    const broker = this.#broker;
    const value = (name: string, fallback: string) => broker.settings.brokerConfigValue(name) ?? fallback;
    const c = broker.config;
    const settings = {
      autoCreateTopics: value('auto.create.topics.enable', String(c.autoCreateTopics)) === 'true',
      defaultPartitions: Number(value('num.partitions', String(c.defaultPartitions))),
      messageMaxBytes: Number(value('message.max.bytes', String(c.messageMaxBytes))),
      nodeId: c.nodeId,
    };
    const json = JSON.stringify(settings);
    if (json === this.#published) return;
    await publishSqlSettings(this.#conn!, settings);
    this.#published = json;
  }

  /** Gives up the connection (and with it the lock). */
  async #drop(): Promise<void> {
    const conn = this.#conn;
    this.#conn = null;
    this.#pid = null;
    if (!conn) return;
    await releaseMoverLock(conn).catch(() => {});
    conn.release();
  }

  /** Barrier, then every move up to its ticket; returns the records moved. */
  async #drain(sleeping: boolean): Promise<number> {
    const upTo = await outboxBarrier(this.#conn!, sleeping);
    let total = 0;
    while (upTo > this.#movedUpTo && !this.#closed) {
      const moved = await this.#moveOnce(upTo);
      total += moved;
      if (moved < this.options.batchRecords) break;
    }
    return total;
  }

  async #moveOnce(upTo: number): Promise<number> {
    const broker = this.#broker;
    const limit = this.options.batchRecords;
    const { moved, forgotten } = await broker.store.appendInTransaction(broker.store.sql, async (tx, append) => {
      const rows = await claimOutbox(tx, upTo, limit);
      if (rows === null) return { moved: 0, forgotten: -1 }; // another broker's move is running
      const forgotten = rows.length < limit ? upTo : rows[rows.length - 1].ticket - 1;
      if (rows.length > 0) {
        const parts = await this.#parts(rows);
        if (parts.length > 0) await append(parts);
      }
      await forgetTickets(tx, forgotten);
      return { moved: rows.length, forgotten };
    });
    this.#movedUpTo = Math.max(this.#movedUpTo, forgotten);
    if (moved > 0) this.moves++;
    return moved;
  }

  /** The claimed rows as appends, one batch per partition, in claim order. */
  async #parts(rows: OutboxRecord[]): Promise<PartitionAppend[]> {
    const broker = this.#broker;
    const names = [...new Set(rows.map((r) => r.topic))];
    const topics = await broker.store.getTopics(names);
    for (const name of names) {
      if (topics.has(name)) continue;
      const created = broker.config.autoCreateTopics ? await autoCreateTopic(broker, name, 'kafka.send') : undefined;
      if (created && created !== TOPIC_COLLIDES) topics.set(name, created);
    }
    const now = Date.now();
    const parts = new Map<string, PartitionAppend>();
    const dropped = new Map<string, number>();
    for (const row of rows) {
      const topic: Topic | undefined = topics.get(row.topic);
      if (!topic) {
        dropped.set(row.topic, (dropped.get(row.topic) ?? 0) + 1);
        continue;
      }
      // The partition was chosen at send time; a topic (re)created with fewer partitions since gets it modulo.
      const partition = row.partition < topic.partitions ? row.partition : row.partition % topic.partitions;
      const key = `${topic.id}:${partition}`;
      let part = parts.get(key);
      if (!part) {
        const logAppend = usesLogAppendTime(topic.configs, broker.settings);
        part = {
          topic,
          partition,
          batches: [{ attributes: logAppend ? BatchAttributes.timestampType : 0, baseTimestamp: row.timestamp, producerId: -1, producerEpoch: -1, baseSequence: -1, records: [] }],
          ...(logAppend ? { logAppendTime: now } : {}),
        };
        parts.set(key, part);
      }
      const batch = part.batches[0];
      const record: KafkaRecord = {
        attributes: 0,
        timestampDelta: row.timestamp - batch.baseTimestamp,
        offsetDelta: batch.records.length,
        key: row.key,
        value: row.value,
        headers: (row.headerKeys ?? []).map((k, i) => ({ key: k, value: row.headerValues?.[i] ?? null })),
      };
      batch.records.push(record);
    }
    for (const [topic, n] of dropped) broker.log.warn('sql outbox: records for a topic that no longer exists were dropped', { topic, records: n });
    return [...parts.values()];
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#signal();
    await this.#loop.catch(() => {});
    await this.#unlisten?.().catch(() => {});
    await this.#drop();
  }
}
