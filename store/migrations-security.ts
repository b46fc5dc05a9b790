// Migration 160: SCRAM credentials (kafka.scram_credentials, never a password: salt, iterations, stored key and
// server key per user and mechanism, as KIP-554 keeps them) and each broker's listeners in the broker registry
// (kafka.brokers.listeners), so Metadata can answer a client with the address of the listener it came in on.
import type { Migration } from './migrations.ts';

const SECURITY_SQL = `
create table kafka.scram_credentials (
  user_name text not null,
  mechanism text not null check (mechanism in ('SCRAM-SHA-256', 'SCRAM-SHA-512')),
  salt bytea not null,
  iterations int not null,
  stored_key bytea not null,
  server_key bytea not null,
  updated_at timestamptz not null default now(),
  primary key (user_name, mechanism)
);

comment on table kafka.scram_credentials is 'SASL/SCRAM users: salt, iterations, StoredKey and ServerKey per mechanism (RFC 5802); no passwords';

alter table kafka.brokers add column listeners jsonb not null default '[]';
comment on column kafka.brokers.listeners is 'advertised endpoints by listener name: [{"name","host","port"}]';
`;

export const securityMigration: Migration = {
  version: 160,
  name: 'SCRAM credentials; listeners in the broker registry',
  up: (sql) => sql.unsafe(SECURITY_SQL),
};
