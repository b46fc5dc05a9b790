// Which JavaScript runtime is running us (Node or Deno), its executable, and how to start a .ts script on it.
import { fileURLToPath } from 'node:url';
import process from 'node:process';

/** True when running on Deno (which also provides `process` through node:process). */
export const isDeno: boolean = typeof (globalThis as { Deno?: unknown }).Deno !== 'undefined';

/** Absolute path of the running runtime's executable (node or deno). */
export const execPath: string = process.execPath;

const nodeRegister = fileURLToPath(new URL('./node/register.mjs', import.meta.url));
const mainScript = fileURLToPath(new URL('./main.ts', import.meta.url));

/** Command and arguments that run a TypeScript file on this runtime (Node through the type-stripping loader). */
export function scriptCommand(script: string, args: string[] = []): [string, string[]] {
  return isDeno ? [execPath, ['run', '-A', script, ...args]] : [execPath, ['--import', nodeRegister, script, ...args]];
}

/** Command and arguments that start a broker (runtime/main.ts) on this runtime. */
export function brokerCommand(args: string[] = []): [string, string[]] {
  return scriptCommand(mainScript, args);
}
