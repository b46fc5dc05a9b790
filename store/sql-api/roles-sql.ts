// The roles of migration 120: kafka_sql_producer (kafka.send / kafka.send_batch) and kafka_sql_reader (read
// records and offsets, kafka.commit_offset). Roles are cluster-wide: created only when absent (and only when the
// migrating user may create roles); the grants are per database, made wherever the roles exist. The functions
// run with the caller's rights (SECURITY INVOKER), so these grants are all a role needs.

export const ROLES_SQL = `
do $do$
begin
  if (select rolsuper or rolcreaterole from pg_roles where rolname = current_user) then
    if not exists (select 1 from pg_roles where rolname = 'kafka_sql_producer') then
      begin
        create role kafka_sql_producer nologin;
      exception when duplicate_object or unique_violation then null; -- created meanwhile by another database's migration
      end;
    end if;
    if not exists (select 1 from pg_roles where rolname = 'kafka_sql_reader') then
      begin
        create role kafka_sql_reader nologin;
      exception when duplicate_object or unique_violation then null;
      end;
    end if;
  end if;
  if exists (select 1 from pg_roles where rolname = 'kafka_sql_producer') then
    grant usage on schema kafka to kafka_sql_producer;
    grant select on kafka.topics, kafka.sql_settings, kafka.outbox_mover to kafka_sql_producer;
    grant insert on kafka.outbox, kafka.outbox_commits to kafka_sql_producer;
    grant usage on sequence kafka.outbox_id_seq, kafka.outbox_ticket to kafka_sql_producer;
  end if;
  if exists (select 1 from pg_roles where rolname = 'kafka_sql_reader') then
    grant usage on schema kafka to kafka_sql_reader;
    grant select on kafka.topics, kafka.partitions, kafka.records, kafka.messages, kafka.aborted_transactions,
      kafka.groups, kafka.group_offsets, kafka.committed_offsets, kafka.consumer_lag, kafka.topic_stats to kafka_sql_reader;
    grant insert on kafka.groups to kafka_sql_reader;
    grant insert, update on kafka.group_offsets to kafka_sql_reader;
  end if;
end
$do$;
`;
