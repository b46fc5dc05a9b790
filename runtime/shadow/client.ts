// The kafkajs client of the external cluster, built from the --shadow-* settings: brokers, TLS (with an optional
// CA file), SASL, client id. Retries are kept short: the forwarder retries with its own backoff, and keeps its
// partition lease meanwhile.

import { readFileSync } from 'node:fs';
import kafkajs, { type KafkaConfig, type SASLOptions } from 'kafkajs';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';

export function externalKafka(config: Config, log: Logger): kafkajs.Kafka {
  const protocol = config.shadowSecurityProtocol;
  const tls = protocol === 'SSL' || protocol === 'SASL_SSL';
  const sasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
  const options: KafkaConfig = {
    clientId: config.shadowClientId,
    brokers: (config.shadowBootstrapServers ?? '').split(','),
    connectionTimeout: 3000,
    requestTimeout: 10000,
    retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
    logCreator: () => ({ level, log: entry }) => {
      // kafkajs logs each failed connection attempt as ERROR; an unreachable external cluster is shown in the
      // shadow status instead, so its lines go to debug.
      if (level <= 2) log.debug('shadow client', { message: entry.message, broker: entry.broker as string | undefined });
    },
  };
  if (tls) options.ssl = config.shadowSslCaLocation ? { ca: [readFileSync(config.shadowSslCaLocation, 'utf8')] } : true;
  if (sasl) {
    const mechanism = config.shadowSaslMechanism.toLowerCase() as 'plain' | 'scram-sha-256' | 'scram-sha-512';
    options.sasl = { mechanism, username: config.shadowSaslUsername ?? '', password: config.shadowSaslPassword ?? '' } as SASLOptions;
  }
  return new kafkajs.Kafka(options);
}
