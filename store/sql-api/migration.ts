// Migration 120: Kafka from SQL. kafka.send / kafka.send_batch (outbox-sql.ts), kafka.commit_offset /
// kafka.committed_offset and the views kafka.consumer_lag and kafka.topic_stats (consume-sql.ts), and the roles
// kafka_sql_producer and kafka_sql_reader (roles-sql.ts). Registered in store/migrations.ts.
import type { Migration } from '../migrations.ts';
import { CONSUME_SQL } from './consume-sql.ts';
import { OUTBOX_SQL } from './outbox-sql.ts';
import { ROLES_SQL } from './roles-sql.ts';

export const sqlApiMigration: Migration = {
  version: 120,
  name: 'Kafka from SQL: kafka.send, kafka.commit_offset, consumer_lag and topic_stats views, roles',
  up: async (sql) => {
    await sql.unsafe(OUTBOX_SQL);
    await sql.unsafe(CONSUME_SQL);
    await sql.unsafe(ROLES_SQL);
  },
};
