// Configuration: command-line flags and PGKAFKA_* environment variables, validated once with zod.
// Defaults follow Kafka's where Kafka has the setting.

import { z } from 'zod';
import { DEFAULT_SECURITY_PROTOCOL_MAP, ListenerError, resolveListeners, type ListenerSpec } from './listeners.ts';

const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');

export const configSchema = z.object({
  /** Interface to listen on (Kafka: listeners). */
  host: z.string().min(1).default('0.0.0.0'),
  port: z.coerce.number().int().min(0).max(65535).default(9092),
  /** Host clients are told to connect to (Kafka: advertised.listeners). Defaults to host, or 127.0.0.1 for a wildcard host. */
  advertisedHost: z.string().min(1).optional(),
  advertisedPort: z.coerce.number().int().min(1).max(65535).optional(),
  /** Kafka: listeners, e.g. `PLAINTEXT://0.0.0.0:9092,SASL_SSL://0.0.0.0:9093`. Unset: one PLAINTEXT listener on host:port. */
  listeners: z.string().min(1).optional(),
  /** Kafka: advertised.listeners (by listener name; unset ones advertise the bound address). */
  advertisedListeners: z.string().min(1).optional(),
  /** Kafka: listener.security.protocol.map. */
  listenerSecurityProtocolMap: z.string().min(1).default(DEFAULT_SECURITY_PROTOCOL_MAP),
  /** PEM certificate (chain) of the TLS listeners (Kafka: ssl.keystore.location). */
  sslCert: z.string().min(1).optional(),
  /** PEM private key of the TLS listeners (Kafka: ssl.keystore.location). */
  sslKey: z.string().min(1).optional(),
  /** PEM CA certificates that client certificates are checked against (Kafka: ssl.truststore.location). */
  sslCa: z.string().min(1).optional(),
  /** Kafka: ssl.client.auth. */
  sslClientAuth: z.enum(['none', 'requested', 'required']).default('none'),
  /** Kafka: sasl.enabled.mechanisms (Kafka's default, GSSAPI, is not served). */
  saslEnabledMechanisms: z.string().default('PLAIN,SCRAM-SHA-256,SCRAM-SHA-512').transform((v, ctx) => {
    const list = v.split(',').map((s) => s.trim().toUpperCase()).filter((s) => s !== '');
    for (const m of list) {
      if (!['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'].includes(m)) ctx.addIssue({ code: 'custom', message: `unsupported SASL mechanism ${m} (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)` });
    }
    return list;
  }),
  /** Kafka: connections.max.reauth.ms (0: sessions never expire). */
  connectionsMaxReauthMs: z.coerce.number().int().min(0).default(0),
  /** A user created at start (SCRAM-SHA-256 and -512) when it does not exist yet; its password only from PGKAFKA_SASL_BOOTSTRAP_PASSWORD. */
  saslBootstrapUser: z.string().min(1).optional(),
  /** Port of the operations HTTP endpoint (health probes, Prometheus metrics) on host; unset: no endpoint. Not in Kafka. */
  httpPort: z.coerce.number().int().min(0).max(65535).optional(),
  /** With httpPort: the admin API and console answer reads only (writes get 403). Not in Kafka. */
  httpReadOnly: bool.default(false),
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
  /** Kafka: quota.window.num (samples kept to measure a client's rate against its quotas). */
  quotaWindowNum: z.coerce.number().int().min(1).default(11),
  /** Kafka: quota.window.size.seconds (the length of each sample). */
  quotaWindowSizeSeconds: z.coerce.number().int().min(1).default(1),
  /** Kafka: authorizer.class.name. `acl` enforces the ACLs kept in kafka.acls (runtime/auth/); `none` allows all. */
  authorizer: z.enum(['none', 'acl']).default('none'),
  /** Kafka: super.users, semicolon-separated principals (`User:admin;User:ops`) the authorizer always allows. */
  superUsers: z.string().default(''),
  /** Kafka: allow.everyone.if.no.acl.found. */
  allowEveryoneIfNoAclFound: bool.default(false),
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
  /** The listeners to bind: from `listeners`, or one PLAINTEXT listener on host:port. */
  listenerSpecs: readonly ListenerSpec[];
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
        if (key === 'autoCreateTopics' || key === 'allowEveryoneIfNoAclFound') value = 'true';
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
  if (c.listeners !== undefined) {
    const short = (['host', 'port', 'advertisedHost', 'advertisedPort'] as const).filter((k) => raw[k] !== undefined);
    if (short.length > 0) {
      throw new ConfigError(`invalid configuration: listeners and ${short.join(', ')} are both given; use listeners (and advertisedListeners) alone`);
    }
  } else if (c.advertisedListeners !== undefined) {
    throw new ConfigError('invalid configuration: advertisedListeners needs listeners');
  }
  const wildcard = c.host === '0.0.0.0' || c.host === '::';
  const explicit = new Set(Object.keys(raw).filter((k) => raw[k] !== undefined));
  const advertisedHost = c.advertisedHost ?? (wildcard ? '127.0.0.1' : c.host);
  const advertisedPort = c.advertisedPort ?? c.port;
  let listenerSpecs: ListenerSpec[];
  try {
    listenerSpecs = c.listeners !== undefined
      ? resolveListeners(c.listeners, c.advertisedListeners, c.listenerSecurityProtocolMap)
      : [{ name: 'PLAINTEXT', protocol: 'PLAINTEXT', host: c.host, port: c.port, advertisedHost, advertisedPort, tls: false, sasl: false }];
  } catch (err) {
    if (err instanceof ListenerError) throw new ConfigError(`invalid configuration: ${err.message}`);
    throw err;
  }
  if (listenerSpecs.some((l) => l.tls) && (c.sslCert === undefined || c.sslKey === undefined)) {
    throw new ConfigError('invalid configuration: a TLS listener (SSL, SASL_SSL) needs sslCert and sslKey');
  }
  if (c.sslClientAuth !== 'none' && c.sslCa === undefined) {
    throw new ConfigError(`invalid configuration: sslClientAuth=${c.sslClientAuth} needs sslCa`);
  }
  if (listenerSpecs.some((l) => l.sasl) && c.saslEnabledMechanisms.length === 0) {
    throw new ConfigError('invalid configuration: a SASL listener needs at least one of saslEnabledMechanisms');
  }
  const first = listenerSpecs[0];
  return {
    ...c,
    host: first.host,
    port: first.port,
    advertisedHost: c.listeners !== undefined ? first.advertisedHost : advertisedHost,
    advertisedPort: c.listeners !== undefined ? first.advertisedPort : advertisedPort,
    listenerSpecs,
    explicit,
  };
}

/** The configuration as one printable line, with the database password masked. */
export function describeConfig(c: Config): string {
  const { explicit: _explicit, ...shown }: Record<string, unknown> = { ...c };
  if (c.databaseUrl) shown.databaseUrl = maskUrl(c.databaseUrl);
  delete shown.listenerSpecs;
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
