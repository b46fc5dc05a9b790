// Generator: reads Apache Kafka's JSON message specs from a folder given on the command line and writes the
// compact schema and TypeScript types of one API into the `<generated>` block of its module in apis/.
//
//   node --import ./runtime/node/register.mjs scripts/gen-api.ts <messages-dir> <ApiName> <min> <max> <apis/file.ts>
//
// The module keeps everything outside the block; a new file gets a block and a stub to fill in.

import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { camel } from '../codec/compile.ts';
import { parseRange } from '../codec/schema.ts';

interface JsonField {
  name: string;
  type: string;
  versions: string;
  nullableVersions?: string;
  tag?: number;
  taggedVersions?: string;
  default?: string | number | boolean;
  fields?: JsonField[];
}
interface JsonMessage {
  apiKey: number;
  name: string;
  validVersions: string;
  flexibleVersions: string;
  fields: JsonField[];
  commonStructs?: { name: string; versions: string; fields: JsonField[] }[];
}

function load(dir: string, file: string): JsonMessage {
  const text = readFileSync(join(dir, file), 'utf8')
    .split('\n')
    .filter((l) => !/^\s*\/\//.test(l))
    .join('\n');
  return JSON.parse(text) as JsonMessage;
}

function overlaps(spec: string | undefined, min: number, max: number): boolean {
  const r = parseRange(spec);
  return r.min <= max && r.max >= min && r.min <= r.max;
}

function resolve(fields: JsonField[], common: Map<string, JsonField[]>, min: number, max: number): JsonField[] {
  const out: JsonField[] = [];
  for (const f of fields) {
    if (!overlaps(f.versions, min, max)) continue;
    const base = f.type.startsWith('[]') ? f.type.slice(2) : f.type;
    let sub = f.fields;
    if (!sub && common.has(base)) sub = common.get(base);
    out.push({ ...f, fields: sub ? resolve(sub, common, min, max) : undefined });
  }
  return out;
}

function fieldLiteral(f: JsonField, indent: string): string {
  const parts = [`name: '${f.name}'`];
  let type = f.type;
  if (f.fields) type = f.type.startsWith('[]') ? '[]struct' : 'struct';
  parts.push(`type: '${type}'`, `versions: '${f.versions}'`);
  if (f.nullableVersions) parts.push(`nullable: '${f.nullableVersions}'`);
  if (f.tag !== undefined) parts.push(`tag: ${f.tag}`, `taggedVersions: '${f.taggedVersions ?? f.versions}'`);
  if (f.default !== undefined) parts.push(`default: ${JSON.stringify(f.default)}`);
  if (!f.fields) return `${indent}{ ${parts.join(', ')} },`;
  const inner = f.fields.map((c) => fieldLiteral(c, indent + '  ')).join('\n');
  return `${indent}{ ${parts.join(', ')}, fields: [\n${inner}\n${indent}] },`;
}

function tsType(f: JsonField, min: number, max: number, optional: boolean, indent: string): string {
  const nullable = overlaps(f.nullableVersions, min, max);
  const isArray = f.type.startsWith('[]');
  const base = isArray ? f.type.slice(2) : f.type;
  let t: string;
  if (f.fields) {
    t = `{\n${f.fields.map((c) => `${indent}  ${member(c, min, max, optional, indent + '  ')}`).join('\n')}\n${indent}}`;
  } else {
    switch (base) {
      case 'bool': t = 'boolean'; break;
      case 'string': case 'uuid': t = 'string'; break;
      case 'bytes': t = 'Uint8Array'; break;
      case 'records': t = 'Uint8Array | Uint8Array[]'; break;
      // int64s are read exactly (codec/reader.ts): a bigint beyond 2^53, which a handler must look at.
      case 'int64': t = 'number | bigint'; break;
      default: t = 'number';
    }
  }
  if (isArray) t = f.fields || t.includes('|') ? `Array<${t}>` : `${t}[]`;
  if (nullable || base === 'records') t = `${t} | null`;
  return t;
}

function member(f: JsonField, min: number, max: number, optional: boolean, indent: string): string {
  return `${camel(f.name)}${optional ? '?' : ''}: ${tsType(f, min, max, optional, indent)};`;
}

function firstFlexible(spec: string): string {
  const r = parseRange(spec);
  return r.min > r.max ? 'Infinity' : String(r.min);
}

export function generate(dir: string, api: string, min: number, max: number): string {
  const req = load(dir, `${api}Request.json`);
  const res = load(dir, `${api}Response.json`);
  const commonOf = (m: JsonMessage) => new Map((m.commonStructs ?? []).map((s) => [s.name, s.fields]));
  const reqFields = resolve(req.fields, commonOf(req), min, max);
  const resFields = resolve(res.fields, commonOf(res), min, max);
  const lines = [
    `// <generated> by scripts/gen-api.ts from Kafka's ${api}Request.json and ${api}Response.json, versions ${min}-${max}.`,
    `export const schema = {`,
    `  apiKey: ${req.apiKey},`,
    `  name: '${api}',`,
    `  minVersion: ${min},`,
    `  maxVersion: ${max},`,
    `  flexibleFrom: ${firstFlexible(req.flexibleVersions)},`,
    `  request: [`,
    ...reqFields.map((f) => fieldLiteral(f, '    ')),
    `  ],`,
    `  response: [`,
    ...resFields.map((f) => fieldLiteral(f, '    ')),
    `  ],`,
    `} as const satisfies ApiSchema;`,
    ``,
    `export interface ${api}Request {`,
    ...reqFields.map((f) => `  ${member(f, min, max, false, '  ')}`),
    `}`,
    ``,
    `export interface ${api}Response {`,
    ...resFields.map((f) => `  ${member(f, min, max, true, '  ')}`),
    `}`,
    `// </generated>`,
  ];
  return lines.join('\n');
}

function stub(api: string, block: string): string {
  const file = api.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
  return `// ${api} (api key): TODO describe the versions served and what changes between them.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import type { RequestContext } from '../runtime/context.ts';

${block}

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<${api}Request, ${api}Response>(schema);

export async function handle(request: ${api}Request, ctx: RequestContext): Promise<${api}Response> {
  throw new Error('${file}: handler missing');
}
`;
}

function main(): void {
  const [dir, api, min, max, target] = process.argv.slice(2);
  if (!dir || !api || !min || !max || !target) {
    console.error('usage: gen-api.ts <messages-dir> <ApiName> <min> <max> <apis/file.ts>');
    process.exit(2);
  }
  const block = generate(dir, api, Number(min), Number(max));
  if (!existsSync(target)) {
    writeFileSync(target, stub(api, block));
    return;
  }
  const text = readFileSync(target, 'utf8');
  const start = text.indexOf('// <generated>');
  const endMarker = '// </generated>';
  const end = text.indexOf(endMarker);
  if (start < 0 || end < 0) throw new Error(`${target} has no <generated> block`);
  writeFileSync(target, text.slice(0, start) + block + text.slice(end + endMarker.length));
}

main();
