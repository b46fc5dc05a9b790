// The OpenAPI document at /api/openapi.json: OpenAPI 3.x, every /api route the app serves is in it with its
// methods, every $ref resolves, every operation has responses, and path parameters are declared. A structural
// check without a validator package.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';

let tb: TestBroker;
// deno-lint-ignore no-explicit-any
let doc: any;

before(async () => {
  tb = await startTestBroker({ httpPort: 0 });
  const res = await fetch(`http://127.0.0.1:${tb.broker.httpPort}/api/openapi.json`);
  assert.equal(res.status, 200);
  doc = await res.json();
});
after(async () => {
  await tb?.stop();
});

const ROUTES: [string, string][] = [
  ['get', '/api/cluster'],
  ['get', '/api/topics'], ['post', '/api/topics'],
  ['get', '/api/topics/{topic}'], ['delete', '/api/topics/{topic}'],
  ['post', '/api/topics/{topic}/partitions'],
  ['get', '/api/topics/{topic}/configs'], ['patch', '/api/topics/{topic}/configs'],
  ['get', '/api/topics/{topic}/messages'], ['post', '/api/topics/{topic}/messages'],
  ['post', '/api/topics/{topic}/delete-records'],
  ['get', '/api/groups'], ['get', '/api/groups/{group}'], ['delete', '/api/groups/{group}'],
  ['post', '/api/groups/{group}/reset-offsets'],
  ['get', '/api/transactions'],
  ['get', '/api/shadow'],
];

function resolve(ref: string): unknown {
  assert.ok(ref.startsWith('#/'), `only local refs: ${ref}`);
  let node: unknown = doc;
  for (const part of ref.slice(2).split('/')) {
    node = (node as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    assert.ok(node !== undefined, `unresolvable $ref ${ref}`);
  }
  return node;
}

function walkRefs(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) walkRefs(n, found);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') found.push(v);
      else walkRefs(v, found);
    }
  }
  return found;
}

test('an OpenAPI 3.x document with info and paths', () => {
  assert.match(doc.openapi, /^3\.\d+\.\d+$/);
  assert.equal(typeof doc.info?.title, 'string');
  assert.equal(typeof doc.info?.version, 'string');
  assert.equal(typeof doc.paths, 'object');
});

test('every route is described, with responses, and path parameters declared', () => {
  for (const [method, path] of ROUTES) {
    const op = doc.paths[path]?.[method];
    assert.ok(op, `${method.toUpperCase()} ${path} is missing`);
    assert.ok(op.responses && Object.keys(op.responses).length > 0, `${method} ${path} has no responses`);
    for (const name of [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])) {
      const params = (op.parameters ?? []).map((p: { $ref?: string }) => (p.$ref ? resolve(p.$ref) : p));
      assert.ok(params.some((p: { in: string; name: string; required?: boolean }) => p.in === 'path' && p.name === name && p.required === true), `${method} ${path}: path parameter ${name}`);
    }
    if (method === 'post' || method === 'patch') {
      assert.ok(op.requestBody?.content?.['application/json']?.schema, `${method} ${path} has a JSON body schema`);
    }
  }
  const described = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops as object).map((m) => `${m} ${p}`)).sort();
  assert.deepEqual(described, ROUTES.map(([m, p]) => `${m} ${p}`).sort(), 'no route undescribed, none extra');
});

test('every $ref resolves to a schema', () => {
  const refs = walkRefs(doc);
  assert.ok(refs.length > 10, 'the document uses component schemas');
  for (const ref of refs) {
    const target = resolve(ref) as Record<string, unknown>;
    assert.ok(target.type || target.anyOf || target.oneOf || target.allOf || target.enum || target.properties, `${ref} is a schema`);
  }
});

test('the error schema is the one routes answer with', () => {
  const err = doc.components.schemas.Error;
  assert.deepEqual(err.required.sort(), ['error', 'message']);
});
