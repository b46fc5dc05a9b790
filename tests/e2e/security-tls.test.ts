// TLS listeners: kafkajs over SSL (the CA only), kcat over SASL_SSL with SCRAM-SHA-256 (produce and consume),
// @platformatic/kafka over SASL_SSL with SCRAM-SHA-512 and over SASL_PLAINTEXT with PLAIN; mTLS (the principal is
// the client certificate's subject in RFC 2253 form, seen by a handler); a client without a certificate
// refused when sslClientAuth=required; plaintext on the TLS port and TLS on the plaintext port closed cleanly
// while others are served. Certificates are made with openssl for each run.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';
import { Buffer } from 'node:buffer';
import { Kafka, logLevel } from 'kafkajs';
import { Producer } from '@platformatic/kafka';
import * as describeCluster from '../../apis/describe-cluster.ts';
import * as apiVersions from '../../apis/api-versions.ts';
import { loadRegistry, Registry } from '../../runtime/registry.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { makeCertificates, type TestCertificates } from '../helpers/certificates.ts';
import { requireKcat, runKcat } from '../helpers/kcat-cli.ts';
import { setUserPassword } from '../../runtime/sasl/users.ts';
import { certificatePrincipal } from '../../runtime/sasl/certificate.ts';
import { X509Certificate } from 'node:crypto';

let certs: TestCertificates;
let tb: TestBroker;
let strict: TestBroker;
const port = (name: string) => tb.broker.listenerPort(name);

/** Every API, with DescribeCluster answering the connection's principal in its error message (to observe it). */
async function principalEchoRegistry(): Promise<Registry> {
  const all = await loadRegistry();
  const registry = new Registry();
  for (const s of all.list()) {
    const mod = all.get(s.apiKey);
    if (!mod) continue;
    if (s.apiKey === describeCluster.schema.apiKey) {
      registry.register({ ...mod, handle: async (_req, ctx) => ({ throttleTimeMs: 0, errorCode: 0, errorMessage: `${ctx.principal} on ${ctx.listenerName}`, clusterId: '', brokers: [] }) }, 'principal-echo');
    } else registry.register(mod, `apis/${s.name}`);
  }
  return registry;
}

before(async () => {
  requireKcat();
  certs = makeCertificates();
  const tls = { sslCert: certs.serverCert, sslKey: certs.serverKey, sslCa: certs.caCert };
  tb = await startTestBroker({
    listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,SASL_SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
    sslClientAuth: 'requested',
    ...tls,
  }, { registry: await principalEchoRegistry() });
  await setUserPassword(tb.store.sql, 'alice', 'alice-secret');
  strict = await startTestBroker({ listeners: 'SSL://127.0.0.1:0', sslClientAuth: 'required', nodeId: 2, ...tls }, { databaseUrl: tb.databaseUrl, registry: await principalEchoRegistry() });
});
after(async () => {
  await strict?.stopBroker();
  await tb?.stop();
  certs?.remove();
});

async function principalOver(socketPort: number, options: { cert?: string; key?: string }): Promise<string> {
  const socket = tlsConnect({ port: socketPort, host: '127.0.0.1', ca: certs.pem(certs.caCert), servername: 'localhost', ...options });
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', () => resolve());
    socket.once('error', reject);
  });
  const client = RawClient.wrap(socket);
  const res = await client.request<describeCluster.DescribeClusterResponse>(describeCluster, 0, { includeClusterAuthorizedOperations: false });
  client.close();
  return res.errorMessage ?? '';
}

test('certificate principal: User: and the subject in RFC 2253 form', () => {
  const der = new X509Certificate(readFileSync(certs.clientCert)).raw;
  assert.equal(certificatePrincipal(der), `User:${certs.clientDn}`);
});

test('mTLS: a client certificate is the principal; without one (requested) the client is ANONYMOUS', async () => {
  assert.equal(await principalOver(port('SSL'), { cert: certs.pem(certs.clientCert), key: certs.pem(certs.clientKey) }), `User:${certs.clientDn} on SSL`);
  assert.equal(await principalOver(port('SSL'), {}), 'User:ANONYMOUS on SSL');
});

