import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../runtime/embedded-postgres.ts';
import { openStore } from '../store/index.ts';
const dir = mkdtempSync(join(tmpdir(), 'ex-'));
const pg = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), settings: { fsync: 'off' } });
const store = await openStore(pg.url);
const t = await store.createTopic({ name: 'x', partitions: 3 });
const rows = await store.sql.unsafe(`explain (costs off) with v as (
        select * from unnest('{${t.id},${t.id}}'::int[], '{2,0}'::int[], '{1,1}'::bigint[]) as v(topic_id, partition, n)
      ), locked as materialized (
        select p.topic_id, p.partition from kafka.partitions p join v using (topic_id, partition)
        order by p.topic_id, p.partition
        for update of p
      )
      update kafka.partitions p set next_offset = p.next_offset + v.n
      from v, locked l
      where p.topic_id = v.topic_id and p.partition = v.partition
        and l.topic_id = p.topic_id and l.partition = p.partition
      returning p.topic_id`);
for (const r of rows) console.log(r['QUERY PLAN']);
console.log(await store.sql`select * from kafka.messages limit 1`);
await store.close(); await pg.stop(); rmSync(dir, { recursive: true, force: true });
