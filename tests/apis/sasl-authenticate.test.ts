// SASL on a SASL_PLAINTEXT listener: SaslHandshake and SaslAuthenticate codecs; kafkajs producing with PLAIN,
// SCRAM-SHA-256 and SCRAM-SHA-512; a wrong password (SASL_AUTHENTICATION_FAILED, generic message, connection
// closed, counted in the metrics, later failures slowed down); an unknown user; a mechanism not enabled; a request
// before authentication (closed); malformed SCRAM and a wrong nonce; SaslHandshake v0 with raw tokens; ApiVersions
// allowed before authentication; the PLAINTEXT listener beside it (Metadata names each client's listener);
// re-authentication (KIP-368: session lifetime answered, a raw client past it closed, kafkajs re-authenticating).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import * as saslHandshake from '../../apis/sasl-handshake.ts';
import * as saslAuthenticate from '../../apis/sasl-authenticate.ts';
import * as metadata from '../../apis/metadata.ts';
import * as apiVersions from '../../apis/api-versions.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { authenticate, plainToken, ScramClient } from '../helpers/sasl.ts';
import { setUserPassword } from '../../runtime/sasl/users.ts';
import { sleep } from '../helpers/eventually.ts';
import { failureDelayMs } from '../../runtime/sasl/failures.ts';

type AuthRes = saslAuthenticate.SaslAuthenticateResponse;
type HsRes = saslHandshake.SaslHandshakeResponse;
const REAUTH_MS = 1500;

let tb: TestBroker;
let sasl: number;
let plain: number;
before(async () => {
  tb = await startTestBroker({
    listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
    connectionsMaxReauthMs: REAUTH_MS,
    httpPort: 0,
  });
  sasl = tb.broker.listenerPort('SASL_PLAINTEXT');
  plain = tb.broker.listenerPort('PLAINTEXT');
  await setUserPassword(tb.store.sql, 'alice', 'alice-secret');
  await setUserPassword(tb.store.sql, 'bob', 'bob-secret');
});
after(async () => {
  await tb?.stop();
});

const metadataRequest = { topics: [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false };

test('SaslHandshake and SaslAuthenticate: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(saslHandshake);
  assertCodecRoundTrip(saslAuthenticate);
});

for (const mechanism of ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
  test(`kafkajs over SASL_PLAINTEXT with ${mechanism}: produces and reads the offsets back`, async () => {
    const kafka = new Kafka({
      brokers: [`127.0.0.1:${sasl}`],
      clientId: 'sasl-test',
      logLevel: logLevel.NOTHING,
      sasl: { mechanism: mechanism.toLowerCase() as 'plain', username: 'alice', password: 'alice-secret' },
    });
    const producer = kafka.producer();
    await producer.connect();
    const topic = `sasl-${mechanism.toLowerCase()}`;
    await producer.send({ topic, messages: [{ value: 'one' }, { value: 'two' }] });
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    assert.equal(offsets[0].high, '2');
  });
}

