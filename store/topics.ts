// Topics: kafka.topics and kafka.partitions rows, with an in-memory cache (name → Topic) so produce and fetch don't
// ask PostgreSQL for metadata on every request. Every change commits a NOTIFY on `kafka_topics` carrying the topic
// name; each store LISTENs and drops that name from its cache (and the whole cache when its listener reconnects).
import { randomUUID } from 'node:crypto';
import type { Sql, TransactionSql } from 'postgres';
import { InvalidPartitionsError, TopicCollisionError, TopicExistsError, UnknownTopicError } from './errors.ts';
import { TOPICS_CHANNEL } from './notify.ts';
import type { NewTopic, Topic } from './types.ts';

interface TopicRow {
  id: number;
  topic_id: string;
  name: string;
  partitions: number;
  configs: Record<string, string>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function toTopic(row: TopicRow): Topic {
  return Object.freeze({
    id: row.id,
    topicId: row.topic_id,
    name: row.name,
    partitions: row.partitions,
    configs: Object.freeze({ ...row.configs }),
  });
}

export class TopicCatalog {
  private readonly sql: Sql;
  private readonly byName = new Map<string, Topic>();
  /** True when byName holds every topic (after a full load, until the next invalidation). */
  private complete = false;
  /** Bumped by every invalidation: a load that started before one must not fill the cache. */
  private epoch = 0;

  constructor(sql: Sql) {
    this.sql = sql;
  }

  /** Forget one topic (a NOTIFY named it) or, without a name, everything (the listener reconnected). */
  invalidate(name?: string): void {
    this.epoch++;
    this.complete = false;
    if (name === undefined) this.byName.clear();
    else this.byName.delete(name);
  }

  async list(): Promise<Topic[]> {
    if (!this.complete) {
      const epoch = this.epoch;
      const rows = await this.sql<TopicRow[]>`select id, topic_id, name, partitions, configs from kafka.topics`;
      const topics = rows.map(toTopic);
      if (epoch !== this.epoch) return sortByName(topics);
      this.byName.clear();
      for (const topic of topics) this.byName.set(topic.name, topic);
      this.complete = true;
    }
    return sortByName([...this.byName.values()]);
  }

  async get(names: string[]): Promise<Map<string, Topic>> {
    const found = new Map<string, Topic>();
    const missing: string[] = [];
    for (const name of new Set(names)) {
      const topic = this.byName.get(name);
      if (topic) found.set(name, topic);
      else missing.push(name);
    }
    if (missing.length > 0 && !this.complete) {
      const epoch = this.epoch;
      const rows = await this.sql<TopicRow[]>`
        select id, topic_id, name, partitions, configs from kafka.topics where name = any(${missing}::text[])`;
      for (const row of rows) {
        const topic = toTopic(row);
        found.set(topic.name, topic);
        if (epoch === this.epoch) this.byName.set(topic.name, topic);
      }
    }
    return found;
  }

  async getByIds(topicIds: string[]): Promise<Map<string, Topic>> {
    const wanted = new Set(topicIds.map((id) => id.toLowerCase()));
    const found = new Map<string, Topic>();
    for (const topic of this.byName.values()) if (wanted.has(topic.topicId)) found.set(topic.topicId, topic);
    const missing = [...wanted].filter((id) => !found.has(id) && UUID.test(id));
    if (missing.length > 0 && !this.complete) {
      const epoch = this.epoch;
      const rows = await this.sql<TopicRow[]>`
        select id, topic_id, name, partitions, configs from kafka.topics where topic_id = any(${missing}::uuid[])`;
      for (const row of rows) {
        const topic = toTopic(row);
        found.set(topic.topicId, topic);
        if (epoch === this.epoch) this.byName.set(topic.name, topic);
      }
    }
    return found;
  }

  /**
   * For each name, the existing topic it collides with (equal once '.' and '_' are equated, not the same name);
   * names colliding with none are absent.
   */
  async collisions(names: readonly string[]): Promise<Map<string, string>> {
    if (names.length === 0) return new Map();
    const rows = await this.sql<{ wanted: string; existing: string }[]>`
      select distinct on (w.name) w.name as wanted, t.name as existing
      from unnest(${[...names]}::text[]) as w(name)
      join kafka.topics t on replace(t.name, '.', '_') = replace(w.name, '.', '_') and t.name <> w.name
      order by w.name, t.name`;
    return new Map(rows.map((r) => [r.wanted, r.existing]));
  }

  /** Throws TopicExistsError or TopicCollisionError (checked first, and by the unique index for races). */
  async create(spec: NewTopic): Promise<Topic> {
    if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
      throw new InvalidPartitionsError(`a topic needs at least one partition, got ${spec.partitions}`);
    }
    let topic: Topic;
    try {
      topic = await this.sql.begin(async (tx) => {
        const [row] = await tx<TopicRow[]>`
          insert into kafka.topics (topic_id, name, partitions, configs)
          select ${randomUUID()}, ${spec.name}, ${spec.partitions}, ${tx.json(spec.configs ?? {})}
          where not exists (select 1 from kafka.topics where replace(name, '.', '_') = replace(${spec.name}, '.', '_') and name <> ${spec.name})
          on conflict (name) do nothing
          returning id, topic_id, name, partitions, configs`;
        if (!row) throw await this.refusal(spec.name, tx);
        await tx`
          insert into kafka.partitions (topic_id, partition)
          select ${row.id}, p from generate_series(0, ${spec.partitions - 1}::int) p`;
        await tx`select pg_notify(${TOPICS_CHANNEL}, ${spec.name})`;
        return toTopic(row);
      });
    } catch (err) {
      // A colliding (or the same) name created concurrently: the unique index on the normalised name caught it.
      if ((err as { constraint_name?: string }).constraint_name === 'topics_name_collision') throw await this.refusal(spec.name, this.sql);
      throw err;
    }
    this.remember(topic);
    return topic;
  }

