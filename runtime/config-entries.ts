// How configs are described to clients (DescribeConfigs, CreateTopics v5+): Kafka's config source and type
// codes, and the full entry of every topic setting of topic-configs.ts for one topic (value in force, source,
// synonyms, type, documentation).

import type { Config } from './config.ts';
import { topicConfigDef, topicConfigDefs, topicConfigValue } from './topic-configs.ts';
import { brokerConfigByName } from './broker-configs.ts';
import type { BrokerInfo } from './context.ts';

/** DescribeConfigsResponse.ConfigSource. */
export const ConfigSource = {
  UNKNOWN: 0,
  TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
} as const;

/** DescribeConfigsResponse.ConfigType. */
export const ConfigType = {
  UNKNOWN: 0,
  BOOLEAN: 1,
  STRING: 2,
  INT: 3,
  SHORT: 4,
  LONG: 5,
  DOUBLE: 6,
  LIST: 7,
  CLASS: 8,
  PASSWORD: 9,
} as const;

export type ConfigTypeValue = (typeof ConfigType)[keyof typeof ConfigType];

interface TopicConfigInfo {
  readonly type: ConfigTypeValue;
  readonly doc: string;
}

const { BOOLEAN, STRING, INT, LONG, DOUBLE, LIST } = ConfigType;

/** Kafka's type and a one-line description of each topic setting (kept beside topic-configs.ts's list). */
const topicConfigInfo: Readonly<Record<string, TopicConfigInfo>> = {
  'compression.type': { type: STRING, doc: 'Compression codec for stored batches (uncompressed, gzip, snappy, lz4, zstd), or producer to keep the producer\'s.' },
  'message.timestamp.type': { type: STRING, doc: 'Whether record timestamps are the producer\'s (CreateTime) or the broker\'s append time (LogAppendTime).' },
  'max.message.bytes': { type: INT, doc: 'Largest record batch the broker accepts for this topic.' },
  'retention.ms': { type: LONG, doc: 'How long records are kept before deletion (-1: forever). Stored, not applied by pg-kafka.' },
  'retention.bytes': { type: LONG, doc: 'Largest size a partition may grow to before old records are deleted (-1: unlimited). Stored, not applied.' },
  'cleanup.policy': { type: LIST, doc: 'delete (retention by age and size) and/or compact (each key keeps its latest record).' },
  'min.insync.replicas': { type: INT, doc: 'Replicas that must acknowledge an acks=all write. Stored, not applied (PostgreSQL holds the data).' },
  'segment.bytes': { type: INT, doc: 'Log segment size. Stored, not applied.' },
  'segment.ms': { type: LONG, doc: 'Time after which a log segment is rolled. Stored, not applied.' },
  'delete.retention.ms': { type: LONG, doc: 'How long delete tombstones are kept on compacted topics (by record timestamp).' },
  'min.compaction.lag.ms': { type: LONG, doc: 'Minimum time a record stays uncompacted.' },
  'max.compaction.lag.ms': { type: LONG, doc: 'Maximum time a record may stay uncompacted. Stored, not applied: compaction runs every log.retention.check.interval.ms.' },
  'min.cleanable.dirty.ratio': { type: DOUBLE, doc: 'Dirty ratio at which the log cleaner compacts. Stored, not applied: new records are compacted every check interval.' },
  'message.timestamp.before.max.ms': { type: LONG, doc: 'How far in the past a record timestamp may be. Stored, not applied.' },
  'message.timestamp.after.max.ms': { type: LONG, doc: 'How far in the future a record timestamp may be. Stored, not applied.' },
  'unclean.leader.election.enable': { type: BOOLEAN, doc: 'Whether out-of-sync replicas may become leader. Stored, not applied.' },
  'flush.messages': { type: LONG, doc: 'Records between forced flushes. Stored, not applied (PostgreSQL commits are durable).' },
  'flush.ms': { type: LONG, doc: 'Time between forced flushes. Stored, not applied.' },
  'index.interval.bytes': { type: INT, doc: 'Bytes between offset index entries. Stored, not applied.' },
  'file.delete.delay.ms': { type: LONG, doc: 'Delay before a deleted segment file is removed. Stored, not applied.' },
  'preallocate': { type: BOOLEAN, doc: 'Preallocate segment files. Stored, not applied.' },
  'segment.index.bytes': { type: INT, doc: 'Offset index size. Stored, not applied.' },
  'segment.jitter.ms': { type: LONG, doc: 'Random jitter subtracted from segment.ms. Stored, not applied.' },
  'message.downconversion.enable': { type: BOOLEAN, doc: 'Whether old-format fetches are down-converted. Stored, not applied.' },
  'follower.replication.throttled.replicas': { type: LIST, doc: 'Replicas throttled on the follower side. Stored, not applied.' },
  'leader.replication.throttled.replicas': { type: LIST, doc: 'Replicas throttled on the leader side. Stored, not applied.' },
  'local.retention.ms': { type: LONG, doc: 'Local retention time with tiered storage (-2: retention.ms). Stored, not applied.' },
  'local.retention.bytes': { type: LONG, doc: 'Local retention size with tiered storage (-2: retention.bytes). Stored, not applied.' },
  'remote.storage.enable': { type: BOOLEAN, doc: 'Tiered storage for the topic. Stored, not applied.' },
};

