// Topic-level configuration: the Kafka topic settings pg-kafka knows, their defaults (Kafka's, or the broker's
// own setting where Kafka derives them from one) and validation. `honoured` says whether pg-kafka acts on it.

import type { Config } from './config.ts';
import { TopicCompression, type TopicCompressionName } from '../codec/compression.ts';

export interface TopicConfigDef {
  readonly default: (broker: Config) => string;
  readonly validate: (value: string) => boolean;
  /** Whether pg-kafka acts on the setting today (others are stored and reported, not applied). */
  readonly honoured: boolean;
  /** Broker setting it falls back to, for DescribeConfigs' synonyms and source. */
  readonly brokerSetting?: string;
}

const isLong = (min: number) => (v: string) => /^-?\d+$/.test(v) && Number(v) >= min;
const oneOf = (...values: string[]) => (v: string) => values.includes(v);
const any = () => true;

export const CompressionTypes = Object.keys(TopicCompression) as TopicCompressionName[];

/** The definition of a known setting; own properties only, so names like "constructor" are unknown. */
export function topicConfigDef(name: string): TopicConfigDef | undefined {
  return Object.hasOwn(topicConfigDefs, name) ? topicConfigDefs[name] : undefined;
}

export const topicConfigDefs: Readonly<Record<string, TopicConfigDef>> = {
  'compression.type': { default: () => 'producer', validate: oneOf(...CompressionTypes), honoured: true, brokerSetting: 'compression.type' },
  'message.timestamp.type': { default: () => 'CreateTime', validate: oneOf('CreateTime', 'LogAppendTime'), honoured: true, brokerSetting: 'log.message.timestamp.type' },
  'max.message.bytes': { default: (b) => String(b.messageMaxBytes), validate: isLong(0), honoured: true, brokerSetting: 'message.max.bytes' },
  'retention.ms': { default: () => '604800000', validate: isLong(-1), honoured: true, brokerSetting: 'log.retention.ms' },
  'retention.bytes': { default: () => '-1', validate: isLong(-1), honoured: true, brokerSetting: 'log.retention.bytes' },
  'cleanup.policy': { default: () => 'delete', validate: (v) => v.split(',').every((p) => ['delete', 'compact'].includes(p.trim())), honoured: true, brokerSetting: 'log.cleanup.policy' },
  'min.insync.replicas': { default: () => '1', validate: isLong(1), honoured: false, brokerSetting: 'min.insync.replicas' },
  'segment.bytes': { default: () => '1073741824', validate: isLong(14), honoured: false, brokerSetting: 'log.segment.bytes' },
  'segment.ms': { default: () => '604800000', validate: isLong(1), honoured: false, brokerSetting: 'log.roll.ms' },
  'delete.retention.ms': { default: () => '86400000', validate: isLong(0), honoured: true, brokerSetting: 'log.cleaner.delete.retention.ms' },
  'min.compaction.lag.ms': { default: () => '0', validate: isLong(0), honoured: true },
  'max.compaction.lag.ms': { default: () => '9223372036854775807', validate: isLong(1), honoured: false },
  'min.cleanable.dirty.ratio': { default: () => '0.5', validate: (v) => Number(v) >= 0 && Number(v) <= 1, honoured: false },
  'message.timestamp.before.max.ms': { default: () => '9223372036854775807', validate: isLong(0), honoured: false },
  'message.timestamp.after.max.ms': { default: () => '9223372036854775807', validate: isLong(0), honoured: false },
  'unclean.leader.election.enable': { default: () => 'false', validate: oneOf('true', 'false'), honoured: false },
  'flush.messages': { default: () => '9223372036854775807', validate: isLong(1), honoured: false },
  'flush.ms': { default: () => '9223372036854775807', validate: isLong(0), honoured: false },
  'index.interval.bytes': { default: () => '4096', validate: isLong(0), honoured: false },
  'file.delete.delay.ms': { default: () => '60000', validate: isLong(0), honoured: false },
  'preallocate': { default: () => 'false', validate: oneOf('true', 'false'), honoured: false },
  'segment.index.bytes': { default: () => '10485760', validate: isLong(4), honoured: false },
  'segment.jitter.ms': { default: () => '0', validate: isLong(0), honoured: false },
  'message.downconversion.enable': { default: () => 'true', validate: oneOf('true', 'false'), honoured: false },
  'follower.replication.throttled.replicas': { default: () => '', validate: any, honoured: false },
  'leader.replication.throttled.replicas': { default: () => '', validate: any, honoured: false },
  'local.retention.ms': { default: () => '-2', validate: isLong(-2), honoured: false },
  'local.retention.bytes': { default: () => '-2', validate: isLong(-2), honoured: false },
  'remote.storage.enable': { default: () => 'false', validate: oneOf('true', 'false'), honoured: false },
};

export type ConfigProblem = { name: string; message: string };

/** Checks names and values; returns the first problem (Kafka answers INVALID_CONFIG with it) or null. */
export function validateTopicConfigs(configs: Readonly<Record<string, string | null>>): ConfigProblem | null {
  for (const [name, value] of Object.entries(configs)) {
    const def = topicConfigDef(name);
    if (!def) return { name, message: `Unknown topic config name: ${name}` };
    if (value !== null && !def.validate(value)) return { name, message: `Invalid value ${value} for configuration ${name}` };
  }
  return null;
}

/** The value in force for one setting of a topic. */
export function topicConfigValue(configs: Readonly<Record<string, string>>, name: string, broker: Config): string {
  const set = configs[name];
  if (set !== undefined) return set;
  const def = topicConfigDef(name);
  return def ? def.default(broker) : '';
}

/** Codec number a topic's compression.type asks for, or null for 'producer' (keep what the producer used). */
export function topicCompression(configs: Readonly<Record<string, string>>): number | null {
  const name = configs['compression.type'];
  return name !== undefined && Object.hasOwn(TopicCompression, name) ? TopicCompression[name as TopicCompressionName] : null;
}

export function usesLogAppendTime(configs: Readonly<Record<string, string>>): boolean {
  return configs['message.timestamp.type'] === 'LogAppendTime';
}

export function maxMessageBytes(configs: Readonly<Record<string, string>>, broker: Config): number {
  return Number(topicConfigValue(configs, 'max.message.bytes', broker));
}
