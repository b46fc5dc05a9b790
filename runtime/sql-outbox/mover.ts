// The outbox mover: appends the records that SQL sessions sent with kafka.send (rows of kafka.outbox) to the log.
// Every broker on the database runs it (no reserved connection or session lock: postgres.js cannot keep a reserved
// connection across a PostgreSQL restart). Each move is ONE PostgreSQL transaction (on the pool) that takes a
// transaction-level advisory lock, deletes the rows it claims and appends them through the store's plain append
// path, so a record moves exactly once whatever happens and two moves never overlap. Rows are claimed in
// commit-ticket order (store/sql-api/outbox-sql.ts explains the tickets and the barrier) and appended in that order
// per partition. Awake, the loop looks again every pollMs; after idlePolls looks that found nothing it sleeps, and
// kafka.send's commit wakes it with a NOTIFY (sent only while the mover is marked asleep); asleep, it looks every
// idleCheckMs. Started by Broker.listen(), closed with the broker's services.

import type { BrokerServices, Service } from '../context.ts';
import type { KafkaRecord } from '../../codec/record-batch.ts';
import { BatchAttributes } from '../../codec/record-batch.ts';
import type { PartitionAppend, Topic } from '../../store/types.ts';
import type { Sql } from '../../store/db.ts';
import {
  claimOutbox,
  lastTicket,
  OUTBOX_CHANNEL,
  outboxBarrier,
  publishSqlSettings,
  type OutboxRecord,
} from '../../store/sql-outbox.ts';
import { autoCreateTopic, TOPIC_COLLIDES } from '../auto-create.ts';
import { usesLogAppendTime } from '../topic-configs.ts';

/** How long close() waits for a move under way to finish. */
const CLOSE_WAIT_MS = 2000;

export const SQL_OUTBOX_SERVICE = 'sql-outbox';

export interface MoverOptions {
  /** Outbox rows claimed per move transaction. */
  batchRecords: number;
  /** While asleep, look at the outbox this often anyway (a missed notification costs at most this). */
  idleCheckMs: number;
  /** Awake, look again this soon after finding nothing... */
  pollMs: number;
  /** ...this many times before going to sleep: a steady stream of sends keeps the mover awake, and then no send
   * pays for a NOTIFY (which serialises commits on PostgreSQL's notify lock). */
  idlePolls: number;
  /** How often a broker without the mover lock tries to take it. */
  lockRetryMs: number;
}

export const defaultMoverOptions: MoverOptions = { batchRecords: 5000, idleCheckMs: 1000, pollMs: 1, idlePolls: 100, lockRetryMs: 1000 };

/** The broker's outbox mover, created (and started) on first use. */
export function sqlOutboxMover(broker: BrokerServices, options: Partial<MoverOptions> = {}): OutboxMover {
  return broker.service(SQL_OUTBOX_SERVICE, (b) => new OutboxMover(b, options));
}


export class OutboxMover implements Service {
  readonly options: MoverOptions;
  readonly #broker: BrokerServices;
  /** This broker's node id while it moves (null: not started, or dropped after a failure). */
  #pid: number | null = null;
  /** The settings last written to kafka.sql_settings (JSON). */
  #published = '';
  /** The highest ticket whose rows are all moved (as far as this mover knows). */
  #movedUpTo = -1;
  /** Whether the flag in kafka.outbox_mover says awake (as this mover last set it). */
  #awake = false;
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
    let empty = 0;
    let timeouts = 0;
    while (!this.#closed && !broker.isClosing) {
      try {
        if (this.#pid === null && !(await this.#acquire())) {
          await this.#sleep(this.options.lockRetryMs);
          continue;
        }
        const moved = await this.#drain(sleeping);
        timeouts = 0;
        if (moved > 0) {
          sleeping = false;
          empty = 0;
        } else if (sleeping) {
          await this.#sleep(this.options.idleCheckMs);
          sleeping = false;
          empty = 0;
        } else if (++empty >= this.options.idlePolls) {
          sleeping = true; // mark asleep (sends notify from now on) and look once more
        } else {
          await this.#sleep(this.options.pollMs);
        }
      } catch (err) {
        if (this.#closed || broker.isClosing) break;
        if ((err as { code?: string }).code === '55P03') {
          // The barrier's lock timeout: a sender's commit took over 200 ms (a slow disk), or a transaction keeps its
          // commit-time trigger open (SET CONSTRAINTS ALL IMMEDIATE, PREPARE TRANSACTION). Try again soon, backing
          // off so that a stuck one does not keep other senders waiting behind the barrier.
          timeouts++;
          if (timeouts % 10 === 0) broker.log.warn('sql outbox: a sending transaction keeps its commit open; the mover waits for it', { attempts: timeouts });
          await this.#sleep(Math.min(1000, 10 * 2 ** Math.min(timeouts, 7)));
          continue;
        }
        broker.log.warn('sql outbox: move failed; retrying', { err: err as Error });
        await this.#drop();
        await this.#sleep(this.options.lockRetryMs);
      }
    }
  }

  /**
   * Starts moving. No connection is reserved and no session lock taken: postgres.js cannot keep a reserved
   * connection across a PostgreSQL restart (porsager/postgres#1208 crashes its write timer, and the connection stays
   * broken), so every broker on the database runs this loop, and what keeps moves apart is that each one is a single
   * transaction under a transaction-level advisory lock (claimOutbox): moves never overlap, a broker that finds the
   * lock taken skips its turn, and each record is moved once, in ticket order.
   */
  async #acquire(): Promise<boolean> {
    const broker = this.#broker;
    this.#pid = broker.config.nodeId;
    this.#movedUpTo = -1;
    this.#awake = false;
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
    await publishSqlSettings(this.#broker.store.sql, settings);
    this.#published = json;
  }

  /** Forgets what this broker knew of the outbox (it acquires again on the next round). */
  async #drop(): Promise<void> {
    this.#pid = null;
  }

  /**
   * Barrier, then every move up to its ticket; returns the records moved. Awake and with no ticket taken since the
   * last move, nothing is asked of the senders: the barrier (which makes committing senders wait an instant) is
   * skipped.
   */
  async #drain(sleeping: boolean): Promise<number> {
    if (!sleeping && this.#awake && (await lastTicket(this.#broker.store.sql)) <= this.#movedUpTo) return 0;
    const upTo = await outboxBarrier(this.#broker.store.sql, sleeping);
    this.#awake = !sleeping;
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
    const after = this.#movedUpTo;
    const { moved, forgotten } = await broker.store.appendInTransaction(broker.store.sql, async (tx, append) => {
      const claim = await claimOutbox(tx, after, upTo, limit);
      if (claim === null) return { moved: 0, forgotten: -1 }; // another broker's move is running
      if (claim.rows.length > 0) {
        const parts = await this.#parts(claim.rows);
        if (parts.length > 0) await append(parts);
      }
      return { moved: claim.rows.length, forgotten: claim.forgottenUpTo };
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
    // A loop waiting on the pool (sql.reserve() never settles once the pool has ended, e.g. after the database
    // was lost for good) must not hold the broker's shutdown: wait for it at most CLOSE_WAIT_MS.
    await Promise.race([this.#loop.catch(() => {}), new Promise((r) => setTimeout(r, CLOSE_WAIT_MS).unref?.())]);
    await this.#unlisten?.().catch(() => {});
    await this.#drop();
  }
}
