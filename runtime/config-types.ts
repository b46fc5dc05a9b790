// Kafka's vocabulary for describing configs (DescribeConfigs, CreateTopics v5+): config source and type codes and
// the shape of one described entry. No imports, so every config module can use it.

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

export type ConfigSourceValue = (typeof ConfigSource)[keyof typeof ConfigSource];

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

export interface ConfigSynonym {
  name: string;
  value: string | null;
  source: ConfigSourceValue;
}

export interface ConfigEntry {
  name: string;
  value: string;
  source: ConfigSourceValue;
  /** Most specific first; the first one's source is the entry's. */
  synonyms: ConfigSynonym[];
  type: ConfigTypeValue;
  doc: string;
  /** Whether AlterConfigs may change it (DescribeConfigs' readOnly is the opposite). */
  alterable: boolean;
}

/** Kafka's ConfigResource.Type. */
export const ConfigResourceType = { UNKNOWN: 0, TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8, CLIENT_METRICS: 16, GROUP: 32 } as const;

/** A resource type's name for messages ("BROKER_LOGGER"), or its number when unknown. */
export function resourceTypeName(type: number): string {
  return Object.entries(ConfigResourceType).find(([, v]) => v === type)?.[0] ?? String(type);
}
