// The Kafka release whose protocol pg-kafka serves, as reported to tools: the broker config
// inter.broker.protocol.version and ApiVersions' finalized features (metadata.version, group.version).
// 4.0: the newest versions served include ListOffsets v10 and ConsumerGroupHeartbeat v1, both new in Kafka 4.0.
// Feature levels are Kafka's (MetadataVersion.java: 3.3-IV3 is level 7, the oldest KRaft one; 4.0-IV3 is 25).

export const kafkaRelease = {
  /** MetadataVersion's name, the form kafka-features and consoles print. */
  metadataVersion: '4.0-IV3',
  metadataVersionLevel: 25,
  /** The oldest metadata.version level (3.3-IV3) a Kafka 4.0 broker supports. */
  minMetadataVersionLevel: 7,
} as const;

/** A feature as ApiVersions v3+ reports it: supported range and finalized level. */
export interface Feature {
  name: string;
  minVersion: number;
  maxVersion: number;
  finalizedLevel: number;
}

export const features: readonly Feature[] = [
  { name: 'metadata.version', minVersion: kafkaRelease.minMetadataVersionLevel, maxVersion: kafkaRelease.metadataVersionLevel, finalizedLevel: kafkaRelease.metadataVersionLevel },
  // KIP-848's consumer group protocol (ConsumerGroupHeartbeat) is served: level 1.
  { name: 'group.version', minVersion: 0, maxVersion: 1, finalizedLevel: 1 },
];

/** The epoch of the finalized features: they never change, so a constant (>= 0 means "finalized features known"). */
export const FINALIZED_FEATURES_EPOCH = 1;
