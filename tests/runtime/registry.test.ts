// The registry: every module in apis/ registers by api key; a duplicate key fails start-up naming both files;
// dropping a module file into the folder adds its API with no other file edited.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { checkModule, loadRegistry, RegistryError } from '../../runtime/registry.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** A scratch copy of the project's code folders, so modules can be added without touching apis/. */
function scratchCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pgk-registry-'));
  for (const d of ['apis', 'codec', 'runtime', 'store']) cpSync(join(root, d), join(dir, d), { recursive: true });
  for (const f of ['package.json', 'deno.json']) cpSync(join(root, f), join(dir, f));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

const moduleSource = (apiKey: number, name: string) => `
import { apiCodec } from '../codec/api-codec.ts';
export const schema = { apiKey: ${apiKey}, name: '${name}', minVersion: 0, maxVersion: 0, flexibleFrom: Infinity, request: [], response: [{ name: 'ErrorCode', type: 'int16', versions: '0+' }] };
export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec(schema);
export async function handle() { return { errorCode: 0 }; }
`;

test('every file in apis/ is registered under its own api key', async () => {
  const registry = await loadRegistry();
  const files = readdirSync(join(root, 'apis')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  assert.equal(registry.list().length, files.length);
  assert.ok(registry.get(18), 'ApiVersions is registered');
});

test('a module dropped into apis/ adds its API', async () => {
  const dir = scratchCopy();
  try {
    writeFileSync(join(dir, 'apis', 'zz-test-api.ts'), moduleSource(9999, 'TestApi'));
    const registry = await loadRegistry(pathToFileURL(join(dir, 'apis') + '/'));
    assert.equal(registry.get(9999)?.schema.name, 'TestApi');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a duplicate api key fails start-up with both file names', async () => {
  const dir = scratchCopy();
  try {
    writeFileSync(join(dir, 'apis', 'zz-duplicate.ts'), moduleSource(18, 'AnotherApiVersions'));
    await assert.rejects(loadRegistry(pathToFileURL(join(dir, 'apis') + '/')), (err: Error) => {
      assert.ok(err instanceof RegistryError);
      assert.match(err.message, /api key 18/);
      assert.match(err.message, /apis\/api-versions\.ts/);
      assert.match(err.message, /apis\/zz-duplicate\.ts/);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a module missing an export is refused', async () => {
  const dir = scratchCopy();
  try {
    writeFileSync(join(dir, 'apis', 'zz-broken.ts'), `export const schema = { apiKey: 9998, name: 'Broken', minVersion: 0, maxVersion: 0 };`);
    await assert.rejects(loadRegistry(pathToFileURL(join(dir, 'apis') + '/')), /zz-broken\.ts does not export/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a module that is both concurrent and pipelined is refused', () => {
  const mod = { schema: { apiKey: 9997, name: 'Both', minVersion: 0, maxVersion: 0 }, decodeRequest() {}, encodeRequest() {},
    decodeResponse() {}, encodeResponse() {}, handle() {}, concurrent: true, pipelined: true };
  assert.throws(() => checkModule(mod, 'apis/zz-both.ts'), /zz-both\.ts exports both concurrent and pipelined/);
  assert.doesNotThrow(() => checkModule({ ...mod, concurrent: false }, 'apis/zz-both.ts'));
});
