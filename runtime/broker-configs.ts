// The broker settings pg-kafka knows, under Kafka's names: the static ones from runtime/config.ts (flag/env) or
// fixed values, and the dynamic ones Kafka lets AlterConfigs change on a running broker — every broker setting a
// topic setting falls back to (log.retention.ms, message.max.bytes, compression.type, ...), derived from
// topic-configs.ts so both stay one list. DescribeConfigs answers broker resources from this list, AlterConfigs
// validates against it, and runtime/broker-settings.ts resolves values through the dynamic layers.

import type { Config } from './config.ts';
import type { BrokerInfo } from './context.ts';
import { ConfigType, type ConfigTypeValue } from './config-types.ts';
import { topicConfigDefs } from './topic-configs.ts';
import { kafkaRelease } from './kafka-version.ts';

const { BOOLEAN, STRING, INT } = ConfigType;

export interface BrokerConfigDef {
  /** Kafka's name. */
  readonly name: string;
  /** The pg-kafka setting it comes from (flag --kebab-case, env PGKAFKA_*), or null for a fixed value. */
  readonly setting: keyof Config | null;
  /** Kafka's type code (DescribeConfigsResponse.ConfigType). */
  readonly type: ConfigTypeValue;
  /** The static value: the setting's (flag, env or default), or Kafka's default. */
  readonly value: (config: Config, info: BrokerInfo) => string;
  readonly doc: string;
  /** Whether AlterConfigs may change it at run time (Kafka's dynamic broker configs); then validate checks values. */
  readonly dynamic: boolean;
  readonly validate?: (value: string) => boolean;
}

const staticDefs: readonly BrokerConfigDef[] = [
  { name: 'broker.id', setting: 'nodeId', type: INT, value: (c) => String(c.nodeId), doc: 'This broker\'s id (same as node.id).', dynamic: false },
  { name: 'node.id', setting: 'nodeId', type: INT, value: (c) => String(c.nodeId), doc: 'This broker\'s id; every broker sharing one database needs its own.', dynamic: false },
  { name: 'advertised.listeners', setting: 'advertisedHost', type: STRING, value: (_c, i) => i.endpoints.map((e) => `${e.name}://${e.host}:${e.port}`).join(','), doc: 'The address clients are told to connect to.', dynamic: false },
  { name: 'inter.broker.protocol.version', setting: null, type: STRING, value: () => kafkaRelease.metadataVersion, doc: 'The Kafka version whose protocol this broker serves.', dynamic: false },
  { name: 'num.partitions', setting: 'defaultPartitions', type: INT, value: (c) => String(c.defaultPartitions), doc: 'Partitions of a topic created without a count (auto-created or numPartitions -1).', dynamic: false },
  { name: 'auto.create.topics.enable', setting: 'autoCreateTopics', type: BOOLEAN, value: (c) => String(c.autoCreateTopics), doc: 'Whether Metadata requests create unknown topics.', dynamic: false },
  { name: 'message.max.bytes', setting: 'messageMaxBytes', type: INT, value: (c) => String(c.messageMaxBytes), doc: 'Largest record batch accepted (topic max.message.bytes defaults to it).', dynamic: true, validate: topicConfigDefs['max.message.bytes'].validate },
  { name: 'socket.request.max.bytes', setting: 'socketRequestMaxBytes', type: INT, value: (c) => String(c.socketRequestMaxBytes), doc: 'Largest request accepted; larger ones close the connection.', dynamic: false },
  { name: 'group.min.session.timeout.ms', setting: 'groupMinSessionTimeoutMs', type: INT, value: (c) => String(c.groupMinSessionTimeoutMs), doc: 'Smallest session timeout a consumer group member may ask for.', dynamic: false },
  { name: 'group.max.session.timeout.ms', setting: 'groupMaxSessionTimeoutMs', type: INT, value: (c) => String(c.groupMaxSessionTimeoutMs), doc: 'Largest session timeout a consumer group member may ask for.', dynamic: false },
  { name: 'group.initial.rebalance.delay.ms', setting: 'groupInitialRebalanceDelayMs', type: INT, value: (c) => String(c.groupInitialRebalanceDelayMs), doc: 'How long the first rebalance of an empty group waits for more members.', dynamic: false },
  { name: 'offsets.retention.minutes', setting: 'offsetsRetentionMinutes', type: INT, value: (c) => String(c.offsetsRetentionMinutes), doc: 'How long committed offsets of an empty group are kept.', dynamic: false },
  { name: 'transaction.max.timeout.ms', setting: 'transactionMaxTimeoutMs', type: INT, value: (c) => String(c.transactionMaxTimeoutMs), doc: 'Largest transaction timeout a producer may ask for.', dynamic: false },
  { name: 'transactional.id.expiration.ms', setting: 'transactionalIdExpirationMs', type: INT, value: (c) => String(c.transactionalIdExpirationMs), doc: 'How long an idle transactional id is kept.', dynamic: false },
  { name: 'log.retention.check.interval.ms', setting: 'logRetentionCheckIntervalMs', type: ConfigType.LONG, value: (c) => String(c.logRetentionCheckIntervalMs), doc: 'How often retention and compaction run.', dynamic: false },
  { name: 'log.retention.hours', setting: null, type: INT, value: () => '168', doc: 'Kafka\'s default retention in hours; log.retention.ms (and each topic\'s retention.ms) take precedence.', dynamic: false },
];

/** The broker setting behind each topic setting that has one, dynamic as in Kafka (DynamicLogConfig). */
const logDefs: BrokerConfigDef[] = Object.entries(topicConfigDefs)
  .filter(([, d]) => d.brokerSetting !== undefined && !staticDefs.some((s) => s.name === d.brokerSetting))
  .map(([topicName, d]) => ({
    name: d.brokerSetting as string,
    setting: null,
    type: d.type,
    value: () => d.default,
    doc: `Default of the topic setting ${topicName}: ${d.doc}`,
    dynamic: true,
    validate: d.validate,
  }));

export const brokerConfigDefs: readonly BrokerConfigDef[] = [...staticDefs, ...logDefs];

export const brokerConfigByName: ReadonlyMap<string, BrokerConfigDef> = new Map(brokerConfigDefs.map((d) => [d.name, d]));
