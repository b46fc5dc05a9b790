// `npm test` / `deno task test`: type-checks, starts an embedded PostgreSQL in a temp folder unless
// PGKAFKA_TEST_DATABASE_URL is set, then runs the test files (all tests/**/*.test.ts, or those given) on the
// runtime running this script, and exits with the test run's code. PostgreSQL is always stopped.
//   node --import ./runtime/node/register.mjs scripts/test.ts [files or folders...]
//   deno run -A scripts/test.ts [files or folders...]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../runtime/embedded-postgres.ts';
import { execPath, isDeno } from '../runtime/platform.ts';
import { BURROW, CHROMIUM, ensureAptTool, KCAT } from './apt-packages.ts';

const root = fileURLToPath(new URL('../', import.meta.url));

function testFiles(args: string[]): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path).sort()) walk(join(path, name));
    } else if (path.endsWith('.test.ts')) {
      found.push(relative(root, path));
    }
  };
  for (const arg of args.length > 0 ? args : ['tests']) walk(join(root, arg));
  return found;
}

/** A whole run that takes longer than this is stopped and fails (a hung test must not stall CI). */
const RUN_TIMEOUT_MS = Number(process.env.PGKAFKA_TEST_RUN_TIMEOUT_MS ?? 40 * 60_000);
/** One test taking longer than this fails (Node's runner; Deno's has no per-test limit, the run limit covers it). */
const TEST_TIMEOUT_MS = 180_000;

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 0): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env, stdio: 'inherit' });
    const timer = timeoutMs > 0
      ? setTimeout(() => {
        console.error(`test: the run took longer than ${timeoutMs / 60_000} minutes; stopping it`);
        child.kill('SIGKILL');
      }, timeoutMs)
      : undefined;
    child.on('error', (error) => {
      console.error(`${command}: ${error.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

async function main(): Promise<number> {
  const files = testFiles(process.argv.slice(2));
  if (files.length === 0) {
    console.error('test: no test files found');
    return 1;
  }

  console.error('test: type check (tsc --noEmit -p .)');
  const tsc = await run(process.platform === 'win32' ? 'node_modules/.bin/tsc.cmd' : 'node_modules/.bin/tsc', ['--noEmit', '-p', '.']);
  if (tsc !== 0) return tsc;

  // The kcat, Burrow and console-browser tests need those tools: installed when missing and we may; never fails
  // the run (the browser test skips without Chromium).
  ensureAptTool(KCAT);
  if (files.some((f) => f.includes('burrow'))) ensureAptTool(BURROW);
  if (files.some((f) => f.includes('console-browser'))) ensureAptTool(CHROMIUM);

  let pg: EmbeddedPostgres | null = null;
  let tempDir: string | null = null;
  const cleanUp = async () => {
    await pg?.stop();
    pg = null;
    if (tempDir && existsSync(tempDir)) rmSync(tempDir, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
  }
  const env = { ...process.env };
  try {
    if (!env.PGKAFKA_TEST_DATABASE_URL) {
      tempDir = mkdtempSync(join(tmpdir(), 'pg-kafka-test-'));
      pg = await startEmbeddedPostgres({
        dataDir: join(tempDir, 'pg'),
        // A throwaway cluster: durability buys nothing here.
        settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
        log: (m) => (m.startsWith('postgres:') ? undefined : console.error(`test: ${m}`)),
      });
      env.PGKAFKA_TEST_DATABASE_URL = pg.url;
    }
    // globalThis.gc, so the memory tests (tests/runtime/connection-leak.test.ts) measure what is really retained.
    const args = isDeno
      ? ['test', '-A', '--no-check', '--v8-flags=--expose-gc', ...files]
      : ['--import', './runtime/node/register.mjs', '--expose-gc', '--test', '--test-concurrency=2', `--test-timeout=${TEST_TIMEOUT_MS}`, ...files];
    console.error(`test: ${files.length} file(s) on ${isDeno ? 'Deno' : 'Node'}`);
    return await run(execPath, args, env, RUN_TIMEOUT_MS);
  } finally {
    await cleanUp();
  }
}

process.exit(await main());
