// Numbered schema migrations for the `kafka` schema, applied at start in one transaction under an advisory lock,
// so several brokers starting at once apply each migration exactly once. Migrations only ever add: never drop data.
import type { Sql, TransactionSql } from 'postgres';
import { groupsMigration } from './migrations-groups.ts';
import { transactionsMigration } from './migrations-transactions.ts';
import { brokersMigration } from './migrations-brokers.ts';
import { brokerProcessMigration } from './migrations-broker-process.ts';
import { consumerGroupsMigration } from './migrations-consumer-groups.ts';
import { messagesViewMigration } from './migrations-messages-view.ts';
import { stringsMigration } from './migrations-strings.ts';
import { batchBoundariesMigration } from './migrations-batch-boundaries.ts';
import { topicCollisionsMigration } from './migrations-topic-collisions.ts';
import { brokerConfigsMigration } from './migrations-broker-configs.ts';
import { consumerOffsetsMigration } from './migrations-consumer-offsets.ts';
import { clientQuotasMigration } from './migrations-client-quotas.ts';
import { sqlApiMigration } from './sql-api/migration.ts';
import { securityMigration } from './migrations-security.ts';
import { aclsMigration } from './migrations-acls.ts';
import { shadowMigration } from './migrations-shadow.ts';

export interface Migration {
  version: number;
  name: string;
  up(sql: TransactionSql): Promise<unknown>;
}

/** pg_advisory_xact_lock key held while migrating (any constant unlikely to clash with an application's own). */
const MIGRATION_LOCK = 0x6b61666b61; // "kafka"

const V1_TOPICS_PARTITIONS_RECORDS = `
create table kafka.topics (
  id serial primary key,
  topic_id uuid not null unique,
  name text not null unique,
  partitions int not null check (partitions > 0),
  configs jsonb not null default '{}',
  created_at timestamptz not null default now()
);

create table kafka.partitions (
  topic_id int not null references kafka.topics(id) on delete cascade,
  partition int not null,
  next_offset bigint not null default 0,
  log_start_offset bigint not null default 0,
  primary key (topic_id, partition)
);

-- One row per record. No foreign key to kafka.partitions: a per-row check would slow COPY down, and the
-- store deletes a topic's records itself.
create table kafka.records (
  topic_id int not null,
  partition int not null,
  "offset" bigint not null,
  timestamp bigint not null,
  key bytea,
  value bytea,
  header_keys text[],
  header_values bytea[],
  producer_id bigint not null default -1,
  producer_epoch smallint not null default -1,
  sequence int not null default -1,
  attributes smallint not null default 0,
  primary key (topic_id, partition, "offset")
);

comment on column kafka.records.timestamp is 'milliseconds since the Unix epoch (CreateTime or LogAppendTime)';
comment on column kafka.records.attributes is 'attributes of the batch the record came in (compression, timestamp type, transactional, control)';

-- Text for people: the bytes as UTF-8 when they are valid UTF-8, else in bytea's hex form (\\x...).
create function kafka.bytes_as_text(b bytea) returns text language plpgsql immutable strict parallel safe as $$
begin
  return convert_from(b, 'UTF8');
exception when others then
  return '\\x' || encode(b, 'hex');
end
$$;

create view kafka.messages as
select
  t.name as topic,
  r.partition,
  r."offset",
  to_timestamp(r.timestamp / 1000.0) as timestamp,
  kafka.bytes_as_text(r.key) as key,
  kafka.bytes_as_text(r.value) as value,
  (select jsonb_agg(jsonb_build_object('key', h.k, 'value', kafka.bytes_as_text(h.v)) order by h.i)
     from unnest(r.header_keys, r.header_values) with ordinality as h(k, v, i)) as headers,
  r.producer_id,
  r.producer_epoch,
  r.sequence,
  r.key as key_bytes,
  r.value as value_bytes
from kafka.records r
join kafka.topics t on t.id = r.topic_id;

comment on view kafka.messages is 'Records for people: topic by name, timestamp as timestamptz, key/value/headers as text when valid UTF-8';
`;

/** In version order (the order migrate() applies them in). */
export const migrations: readonly Migration[] = [
  { version: 1, name: 'topics, partitions, records, messages view', up: (sql) => sql.unsafe(V1_TOPICS_PARTITIONS_RECORDS) },
  groupsMigration,
  transactionsMigration,
  brokersMigration,
  consumerGroupsMigration,
  messagesViewMigration,
  stringsMigration,
  batchBoundariesMigration,
  topicCollisionsMigration,
  sqlApiMigration,
  brokerConfigsMigration,
  consumerOffsetsMigration,
  clientQuotasMigration,
  brokerProcessMigration,
  securityMigration,
  aclsMigration,
  shadowMigration,
];

/** Applies the migrations not yet recorded in kafka.schema_migrations; returns the versions it applied. */
export async function migrate(sql: Sql, log: (message: string) => void = () => {}): Promise<number[]> {
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK})`;
    await tx`create schema if not exists kafka`;
    await tx`create table if not exists kafka.schema_migrations (
      version int primary key,
      name text not null,
      applied_at timestamptz not null default now()
    )`;
    const rows = await tx<{ version: number }[]>`select version from kafka.schema_migrations`;
    const done = new Set(rows.map((r) => r.version));
    const applied: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(migration.version)) continue;
      log(`applying migration ${migration.version}: ${migration.name}`);
      await migration.up(tx);
      await tx`insert into kafka.schema_migrations (version, name) values (${migration.version}, ${migration.name})`;
      applied.push(migration.version);
    }
    return applied;
  });
}
