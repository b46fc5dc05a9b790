// Which JavaScript runtime is running us (Node or Deno), and the path of its executable.
import process from 'node:process';

/** True when running on Deno (which also provides `process` through node:process). */
export const isDeno: boolean = typeof (globalThis as { Deno?: unknown }).Deno !== 'undefined';

/** Absolute path of the running runtime's executable (node or deno). */
export const execPath: string = process.execPath;