export interface ConfigSynonym {
  name: string;
  value: string | null;
  source: number;
}

export interface ConfigEntry {
  name: string;
  value: string;
  source: number;
  synonyms: ConfigSynonym[];
  type: ConfigTypeValue;
  doc: string;
}

/** The topic settings we know, in a stable order. */
export const topicConfigNames: readonly string[] = Object.keys(topicConfigDefs);

export function topicConfigType(name: string): ConfigTypeValue {
  return topicConfigInfo[name]?.type ?? ConfigType.UNKNOWN;
}

/**
 * One topic setting as Kafka describes it. Synonyms, most specific first: the topic's own value (TOPIC_CONFIG)
 * when set, then the broker setting it falls back to: STATIC_BROKER_CONFIG when it is one of the broker settings
 * we serve (broker-configs.ts, e.g. message.max.bytes), else DEFAULT_CONFIG with Kafka's default. The source is
 * the first synonym's, as in Kafka; DEFAULT_CONFIG when there is none.
 */
export function topicConfigEntry(name: string, topicConfigs: Readonly<Record<string, string>>, config: Config, info: BrokerInfo): ConfigEntry {
  const def = topicConfigDef(name);
  const value = topicConfigValue(topicConfigs, name, config);
  const synonyms: ConfigSynonym[] = [];
  if (topicConfigs[name] !== undefined) synonyms.push({ name, value, source: ConfigSource.TOPIC_CONFIG });
  if (def?.brokerSetting !== undefined) {
    const broker = brokerConfigByName.get(def.brokerSetting);
    if (broker) synonyms.push({ name: broker.name, value: broker.value(config, info), source: ConfigSource.STATIC_BROKER_CONFIG });
    else synonyms.push({ name: def.brokerSetting, value: def.default(config), source: ConfigSource.DEFAULT_CONFIG });
  }
  return {
    name,
    value,
    source: synonyms.length > 0 ? synonyms[0].source : ConfigSource.DEFAULT_CONFIG,
    synonyms,
    type: topicConfigType(name),
    doc: topicConfigInfo[name]?.doc ?? '',
  };
}

/** Every topic setting of one topic, in topic-configs.ts's order. */
export function topicConfigEntries(topicConfigs: Readonly<Record<string, string>>, config: Config, info: BrokerInfo): ConfigEntry[] {
  return topicConfigNames.map((name) => topicConfigEntry(name, topicConfigs, config, info));
}
