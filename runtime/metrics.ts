// Metrics: a tiny registry of counters, gauges and histograms rendered in Prometheus text format 0.0.4, and the
// broker's own metrics (BrokerMetrics, `ctx.broker.metrics`). A label set is resolved once to a series that the
// caller keeps, so counting on the hot path is a number increment: no lookup, no string, no allocation.
// Beside pgkafka_* names, the names Kafka's own metrics have under the Prometheus JMX exporter
// (kafka_server_brokertopicmetrics_*, kafka_network_requestmetrics_*), and at scrape time, from one PostgreSQL
// query, those of kafka_exporter (kafka_consumergroup_lag, kafka_topic_partition_current_offset, ...), so that
// dashboards built for Kafka work.

import process from 'node:process';

/** The Content-Type of `MetricsRegistry.render()`. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type MetricType = 'counter' | 'gauge' | 'histogram';

interface Metric {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  render(out: string[]): void;
}

/** One label set of a counter or gauge: its rendered `{a="x",b="y"}` part and its value. */
export class Series {
  readonly labels: string;
  value = 0;
  constructor(labels: string) {
    this.labels = labels;
  }
  inc(n = 1): void {
    this.value += n;
  }
  set(v: number): void {
    this.value = v;
  }
}

export type CounterSeries = Pick<Series, 'inc' | 'value'>;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labelText(names: readonly string[], values: readonly string[], extra = ''): string {
  const parts = names.map((n, i) => `${n}="${escapeLabel(values[i] ?? '')}"`);
  if (extra) parts.push(extra);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function num(v: number): string {
  return Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v);
}

/** A counter or gauge: its series by label values (the unlabelled one when it has no label names). */
class Scalar implements Metric {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly labelNames: readonly string[];
  readonly #series = new Map<string, Series>();
  readonly #plain: Series | null;

  constructor(type: MetricType, name: string, help: string, labelNames: readonly string[]) {
    this.type = type;
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
    this.#plain = labelNames.length === 0 ? this.with() : null;
  }

  /** The series of these label values (created at 0 on first use). Keep it: this call builds a key. */
  with(...values: string[]): Series {
    if (values.length !== this.labelNames.length) throw new Error(`${this.name} takes labels ${this.labelNames.join(', ')}`);
    const key = values.join('\u0000');
    let s = this.#series.get(key);
    if (!s) {
      s = new Series(labelText(this.labelNames, values));
      this.#series.set(key, s);
    }
    return s;
  }

  /** The unlabelled series. */
  protected get plain(): Series {
    if (!this.#plain) throw new Error(`${this.name} has labels: use with()`);
    return this.#plain;
  }

  get value(): number {
    return this.plain.value;
  }

  /** Drops every labelled series (for gauges refilled at each scrape). */
  clear(): void {
    if (this.labelNames.length > 0) this.#series.clear();
  }

  render(out: string[]): void {
    for (const s of this.#series.values()) out.push(`${this.name}${s.labels} ${num(s.value)}`);
  }
}

export class Counter extends Scalar {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super('counter', name, help, labelNames);
  }
  /** Adds to the unlabelled counter. */
  inc(n = 1): void {
    this.plain.inc(n);
  }
}

export class Gauge extends Scalar {
  readonly #collect: ((gauge: Gauge) => void) | undefined;
  /** `collect` runs at each scrape, before rendering (for values cheaper to read then than to keep current). */
  constructor(name: string, help: string, labelNames: readonly string[] = [], collect?: (gauge: Gauge) => void) {
    super('gauge', name, help, labelNames);
    this.#collect = collect;
  }
  override render(out: string[]): void {
    this.#collect?.(this);
    super.render(out);
  }
  set(v: number): void {
    this.plain.set(v);
  }
  inc(n = 1): void {
    this.plain.inc(n);
  }
}

export class HistogramSeries {
  readonly labelValues: readonly string[];
  /** Observations per bucket (not cumulative); the last slot is above the highest bound. */
  readonly counts: Float64Array;
  readonly #bounds: readonly number[];
  sum = 0;
  count = 0;
  constructor(bounds: readonly number[], labelValues: readonly string[]) {
    this.#bounds = bounds;
    this.labelValues = labelValues;
    this.counts = new Float64Array(bounds.length + 1);
  }
  observe(v: number): void {
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && v > bounds[i]) i++;
    this.counts[i]++;
    this.sum += v;
    this.count++;
  }
}

