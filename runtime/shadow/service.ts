// Shadow mode's forwarding service (only created when --shadow-bootstrap-servers is set): for every partition of a
// topic whose shadow.mode is dual-write or external-only, one forwarder — on one broker at a time, by a lease in
// kafka.shadow_positions — reads the log from the partition's forwarded position up to the last stable offset (the
// store's read path, as a read_committed Fetch), leaves out control records, aborted transactions and what the
// percent dial holds back, and sends the rest with an idempotent kafkajs producer (acks=all, one request in flight)
// to the same partition of the external twin, key, value, headers and timestamp as they are. The position moves
// with the offset mapping in one transaction after the external cluster acknowledged. Appends wake the forwarder; a
// poll every second is the fallback. While the external cluster is unreachable it retries with backoff (local
// produce goes on); a record refused for a reason other than unavailability is parked and skipped. In
// external-only mode the log start offset follows the forwarded position (the rows go in chunks). Produce in
// shadow.acks=sync waits for the forwarded position (waitForwarded). Group offsets are synced by group-sync.ts.

import { Buffer } from 'node:buffer';
import type kafkajs from 'kafkajs';
import type { BrokerServices, Service } from '../context.ts';
import type { Topic } from '../../store/types.ts';
import { abortedTransactionsIn } from '../../store/producers.ts';
import { deleteBelowLogStart } from '../../store/retention.ts';
import {
  advanceLogStartToForwarded,
  claimShadowPartition,
  forwardedOffset,
  parkRecord,
  releaseShadowPartition,
  saveForwarded,
  setShadowState,
  shadowStatus,
  type ForwardedRun,
} from '../../store/shadow.ts';
import { Counter, Gauge } from '../metrics.ts';
import { topicConfigValue } from '../topic-configs.ts';
import { externalKafka } from './client.ts';
import { recordsToForward } from './select.ts';
import { syncGroupOffsets } from './group-sync.ts';

export const SHADOW_SERVICE = 'shadow';

export interface ShadowOptions {
  /** How long a partition lease lasts without renewal (another broker takes over after it). */
  leaseMs: number;
  /** Fallback poll when no append wakes a forwarder. */
  pollMs: number;
  /** Bytes of records read (and sent) per batch. */
  batchBytes: number;
}

const DEFAULTS: ShadowOptions = { leaseMs: 15000, pollMs: 1000, batchBytes: 1 << 20 };

/** Error types of the external cluster that retrying will not fix: the record is parked. */
const PARK_TYPES = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE', 'TOPIC_AUTHORIZATION_FAILED', 'INVALID_TIMESTAMP', 'INVALID_REQUIRED_ACKS']);

/** The broker's shadow service, or null when no external cluster is configured. */
export function shadowService(broker: BrokerServices): ShadowService | null {
  if (!broker.config.shadowBootstrapServers) return null;
  return broker.service(SHADOW_SERVICE, (b) => new ShadowService(b));
}

export function isShadowed(topic: Topic): boolean {
  const mode = topic.configs['shadow.mode'];
  return mode === 'dual-write' || mode === 'external-only';
}

export function externalTopicName(topic: Topic): string {
  return topic.configs['shadow.external.topic'] || topic.name;
}

function errorType(err: unknown): string | null {
  for (let e = err as { type?: string; cause?: unknown; originalError?: unknown } | undefined, i = 0; e && i < 5; i++) {
    if (typeof e.type === 'string' && e.type !== 'UNKNOWN') return e.type;
    e = (e.cause ?? e.originalError) as typeof e;
  }
  return null;
}

const key = (topicId: number, partition: number) => `${topicId}:${partition}`;
const sleep = (ms: number, signal: { wake?: () => void }) => new Promise<void>((resolve) => {
  const t = setTimeout(resolve, ms);
  signal.wake = () => {
    clearTimeout(t);
    resolve();
  };
});

export class ShadowService implements Service {
  readonly options: ShadowOptions;
  readonly #broker: BrokerServices;
  readonly #kafka: kafkajs.Kafka;
  readonly #producer: kafkajs.Producer;
  readonly #admin: kafkajs.Admin;
  #connected: Promise<void> | null = null;
  readonly #forwarders = new Map<string, Forwarder>();
  readonly #waiters = new Map<string, Set<{ offset: number; resolve: () => void }>>();
  readonly #externalPartitions = new Map<string, { count: number | null; at: number }>();
  #timer: ReturnType<typeof setInterval>;
  #unlisten: () => void;
  #closed = false;
  #ticking = false;
  #lastGroupSync = 0;
  readonly forwardedRecords: Counter;
  readonly forwardedBytes: Counter;
  readonly errors: Counter;
  readonly parked: Counter;
  readonly #lag = new Map<string, number>();