test('mTLS required: a client without a certificate is refused; with one it is served', async () => {
  await assert.rejects(principalOver(strict.port, {}));
  assert.equal(await principalOver(strict.port, { cert: certs.pem(certs.clientCert), key: certs.pem(certs.clientKey) }), `User:${certs.clientDn} on SSL`);
});

test('kafkajs over SSL with the CA: produces and reads the offsets back', async () => {
  const kafka = new Kafka({ brokers: [`127.0.0.1:${port('SSL')}`], logLevel: logLevel.NOTHING, ssl: { ca: [certs.pem(certs.caCert)], servername: 'localhost' } });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'tls-kafkajs', messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
  await producer.disconnect();
  const admin = kafka.admin();
  await admin.connect();
  assert.equal((await admin.fetchTopicOffsets('tls-kafkajs'))[0].high, '3');
  await admin.disconnect();
});

test('kcat over SASL_SSL with SCRAM-SHA-256: produces and consumes; a wrong password fails', async () => {
  const props = (password: string) => [
    '-X', 'security.protocol=SASL_SSL', '-X', 'sasl.mechanisms=SCRAM-SHA-256', '-X', 'sasl.username=alice', '-X', `sasl.password=${password}`,
    '-X', `ssl.ca.location=${certs.caCert}`, '-b', `127.0.0.1:${port('SASL_SSL')}`,
  ];
  const produced = await runKcat([...props('alice-secret'), '-P', '-t', 'tls-kcat'], 'one\ntwo\n');
  assert.equal(produced.code, 0, produced.stderr);
  const consumed = await runKcat([...props('alice-secret'), '-C', '-t', 'tls-kcat', '-o', 'beginning', '-e', '-f', '%s\n']);
  assert.equal(consumed.code, 0, consumed.stderr);
  assert.deepEqual(consumed.stdout.trim().split('\n'), ['one', 'two']);
  const wrong = await runKcat([...props('wrong'), '-L', '-m', '5'], '', 20_000);
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /Authentication failed|SASL authentication error/i);
});

test('@platformatic/kafka over SASL_SSL (SCRAM-SHA-512) and SASL_PLAINTEXT (PLAIN)', async () => {
  const cases = [
    { at: port('SASL_SSL'), mechanism: 'SCRAM-SHA-512', tls: { ca: certs.pem(certs.caCert), servername: 'localhost' } },
    { at: port('SASL_PLAINTEXT'), mechanism: 'PLAIN', tls: undefined },
  ] as const;
  await tb.store.createTopic({ name: 'tls-platformatic', partitions: 1 });
  for (const c of cases) {
    const producer = new Producer<Buffer, Buffer, Buffer, Buffer>({
      clientId: 'tls-platformatic',
      bootstrapBrokers: [`127.0.0.1:${c.at}`],
      retries: 1,
      sasl: { mechanism: c.mechanism, username: 'alice', password: 'alice-secret' },
      ...(c.tls ? { tls: c.tls } : {}),
    });
    try {
      const res = await producer.send({ acks: -1, messages: [{ topic: 'tls-platformatic', value: Buffer.from(c.mechanism) }] });
      assert.ok(res.offsets && res.offsets.length === 1, c.mechanism);
    } finally {
      await producer.close();
    }
  }
});

test('plaintext on the TLS port and TLS on the plaintext port: that connection is closed, others are served', async () => {
  const plainOnTls = await RawClient.connect(port('SSL'));
  await assert.rejects(plainOnTls.request(apiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' }), /connection closed/);
  const tlsOnPlain = tlsConnect({ port: port('PLAINTEXT'), host: '127.0.0.1', ca: certs.pem(certs.caCert), servername: 'localhost' });
  await new Promise<void>((resolve) => {
    tlsOnPlain.once('error', () => resolve());
    tlsOnPlain.once('close', () => resolve());
  });
  assert.ok(!tlsOnPlain.authorized);
  const fine = await RawClient.connect(port('PLAINTEXT'));
  const res = await fine.request<{ errorCode: number }>(apiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' });
  assert.equal(res.errorCode, 0);
  fine.close();
});
