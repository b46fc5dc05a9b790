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