  constructor(broker: BrokerServices, options: Partial<ShadowOptions> = {}) {
    this.#broker = broker;
    this.options = { ...DEFAULTS, ...options };
    this.#kafka = externalKafka(broker.config, broker.log);
    this.#producer = this.#kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    this.#admin = this.#kafka.admin();
    const reg = broker.metrics.registry;
    this.forwardedRecords = reg.register(new Counter('pgkafka_shadow_forwarded_records_total', 'Records forwarded to the external cluster, by topic.', ['topic']));
    this.forwardedBytes = reg.register(new Counter('pgkafka_shadow_forwarded_bytes_total', 'Key, value and header bytes forwarded to the external cluster, by topic.', ['topic']));
    this.errors = reg.register(new Counter('pgkafka_shadow_errors_total', 'Failed sends to the external cluster, by topic.', ['topic']));
    this.parked = reg.register(new Counter('pgkafka_shadow_parked_records_total', 'Records parked after a non-retriable error, by topic.', ['topic']));
    reg.register(new Gauge('pgkafka_shadow_lag_records', 'Records not yet forwarded, by topic (partitions this broker forwards).', ['topic'], (g) => {
      const byTopic = new Map<string, number>();
      for (const [name, lag] of this.#lag) byTopic.set(name.slice(0, name.lastIndexOf(':')), (byTopic.get(name.slice(0, name.lastIndexOf(':'))) ?? 0) + lag);
      for (const [topic, lag] of byTopic) g.with(topic).set(lag);
    }));
    this.#unlisten = broker.store.onAppend((topicId, partition) => this.#forwarders.get(key(topicId, partition))?.wake());
    this.#timer = setInterval(() => void this.tick(), this.options.pollMs);
    void this.tick();
  }

  /** Connects the producer and admin client (again after a failure). */
  connect(): Promise<void> {
    this.#connected ??= Promise.all([this.#producer.connect(), this.#admin.connect()]).then(() => {}, (err: unknown) => {
      this.#connected = null;
      throw err;
    });
    return this.#connected;
  }

  /** Starts forwarders for shadowed partitions it can claim, stops those no longer shadowed; syncs group offsets. */
  async tick(): Promise<void> {
    if (this.#ticking || this.#closed) return;
    this.#ticking = true;
    try {
      const topics = (await this.#broker.store.listTopics()).filter(isShadowed);
      const wanted = new Set<string>();
      for (const topic of topics) {
        for (let p = 0; p < topic.partitions; p++) {
          const k = key(topic.id, p);
          wanted.add(k);
          const f = this.#forwarders.get(k);
          if (f) f.topic = topic;
          else {
            const pos = await claimShadowPartition(this.#broker.store.sql, topic.id, p, this.#broker.info.nodeId, this.options.leaseMs);
            if (pos) this.#startForwarder(topic, p);
          }
        }
      }
      for (const [k, f] of this.#forwarders) if (!wanted.has(k)) f.stop();
      if (this.#broker.config.shadowSyncGroupOffsets && Date.now() - this.#lastGroupSync >= 2000) {
        this.#lastGroupSync = Date.now();
        await this.connect();
        await syncGroupOffsets(this.#broker.store.sql, this.#kafka, topics, this.#broker.log);
      }
    } catch (err) {
      this.#broker.log.debug('shadow tick failed', { err: err as Error });
    } finally {
      this.#ticking = false;
    }
  }

  #startForwarder(topic: Topic, partition: number): void {
    const f = new Forwarder(this, this.#broker, topic, partition);
    const k = key(topic.id, partition);
    this.#forwarders.set(k, f);
    void f.run().catch((err: unknown) => this.#broker.log.warn('shadow forwarder failed', { topic: topic.name, partition, err: err as Error })).finally(() => {
      if (this.#forwarders.get(k) === f) this.#forwarders.delete(k);
      this.#lag.delete(`${topic.name}:${partition}`);
    });
  }

  /** Partitions count of the external twin (cached 10 s); null when it does not exist. */
  async externalPartitions(name: string): Promise<number | null> {
    const cached = this.#externalPartitions.get(name);
    if (cached && Date.now() - cached.at < 10000) return cached.count;
    await this.connect();
    let count: number | null;
    try {
      const meta = await this.#admin.fetchTopicMetadata({ topics: [name] });
      count = meta.topics[0]?.partitions.length ?? null;
    } catch (err) {
      if (errorType(err) !== 'UNKNOWN_TOPIC_OR_PARTITION') throw err;
      count = null;
    }
    this.#externalPartitions.set(name, { count, at: Date.now() });
    return count;
  }

  /** Sends one partition's records; the external base offset. */
  async send(topic: string, partition: number, messages: kafkajs.Message[]): Promise<number> {
    await this.connect();
    const [meta] = await this.#producer.send({ topic, acks: -1, messages: messages.map((m) => ({ ...m, partition })) });
    return Number(meta.baseOffset);
  }

  setLag(topic: string, partition: number, lag: number): void {
    this.#lag.set(`${topic}:${partition}`, lag);
  }

  /** The forwarded position moved (on this broker): sync produces waiting for it go on. */
  forwarded(topicId: number, partition: number, offset: number): void {
    const set = this.#waiters.get(key(topicId, partition));
    if (!set) return;
    for (const w of set) if (w.offset <= offset) {
      set.delete(w);
      w.resolve();
    }
  }

  /**
   * Resolves true once the partition's forwarded position reaches `offset` (every record below it forwarded,
   * filtered out or parked), false after timeoutMs. Another broker may be the forwarder: the position is polled too.
   */
  async waitForwarded(topicId: number, partition: number, offset: number, timeoutMs: number): Promise<boolean> {
    this.#forwarders.get(key(topicId, partition))?.wake();
    const k = key(topicId, partition);
    let set = this.#waiters.get(k);
    if (!set) this.#waiters.set(k, (set = new Set()));
    let done = false;
    const waiter = { offset, resolve: (): void => {
      done = true;
    } };
    set.add(waiter);
    const deadline = Date.now() + timeoutMs;
    try {
      while (!done && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, Math.min(100, Math.max(0, deadline - Date.now())));
          waiter.resolve = () => {
            done = true;
            clearTimeout(t);
            resolve();
          };
        });
        if (!done) {
          const pos = await forwardedOffset(this.#broker.store.sql, topicId, partition);
          if (pos !== null && pos >= offset) done = true;
        }
      }
      return done;
    } finally {
      set.delete(waiter);
    }
  }

  status(topic?: string) {
    return shadowStatus(this.#broker.store.sql, topic);
  }

  get closed(): boolean {
    return this.#closed;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#unlisten();
    const running = [...this.#forwarders.values()];
    for (const f of running) f.stop();
    await Promise.all(running.map((f) => f.done));
    await Promise.allSettled([this.#producer.disconnect(), this.#admin.disconnect()]);
  }
}

/** One partition's forwarding loop, while this broker holds its lease. */
class Forwarder {
  topic: Topic;
  readonly partition: number;
  readonly #service: ShadowService;
  readonly #broker: BrokerServices;
  #stopped = false;
  #woken = false;
  readonly #sleeper: { wake?: () => void } = {};
  /** Send one record at a time below this offset (after a batch was refused as a whole). */
  #singleUntil = -1;
  done: Promise<void> = Promise.resolve();

  constructor(service: ShadowService, broker: BrokerServices, topic: Topic, partition: number) {
    this.#service = service;
    this.#broker = broker;
    this.topic = topic;
    this.partition = partition;
  }

  wake(): void {
    this.#woken = true;
    this.#sleeper.wake?.();
  }

  stop(): void {
    this.#stopped = true;
    this.wake();
  }

  async #pause(ms: number): Promise<void> {
    if (this.#woken) {
      this.#woken = false;
      return;
    }
    await sleep(ms, this.#sleeper);
    this.#woken = false;
  }

  run(): Promise<void> {
    this.done = this.#loop();
    return this.done;
  }

  async #loop(): Promise<void> {
    const sql = this.#broker.store.sql;
    const node = this.#broker.info.nodeId;
    const { leaseMs, pollMs, batchBytes } = this.#service.options;
    let backoff = 100;
    try {
      while (!this.#stopped && !this.#service.closed) {
        const topic = this.topic;
        const pos = await claimShadowPartition(sql, topic.id, this.partition, node, leaseMs);
        if (!pos) return; // another broker took the partition over
        if (pos.paused) {
          await this.#pause(pollMs);
          continue;
        }
        const external = externalTopicName(topic);
        try {
          const count = await this.#service.externalPartitions(external);
          const problem = count === null
            ? `external topic ${external} does not exist`
            : count < topic.partitions ? `external topic ${external} has ${count} partitions, fewer than the ${topic.partitions} of ${topic.name}: not forwarding` : null;
          if (problem) {
            await setShadowState(sql, topic.id, this.partition, node, 'failed', problem);
            await this.#pause(Math.max(pollMs, 2000));
            continue;
          }
          const offsets = await this.#broker.store.offsets(topic, this.partition);
          const end = offsets.lastStableOffset ?? offsets.highWatermark;
          const from = Math.max(pos.forwardedOffset, offsets.logStartOffset);
          this.#service.setLag(topic.name, this.partition, Math.max(0, offsets.highWatermark - from));
          if (from >= end) {
            if (from > pos.forwardedOffset) await saveForwarded(sql, { topicId: topic.id, partition: this.partition, node, expected: pos.forwardedOffset, nextOffset: from, runs: [], records: 0, bytes: 0, lastTimestamp: null });
            this.#service.forwarded(topic.id, this.partition, from);
            await this.#externalOnly(topic);
            await this.#pause(pollMs);
            continue;
          }
          const single = from < this.#singleUntil;
          const records = await this.#broker.store.read(topic, this.partition, { fromOffset: from, maxBytes: single ? 1 : batchBytes, toOffset: end });
          const readEnd = records.length > 0 ? (single ? records[0].offset + 1 : records[records.length - 1].offset + 1) : end;
          const batch = single ? records.slice(0, 1) : records;
          const aborted = await abortedTransactionsIn(sql, topic.id, this.partition, from, readEnd);
          const percent = Number(topicConfigValue(topic.configs, 'shadow.forward.percent', this.#broker.settings));
          const chosen = recordsToForward(batch, aborted, percent);
          const runs: ForwardedRun[] = [];
          let bytes = 0;
          if (chosen.length > 0) {
            const messages: kafkajs.Message[] = chosen.map((r) => {
              const headers: kafkajs.IHeaders = {};
              r.headerKeys?.forEach((k, i) => {
                const v = r.headerValues?.[i];
                const value = v === null || v === undefined ? (null as unknown as Buffer) : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
                const had = headers[k];
                headers[k] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had as Buffer, value];
                bytes += k.length + (v?.length ?? 0);
              });
              bytes += (r.key?.length ?? 0) + (r.value?.length ?? 0);
              return {
                key: r.key === null ? null : Buffer.from(r.key.buffer, r.key.byteOffset, r.key.byteLength),
                value: r.value === null ? null : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength),
                headers,
                timestamp: String(r.timestamp),
              };
            });
            let base: number;
            try {
              base = await this.#service.send(external, this.partition, messages);
            } catch (err) {
              const type = errorType(err);
              if (type !== null && PARK_TYPES.has(type)) {
                if (chosen.length > 1) {
                  this.#singleUntil = readEnd; // find the culprit: one record at a time through this range
                  continue;
                }
                await parkRecord(sql, topic.id, this.partition, chosen[0].offset, `${type}: ${(err as Error).message}`);
                this.#service.parked.with(topic.name).inc();
                await saveForwarded(sql, { topicId: topic.id, partition: this.partition, node, expected: pos.forwardedOffset, nextOffset: readEnd, runs: [], records: 0, bytes: 0, lastTimestamp: null });
                continue;
              }
              throw err;
            }
            for (let i = 0; i < chosen.length; i++) {
              const last = runs[runs.length - 1];
              if (last && chosen[i].offset === last.localLast + 1) last.localLast = chosen[i].offset;
              else runs.push({ localFirst: chosen[i].offset, localLast: chosen[i].offset, externalBase: base + i });
            }
          }
          const saved = await saveForwarded(sql, {
            topicId: topic.id,
            partition: this.partition,
            node,
            expected: pos.forwardedOffset,
            nextOffset: readEnd,
            runs,
            records: chosen.length,
            bytes,
            lastTimestamp: chosen.length > 0 ? chosen[chosen.length - 1].timestamp : null,
          });
          if (!saved) continue; // lease lost (the next claim says so) or a replay moved the position
          backoff = 100;
          this.#service.forwardedRecords.with(topic.name).inc(chosen.length);
          this.#service.forwardedBytes.with(topic.name).inc(bytes);
          this.#service.forwarded(topic.id, this.partition, readEnd);
          this.#service.setLag(topic.name, this.partition, Math.max(0, offsets.highWatermark - readEnd));
          await this.#externalOnly(topic);
        } catch (err) {
          if (this.#stopped || this.#service.closed) return;
          this.#service.errors.with(topic.name).inc();
          const message = `${errorType(err) ?? 'error'}: ${(err as Error)?.message ?? String(err)}`;
          await setShadowState(sql, topic.id, this.partition, node, 'waiting for external', message).catch(() => {});
          this.#broker.log.debug('shadow forward failed, retrying', { topic: topic.name, partition: this.partition, backoffMs: backoff, error: message });
          await sleep(backoff, this.#sleeper);
          backoff = Math.min(backoff * 2, 10000);
        }
      }
    } finally {
      await releaseShadowPartition(sql, this.topic.id, this.partition, node).catch(() => {});
    }
  }

  /** external-only: what the external cluster acknowledged is no longer kept here. */
  async #externalOnly(topic: Topic): Promise<void> {
    if (topic.configs['shadow.mode'] !== 'external-only') return;
    const sql = this.#broker.store.sql;
    await advanceLogStartToForwarded(sql, topic.id, this.partition);
    await deleteBelowLogStart(sql, topic.id, this.partition);
  }
}
