// The broker's settings as Kafka layers them: for each broker setting, the dynamic value set for this broker
// (DYNAMIC_BROKER_CONFIG), the cluster-wide dynamic default (DYNAMIC_DEFAULT_BROKER_CONFIG, resource name ""),
// the static value when a flag or environment variable set it (STATIC_BROKER_CONFIG), else Kafka's default
// (DEFAULT_CONFIG). Dynamic values are rows of kafka.broker_configs that the store keeps in memory and reloads on
// every change (NOTIFY), so every broker on the database applies a change at once, without a restart: topics
// read their fallbacks through brokerConfigValue (topic-configs.ts), and config-entries.ts describes from here.

import type { Config } from './config.ts';
import type { BrokerInfo } from './context.ts';
import type { BrokerDefaults } from './topic-configs.ts';
import { brokerConfigByName, type BrokerConfigDef } from './broker-configs.ts';
import { ConfigSource, type ConfigSynonym } from './config-types.ts';

/** Dynamic broker configs in force for one broker: its own and the cluster-wide defaults. */
export interface DynamicBrokerConfigs {
  readonly perBroker: Readonly<Record<string, string>>;
  readonly clusterDefault: Readonly<Record<string, string>>;
}

export class BrokerSettings implements BrokerDefaults {
  readonly config: Config;
  readonly #info: () => BrokerInfo;
  readonly #dynamic: () => DynamicBrokerConfigs;

  constructor(config: Config, info: () => BrokerInfo, dynamic: () => DynamicBrokerConfigs) {
    this.config = config;
    this.#info = info;
    this.#dynamic = dynamic;
  }

  get info(): BrokerInfo {
    return this.#info();
  }

  /** The value in force of a known broker setting; undefined for names we don't know. */
  brokerConfigValue(name: string): string | undefined {
    const { perBroker, clusterDefault } = this.#dynamic();
    if (Object.hasOwn(perBroker, name)) return perBroker[name];
    if (Object.hasOwn(clusterDefault, name)) return clusterDefault[name];
    return brokerConfigByName.get(name)?.value(this.config, this.#info());
  }

  /** Every layer that has a value for the setting, most specific first (the last is static or default). */
  brokerSynonyms(name: string): ConfigSynonym[] {
    const def = brokerConfigByName.get(name);
    const { perBroker, clusterDefault } = this.#dynamic();
    const out: ConfigSynonym[] = [];
    if (Object.hasOwn(perBroker, name)) out.push({ name, value: perBroker[name], source: ConfigSource.DYNAMIC_BROKER_CONFIG });
    if (Object.hasOwn(clusterDefault, name)) out.push({ name, value: clusterDefault[name], source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG });
    if (def) out.push({ name, value: def.value(this.config, this.#info()), source: staticSource(def, this.config) });
    return out;
  }

  /** The cluster-wide dynamic defaults (DescribeConfigs on the broker resource ""). */
  clusterDefaults(): Readonly<Record<string, string>> {
    return this.#dynamic().clusterDefault;
  }
}

/** STATIC_BROKER_CONFIG only when a flag or environment variable set it; otherwise the value is Kafka's default. */
function staticSource(def: BrokerConfigDef, config: Config): ConfigSynonym['source'] {
  return def.setting !== null && config.explicit.has(def.setting) ? ConfigSource.STATIC_BROKER_CONFIG : ConfigSource.DEFAULT_CONFIG;
}
