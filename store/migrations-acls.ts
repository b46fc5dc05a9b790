// Migration 165: kafka.acls, the access-control bindings the ACL authorizer enforces (runtime/auth/). One row per
// binding, with Kafka's numeric codes for resource type, pattern type, operation and permission; a binding is
// stored once (unique over all seven fields), as Kafka's authorizer keeps a set.
import type { Migration } from './migrations.ts';

const ACLS_SQL = `
create table kafka.acls (
  id bigserial primary key,
  principal text not null,
  host text not null,
  resource_type smallint not null,
  resource_name text not null,
  pattern_type smallint not null,
  operation smallint not null,
  permission smallint not null,
  created_at timestamptz not null default now(),
  unique (principal, host, resource_type, resource_name, pattern_type, operation, permission)
);

comment on table kafka.acls is 'ACL bindings (CreateAcls/DeleteAcls); enforced with --authorizer=acl';
comment on column kafka.acls.resource_type is 'Kafka ResourceType: 2 topic, 3 group, 4 cluster, 5 transactional id';
comment on column kafka.acls.pattern_type is 'Kafka PatternType: 3 literal, 4 prefixed';
comment on column kafka.acls.operation is 'Kafka AclOperation: 2 all, 3 read, 4 write, 5 create, 6 delete, 7 alter, 8 describe, 9 cluster action, 10 describe configs, 11 alter configs, 12 idempotent write';
comment on column kafka.acls.permission is 'Kafka AclPermissionType: 2 deny, 3 allow';
`;

export const aclsMigration: Migration = {
  version: 165,
  name: 'acls',
  up: (sql) => sql.unsafe(ACLS_SQL),
};
