import { startEmbeddedPostgres } from '../runtime/embedded-postgres.ts';
const pg = await startEmbeddedPostgres({ dataDir: '/tmp/pgk-a/data' });
console.log('up', pg.url);
setInterval(() => {}, 1000);
