// Schema for recognising a broker's own predecessor: the registering process's host name and pid, so that a broker
// restarted on the same machine after a crash takes its node id over at once (its predecessor's pid is gone)
// instead of waiting for the old registration to lapse. Registered in migrations.ts.
import type { Migration } from './migrations.ts';

const BROKER_PROCESS_SQL = `
alter table kafka.brokers add column process_host text, add column process_pid int;

comment on column kafka.brokers.process_host is 'host name of the machine (or container) running the registered process';
comment on column kafka.brokers.process_pid is 'pid of the registered process on process_host: a restarted broker that finds it gone takes the node id over at once';
`;

export const brokerProcessMigration: Migration = {
  version: 150,
  name: 'broker registry: process host and pid',
  up: (sql) => sql.unsafe(BROKER_PROCESS_SQL),
};
