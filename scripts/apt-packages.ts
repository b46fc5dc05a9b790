// Tools the tests run that npm does not bring (kcat, Burrow, Chromium), from Debian's packages: installed with apt-get when
// missing and we may (root, apt-get present). Used by scripts/test.ts before a run and by the tests that need a
// tool (so that one file run on its own still gets it). Never throws: it reports whether the tool is there.
import { spawnSync } from 'node:child_process';
import process from 'node:process';

export interface AptTool {
  /** The Debian package. */
  pkg: string;
  /** The command it installs (probed by running it with `args`; only a missing command counts as absent). */
  command: string;
  args: string[];
}

export const KCAT: AptTool = { pkg: 'kcat', command: 'kcat', args: ['-V'] };
export const BURROW: AptTool = { pkg: 'burrow', command: 'Burrow', args: ['--help'] };
export const CHROMIUM: AptTool = { pkg: 'chromium', command: 'chromium', args: ['--version'] };

export function hasTool(tool: AptTool): boolean {
  const probe = spawnSync(tool.command, tool.args, { stdio: 'ignore', timeout: 10_000 });
  return probe.error === undefined;
}

/** Whether apt-get may install packages here (root and apt-get present). */
export function canApt(): boolean {
  return process.getuid?.() === 0 && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
}

let updated = false;

/** True when the tool is (now) installed; logs to stderr what it does. */
export function ensureAptTool(tool: AptTool): boolean {
  if (hasTool(tool)) return true;
  if (!canApt()) {
    console.error(`${tool.command} is not installed and apt-get is not available to install it (Debian/Ubuntu: apt-get install -y ${tool.pkg})`);
    return false;
  }
  console.error(`${tool.command} missing, installing ${tool.pkg} with apt-get...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!updated) updated = spawnSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env }).status === 0;
  const install = updated && spawnSync('apt-get', ['install', '-y', '-qq', tool.pkg], { stdio: ['ignore', 'ignore', 'inherit'], env });
  const ok = install !== false && install.status === 0 && hasTool(tool);
  console.error(ok ? `${tool.pkg} installed` : `could not install ${tool.pkg}`);
  return ok;
}
