// Topic-level configuration: the Kafka topic settings pg-kafka knows, with Kafka's default, type, a one-line
// description, validation, and the broker setting a topic falls back to when the setting is not set on it
// (Kafka's synonyms: the broker's value, itself dynamic or static, see runtime/broker-settings.ts).
// `honoured` says whether pg-kafka acts on it. topicConfigValue is the one way to read the value in force.

import { TopicCompression, type TopicCompressionName } from '../codec/compression.ts';
import { ConfigType, type ConfigTypeValue } from './config-types.ts';

export interface TopicConfigDef {
  /** Kafka's default, used when neither the topic nor its broker setting says otherwise. */
  readonly default: string;
  readonly validate: (value: string) => boolean;
  /** Whether pg-kafka acts on the setting today (others are stored and reported, not applied). */
  readonly honoured: boolean;
  /** Broker setting it falls back to (Kafka's synonym): DescribeConfigs' synonyms and source, dynamic defaults. */
  readonly brokerSetting?: string;
  readonly type: ConfigTypeValue;
  readonly doc: string;
}

/** The broker's value of a broker setting, for topics that don't set theirs (runtime/broker-settings.ts). */
export interface BrokerDefaults {
  brokerConfigValue(name: string): string | undefined;
}

const isLong = (min: number) => (v: string) => /^-?\d+$/.test(v) && Number(v) >= min && BigInt(v) <= 9223372036854775807n;
const isInt = (min: number) => (v: string) => isLong(min)(v) && Number(v) <= 2147483647;
const oneOf = (...values: string[]) => (v: string) => values.includes(v);
/** Free text (throttled replica lists): any string, U+0000 included (the store keeps it byte for byte). */
const any = (_v: string) => true;
const { BOOLEAN, STRING, INT, LONG, DOUBLE, LIST } = ConfigType;

export const CompressionTypes = Object.keys(TopicCompression) as TopicCompressionName[];
export const CleanupPolicies = ['delete', 'compact'] as const;

/** The definition of a known setting; own properties only, so names like "constructor" are unknown. */
export function topicConfigDef(name: string): TopicConfigDef | undefined {
  return Object.hasOwn(topicConfigDefs, name) ? topicConfigDefs[name] : undefined;
}

const notApplied = ' Stored, not applied.';

