// Schema for dynamic broker configs (Kafka's AlterConfigs on broker resources): one row per scope, the node id of
// one broker or '' for the cluster-wide defaults, with its settings as jsonb like kafka.topics.configs.
// Registered in migrations.ts.
import type { Migration } from './migrations.ts';

const BROKER_CONFIGS_SQL = `
create table kafka.broker_configs (
  scope text primary key check (scope = '' or scope ~ '^[0-9]+$'),
  configs jsonb not null default '{}'
);

comment on table kafka.broker_configs is 'Dynamic broker configs set with AlterConfigs / IncrementalAlterConfigs: per broker (scope = node id) and cluster-wide defaults (scope = '''')';
`;

export const brokerConfigsMigration: Migration = {
  version: 130,
  name: 'dynamic broker configs',
  up: (sql) => sql.unsafe(BROKER_CONFIGS_SQL),
};
