// Schema for consumer groups: coordinator slot leases (which broker coordinates which groups), persisted group
// metadata (the last stable generation or the empty state) and committed offsets. Registered in migrations.ts.
import type { Migration } from './migrations.ts';

const GROUPS_SQL = `
-- Groups are spread over a fixed number of coordinator slots (Kafka: the partitions of __consumer_offsets).
-- A broker coordinates the groups of a slot while it holds the slot's lease; every claim bumps the epoch, and every
-- write about a group is fenced on (slot, node_id, epoch), so a broker that lost its lease can no longer write.
create table kafka.group_coordinator_slots (
  slot int primary key,
  node_id int not null,
  host text not null,
  port int not null,
  epoch bigint not null,
  lease_until timestamptz not null
);

-- One row per group: written when a generation completes (Stable, with members and assignments), when the group
-- becomes empty, and when offsets are first committed for a group without members (simple consumers).
create table kafka.groups (
  group_id text primary key,
  slot int not null,
  type text not null default 'classic',
  protocol_type text,
  protocol_name text,
  generation int not null default 0,
  leader text,
  state text not null,
  state_timestamp bigint not null,
  members jsonb not null default '[]',
  updated_at timestamptz not null default now()
);
create index groups_slot on kafka.groups (slot);

comment on column kafka.groups.state is 'Empty or Stable (the last persisted state; rebalances in progress are not persisted)';
comment on column kafka.groups.state_timestamp is 'milliseconds since the Unix epoch when the group entered its state (retention of empty groups)';
comment on column kafka.groups.members is 'members with their protocols and assignment (bytes in base64)';

create table kafka.group_offsets (
  group_id text not null references kafka.groups (group_id) on delete cascade,
  topic_id int not null references kafka.topics (id) on delete cascade,
  partition int not null,
  committed_offset bigint not null,
  leader_epoch int not null default -1,
  metadata text,
  commit_timestamp bigint not null,
  expire_timestamp bigint,
  primary key (group_id, topic_id, partition)
);
create index group_offsets_topic on kafka.group_offsets (topic_id);

comment on column kafka.group_offsets.commit_timestamp is 'milliseconds since the Unix epoch';
comment on column kafka.group_offsets.expire_timestamp is 'explicit expiry (OffsetCommit v2-4 RetentionTimeMs), else null';

create view kafka.committed_offsets as
select o.group_id, t.name as topic, o.partition, o.committed_offset, o.leader_epoch, o.metadata,
       to_timestamp(o.commit_timestamp / 1000.0) as committed_at
from kafka.group_offsets o
join kafka.topics t on t.id = o.topic_id;

comment on view kafka.committed_offsets is 'Committed consumer group offsets for people: topic by name, commit time as timestamptz';
`;

export const groupsMigration: Migration = {
  version: 40,
  name: 'consumer groups: coordinator slots, groups, committed offsets',
  up: (sql) => sql.unsafe(GROUPS_SQL),
};
