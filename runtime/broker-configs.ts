// The broker settings pg-kafka honours, under Kafka's names, with the setting of runtime/config.ts each comes
// from: DescribeConfigs answers broker resources from this list, and the README prints it as a table.

import type { Config } from './config.ts';
import type { BrokerInfo } from './context.ts';
import type { ConfigTypeValue } from './config-entries.ts';

/** Kafka's ConfigType codes used here (config-entries.ts has the full list; a value import would be circular). */
const BOOLEAN = 1;
const STRING = 2;
const INT = 3;

export interface BrokerConfigDef {
  /** Kafka's name. */
  readonly name: string;
  /** The pg-kafka setting it comes from (flag --kebab-case, env PGKAFKA_*), or null for a fixed value. */
  readonly setting: keyof Config | null;
  /** Kafka's type code (DescribeConfigsResponse.ConfigType). */
  readonly type: ConfigTypeValue;
  readonly value: (config: Config, info: BrokerInfo) => string;
  readonly doc: string;
}

export const brokerConfigDefs: readonly BrokerConfigDef[] = [
  { name: 'broker.id', setting: 'nodeId', type: INT, value: (c) => String(c.nodeId), doc: 'This broker\'s id (same as node.id).' },
  { name: 'node.id', setting: 'nodeId', type: INT, value: (c) => String(c.nodeId), doc: 'This broker\'s id; every broker sharing one database needs its own.' },
  { name: 'advertised.listeners', setting: 'advertisedHost', type: STRING, value: (_c, i) => `PLAINTEXT://${i.host}:${i.port}`, doc: 'The address clients are told to connect to.' },
  { name: 'num.partitions', setting: 'defaultPartitions', type: INT, value: (c) => String(c.defaultPartitions), doc: 'Partitions of a topic created without a count (auto-created or numPartitions -1).' },
  { name: 'auto.create.topics.enable', setting: 'autoCreateTopics', type: BOOLEAN, value: (c) => String(c.autoCreateTopics), doc: 'Whether Metadata requests create unknown topics.' },
  { name: 'message.max.bytes', setting: 'messageMaxBytes', type: INT, value: (c) => String(c.messageMaxBytes), doc: 'Largest record batch accepted (topic max.message.bytes defaults to it).' },
  { name: 'socket.request.max.bytes', setting: 'socketRequestMaxBytes', type: INT, value: (c) => String(c.socketRequestMaxBytes), doc: 'Largest request accepted; larger ones close the connection.' },
  { name: 'group.min.session.timeout.ms', setting: 'groupMinSessionTimeoutMs', type: INT, value: (c) => String(c.groupMinSessionTimeoutMs), doc: 'Smallest session timeout a consumer group member may ask for.' },
  { name: 'group.max.session.timeout.ms', setting: 'groupMaxSessionTimeoutMs', type: INT, value: (c) => String(c.groupMaxSessionTimeoutMs), doc: 'Largest session timeout a consumer group member may ask for.' },
  { name: 'group.initial.rebalance.delay.ms', setting: 'groupInitialRebalanceDelayMs', type: INT, value: (c) => String(c.groupInitialRebalanceDelayMs), doc: 'How long the first rebalance of an empty group waits for more members.' },
  { name: 'offsets.retention.minutes', setting: 'offsetsRetentionMinutes', type: INT, value: (c) => String(c.offsetsRetentionMinutes), doc: 'How long committed offsets of an empty group are kept.' },
  { name: 'transaction.max.timeout.ms', setting: 'transactionMaxTimeoutMs', type: INT, value: (c) => String(c.transactionMaxTimeoutMs), doc: 'Largest transaction timeout a producer may ask for.' },
  { name: 'transactional.id.expiration.ms', setting: 'transactionalIdExpirationMs', type: INT, value: (c) => String(c.transactionalIdExpirationMs), doc: 'How long an idle transactional id is kept.' },
  { name: 'log.retention.hours', setting: null, type: INT, value: () => '168', doc: 'Kafka\'s default retention; reported for tools, records are not deleted by age.' },
];

export const brokerConfigByName: ReadonlyMap<string, BrokerConfigDef> = new Map(brokerConfigDefs.map((d) => [d.name, d]));