export class Histogram implements Metric {
  readonly type = 'histogram';
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly bounds: readonly number[];
  readonly #series = new Map<string, HistogramSeries>();

  constructor(name: string, help: string, labelNames: readonly string[], bounds: readonly number[]) {
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
    this.bounds = [...bounds].sort((a, b) => a - b);
  }

  /** The series of these label values. Keep it: this call builds a key. */
  with(...values: string[]): HistogramSeries {
    if (values.length !== this.labelNames.length) throw new Error(`${this.name} takes labels ${this.labelNames.join(', ')}`);
    const key = values.join('\u0000');
    let s = this.#series.get(key);
    if (!s) {
      s = new HistogramSeries(this.bounds, values);
      this.#series.set(key, s);
    }
    return s;
  }

  render(out: string[]): void {
    for (const s of this.#series.values()) {
      let cumulative = 0;
      for (let i = 0; i <= this.bounds.length; i++) {
        cumulative += s.counts[i];
        const le = i < this.bounds.length ? num(this.bounds[i]) : '+Inf';
        out.push(`${this.name}_bucket${labelText(this.labelNames, s.labelValues, `le="${le}"`)} ${cumulative}`);
      }
      const labels = labelText(this.labelNames, s.labelValues);
      out.push(`${this.name}_sum${labels} ${num(s.sum)}`, `${this.name}_count${labels} ${s.count}`);
    }
  }
}

export class MetricsRegistry {
  readonly #metrics = new Map<string, Metric>();

  register<M extends Metric>(metric: M): M {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(metric.name)) throw new Error(`invalid metric name ${metric.name}`);
    if (this.#metrics.has(metric.name)) throw new Error(`metric ${metric.name} is registered twice`);
    this.#metrics.set(metric.name, metric);
    return metric;
  }

  /** Every metric in Prometheus text format 0.0.4, in registration order. */
  render(): string {
    const out: string[] = [];
    for (const m of this.#metrics.values()) {
      out.push(`# HELP ${m.name} ${m.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${m.name} ${m.type}`);
      m.render(out);
    }
    return out.join('\n') + '\n';
  }
}

/** The series one API at one version counts into (resolved once per api key and version, then cached). */
export interface RequestSeries {
  readonly requests: CounterSeries;
  readonly errors: CounterSeries;
  readonly duration: HistogramSeries;
  /** Kafka's names: kafka_network_requestmetrics_requests_total and _totaltimems (milliseconds), by request. */
  readonly kafkaRequests: CounterSeries;
  readonly kafkaTotalTimeMs: HistogramSeries;
}

/** Kafka's BrokerTopicMetrics of one topic. */
export interface TopicSeries {
  readonly bytesIn: CounterSeries;
  readonly bytesOut: CounterSeries;
  readonly messagesIn: CounterSeries;
  readonly totalProduceRequests: CounterSeries;
  readonly failedProduceRequests: CounterSeries;
  readonly totalFetchRequests: CounterSeries;
  readonly failedFetchRequests: CounterSeries;
}

/** What the kafka_exporter-style gauges show, read at scrape time (store/metrics-snapshot.ts, one query). */
export interface OffsetsSnapshot {
  partitions: { topic: string; partition: number; oldest: number; current: number }[];
  topics: { topic: string; partitions: number }[];
  groups: { group: string; topic: string; partition: number; committed: number; highWatermark: number }[];
}

/** Upper bounds of Kafka-named request time histogram, in milliseconds. */
export const REQUEST_TIME_MS_BUCKETS = [1, 5, 25, 100, 500, 1000, 5000, 30000] as const;

/** Upper bounds of the request duration histogram, in seconds (long-poll fetches land in the top buckets). */
export const REQUEST_DURATION_BUCKETS = [0.001, 0.005, 0.025, 0.1, 0.5, 1, 5, 30] as const;

export interface BrokerMetricsOptions {
  /** Open client connections, read at scrape time. */
  openConnections?: () => number;
  /** The live brokers, read at scrape time (kafka_broker_info). */
  brokers?: () => { nodeId: number; host: string; port: number }[];
}

