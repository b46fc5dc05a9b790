// Test fixture: starts an embedded PostgreSQL on the folder given as argument, prints its URL and waits to be killed.
import process from 'node:process';
import { startEmbeddedPostgres } from '../../runtime/embedded-postgres.ts';

const pg = await startEmbeddedPostgres({ dataDir: process.argv[2] });
process.stdout.write(`${pg.url}\n`);
setInterval(() => {}, 1 << 30);
