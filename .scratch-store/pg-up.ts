import { startEmbeddedPostgres } from '../runtime/embedded-postgres.ts';
const pg = await startEmbeddedPostgres({ dataDir: process.argv[2], settings: JSON.parse(process.argv[3] ?? '{}') });
console.log(pg.url);
process.on('SIGTERM', () => void pg.stop().then(() => process.exit(0)));
setInterval(() => {}, 1 << 30);
