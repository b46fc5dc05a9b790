// The SQL of consuming from SQL (migration 120): kafka.commit_offset / kafka.committed_offset for simple consumers
// (groups without members, Kafka's rule for commits outside group management), the coordinator slot of a group
// (Kafka's partitionFor, as runtime/groups/slot.ts computes it), and the views kafka.consumer_lag and
// kafka.topic_stats. A commit from SQL is an ordinary upsert of kafka.group_offsets in the caller's transaction;
// brokers read offsets through from the table, and a NOTIFY (at commit) tells the group's coordinator about a
// group that SQL created.

/** NOTIFY channel, payload a group id: a group row was created from SQL. */
export const GROUPS_CHANNEL = 'kafka_sql_groups';

export const CONSUME_SQL = `
-- Java's String.hashCode over UTF-16 code units, abs (Integer.MIN_VALUE as 0), modulo the 50 coordinator slots.
create function kafka.group_slot(group_id text) returns int language plpgsql immutable strict parallel safe as $f$
declare
  h bigint := 0;
  c int;
begin
  for i in 1 .. length(group_id) loop
    c := ascii(substr(group_id, i, 1));
    if c > 65535 then
      c := c - 65536;
      h := (h * 31 + (55296 + (c >> 10))) & 4294967295;
      h := (h * 31 + (56320 + (c & 1023))) & 4294967295;
    else
      h := (h * 31 + c) & 4294967295;
    end if;
  end loop;
  if h >= 2147483648 then h := h - 4294967296; end if;
  if h = -2147483648 then return 0; end if;
  return (abs(h) % 50)::int;
end
$f$;

create function kafka.committed_offset(group_id text, topic text, "partition" int) returns bigint
language sql stable as $f$
  select o.committed_offset from kafka.group_offsets o join kafka.topics t on t.id = o.topic_id
  where o.group_id = $1 and t.name = $2 and o.partition = $3
$f$;
comment on function kafka.committed_offset(text, text, int) is 'The offset a consumer group resumes from in a partition (null: none committed)';

create function kafka.commit_offset(group_id text, topic text, "partition" int, next_offset bigint, metadata text default null)
returns void language plpgsql volatile as $f$
declare
  v_topic_id int;
  v_partitions int;
  v_state text;
  v_members int;
  v_now bigint := (extract(epoch from clock_timestamp()) * 1000)::bigint;
begin
  if $1 is null or $1 = '' then
    raise exception 'kafka.commit_offset: invalid group id' using errcode = '22023';
  end if;
  if $4 is null then
    raise exception 'kafka.commit_offset: next_offset is null' using errcode = '22004';
  end if;
  if length(coalesce($5, '')) > 4096 then
    raise exception 'kafka.commit_offset: metadata of % characters is longer than offset.metadata.max.bytes (4096)', length($5)
      using errcode = '54000';
  end if;
  select t.id, t.partitions into v_topic_id, v_partitions from kafka.topics t where t.name = $2;
  if not found then
    raise exception 'kafka.commit_offset: unknown topic "%"', $2 using errcode = '42704';
  end if;
  if $3 is null or $3 < 0 or $3 >= v_partitions then
    raise exception 'kafka.commit_offset: topic "%" has no partition % (it has %)', $2, $3, v_partitions using errcode = '22023';
  end if;
  select g.state, coalesce(jsonb_array_length(g.members), 0) into v_state, v_members from kafka.groups g where g.group_id = $1;
  if found and (v_state <> 'Empty' or v_members > 0) then
    raise exception 'kafka.commit_offset: group "%" is %, with % member(s); only a group without members takes commits from SQL', $1, v_state, v_members
      using errcode = '55000', hint = 'Stop the group''s consumers, or commit through them.';
  end if;
  if not found then
    insert into kafka.groups (group_id, slot, state, state_timestamp) values ($1, kafka.group_slot($1), 'Empty', v_now)
    on conflict on constraint groups_pkey do nothing;
    perform pg_notify('${GROUPS_CHANNEL}', $1);
  end if;
  insert into kafka.group_offsets as o (group_id, topic_id, partition, committed_offset, leader_epoch, metadata, commit_timestamp, expire_timestamp)
  values ($1, v_topic_id, $3, $4, -1, coalesce($5, ''), v_now, null)
  on conflict on constraint group_offsets_pkey do update
    set committed_offset = excluded.committed_offset, leader_epoch = -1, metadata = excluded.metadata,
        commit_timestamp = excluded.commit_timestamp, expire_timestamp = null;
end
$f$;
comment on function kafka.commit_offset(text, text, int, bigint, text) is 'Commits the offset a consumer group (without members) resumes from, in the calling transaction';

create view kafka.consumer_lag as
select o.group_id, t.name as topic, o.partition, o.committed_offset, p.next_offset as log_end_offset,
       greatest(p.next_offset - o.committed_offset, 0) as lag, to_timestamp(o.commit_timestamp / 1000.0) as committed_at
from kafka.group_offsets o
join kafka.topics t on t.id = o.topic_id
join kafka.partitions p on p.topic_id = o.topic_id and p.partition = o.partition;
comment on view kafka.consumer_lag is 'Per group and partition: committed offset, log end offset and the lag between them';

-- Index look-ups only: records counts offsets (log end minus log start, so transaction markers and compacted-away
-- records count too); bytes (keys, values, headers) are exact up to 1,000 records and estimated above from the
-- newest 1,000; first and last timestamps are of the first and newest stored records.
create view kafka.topic_stats as
select t.name as topic, p.partition, p.log_start_offset, p.next_offset as log_end_offset,
       p.next_offset - p.log_start_offset as records,
       (case when s.n = 0 then 0
             else round(s.bytes::numeric * greatest(p.next_offset - p.log_start_offset, s.n) / s.n) end)::bigint as bytes,
       (select to_timestamp(r.timestamp / 1000.0) from kafka.records r
         where r.topic_id = p.topic_id and r.partition = p.partition and r."offset" >= p.log_start_offset
         order by r."offset" limit 1) as first_timestamp,
       (select to_timestamp(r.timestamp / 1000.0) from kafka.records r
         where r.topic_id = p.topic_id and r.partition = p.partition
         order by r."offset" desc limit 1) as last_timestamp
from kafka.partitions p
join kafka.topics t on t.id = p.topic_id
cross join lateral (
  select count(*) as n,
         coalesce(sum(coalesce(octet_length(r.key), 0) + coalesce(octet_length(r.value), 0)
           + coalesce((select sum(octet_length(k)) from unnest(r.header_keys) k), 0)
           + coalesce((select sum(octet_length(v)) from unnest(r.header_values) v), 0)), 0) as bytes
  from (select * from kafka.records r where r.topic_id = p.topic_id and r.partition = p.partition
          and r."offset" >= p.log_start_offset order by r."offset" desc limit 1000) r
) s;
comment on view kafka.topic_stats is 'Per partition: offsets, records, bytes (exact up to 1,000 records, estimated above) and first/last timestamps';
`;
