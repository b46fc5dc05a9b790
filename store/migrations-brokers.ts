// Schema for the broker registry: one row per broker process sharing the database (its node id, advertised
// endpoint and heartbeat), read by every broker for Metadata and DescribeCluster. Registered in migrations.ts.
import type { Migration } from './migrations.ts';

const BROKERS_SQL = `
-- A broker inserts its row at start, bumps heartbeat_at every few seconds and deletes the row on a clean shutdown.
-- A row whose heartbeat is older than the liveness window (20 s by default) belongs to a broker that is gone, and
-- its node id may be taken by a new process. instance_id tells this process's registration from an earlier one.
create table kafka.brokers (
  node_id int primary key,
  host text not null,
  port int not null,
  rack text,
  instance_id uuid not null,
  started_at timestamptz not null default now(),
  heartbeat_at timestamptz not null default now()
);

comment on table kafka.brokers is 'Broker processes sharing this database: advertised endpoint and last heartbeat (live while recent)';
comment on column kafka.brokers.host is 'advertised host (what clients are told to connect to)';
comment on column kafka.brokers.instance_id is 'random id of the registering process, so a restarted broker does not renew its predecessor''s row';
`;

export const brokersMigration: Migration = {
  version: 60,
  name: 'broker registry',
  up: (sql) => sql.unsafe(BROKERS_SQL),
};
