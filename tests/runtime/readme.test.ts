// The README stays true: its API table lists exactly what the registry serves (names, keys, version ranges),
// and its configuration table names every setting with its flag and environment variable.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadRegistry } from '../../runtime/registry.ts';
import { envName, flagName, settingNames } from '../../runtime/config.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

test('the README API table matches the registry', async () => {
  const start = readme.indexOf('<!-- api-table');
  const end = readme.indexOf('<!-- /api-table -->');
  assert.ok(start >= 0 && end > start, 'README has an api-table block');
  const rows = readme.slice(start, end).split('\n').filter((l) => /^\| [A-Z]/.test(l) && !l.startsWith('| API'));
  const listed = rows.map((l) => {
    const [name, key, versions] = l.split('|').slice(1, 4).map((c) => c.trim());
    return { name, key: Number(key), versions: versions.split(' ')[0] };
  }).sort((a, b) => a.key - b.key);
  const registry = await loadRegistry();
  const served = registry.list().map((s) => ({
    name: s.name,
    key: s.apiKey,
    versions: s.minVersion === s.maxVersion ? String(s.minVersion) : `${s.minVersion}-${s.maxVersion}`,
  }));
  assert.deepEqual(listed, served);
});

test('the README configuration table names every setting', () => {
  for (const key of settingNames) {
    assert.ok(readme.includes(`\`--${flagName(key)}\``), `README lacks --${flagName(key)}`);
    assert.ok(readme.includes(`\`${envName(key)}\``), `README lacks ${envName(key)}`);
  }
});