export const topicConfigDefs: Readonly<Record<string, TopicConfigDef>> = {
  'compression.type': { default: 'producer', validate: oneOf(...CompressionTypes), honoured: true, brokerSetting: 'compression.type', type: STRING, doc: 'Compression codec for stored batches (uncompressed, gzip, snappy, lz4, zstd), or producer to keep the producer\'s.' },
  'message.timestamp.type': { default: 'CreateTime', validate: oneOf('CreateTime', 'LogAppendTime'), honoured: true, brokerSetting: 'log.message.timestamp.type', type: STRING, doc: 'Whether record timestamps are the producer\'s (CreateTime) or the broker\'s append time (LogAppendTime).' },
  'max.message.bytes': { default: '1048588', validate: isInt(0), honoured: true, brokerSetting: 'message.max.bytes', type: INT, doc: 'Largest record batch the broker accepts for this topic.' },
  'retention.ms': { default: '604800000', validate: isLong(-1), honoured: true, brokerSetting: 'log.retention.ms', type: LONG, doc: 'How long records are kept before deletion (-1: forever).' },
  'retention.bytes': { default: '-1', validate: isLong(-1), honoured: true, brokerSetting: 'log.retention.bytes', type: LONG, doc: 'Largest size a partition may grow to before its oldest records are deleted (-1: unlimited).' },
  'cleanup.policy': { default: 'delete', validate: (v) => v.split(',').every((p) => (CleanupPolicies as readonly string[]).includes(p.trim())), honoured: true, brokerSetting: 'log.cleanup.policy', type: LIST, doc: 'delete (retention by age and size) and/or compact (each key keeps its latest record).' },
  'min.insync.replicas': { default: '1', validate: isInt(1), honoured: false, brokerSetting: 'min.insync.replicas', type: INT, doc: 'Replicas that must acknowledge an acks=all write. Stored, not applied (PostgreSQL holds the data).' },
  'segment.bytes': { default: '1073741824', validate: isInt(14), honoured: false, brokerSetting: 'log.segment.bytes', type: INT, doc: 'Log segment size.' + notApplied },
  'segment.ms': { default: '604800000', validate: isLong(1), honoured: false, brokerSetting: 'log.roll.ms', type: LONG, doc: 'Time after which a log segment is rolled.' + notApplied },
  'delete.retention.ms': { default: '86400000', validate: isLong(0), honoured: true, brokerSetting: 'log.cleaner.delete.retention.ms', type: LONG, doc: 'How long delete tombstones are kept on compacted topics (by record timestamp).' },
  'min.compaction.lag.ms': { default: '0', validate: isLong(0), honoured: true, brokerSetting: 'log.cleaner.min.compaction.lag.ms', type: LONG, doc: 'Minimum time a record stays uncompacted.' },
  'max.compaction.lag.ms': { default: '9223372036854775807', validate: isLong(1), honoured: false, brokerSetting: 'log.cleaner.max.compaction.lag.ms', type: LONG, doc: 'Maximum time a record may stay uncompacted. Stored, not applied: compaction runs every log.retention.check.interval.ms.' },
  'min.cleanable.dirty.ratio': { default: '0.5', validate: (v) => v.trim() !== '' && Number(v) >= 0 && Number(v) <= 1, honoured: false, brokerSetting: 'log.cleaner.min.cleanable.ratio', type: DOUBLE, doc: 'Dirty ratio at which the log cleaner compacts. Stored, not applied: new records are compacted every check interval.' },
  'message.timestamp.before.max.ms': { default: '9223372036854775807', validate: isLong(0), honoured: false, brokerSetting: 'log.message.timestamp.before.max.ms', type: LONG, doc: 'How far in the past a record timestamp may be.' + notApplied },
  'message.timestamp.after.max.ms': { default: '9223372036854775807', validate: isLong(0), honoured: false, brokerSetting: 'log.message.timestamp.after.max.ms', type: LONG, doc: 'How far in the future a record timestamp may be.' + notApplied },
  'unclean.leader.election.enable': { default: 'false', validate: oneOf('true', 'false'), honoured: false, brokerSetting: 'unclean.leader.election.enable', type: BOOLEAN, doc: 'Whether out-of-sync replicas may become leader.' + notApplied },
  'flush.messages': { default: '9223372036854775807', validate: isLong(1), honoured: false, brokerSetting: 'log.flush.interval.messages', type: LONG, doc: 'Records between forced flushes. Stored, not applied (PostgreSQL commits are durable).' },
  'flush.ms': { default: '9223372036854775807', validate: isLong(0), honoured: false, brokerSetting: 'log.flush.interval.ms', type: LONG, doc: 'Time between forced flushes.' + notApplied },
  'index.interval.bytes': { default: '4096', validate: isInt(0), honoured: false, brokerSetting: 'log.index.interval.bytes', type: INT, doc: 'Bytes between offset index entries.' + notApplied },
  'file.delete.delay.ms': { default: '60000', validate: isLong(0), honoured: false, brokerSetting: 'log.segment.delete.delay.ms', type: LONG, doc: 'Delay before a deleted segment file is removed.' + notApplied },
  'preallocate': { default: 'false', validate: oneOf('true', 'false'), honoured: false, brokerSetting: 'log.preallocate', type: BOOLEAN, doc: 'Preallocate segment files.' + notApplied },
  'segment.index.bytes': { default: '10485760', validate: isInt(4), honoured: false, brokerSetting: 'log.index.size.max.bytes', type: INT, doc: 'Offset index size.' + notApplied },
  'segment.jitter.ms': { default: '0', validate: isLong(0), honoured: false, brokerSetting: 'log.roll.jitter.ms', type: LONG, doc: 'Random jitter subtracted from segment.ms.' + notApplied },
  'message.downconversion.enable': { default: 'true', validate: oneOf('true', 'false'), honoured: false, brokerSetting: 'log.message.downconversion.enable', type: BOOLEAN, doc: 'Whether old-format fetches are down-converted.' + notApplied },
  'follower.replication.throttled.replicas': { default: '', validate: any, honoured: false, type: LIST, doc: 'Replicas throttled on the follower side.' + notApplied },
  'leader.replication.throttled.replicas': { default: '', validate: any, honoured: false, type: LIST, doc: 'Replicas throttled on the leader side.' + notApplied },
  'local.retention.ms': { default: '-2', validate: isLong(-2), honoured: false, brokerSetting: 'log.local.retention.ms', type: LONG, doc: 'Local retention time with tiered storage (-2: retention.ms).' + notApplied },
  'local.retention.bytes': { default: '-2', validate: isLong(-2), honoured: false, brokerSetting: 'log.local.retention.bytes', type: LONG, doc: 'Local retention size with tiered storage (-2: retention.bytes).' + notApplied },
  'remote.storage.enable': { default: 'false', validate: oneOf('true', 'false'), honoured: false, type: BOOLEAN, doc: 'Tiered storage for the topic.' + notApplied },
  // Shadow mode (runtime/shadow/): not Kafka settings; acted on only by a broker with --shadow-bootstrap-servers.
  'shadow.mode': { default: 'off', validate: oneOf('off', 'dual-write', 'external-only'), honoured: true, type: STRING, doc: 'Shadow mode: off, dual-write (forward to the external cluster and keep), external-only (forward, then delete here).' },
  'shadow.forward.percent': { default: '100', validate: (v) => /^\d+$/.test(v) && Number(v) <= 100, honoured: true, type: INT, doc: 'Share of keys forwarded: toPositive(murmur2(key)) % 100 < percent (keyless records by offset).' },
  'shadow.acks': { default: 'async', validate: oneOf('async', 'sync'), honoured: true, type: STRING, doc: 'async: forwarded from the log later; sync: Produce answered after the external cluster acknowledged.' },
  'shadow.sync.timeout.ms': { default: '5000', validate: isLong(1), honoured: true, type: LONG, doc: 'How long a sync produce waits for the external cluster before REQUEST_TIMED_OUT (or the local result).' },
  'shadow.sync.on.timeout': { default: 'error', validate: oneOf('error', 'local'), honoured: true, type: STRING, doc: 'error: REQUEST_TIMED_OUT after shadow.sync.timeout.ms; local: answer with the local result.' },
  'shadow.external.topic': { default: '', validate: (v) => v === '' || /^[a-zA-Z0-9._-]{1,249}$/.test(v), honoured: true, type: STRING, doc: 'Name of the twin topic on the external cluster (empty: the same name).' },
};