/** The broker's metrics: what the connection layer and handlers count, and process memory read at scrape time. */
export class BrokerMetrics {
  readonly registry = new MetricsRegistry();
  readonly requests = this.registry.register(new Counter('pgkafka_requests_total', 'Kafka requests received, by API and version.', ['api', 'version']));
  readonly requestErrors = this.registry.register(new Counter('pgkafka_request_errors_total', 'Requests whose handler failed (the connection is then closed), by API.', ['api']));
  readonly requestDuration = this.registry.register(new Histogram(
    'pgkafka_request_duration_seconds',
    'Time from a request being read to its response being ready, by API.',
    ['api'],
    REQUEST_DURATION_BUCKETS,
  ));
  readonly connectionsOpen: Gauge;
  readonly connectionsClosed = this.registry.register(new Counter('pgkafka_connections_closed_total', 'Client connections closed, by reason (client, shutdown, or the error that closed them).', ['reason']));
  readonly recordsProduced = this.registry.register(new Counter('pgkafka_records_produced_total', 'Records appended by Produce requests (duplicates not counted).'));
  readonly recordsFetched = this.registry.register(new Counter('pgkafka_records_fetched_total', 'Records sent to consumers by Fetch requests (by offset: transaction markers included).'));
  readonly saslAuthenticationFailures = this.registry.register(new Counter('pgkafka_sasl_authentication_failures_total', 'Failed SASL authentications (wrong credentials, unknown users, malformed exchanges), by mechanism.', ['mechanism']));
  readonly #byApi: (RequestSeries | undefined)[][] = [];

