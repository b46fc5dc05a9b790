// SCRAM users: Describe/AlterUserScramCredentials codecs; KIP-554 upsertions (salt + salted password) through one
// broker usable at once through another broker on the same database (kafkajs, SCRAM-SHA-512), described, deleted
// (then refused); Kafka's per-user errors; the `npm run users` script (add with the password on stdin, list,
// delete) against the same database; the bootstrap user created at start from PGKAFKA_SASL_BOOTSTRAP_PASSWORD.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import process from 'node:process';
import { Kafka, logLevel } from 'kafkajs';
import * as describeUsers from '../../apis/describe-user-scram-credentials.ts';
import * as alterUsers from '../../apis/alter-user-scram-credentials.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { authenticate } from '../helpers/sasl.ts';
import { saltPassword, scramMechanism } from '../../runtime/sasl/scram.ts';
import { scriptCommand } from '../../runtime/platform.ts';
import { listScramCredentials } from '../../store/scram-credentials.ts';

type DescribeRes = describeUsers.DescribeUserScramCredentialsResponse;
type AlterRes = alterUsers.AlterUserScramCredentialsResponse;

let a: TestBroker;
let b: TestBroker;
const listeners = 'SASL_PLAINTEXT://127.0.0.1:0';
before(async () => {
  process.env.PGKAFKA_SASL_BOOTSTRAP_PASSWORD = 'admin-secret';
  a = await startTestBroker({ listeners, nodeId: 1, saslBootstrapUser: 'admin' });
  delete process.env.PGKAFKA_SASL_BOOTSTRAP_PASSWORD;
  b = await startTestBroker({ listeners, nodeId: 2 }, { databaseUrl: a.databaseUrl });
});
after(async () => {
  await b?.stopBroker();
  await a?.stop();
});

async function adminClient(): Promise<RawClient> {
  const client = await RawClient.connect(a.port);
  assert.equal((await authenticate(client, 'SCRAM-SHA-256', 'admin', 'admin-secret')).errorCode, 0);
  return client;
}

async function upsertion(name: string, mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512', password: string, iterations = 8192) {
  const m = scramMechanism(mechanism);
  assert.ok(m);
  const salt = randomBytes(24);
  return { name, mechanism: m.code, iterations, salt, saltedPassword: await saltPassword(m, password, salt, iterations) };
}

test('Describe/AlterUserScramCredentials: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(describeUsers);
  assertCodecRoundTrip(alterUsers);
});

test('bootstrap user: created at start from PGKAFKA_SASL_BOOTSTRAP_PASSWORD, with both SCRAM mechanisms', async () => {
  const creds = await listScramCredentials(a.store.sql, ['admin']);
  assert.deepEqual(creds.map((c) => c.mechanism), ['SCRAM-SHA-256', 'SCRAM-SHA-512']);
  const client = await adminClient();
  client.close();
});

test('AlterUserScramCredentials: a user added through one broker authenticates at once through another', async () => {
  const admin = await adminClient();
  const res = await admin.request<AlterRes>(alterUsers, 0, { deletions: [], upsertions: [await upsertion('carol', 'SCRAM-SHA-512', 'carol-secret')] });
  assert.deepEqual(res.results, [{ user: 'carol', errorCode: 0, errorMessage: null }]);
  const described = await admin.request<DescribeRes>(describeUsers, 0, { users: [{ name: 'carol' }] });
  assert.deepEqual(described.results, [{ user: 'carol', errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: 2, iterations: 8192 }] }]);

  const kafka = new Kafka({ brokers: [`127.0.0.1:${b.port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 }, sasl: { mechanism: 'scram-sha-512', username: 'carol', password: 'carol-secret' } });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'users-carol', messages: [{ value: 'hi' }] });
  await producer.disconnect();

  // Deleted through broker A: refused at once by broker B.
  const del = await admin.request<AlterRes>(alterUsers, 0, { deletions: [{ name: 'carol', mechanism: 2 }], upsertions: [] });
  assert.deepEqual(del.results, [{ user: 'carol', errorCode: 0, errorMessage: null }]);
  const late = await RawClient.connect(b.port);
  assert.equal((await authenticate(late, 'SCRAM-SHA-512', 'carol', 'carol-secret')).errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
  await late.closed;
  admin.close();
});

test('AlterUserScramCredentials: Kafka\'s per-user errors; a user with an error has none of its changes applied', async () => {
  const admin = await adminClient();
  const res = await admin.request<AlterRes>(alterUsers, 0, {
    deletions: [{ name: 'ghost', mechanism: 1 }, { name: 'dave', mechanism: 9 }],
    upsertions: [
      await upsertion('erin', 'SCRAM-SHA-256', 'x', 1000),
      await upsertion('frank', 'SCRAM-SHA-256', 'x'),
      await upsertion('frank', 'SCRAM-SHA-256', 'y'),
      await upsertion('', 'SCRAM-SHA-256', 'x'),
      await upsertion('gina', 'SCRAM-SHA-256', 'gina-secret'),
    ],
  });
  const codes = Object.fromEntries((res.results ?? []).map((r) => [r.user, r.errorCode]));
  assert.deepEqual(codes, {
    ghost: ErrorCode.RESOURCE_NOT_FOUND,
    dave: ErrorCode.UNSUPPORTED_SASL_MECHANISM,
    erin: ErrorCode.UNACCEPTABLE_CREDENTIAL,
    frank: ErrorCode.DUPLICATE_RESOURCE,
    '': ErrorCode.UNACCEPTABLE_CREDENTIAL,
    gina: ErrorCode.NONE,
  });
  const described = await admin.request<DescribeRes>(describeUsers, 0, { users: [{ name: 'gina' }, { name: 'frank' }, { name: 'gina' }] });
  const byUser = Object.fromEntries((described.results ?? []).map((r) => [r.user, r.errorCode]));
  assert.deepEqual(byUser, { gina: ErrorCode.DUPLICATE_RESOURCE, frank: ErrorCode.RESOURCE_NOT_FOUND });
  const all = await admin.request<DescribeRes>(describeUsers, 0, { users: null });
  assert.deepEqual(all.results?.map((r) => r.user), ['admin', 'gina']);
  admin.close();
});

function runUsers(args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [cmd, argv] = scriptCommand(fileURLToPath(new URL('../../scripts/users.ts', import.meta.url)), [...args, '--database-url', a.databaseUrl]);
  const child = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end(stdin);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

test('npm run users: add (password on stdin), list, delete; the user works on a running broker at once', async () => {
  const added = await runUsers(['add', 'henry', '--mechanism', 'SCRAM-SHA-256', '--iterations', '5000'], 'henry-secret\n');
  assert.equal(added.code, 0, added.stderr);
  assert.doesNotMatch(added.stdout + added.stderr, /henry-secret/);
  const client = await RawClient.connect(b.port);
  assert.equal((await authenticate(client, 'SCRAM-SHA-256', 'henry', 'henry-secret')).errorCode, 0);
  client.close();
  const listed = await runUsers(['list']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /^henry\tSCRAM-SHA-256 \(5000\)$/m);
  const deleted = await runUsers(['delete', 'henry']);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.deepEqual(await listScramCredentials(a.store.sql, ['henry']), []);
  const again = await runUsers(['delete', 'henry']);
  assert.equal(again.code, 1);
  const bad = await runUsers(['add', 'x', '--mechanism', 'MD5'], 'p\n');
  assert.equal(bad.code, 2);
});
