// Migration 170: shadow mode (runtime/shadow/). The forwarding "queue" is the log itself plus one position row per
// shadowed partition (kafka.shadow_positions, which also holds the partition's lease: one broker forwards it at a
// time), the local → external offset mapping per forwarded run of consecutive offsets (kafka.shadow_offsets),
// records parked after a non-retriable error (kafka.shadow_parked), group offsets committed on the external cluster
// (kafka.shadow_group_offsets), and the view kafka.shadow_status for people.
import type { Migration } from './migrations.ts';

const SHADOW_SQL = `
create table kafka.shadow_positions (
  topic_id int not null,
  partition int not null,
  forwarded_offset bigint not null,
  owner_node int,
  lease_until timestamptz,
  paused boolean not null default false,
  state text not null default 'forwarding',
  last_error text,
  forwarded_records bigint not null default 0,
  forwarded_bytes bigint not null default 0,
  last_forwarded_at timestamptz,
  last_forwarded_timestamp bigint,
  replay_from bigint,
  replay_to bigint,
  replay_started_at timestamptz,
  primary key (topic_id, partition),
  foreign key (topic_id, partition) references kafka.partitions on delete cascade
);
comment on column kafka.shadow_positions.forwarded_offset is 'next local offset to forward: everything below it was forwarded, filtered out or parked';
comment on column kafka.shadow_positions.last_forwarded_timestamp is 'record timestamp (ms) of the last record forwarded, for lag in seconds';

create table kafka.shadow_offsets (
  topic_id int not null,
  partition int not null,
  local_first bigint not null,
  local_last bigint not null,
  external_base bigint not null,
  forwarded_at timestamptz not null default now(),
  primary key (topic_id, partition, local_first),
  foreign key (topic_id, partition) references kafka.partitions on delete cascade
);
comment on table kafka.shadow_offsets is 'local offsets local_first..local_last went to the external twin partition as external_base..external_base+(local_last-local_first)';

create table kafka.shadow_parked (
  topic_id int not null,
  partition int not null,
  "offset" bigint not null,
  error text not null,
  parked_at timestamptz not null default now(),
  primary key (topic_id, partition, "offset"),
  foreign key (topic_id, partition) references kafka.partitions on delete cascade
);

create table kafka.shadow_group_offsets (
  group_id text not null,
  topic_id int not null,
  partition int not null,
  local_offset bigint not null,
  external_offset bigint not null,
  synced_at timestamptz not null default now(),
  primary key (group_id, topic_id, partition),
  foreign key (topic_id, partition) references kafka.partitions on delete cascade
);

create view kafka.shadow_status as
select t.name as topic, p.partition,
  coalesce(t.configs->>'shadow.mode', 'off') as mode,
  p.next_offset as high_watermark,
  s.forwarded_offset,
  greatest(p.next_offset - s.forwarded_offset, 0) as lag_records,
  case when s.forwarded_offset >= p.next_offset then 0
       else greatest(0, extract(epoch from now()) - coalesce(
         (select r.timestamp from kafka.records r where r.topic_id = p.topic_id and r.partition = p.partition
            and r."offset" >= s.forwarded_offset order by r."offset" limit 1), 0) / 1000.0) end as lag_seconds,
  (select count(*) from kafka.shadow_parked k where k.topic_id = p.topic_id and k.partition = p.partition) as parked,
  case when s.paused then 'paused' else s.state end as state,
  s.last_error, s.owner_node, s.forwarded_records, s.forwarded_bytes, s.last_forwarded_at,
  s.replay_from, s.replay_to,
  case when s.replay_to is null then null
       when s.replay_to <= s.replay_from then 1.0
       else least(1.0, greatest(0.0, (s.forwarded_offset - s.replay_from)::float8 / (s.replay_to - s.replay_from))) end as replay_progress
from kafka.shadow_positions s
join kafka.partitions p on p.topic_id = s.topic_id and p.partition = s.partition
join kafka.topics t on t.id = s.topic_id;
comment on view kafka.shadow_status is 'shadow mode per shadowed partition: mode, high watermark, forwarded position, lag, parked records, state, last error, replay progress';
`;

export const shadowMigration: Migration = {
  version: 170,
  name: 'shadow mode: forward positions, offset mapping, parked records, synced group offsets, status view',
  up: (sql) => sql.unsafe(SHADOW_SQL),
};