  // Kafka's names (JMX exporter style).
  readonly #kafkaRequests = this.registry.register(new Counter('kafka_network_requestmetrics_requests_total', 'Requests received, by request type (Kafka RequestMetrics RequestsPerSec).', ['request']));
  readonly #kafkaTotalTime = this.registry.register(new Histogram(
    'kafka_network_requestmetrics_totaltimems',
    'Time from a request being read to its response being ready, in milliseconds, by request type (Kafka RequestMetrics TotalTimeMs).',
    ['request'],
    REQUEST_TIME_MS_BUCKETS,
  ));
  readonly #topicCounters = {
    bytesIn: this.#topicCounter('bytesin', 'Bytes of record batches appended by Produce, by topic (BytesInPerSec).'),
    bytesOut: this.#topicCounter('bytesout', 'Bytes of record batches sent by Fetch, by topic (BytesOutPerSec).'),
    messagesIn: this.#topicCounter('messagesin', 'Records appended by Produce, by topic (MessagesInPerSec).'),
    totalProduceRequests: this.#topicCounter('totalproducerequests', 'Produce requests, counted per partition, by topic (TotalProduceRequestsPerSec).'),
    failedProduceRequests: this.#topicCounter('failedproducerequests', 'Produce requests answered with an error, counted per partition, by topic (FailedProduceRequestsPerSec).'),
    totalFetchRequests: this.#topicCounter('totalfetchrequests', 'Fetch requests, counted per partition, by topic (TotalFetchRequestsPerSec).'),
    failedFetchRequests: this.#topicCounter('failedfetchrequests', 'Fetch requests answered with an error, counted per partition, by topic (FailedFetchRequestsPerSec).'),
  };
  readonly #byTopic = new Map<string, TopicSeries>();
  // kafka_exporter's names, filled at scrape time by collect().
  readonly #brokerInfo = this.registry.register(new Gauge('kafka_broker_info', 'Information about the live brokers (1 each).', ['address', 'id']));
  readonly #brokerCount = this.registry.register(new Gauge('kafka_brokers', 'Number of live brokers.'));
  readonly #topicPartitions = this.registry.register(new Gauge('kafka_topic_partitions', 'Number of partitions of the topic.', ['topic']));
  readonly #partitionCurrent = this.registry.register(new Gauge('kafka_topic_partition_current_offset', 'High watermark of the partition.', ['topic', 'partition']));
  readonly #partitionOldest = this.registry.register(new Gauge('kafka_topic_partition_oldest_offset', 'Log start offset of the partition.', ['topic', 'partition']));
  readonly #groupCurrent = this.registry.register(new Gauge('kafka_consumergroup_current_offset', 'Committed offset of the consumer group in the partition.', ['consumergroup', 'topic', 'partition']));
  readonly #groupLag = this.registry.register(new Gauge('kafka_consumergroup_lag', 'High watermark minus committed offset of the consumer group in the partition.', ['consumergroup', 'topic', 'partition']));
  readonly #brokers: (() => { nodeId: number; host: string; port: number }[]) | undefined;

  #topicCounter(name: string, help: string): Counter {
    return this.registry.register(new Counter(`kafka_server_brokertopicmetrics_${name}_total`, help, ['topic']));
  }

  constructor(options: BrokerMetricsOptions = {}) {
    const open = options.openConnections;
    this.#brokers = options.brokers;
    this.connectionsOpen = this.registry.register(new Gauge('pgkafka_connections_open', 'Open client connections.', [], open ? (g) => g.set(open()) : undefined));
    const memory = process.memoryUsage.bind(process);
    let heap = memory();
    this.registry.register(new Gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', [], (g) => {
      heap = memory();
      g.set(heap.rss);
    }));
    this.registry.register(new Gauge('nodejs_heap_size_used_bytes', 'JavaScript heap in use, in bytes.', [], (g) => g.set(heap.heapUsed)));
    this.registry.register(new Gauge('nodejs_heap_size_total_bytes', 'JavaScript heap allocated, in bytes.', [], (g) => g.set(heap.heapTotal)));
    this.registry.register(new Gauge('process_start_time_seconds', 'Start time of the process since the Unix epoch, in seconds.')).set(
      Math.round(Date.now() / 1000 - process.uptime()),
    );
  }

  /** The series of one API at one version (version -1: a version the broker does not serve, counted as "unsupported"). */
  request(apiKey: number, apiVersion: number, apiName: string): RequestSeries {
    const versions = (this.#byApi[apiKey] ??= []);
    const slot = apiVersion + 1; // -1 → 0
    let s = versions[slot];
    if (!s) {
      s = {
        requests: this.requests.with(apiName, apiVersion < 0 ? 'unsupported' : String(apiVersion)),
        errors: this.requestErrors.with(apiName),
        duration: this.requestDuration.with(apiName),
        kafkaRequests: this.#kafkaRequests.with(apiName),
        kafkaTotalTimeMs: this.#kafkaTotalTime.with(apiName),
      };
      versions[slot] = s;
    }
    return s;
  }

  /** Counts a closed connection (reasons are few: a fixed list plus "unsupported version of <api>"). */
  connectionClosed(reason: string): void {
    this.connectionsClosed.with(reason).inc();
  }

  /** Kafka's BrokerTopicMetrics of a topic. Keep it for the request: this call looks the topic up. */
  topic(name: string): TopicSeries {
    let s = this.#byTopic.get(name);
    if (!s) {
      const c = this.#topicCounters;
      s = {
        bytesIn: c.bytesIn.with(name),
        bytesOut: c.bytesOut.with(name),
        messagesIn: c.messagesIn.with(name),
        totalProduceRequests: c.totalProduceRequests.with(name),
        failedProduceRequests: c.failedProduceRequests.with(name),
        totalFetchRequests: c.totalFetchRequests.with(name),
        failedFetchRequests: c.failedFetchRequests.with(name),
      };
      this.#byTopic.set(name, s);
    }
    return s;
  }

  /** Replaces the scrape-time gauges with what `snapshot` shows (series of vanished partitions and groups go). */
  collect(snapshot: OffsetsSnapshot): void {
    for (const g of [this.#brokerInfo, this.#topicPartitions, this.#partitionCurrent, this.#partitionOldest, this.#groupCurrent, this.#groupLag]) g.clear();
    const brokers = this.#brokers?.() ?? [];
    this.#brokerCount.set(brokers.length);
    for (const b of brokers) this.#brokerInfo.with(`${b.host}:${b.port}`, String(b.nodeId)).set(1);
    for (const t of snapshot.topics) this.#topicPartitions.with(t.topic).set(t.partitions);
    for (const p of snapshot.partitions) {
      const partition = String(p.partition);
      this.#partitionCurrent.with(p.topic, partition).set(p.current);
      this.#partitionOldest.with(p.topic, partition).set(p.oldest);
    }
    for (const o of snapshot.groups) {
      const partition = String(o.partition);
      this.#groupCurrent.with(o.group, o.topic, partition).set(o.committed);
      this.#groupLag.with(o.group, o.topic, partition).set(Math.max(0, o.highWatermark - o.committed));
    }
  }

  /** Every metric in Prometheus text format 0.0.4. */
  render(): string {
    return this.registry.render();
  }
}
