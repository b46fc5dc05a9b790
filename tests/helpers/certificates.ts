// Test certificates made with the `openssl` command in a temporary folder: a CA, a server certificate for
// 127.0.0.1 and localhost, and a client certificate (for mTLS) with a multi-part subject.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificates {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** The client certificate's subject as Kafka names it (RFC 2253, most specific first). */
  clientDn: string;
  pem(path: string): string;
  remove(): void;
}

export function requireOpenssl(): void {
  const probe = spawnSync('openssl', ['version'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) throw new Error('openssl is not installed: these tests need it (Debian/Ubuntu: `apt-get install -y openssl`)');
}

export function makeCertificates(): TestCertificates {
  requireOpenssl();
  const dir = mkdtempSync(join(tmpdir(), 'pg-kafka-certs-'));
  const at = (f: string) => join(dir, f);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=pg-kafka test CA');
  const issue = (name: string, subject: string, ext: string) => {
    writeFileSync(at(`${name}.ext`), ext);
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
  };
  issue('server', '/CN=localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  issue('client', '/C=DE/O=pg-kafka/OU=test/CN=alice', 'extendedKeyUsage=clientAuth\n');
  return {
    dir,
    caCert: at('ca.pem'),
    serverCert: at('server.pem'),
    serverKey: at('server.key'),
    clientCert: at('client.pem'),
    clientKey: at('client.key'),
    clientDn: 'CN=alice,OU=test,O=pg-kafka,C=DE',
    pem: (path: string) => readFileSync(path, 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