test('SASL: a wrong password is SASL_AUTHENTICATION_FAILED with a generic message, the connection closed and counted', async () => {
  for (const mechanism of ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']) {
    const client = await RawClient.connect(sasl);
    const res = await authenticate(client, mechanism, 'alice', 'wrong');
    assert.equal(res.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED, mechanism);
    assert.equal(res.errorMessage, `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`);
    await client.closed;
  }
  const unknown = await RawClient.connect(sasl);
  const res = await authenticate(unknown, 'SCRAM-SHA-256', 'nobody', 'x');
  assert.equal(res.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
  assert.equal(res.errorMessage, 'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256');
  await unknown.closed;
  const metrics = tb.broker.metrics.render();
  assert.match(metrics, /pgkafka_sasl_authentication_failures_total\{mechanism="SCRAM-SHA-256"\} 2/);
  assert.match(metrics, /pgkafka_sasl_authentication_failures_total\{mechanism="PLAIN"\} 1/);
  // The fourth failure in a row from this address waited its back-off; a success forgets the address's failures.
  const ok = await RawClient.connect(sasl);
  assert.equal((await authenticate(ok, 'PLAIN', 'alice', 'alice-secret')).errorCode, 0);
  ok.close();
});

test('SASL: failures from one address back off exponentially, capped', () => {
  assert.deepEqual([1, 2, 3, 4, 5].map(failureDelayMs), [0, 100, 200, 400, 800]);
  assert.equal(failureDelayMs(100), 5000);
});

test('SASL: a burst of wrong passwords is answered later and later', async () => {
  const started = Date.now();
  for (let i = 0; i < 4; i++) {
    const client = await RawClient.connect(sasl);
    assert.equal((await authenticate(client, 'PLAIN', 'bob', 'nope')).errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
    client.close();
  }
  // 0 + 100 + 200 + 400 ms at least (a lower bound: a slow machine only makes it longer).
  assert.ok(Date.now() - started >= 700, `took ${Date.now() - started} ms`);
  const ok = await RawClient.connect(sasl);
  assert.equal((await authenticate(ok, 'PLAIN', 'bob', 'bob-secret')).errorCode, 0);
  ok.close();
});

test('SASL: a mechanism not enabled is UNSUPPORTED_SASL_MECHANISM with the enabled list, then the connection closes', async () => {
  const client = await RawClient.connect(sasl);
  const res = await client.request<HsRes>(saslHandshake, 1, { mechanism: 'GSSAPI' });
  assert.equal(res.errorCode, ErrorCode.UNSUPPORTED_SASL_MECHANISM);
  assert.deepEqual(res.mechanisms, ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']);
  await client.closed;
});

test('SASL: ApiVersions is answered before authentication; Metadata closes the connection', async () => {
  const client = await RawClient.connect(sasl);
  const versions = await client.request<{ errorCode: number }>(apiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' });
  assert.equal(versions.errorCode, 0);
  await assert.rejects(client.request(metadata, 12, metadataRequest), /connection closed/);
  await client.closed;
  // SaslAuthenticate without a handshake: ILLEGAL_SASL_STATE, closed.
  const early = await RawClient.connect(sasl);
  const res = await early.request<AuthRes>(saslAuthenticate, 2, { authBytes: plainToken('alice', 'alice-secret') });
  assert.equal(res.errorCode, ErrorCode.ILLEGAL_SASL_STATE);
  await early.closed;
});

test('SASL: malformed SCRAM messages and a wrong nonce are refused, that connection only', async () => {
  const bad = await RawClient.connect(sasl);
  await bad.request<HsRes>(saslHandshake, 1, { mechanism: 'SCRAM-SHA-256' });
  const res = await bad.request<AuthRes>(saslAuthenticate, 2, { authBytes: new TextEncoder().encode('garbage') });
  assert.equal(res.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
  await bad.closed;

  const nonce = await RawClient.connect(sasl);
  await nonce.request<HsRes>(saslHandshake, 1, { mechanism: 'SCRAM-SHA-512' });
  const scram = new ScramClient('SCRAM-SHA-512', 'alice', 'alice-secret');
  const first = await nonce.request<AuthRes>(saslAuthenticate, 2, { authBytes: scram.first() });
  assert.equal(first.errorCode, 0);
  const final = await nonce.request<AuthRes>(saslAuthenticate, 2, { authBytes: await scram.final(first.authBytes as Uint8Array, scram.nonce + 'forged') });
  assert.equal(final.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
  await nonce.closed;

  // Everyone else is still served.
  const ok = await RawClient.connect(sasl);
  assert.equal((await authenticate(ok, 'SCRAM-SHA-512', 'alice', 'alice-secret')).errorCode, 0);
  ok.close();
});

test('SASL: a successful SCRAM exchange answers the server signature; Metadata names the SASL listener', async () => {
  const client = await RawClient.connect(sasl);
  const res = await authenticate(client, 'SCRAM-SHA-256', 'alice', 'alice-secret');
  assert.equal(res.errorCode, 0);
  assert.match(new TextDecoder().decode(res.authBytes), /^v=[A-Za-z0-9+/=]+$/);
  const md = await client.request<metadata.MetadataResponse>(metadata, 12, metadataRequest);
  assert.deepEqual(md.brokers?.map((b) => b.port), [sasl]);
  client.close();
  const plainClient = await RawClient.connect(plain);
  const md2 = await plainClient.request<metadata.MetadataResponse>(metadata, 12, metadataRequest);
  assert.deepEqual(md2.brokers?.map((b) => b.port), [plain]);
  plainClient.close();
});

test('SASL: SaslHandshake v0 then raw PLAIN and SCRAM tokens', async () => {
  const client = await RawClient.connect(sasl);
  assert.equal((await client.request<HsRes>(saslHandshake, 0, { mechanism: 'PLAIN' })).errorCode, 0);
  const token = plainToken('alice', 'alice-secret');
  const frame = new Uint8Array(4 + token.length);
  new DataView(frame.buffer).setInt32(0, token.length);
  frame.set(token, 4);
  const answer = await client.sendFrame(frame);
  assert.equal(answer.length, 0);
  const md = await client.request<metadata.MetadataResponse>(metadata, 12, metadataRequest);
  assert.equal(md.brokers?.length, 1);
  client.close();

  const scramClient = await RawClient.connect(sasl);
  assert.equal((await scramClient.request<HsRes>(saslHandshake, 0, { mechanism: 'SCRAM-SHA-256' })).errorCode, 0);
  const scram = new ScramClient('SCRAM-SHA-256', 'alice', 'alice-secret');
  const raw = (t: Uint8Array) => {
    const f = new Uint8Array(4 + t.length);
    new DataView(f.buffer).setInt32(0, t.length);
    f.set(t, 4);
    return f;
  };
  const serverFirst = await scramClient.sendFrame(raw(scram.first()));
  const serverFinal = await scramClient.sendFrame(raw(await scram.final(serverFirst)));
  assert.match(new TextDecoder().decode(serverFinal), /^v=/);
  assert.equal((await scramClient.request<metadata.MetadataResponse>(metadata, 12, metadataRequest)).brokers?.length, 1);
  scramClient.close();

  const wrong = await RawClient.connect(sasl);
  await wrong.request<HsRes>(saslHandshake, 0, { mechanism: 'PLAIN' });
  await assert.rejects(wrong.sendFrame(raw(plainToken('alice', 'bad'))), /connection closed/);
});

test('SASL re-authentication: v1+ answers the session lifetime; a client that does not re-authenticate is closed', async () => {
  const client = await RawClient.connect(sasl);
  const res = await authenticate(client, 'PLAIN', 'alice', 'alice-secret', 1);
  assert.equal(res.sessionLifetimeMs, REAUTH_MS);
  assert.equal((await client.request<metadata.MetadataResponse>(metadata, 12, metadataRequest)).brokers?.length, 1);
  await sleep(REAUTH_MS + 300);
  await assert.rejects(client.request(metadata, 12, metadataRequest), /connection closed/);

  // Re-authenticating in time keeps the connection; as another user it fails.
  const again = await RawClient.connect(sasl);
  assert.equal((await authenticate(again, 'PLAIN', 'alice', 'alice-secret')).errorCode, 0);
  await sleep(REAUTH_MS / 2);
  assert.equal((await authenticate(again, 'PLAIN', 'alice', 'alice-secret')).errorCode, 0);
  await sleep(REAUTH_MS / 2 + 300);
  assert.equal((await again.request<metadata.MetadataResponse>(metadata, 12, metadataRequest)).brokers?.length, 1);
  const other = await authenticate(again, 'PLAIN', 'bob', 'bob-secret');
  assert.equal(other.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
  await again.closed;
});

test('SASL re-authentication: kafkajs re-authenticates and keeps producing past the session lifetime', async () => {
  const kafka = new Kafka({
    brokers: [`127.0.0.1:${sasl}`],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    sasl: { mechanism: 'scram-sha-256', username: 'alice', password: 'alice-secret' },
  });
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < 3; i++) {
    await producer.send({ topic: 'sasl-reauth', messages: [{ value: `v${i}` }] });
    await sleep(REAUTH_MS * 0.8);
  }
  await producer.disconnect();
});

test('HTTP endpoint with SASL: /metrics needs a SASL user (basic auth); /health/* does not', async () => {
  const base = `http://127.0.0.1:${tb.broker.httpPort}`;
  const anonymous = await fetch(`${base}/metrics`);
  assert.equal(anonymous.status, 401);
  assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic/);
  assert.equal(typeof ((await anonymous.json()) as { reason: unknown }).reason, 'string');
  const wrong = await fetch(`${base}/metrics`, { headers: { authorization: 'Basic ' + btoa('alice:nope') } });
  assert.equal(wrong.status, 401);
  await wrong.body?.cancel();
  const ok = await fetch(`${base}/metrics`, { headers: { authorization: 'Basic ' + btoa('alice:alice-secret') } });
  assert.equal(ok.status, 200);
  assert.match(await ok.text(), /pgkafka_sasl_authentication_failures_total/);
  const live = await fetch(`${base}/health/live`);
  assert.equal(live.status, 200);
  await live.body?.cancel();
});
