// The API registry: discovers every module in apis/, checks its exports and registers it by api key and
// version range. A duplicate api key fails start-up. ApiVersions answers from here.

import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type { ApiSchema } from '../codec/schema.ts';
import type { Reader } from '../codec/reader.ts';
import type { Writer } from '../codec/writer.ts';
import type { RequestContext } from './context.ts';

/** What every file in apis/ exports. */
export interface ApiModule {
  readonly schema: ApiSchema;
  decodeRequest(version: number, r: Reader): unknown;
  encodeRequest(version: number, w: Writer, value: unknown): void;
  decodeResponse(version: number, r: Reader): unknown;
  encodeResponse(version: number, w: Writer, value: unknown): void;
  handle(request: unknown, ctx: RequestContext): Promise<unknown>;
  /** True when requests may run alongside others from the same connection (reads); default false. */
  readonly concurrent?: boolean;
  /**
   * True when requests start one at a time in arrival order, but the next may start once the handler calls
   * ctx.queued() (Produce: after queueing its append, so decoding overlaps the previous request's commit).
   * Requests of other non-concurrent modules still wait for every earlier request to finish. Default false.
   */
  readonly pipelined?: boolean;
  /**
   * The answer to a request that failed as a whole with `errorCode` (every partition, group or transaction it names
   * gets that code). Used when PostgreSQL is unreachable (runtime/unavailable.ts); without it, a response with a
   * top-level ErrorCode gets the code there, and any other request closes its connection.
   */
  errorResponse?(request: unknown, errorCode: number, ctx: RequestContext): unknown;
  /**
   * The retriable code answered while PostgreSQL is unreachable: NOT_LEADER_OR_FOLLOWER (the default with
   * errorResponse) for partition APIs, COORDINATOR_NOT_AVAILABLE (the default without) for coordinator APIs,
   * REQUEST_TIMED_OUT for the admin APIs a Kafka controller answers (topics, configs, ACLs, quotas, SCRAM users).
   */
  readonly unavailableError?: number;
}

export interface RegisteredApi {
  readonly module: ApiModule;
  readonly file: string;
}

export class RegistryError extends Error {
  override name = 'RegistryError';
}

export class Registry {
  readonly #apis = new Map<number, RegisteredApi>();

  register(module: ApiModule, file: string): void {
    const key = module.schema.apiKey;
    const existing = this.#apis.get(key);
    if (existing) {
      throw new RegistryError(`api key ${key} (${module.schema.name}) is defined twice: in ${existing.file} and in ${file}`);
    }
    this.#apis.set(key, { module, file });
  }

  get(apiKey: number): ApiModule | undefined {
    return this.#apis.get(apiKey)?.module;
  }

  /** Every registered API, by api key. */
  list(): ApiSchema[] {
    return [...this.#apis.values()].map((a) => a.module.schema).sort((a, b) => a.apiKey - b.apiKey);
  }
}

const required = ['schema', 'decodeRequest', 'encodeRequest', 'decodeResponse', 'encodeResponse', 'handle'] as const;

export function checkModule(mod: Record<string, unknown>, file: string): ApiModule {
  const missing = required.filter((k) => mod[k] === undefined);
  if (missing.length > 0) throw new RegistryError(`${file} does not export ${missing.join(', ')}`);
  const s = mod.schema as ApiSchema;
  if (typeof s.apiKey !== 'number' || !(s.minVersion <= s.maxVersion)) throw new RegistryError(`${file}: invalid schema`);
  if (mod.concurrent === true && mod.pipelined === true) throw new RegistryError(`${file} exports both concurrent and pipelined: choose one`);
  return mod as unknown as ApiModule;
}

export const defaultApisDir = new URL('../apis/', import.meta.url);

/** Imports every `apis/*.ts` (tests and index files excluded) and registers it. */
export async function loadRegistry(dir: URL = defaultApisDir): Promise<Registry> {
  const registry = new Registry();
  const path = fileURLToPath(dir);
  const files = readdirSync(path)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts') && f !== 'index.ts')
    .sort();
  const modules = await Promise.all(files.map((f) => import(pathToFileURL(join(path, f)).href)));
  files.forEach((f, i) => registry.register(checkModule(modules[i] as Record<string, unknown>, `apis/${f}`), `apis/${f}`));
  return registry;
}
