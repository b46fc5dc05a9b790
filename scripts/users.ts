// SCRAM users from the command line: `npm run users -- add <name> [--mechanism SCRAM-SHA-256] [--iterations 4096]`
// (prompts for the password without echo; reads one line of stdin when it is not a terminal), `list` and
// `delete <name> [--mechanism M]`. Other flags (--database-url, --data-dir, ...) find the database as `npm start`
// does. The password only feeds the key derivation: PostgreSQL gets salt, iterations, StoredKey and ServerKey.

import process from 'node:process';
import { createInterface } from 'node:readline';
import { ConfigError, loadConfig } from '../runtime/config.ts';
import { createLogger } from '../runtime/log.ts';
import { openDatabase } from '../runtime/database.ts';
import { openStore } from '../store/index.ts';
import { deleteScramCredential, listScramCredentials } from '../store/scram-credentials.ts';
import { SCRAM_MAX_ITERATIONS, SCRAM_MECHANISMS, SCRAM_MIN_ITERATIONS, scramMechanism } from '../runtime/sasl/scram.ts';
import { setUserPassword } from '../runtime/sasl/users.ts';

const USAGE = `usage: npm run users -- add <name> [--mechanism SCRAM-SHA-256|SCRAM-SHA-512] [--iterations ${SCRAM_MIN_ITERATIONS}]
       npm run users -- list
       npm run users -- delete <name> [--mechanism SCRAM-SHA-256|SCRAM-SHA-512]
  (plus --database-url or --data-dir to find the database, as for npm start)`;

/** Reads the password: from a terminal without echo (asked twice), else one line of stdin. */
async function readPassword(): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const rl = createInterface({ input: stdin });
    for await (const line of rl) {
      rl.close();
      return line;
    }
    return '';
  }
  const ask = (prompt: string) => new Promise<string>((resolve) => {
    const rl = createInterface({ input: stdin, output: process.stdout, terminal: true });
    const out = rl as unknown as { _writeToOutput: (s: string) => void };
    out._writeToOutput = (s: string) => {
      if (s.startsWith(prompt)) process.stdout.write(prompt);
    };
    rl.question(prompt, (answer) => {
      rl.close();
      process.stdout.write('\n');
      resolve(answer);
    });
  });
  const first = await ask('Password: ');
  if ((await ask('Password again: ')) !== first) throw new ConfigError('the passwords differ');
  return first;
}

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const command = args.shift();
  const positional: string[] = [];
  let mechanism: string | null = null;
  let iterations = SCRAM_MIN_ITERATIONS;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => inline ?? args[++i];
    if (flag === '--mechanism') mechanism = (value() ?? '').toUpperCase();
    else if (flag === '--iterations') iterations = Number(value());
    else if (a.startsWith('--')) {
      rest.push(a);
      if (inline === undefined && args[i + 1] !== undefined && !args[i + 1].startsWith('--')) rest.push(args[++i]);
    } else positional.push(a);
  }
  if (command !== 'add' && command !== 'list' && command !== 'delete') fail(USAGE);
  if (command !== 'list' && positional.length !== 1) fail(USAGE);
  const m = mechanism === null ? null : scramMechanism(mechanism);
  if (mechanism !== null && !m) fail(`unknown mechanism ${mechanism} (${SCRAM_MECHANISMS.map((x) => x.name).join(', ')})`);
  if (!Number.isInteger(iterations) || iterations < SCRAM_MIN_ITERATIONS || iterations > SCRAM_MAX_ITERATIONS) {
    fail(`--iterations must be an integer from ${SCRAM_MIN_ITERATIONS} to ${SCRAM_MAX_ITERATIONS}`);
  }
  let config;
  try {
    config = loadConfig(rest, process.env, { logLevel: process.env.PGKAFKA_LOG_LEVEL === undefined ? 'warn' : undefined });
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  const log = createLogger(config.logLevel);
  const password = command === 'add' ? await readPassword() : '';
  if (command === 'add' && password === '') fail('the password must not be empty');
  const db = await openDatabase(config, log);
  const store = await openStore(db.url);
  try {
    const name = positional[0];
    if (command === 'add') {
      await setUserPassword(store.sql, name, password, m ? [m] : SCRAM_MECHANISMS, iterations);
      console.log(`user ${name}: ${(m ? [m] : SCRAM_MECHANISMS).map((x) => x.name).join(', ')} (${iterations} iterations)`);
    } else if (command === 'delete') {
      const n = await deleteScramCredential(store.sql, name, m ? m.name : null);
      if (n === 0) {
        console.error(`user ${name} has no ${m ? m.name : 'SCRAM'} credentials`);
        process.exitCode = 1;
      } else console.log(`user ${name}: ${n} credential(s) deleted`);
    } else {
      const byUser = new Map<string, string[]>();
      for (const c of await listScramCredentials(store.sql)) byUser.set(c.user, [...(byUser.get(c.user) ?? []), `${c.mechanism} (${c.iterations})`]);
      for (const [user, list] of byUser) console.log(`${user}\t${list.join(', ')}`);
    }
  } finally {
    await store.close();
    await db.stop();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