export type ConfigProblem = { name: string; message: string };

/** Kafka's message for a value a setting refuses. */
export function invalidValueMessage(name: string, value: string): string {
  return `Invalid value ${value} for configuration ${name}`;
}

/** Checks names and values; returns the first problem (Kafka answers INVALID_CONFIG with it) or null. */
export function validateTopicConfigs(configs: Readonly<Record<string, string | null>>): ConfigProblem | null {
  for (const [name, value] of Object.entries(configs)) {
    const def = topicConfigDef(name);
    if (!def) return { name, message: `Unknown topic config name: ${name}` };
    if (value !== null && !def.validate(value)) return { name, message: invalidValueMessage(name, value) };
  }
  return null;
}

/** The value in force for one setting of a topic: the topic's own, else its broker setting's, else Kafka's default. */
export function topicConfigValue(configs: Readonly<Record<string, string>>, name: string, broker: BrokerDefaults): string {
  if (Object.hasOwn(configs, name)) return configs[name];
  const def = topicConfigDef(name);
  if (!def) return '';
  return (def.brokerSetting !== undefined ? broker.brokerConfigValue(def.brokerSetting) : undefined) ?? def.default;
}

/** Codec number a topic's compression.type asks for, or null for 'producer' (keep what the producer used). */
export function topicCompression(configs: Readonly<Record<string, string>>, broker: BrokerDefaults): number | null {
  const name = topicConfigValue(configs, 'compression.type', broker);
  return Object.hasOwn(TopicCompression, name) ? TopicCompression[name as TopicCompressionName] : null;
}

export function usesLogAppendTime(configs: Readonly<Record<string, string>>, broker: BrokerDefaults): boolean {
  return topicConfigValue(configs, 'message.timestamp.type', broker) === 'LogAppendTime';
}

export function maxMessageBytes(configs: Readonly<Record<string, string>>, broker: BrokerDefaults): number {
  return Number(topicConfigValue(configs, 'max.message.bytes', broker));
}
