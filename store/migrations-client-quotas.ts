// Migration 136: kafka.client_quotas, the client quotas set with AlterClientQuotas (store/client-quotas.ts).

import type { Migration } from './migrations.ts';

export const clientQuotasMigration: Migration = {
  version: 136,
  name: 'client quotas',
  up: (sql) => sql.unsafe(`
create table kafka.client_quotas (
  entity jsonb not null,
  key text not null,
  value float8 not null,
  primary key (entity, key)
);
comment on table kafka.client_quotas is 'client quotas (AlterClientQuotas): entity is {"user": name, "client-id": name}, null for the default entity';
`),
};
