// Connection handling under bad input: oversized and undersized frames, random bytes, unknown api keys,
// unsupported versions and truncated bodies close that one connection, while other connections keep being
// served; pipelined requests are answered in order.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as apiVersions from '../../apis/api-versions.ts';
import { Writer } from '../../codec/writer.ts';
import { Reader } from '../../codec/reader.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';

let tb: TestBroker;
let bystander: RawClient;

before(async () => {
  tb = await startTestBroker({ socketRequestMaxBytes: 65536 });
  bystander = await RawClient.connect(tb.port);
});
after(async () => {
  bystander?.close();
  await tb?.stop();
});

const hello = { clientSoftwareName: 'test', clientSoftwareVersion: '1' };

async function assertClosed(client: RawClient): Promise<void> {
  await Promise.race([
    client.closed,
    new Promise((_, reject) => setTimeout(() => reject(new Error('connection was not closed')), 3000)),
  ]);
}

async function assertBystanderServed(): Promise<void> {
  const res = await bystander.request<apiVersions.ApiVersionsResponse>(apiVersions, 3, hello);
  assert.equal(res.errorCode, 0);
}

function frame(body: Uint8Array): Uint8Array {
  const w = new Writer();
  w.int32(body.length).raw(body);
  return w.bytes().slice();
}

test('a frame larger than socket.request.max.bytes closes the connection', async () => {
  const c = await RawClient.connect(tb.port);
  const w = new Writer();
  w.int32(65537).int16(18).int16(3).int32(1);
  c.write(w.bytes());
  await assertClosed(c);
  await assertBystanderServed();
});

test('a negative or tiny frame size closes the connection', async () => {
  for (const size of [-5, 0, 3]) {
    const c = await RawClient.connect(tb.port);
    const w = new Writer();
    w.int32(size).raw(new Uint8Array(16));
    c.write(w.bytes());
    await assertClosed(c);
  }
  await assertBystanderServed();
});

test('random bytes close the connection', async () => {
  for (let i = 0; i < 20; i++) {
    const c = await RawClient.connect(tb.port);
    const junk = randomBytes(64);
    junk.writeInt32BE(60, 0); // a plausible frame size, garbage inside
    c.write(junk);
    // Either closed or (if the junk happened to parse) answered; the broker must survive both.
    await Promise.race([c.closed, new Promise((r) => setTimeout(r, 200))]);
    c.close();
  }
  await assertBystanderServed();
});

test('an unknown api key closes the connection', async () => {
  const c = await RawClient.connect(tb.port);
  const w = new Writer();
  w.int16(32000).int16(0).int32(7).string('x');
  c.write(frame(w.bytes()));
  await assertClosed(c);
  await assertBystanderServed();
});

test('an unsupported version of a known api closes the connection', async () => {
  const c = await RawClient.connect(tb.port);
  const bytes = c.encode(apiVersions, 3, hello);
  // Metadata (key 3) at version 99.
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  view.setInt16(4, 3);
  view.setInt16(6, 99);
  c.write(bytes);
  await assertClosed(c);
  await assertBystanderServed();
});

test('a truncated request body closes the connection', async () => {
  const c = await RawClient.connect(tb.port);
  const full = c.encode(apiVersions, 3, { clientSoftwareName: 'abcdefgh', clientSoftwareVersion: '1.2.3' });
  const body = full.subarray(4, full.length - 6);
  c.write(frame(body));
  await assertClosed(c);
  await assertBystanderServed();
});

test('a frame split across many small writes is reassembled', async () => {
  const c = await RawClient.connect(tb.port);
  const bytes = c.encode(apiVersions, 3, hello, 42);
  const pending = new Promise<Uint8Array>((resolve, reject) => {
    c.socket.once('data', (d: Uint8Array) => resolve(d));
    c.socket.once('close', () => reject(new Error('closed')));
  });
  for (let i = 0; i < bytes.length; i++) {
    c.write(bytes.subarray(i, i + 1));
    await new Promise((r) => setImmediate(r));
  }
  const got = await pending;
  assert.equal(new Reader(got.subarray(4)).int32(), 42);
  c.close();
});

test('pipelined requests are answered strictly in order', async () => {
  const c = await RawClient.connect(tb.port);
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) => c.request<apiVersions.ApiVersionsResponse>(apiVersions, i % 5, hello)));
  assert.equal(results.length, 50);
  for (const r of results) assert.equal(r.errorCode, 0);
  c.close();
});
