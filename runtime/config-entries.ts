// How configs are described to clients (DescribeConfigs, CreateTopics v5+): the full entry of every topic setting
// of topic-configs.ts for one topic and of every broker setting of broker-configs.ts (value in force, source,
// synonyms, type, documentation), resolved through the layers of runtime/broker-settings.ts.

import { topicConfigDef, topicConfigDefs, topicConfigValue } from './topic-configs.ts';
import { brokerConfigByName, brokerConfigDefs, type BrokerConfigDef } from './broker-configs.ts';
import type { BrokerSettings } from './broker-settings.ts';
import { ConfigSource, ConfigType, type ConfigEntry, type ConfigSynonym, type ConfigTypeValue } from './config-types.ts';

/** The topic settings we know, in a stable order. */
export const topicConfigNames: readonly string[] = Object.keys(topicConfigDefs);

export function topicConfigType(name: string): ConfigTypeValue {
  return topicConfigDef(name)?.type ?? ConfigType.UNKNOWN;
}

/**
 * One topic setting as Kafka describes it. Synonyms, most specific first: the topic's own value (TOPIC_CONFIG)
 * when set, then every layer of the broker setting it falls back to (dynamic for this broker, dynamic cluster
 * default, static or default: BrokerSettings.brokerSynonyms), or Kafka's default when there is no broker setting.
 * The source is the first synonym's, as in Kafka.
 */
export function topicConfigEntry(name: string, topicConfigs: Readonly<Record<string, string>>, settings: BrokerSettings): ConfigEntry {
  const def = topicConfigDef(name);
  const value = topicConfigValue(topicConfigs, name, settings);
  const synonyms: ConfigSynonym[] = [];
  if (Object.hasOwn(topicConfigs, name)) synonyms.push({ name, value, source: ConfigSource.TOPIC_CONFIG });
  if (def?.brokerSetting !== undefined) synonyms.push(...settings.brokerSynonyms(def.brokerSetting));
  return {
    name,
    value,
    source: synonyms.length > 0 ? synonyms[0].source : ConfigSource.DEFAULT_CONFIG,
    synonyms,
    type: topicConfigType(name),
    doc: def?.doc ?? '',
    alterable: true,
  };
}

/** Every topic setting of one topic, in topic-configs.ts's order. */
export function topicConfigEntries(topicConfigs: Readonly<Record<string, string>>, settings: BrokerSettings): ConfigEntry[] {
  return topicConfigNames.map((name) => topicConfigEntry(name, topicConfigs, settings));
}

function brokerEntry(def: BrokerConfigDef, synonyms: ConfigSynonym[]): ConfigEntry {
  return { name: def.name, value: synonyms[0]?.value ?? '', source: synonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG, synonyms, type: def.type, doc: def.doc, alterable: def.dynamic };
}

/** Every broker setting of this broker, with the layer it comes from (DescribeConfigs on our node id). */
export function brokerConfigEntries(settings: BrokerSettings): ConfigEntry[] {
  return brokerConfigDefs.map((def) => brokerEntry(def, settings.brokerSynonyms(def.name)));
}

/** The cluster-wide dynamic defaults that are set (DescribeConfigs on the broker resource ""), as Kafka lists them. */
export function clusterDefaultEntries(settings: BrokerSettings): ConfigEntry[] {
  return Object.entries(settings.clusterDefaults()).flatMap(([name, value]) => {
    const def = brokerConfigByName.get(name);
    return def ? [brokerEntry(def, [{ name, value, source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG }])] : [];
  });
}
