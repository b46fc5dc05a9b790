// Schema for KIP-848 consumer groups: they live in kafka.groups (type 'consumer', sharing the group-id namespace and
// the committed offsets with classic groups) with their members in `members` and the group-level state (epochs,
// target assignment, subscribed topics) in a new `consumer` column. Registered in migrations.ts.
import type { Migration } from './migrations.ts';

const CONSUMER_GROUPS_SQL = `
alter table kafka.groups add column consumer jsonb;

comment on column kafka.groups.consumer is 'KIP-848 consumer groups (type consumer): group epoch, target assignment and its epoch, subscribed topics; null for classic groups';
comment on column kafka.groups.type is 'classic (JoinGroup/SyncGroup protocol) or consumer (KIP-848 ConsumerGroupHeartbeat protocol)';
`;

export const consumerGroupsMigration: Migration = {
  version: 70,
  name: 'KIP-848 consumer groups: group epochs and target assignments',
  up: (sql) => sql.unsafe(CONSUMER_GROUPS_SQL),
};
