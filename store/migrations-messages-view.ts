// Migration 90: kafka.messages shows what an application reading the topic would see: transaction markers
// (control batches) and records of aborted transactions are left out. kafka.records still holds every row.

import type { Migration } from './migrations.ts';

const MESSAGES_VIEW_SQL = `
create or replace view kafka.messages as
select
  t.name as topic,
  r.partition,
  r."offset",
  to_timestamp(r.timestamp / 1000.0) as timestamp,
  kafka.bytes_as_text(r.key) as key,
  kafka.bytes_as_text(r.value) as value,
  (select jsonb_agg(jsonb_build_object('key', h.k, 'value', kafka.bytes_as_text(h.v)) order by h.i)
     from unnest(r.header_keys, r.header_values) with ordinality as h(k, v, i)) as headers,
  r.producer_id,
  r.producer_epoch,
  r.sequence,
  r.key as key_bytes,
  r.value as value_bytes
from kafka.records r
join kafka.topics t on t.id = r.topic_id
where r.attributes & 32 = 0
  and not (r.attributes & 16 <> 0 and exists (
    select 1 from kafka.aborted_transactions a
    where a.topic_id = r.topic_id and a.partition = r.partition and a.producer_id = r.producer_id
      and r."offset" between a.first_offset and a.last_offset));

comment on view kafka.messages is 'Records for people, as an application sees them (no transaction markers, no aborted records): topic by name, timestamp as timestamptz, key/value/headers as text when valid UTF-8';
`;

export const messagesViewMigration: Migration = {
  version: 90,
  name: 'kafka.messages without transaction markers and aborted records',
  up: (sql) => sql.unsafe(MESSAGES_VIEW_SQL),
};