  /** Why `name` could not be inserted: it exists, or it collides with an existing topic. */
  private async refusal(name: string, sql: Sql | TransactionSql): Promise<Error> {
    const [row] = await sql<{ name: string }[]>`
      select name from kafka.topics where replace(name, '.', '_') = replace(${name}, '.', '_')
      order by name = ${name} desc, name limit 1`;
    return row && row.name !== name ? new TopicCollisionError(name, row.name) : new TopicExistsError(name);
  }

  /** Removes the topic, its partitions and its records in one transaction; null when there is no such topic. */
  async delete(ref: TopicRef): Promise<Topic | null> {
    const topic = await this.sql.begin(async (tx) => {
      const [row] = await tx<TopicRow[]>`
        delete from kafka.topics where ${match(tx, ref)} returning id, topic_id, name, partitions, configs`;
      if (!row) return null;
      await tx`delete from kafka.records where topic_id = ${row.id}`;
      await tx`select pg_notify(${TOPICS_CHANNEL}, ${row.name})`;
      return toTopic(row);
    });
    this.invalidate(topic?.name ?? nameOf(ref));
    return topic;
  }

  /** Grows the topic to `total` partitions (Kafka's CreatePartitions). */
  async createPartitions(ref: TopicRef, total: number): Promise<Topic> {
    const topic = await this.sql.begin(async (tx) => {
      const [row] = await tx<TopicRow[]>`
        select id, topic_id, name, partitions, configs from kafka.topics where ${match(tx, ref)} for update`;
      if (!row) throw new UnknownTopicError(nameOf(ref));
      const name = row.name;
      if (!Number.isInteger(total) || total <= row.partitions) {
        throw new InvalidPartitionsError(`topic "${name}" has ${row.partitions} partitions; the new count must be larger, got ${total}`);
      }
      await tx`
        insert into kafka.partitions (topic_id, partition)
        select ${row.id}, p from generate_series(${row.partitions}::int, ${total - 1}::int) p`;
      const [updated] = await tx<TopicRow[]>`
        update kafka.topics set partitions = ${total} where id = ${row.id}
        returning id, topic_id, name, partitions, configs`;
      await tx`select pg_notify(${TOPICS_CHANNEL}, ${name})`;
      return toTopic(updated);
    });
    this.remember(topic);
    return topic;
  }

  /**
   * Replaces the topic's explicitly set configs with what `change` makes of the current ones, under the topic's row
   * lock (concurrent incremental changes don't lose each other's). `change` may throw to refuse: nothing is written.
   * With `write` false nothing is written either (validate_only); the topic is returned as it would be.
   * Throws UnknownTopicError.
   */
  async updateConfigs(ref: TopicRef, change: (current: Readonly<Record<string, string>>) => Record<string, string>, write: boolean): Promise<Topic> {
    if (!write) {
      const [row] = await this.sql<TopicRow[]>`
        select id, topic_id, name, partitions, configs from kafka.topics where ${match(this.sql, ref)}`;
      if (!row) throw new UnknownTopicError(nameOf(ref));
      return toTopic({ ...row, configs: change(Object.freeze({ ...row.configs })) });
    }
    const topic = await this.sql.begin(async (tx) => {
      const [current] = await tx<TopicRow[]>`
        select id, topic_id, name, partitions, configs from kafka.topics where ${match(tx, ref)} for update`;
      if (!current) throw new UnknownTopicError(nameOf(ref));
      const configs = change(Object.freeze({ ...current.configs }));
      const [row] = await tx<TopicRow[]>`
        update kafka.topics set configs = ${tx.json(configs)} where id = ${current.id}
        returning id, topic_id, name, partitions, configs`;
      await tx`select pg_notify(${TOPICS_CHANNEL}, ${row.name})`;
      return toTopic(row);
    });
    this.remember(topic);
    return topic;
  }

  private remember(topic: Topic): void {
    this.epoch++;
    this.byName.set(topic.name, topic);
  }
}

/** A topic by name, or a Topic object (matched by its internal id, so a re-created topic of that name is not hit). */
export type TopicRef = string | Topic;

function match(sql: Sql | TransactionSql, ref: TopicRef) {
  return typeof ref === 'string' ? sql`name = ${ref}` : sql`id = ${ref.id}`;
}

function nameOf(ref: TopicRef): string {
  return typeof ref === 'string' ? ref : ref.name;
}

function sortByName(topics: Topic[]): Topic[] {
  return topics.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
