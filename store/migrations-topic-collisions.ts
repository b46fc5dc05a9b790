// Migration 111: topic names that are equal once '.' and '_' are equated collide (Kafka refuses the second with
// INVALID_TOPIC_EXCEPTION: its metric names cannot tell them apart). A unique index on the normalised name makes
// the rule hold across brokers and races (store/topics.ts turns its violation into TopicCollisionError). A
// database that already holds colliding topics (written before this migration) keeps them: it gets a plain index
// instead, a WARNING, and the check before each create (not race-proof there).
import type { Migration } from './migrations.ts';

const TOPIC_COLLISIONS_SQL = `
do $$
begin
  if exists (select 1 from kafka.topics group by replace(name, '.', '_') having count(*) > 1) then
    raise warning 'kafka.topics holds topic names that collide once ''.'' and ''_'' are equated: they stay, and the collision index is not unique';
    create index topics_name_collision on kafka.topics ((replace(name, '.', '_')));
  else
    create unique index topics_name_collision on kafka.topics ((replace(name, '.', '_')));
  end if;
end
$$;

comment on index kafka.topics_name_collision is 'topic names with ''.'' and ''_'' equated: Kafka refuses a topic whose name collides with an existing one';
`;

export const topicCollisionsMigration: Migration = {
  version: 111,
  name: 'kafka.topics: names colliding once . and _ are equated are refused',
  up: (sql) => sql.unsafe(TOPIC_COLLISIONS_SQL),
};
