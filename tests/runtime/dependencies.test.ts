// package.json and deno.json name the same packages at the same versions, so Node and Deno run the same code.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const read = (f: string) => JSON.parse(readFileSync(new URL(`../../${f}`, import.meta.url), 'utf8'));

test('every npm dependency is a deno.json import at the same version, and nothing else is', () => {
  const pkg = read('package.json');
  const deno = read('deno.json');
  const npm: Record<string, string> = { ...pkg.dependencies, ...pkg.devDependencies, ...pkg.optionalDependencies };
  const fromDeno: Record<string, string> = {};
  for (const [name, spec] of Object.entries(deno.imports as Record<string, string>)) {
    const m = /^npm:(@?[^@]+)@(.+)$/.exec(spec);
    assert.ok(m, `deno.json import ${name} is not an npm: specifier with a version`);
    assert.equal(m[1], name, `deno.json maps ${name} to another package`);
    fromDeno[name] = m[2];
  }
  assert.deepEqual(Object.keys(fromDeno).sort(), Object.keys(npm).sort());
  for (const [name, version] of Object.entries(npm)) assert.equal(fromDeno[name], version, name);
});
