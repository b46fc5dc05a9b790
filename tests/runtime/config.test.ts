// Configuration: flags over environment over Kafka's defaults, validation errors, secret masking.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, describeConfig, envName, flagName, loadConfig } from '../../runtime/config.ts';

test('defaults follow Kafka', () => {
  const c = loadConfig([], {});
  assert.equal(c.port, 9092);
  assert.equal(c.defaultPartitions, 1);
  assert.equal(c.autoCreateTopics, true);
  assert.equal(c.messageMaxBytes, 1048588);
  assert.equal(c.socketRequestMaxBytes, 104857600);
  assert.equal(c.groupMinSessionTimeoutMs, 6000);
  assert.equal(c.groupMaxSessionTimeoutMs, 1800000);
  assert.equal(c.groupInitialRebalanceDelayMs, 3000);
  assert.equal(c.offsetsRetentionMinutes, 10080);
  assert.equal(c.transactionMaxTimeoutMs, 900000);
  assert.equal(c.advertisedHost, '127.0.0.1');
  assert.equal(c.advertisedPort, 9092);
  assert.equal(c.databaseUrl, undefined);
});

test('environment variables, then flags, win over defaults', () => {
  const env = { PGKAFKA_PORT: '9500', PGKAFKA_AUTO_CREATE_TOPICS: 'false', DATABASE_URL: 'postgres://u:secret@db:5432/k', PGKAFKA_DEFAULT_PARTITIONS: '3' };
  const c = loadConfig(['--port', '9600', '--advertised-host=kafka.example', '--log-level', 'debug'], env);
  assert.equal(c.port, 9600);
  assert.equal(c.autoCreateTopics, false);
  assert.equal(c.defaultPartitions, 3);
  assert.equal(c.advertisedHost, 'kafka.example');
  assert.equal(c.advertisedPort, 9600);
  assert.equal(c.logLevel, 'debug');
  assert.equal(c.databaseUrl, 'postgres://u:secret@db:5432/k');
  assert.ok(!describeConfig(c).includes('secret'));
  assert.ok(describeConfig(c).includes('*****'));
});

test('invalid values and unknown flags are refused with a clear message', () => {
  assert.throws(() => loadConfig(['--port', 'abc'], {}), ConfigError);
  assert.throws(() => loadConfig(['--port', '70000'], {}), /port/);
  assert.throws(() => loadConfig(['--no-such-flag', '1'], {}), /unknown flag --no-such-flag/);
  assert.throws(() => loadConfig([], { PGKAFKA_DEFAULT_PARTITIONS: '0' }), /defaultPartitions/);
  assert.throws(() => loadConfig(['--log-level', 'loud'], {}), /logLevel/);
});

test('flag and environment names', () => {
  assert.equal(flagName('advertisedHost'), 'advertised-host');
  assert.equal(envName('advertisedHost'), 'PGKAFKA_ADVERTISED_HOST');
  assert.equal(envName('databaseUrl'), 'DATABASE_URL');
});

test('listeners: Kafka\'s listeners, advertised listeners and security protocol map', () => {
  const c = loadConfig(['--listeners', 'PLAINTEXT://0.0.0.0:9092,SASL_SSL://:9093,INTERNAL://127.0.0.1:9094', '--advertised-listeners', 'SASL_SSL://kafka.example:19093',
    '--listener-security-protocol-map', 'PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,INTERNAL:SASL_PLAINTEXT', '--ssl-cert', 'c.pem', '--ssl-key', 'k.pem'], {});
  assert.deepEqual(c.listenerSpecs.map((l) => [l.name, l.protocol, l.host, l.port, l.advertisedHost, l.advertisedPort, l.tls, l.sasl]), [
    ['PLAINTEXT', 'PLAINTEXT', '0.0.0.0', 9092, '127.0.0.1', 9092, false, false],
    ['SASL_SSL', 'SASL_SSL', '0.0.0.0', 9093, 'kafka.example', 19093, true, true],
    ['INTERNAL', 'SASL_PLAINTEXT', '127.0.0.1', 9094, '127.0.0.1', 9094, false, true],
  ]);
  assert.equal(c.port, 9092);
  // --host/--port are the short form of one PLAINTEXT listener.
  assert.deepEqual(loadConfig(['--port', '9500'], {}).listenerSpecs.map((l) => [l.name, l.port]), [['PLAINTEXT', 9500]]);
  assert.deepEqual(loadConfig([], {}).saslEnabledMechanisms, ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']);
  assert.equal(loadConfig([], {}).connectionsMaxReauthMs, 0);
});

test('listeners: conflicts and mistakes are start-up errors naming the problem', () => {
  assert.throws(() => loadConfig(['--listeners', 'PLAINTEXT://:9092', '--port', '9093'], {}), /listeners and port are both given/);
  assert.throws(() => loadConfig(['--listeners', 'PLAINTEXT://:9092'], { PGKAFKA_HOST: '127.0.0.1' }), /listeners and host are both given/);
  assert.throws(() => loadConfig(['--listeners', 'SSL://:9093'], {}), /needs sslCert and sslKey/);
  assert.throws(() => loadConfig(['--listeners', 'FOO://:9093'], {}), /FOO has no security protocol/);
  assert.throws(() => loadConfig(['--listeners', 'PLAINTEXT:9093'], {}), /NAME:\/\/host:port/);
  assert.throws(() => loadConfig(['--listeners', 'PLAINTEXT://:9092', '--advertised-listeners', 'SSL://x:1'], {}), /SSL is not one of the listeners/);
  assert.throws(() => loadConfig(['--advertised-listeners', 'PLAINTEXT://x:1'], {}), /advertisedListeners needs listeners/);
  assert.throws(() => loadConfig(['--sasl-enabled-mechanisms', 'GSSAPI'], {}), /unsupported SASL mechanism GSSAPI/);
  assert.throws(() => loadConfig(['--ssl-client-auth', 'required'], {}), /needs sslCa/);
});
