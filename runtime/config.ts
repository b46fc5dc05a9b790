// Configuration: command-line flags and PGKAFKA_* environment variables, validated once with zod.
// Defaults follow Kafka's where Kafka has the setting.

import { z } from 'zod';

const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');

export const configSchema = z.object({
  /** Interface to listen on (Kafka: listeners). */
  host: z.string().min(1).default('0.0.0.0'),
  port: z.coerce.number().int().min(0).max(65535).default(9092),
  /** Host clients are told to connect to (Kafka: advertised.listeners). Defaults to host, or 127.0.0.1 for a wildcard host. */
  advertisedHost: z.string().min(1).optional(),
  advertisedPort: z.coerce.number().int().min(1).max(65535).optional(),
  /** Port of the operations HTTP endpoint (health probes, Prometheus metrics) on host; unset: no endpoint. Not in Kafka. */
  httpPort: z.coerce.number().int().min(0).max(65535).optional(),
  /** PostgreSQL to use; without it an embedded PostgreSQL is started with its data in dataDir. */
  databaseUrl: z.string().url().optional(),
  dataDir: z.string().min(1).default('./data'),
  /** Kafka: num.partitions. */
  defaultPartitions: z.coerce.number().int().min(1).max(100000).default(1),
  /** Kafka: auto.create.topics.enable. */
  autoCreateTopics: bool.default(true),
  logLevel: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** Kafka: node.id / broker.id. Each broker process sharing one database needs its own. */
  nodeId: z.coerce.number().int().min(0).default(1),
  /** Kafka: message.max.bytes. */
  messageMaxBytes: z.coerce.number().int().min(1).default(1048588),
  /** Kafka: socket.request.max.bytes. */
  socketRequestMaxBytes: z.coerce.number().int().min(1024).default(104857600),
  /** Kafka: group.min.session.timeout.ms. */
  groupMinSessionTimeoutMs: z.coerce.number().int().min(0).default(6000),
  /** Kafka: group.max.session.timeout.ms. */
  groupMaxSessionTimeoutMs: z.coerce.number().int().min(0).default(1800000),
  /** Kafka: group.initial.rebalance.delay.ms. */
  groupInitialRebalanceDelayMs: z.coerce.number().int().min(0).default(3000),
  /** Kafka: group.consumer.session.timeout.ms (KIP-848 consumer groups). */
  groupConsumerSessionTimeoutMs: z.coerce.number().int().min(1).default(45000),
  /** Kafka: group.consumer.heartbeat.interval.ms (KIP-848 consumer groups). */
  groupConsumerHeartbeatIntervalMs: z.coerce.number().int().min(1).default(5000),
  /** Kafka: offsets.retention.minutes. */
  offsetsRetentionMinutes: z.coerce.number().int().min(1).default(10080),
  /** Kafka: transaction.max.timeout.ms. */
  transactionMaxTimeoutMs: z.coerce.number().int().min(1).default(900000),
  /** Kafka: transactional.id.expiration.ms. */
  transactionalIdExpirationMs: z.coerce.number().int().min(1).default(604800000),
  /** Kafka: log.retention.check.interval.ms (how often retention.ms / retention.bytes are applied). */
  logRetentionCheckIntervalMs: z.coerce.number().int().min(1).default(300000),
  /**
   * flush: a write is acknowledged once PostgreSQL has flushed its WAL to disk. relaxed: the broker's sessions run
   * with synchronous_commit=off, so a PostgreSQL crash loses the last few hundred ms of acknowledged writes. Not in Kafka.
   */
  durability: z.enum(['flush', 'relaxed']).default('flush'),
  /** Shadow mode (runtime/shadow/): the external Kafka cluster topics are forwarded to, host:port[,host:port]; unset: no shadowing. */
  shadowBootstrapServers: z.string().regex(/^[^\s,]+:\d+(,[^\s,]+:\d+)*$/, 'expected host:port[,host:port...]').optional(),
  /** Kafka client: security.protocol of the external cluster. */
  shadowSecurityProtocol: z.enum(['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL']).default('PLAINTEXT'),
  /** Kafka client: sasl.mechanism of the external cluster. */
  shadowSaslMechanism: z.enum(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']).default('PLAIN'),
  shadowSaslUsername: z.string().optional(),
  /** Masked in the start-up print. */
  shadowSaslPassword: z.string().optional(),
  /** Kafka client: ssl.ca.location, a PEM file of the CAs to trust (default: the platform's). */
  shadowSslCaLocation: z.string().min(1).optional(),
  /** Kafka client: client.id of the forwarding producer. */
  shadowClientId: z.string().min(1).default('pg-kafka-shadow'),
  /** Commit consumer-group offsets of shadowed topics, translated, on the external cluster. */
  shadowSyncGroupOffsets: bool.default(true),
});

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema> & {
  advertisedHost: string;
  advertisedPort: number;
  /** The settings given by a flag, an environment variable or an override (DescribeConfigs: STATIC_BROKER_CONFIG). */
  explicit: ReadonlySet<string>;
};

/** Every setting: flag name, environment variable and description, for --help and the README. */
export const settingNames = Object.keys(configSchema.shape) as (keyof typeof configSchema.shape)[];

export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}
export function envName(key: string): string {
  return key === 'databaseUrl' ? 'DATABASE_URL' : 'PGKAFKA_' + flagName(key).replace(/-/g, '_').toUpperCase();
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Builds the configuration from flags (`--port 9093` or `--port=9093`) over environment variables over defaults. */
export function loadConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, overrides: ConfigInput = {}): Config {
  const raw: Record<string, unknown> = {};
  for (const key of settingNames) {
    const v = env[envName(key)] ?? (key === 'databaseUrl' ? env.PGKAFKA_DATABASE_URL : undefined);
    if (v !== undefined && v !== '') raw[key] = v;
  }
  const byFlag = new Map(settingNames.map((k) => [flagName(k), k]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument ${arg}`);
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    const key = byFlag.get(name);
    if (!key) throw new ConfigError(`unknown flag --${name} (known: ${[...byFlag.keys()].map((f) => '--' + f).join(', ')})`);
    let value: string | undefined = eq > 0 ? arg.slice(eq + 1) : argv[i + 1];
    if (eq < 0) {
      if (value === undefined || value.startsWith('--')) {
        if (key === 'autoCreateTopics') value = 'true';
        else throw new ConfigError(`--${name} needs a value`);
      } else i++;
    }
    raw[key] = value;
  }
  Object.assign(raw, overrides);
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  const c = parsed.data;
  const wildcard = c.host === '0.0.0.0' || c.host === '::';
  const explicit = new Set(Object.keys(raw).filter((k) => raw[k] !== undefined));
  return { ...c, advertisedHost: c.advertisedHost ?? (wildcard ? '127.0.0.1' : c.host), advertisedPort: c.advertisedPort ?? c.port, explicit };
}

/** The configuration as one printable line, with the database password masked. */
export function describeConfig(c: Config): string {
  const { explicit: _explicit, ...shown }: Record<string, unknown> = { ...c };
  if (c.databaseUrl) shown.databaseUrl = maskUrl(c.databaseUrl);
  if (c.shadowSaslPassword !== undefined) shown.shadowSaslPassword = '*****';
  return Object.entries(shown).map(([k, v]) => `${k}=${v}`).join(' ');
}

export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '*****';
    return u.toString();
  } catch {
    return '*****';
  }
}
