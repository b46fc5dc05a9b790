// The outbox mover's statements (the SQL side is store/sql-api/outbox-sql.ts): the mover's advisory lock, the
// settings it publishes for kafka.send, its barrier (the last commit ticket whose transactions have all ended), and
// the claim of the outbox rows up to a ticket, in commit order, deleted in the caller's transaction (the same one
// that appends them to the log: a record moves exactly once).
import { Buffer } from 'node:buffer';
import type { Sql, TransactionSql } from 'postgres';
import { OUTBOX_MOVE_LOCK, OUTBOX_MOVER_LOCK } from './sql-api/outbox-sql.ts';

export { OUTBOX_CHANNEL } from './sql-api/outbox-sql.ts';
export { GROUPS_CHANNEL } from './sql-api/consume-sql.ts';

export interface SqlSettings {
  autoCreateTopics: boolean;
  defaultPartitions: number;
  messageMaxBytes: number;
  nodeId: number;
}

/** An outbox row as the mover claims it. */
export interface OutboxRecord {
  ticket: number;
  id: number;
  topic: string;
  partition: number;
  timestamp: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headerKeys: string[] | null;
  headerValues: (Uint8Array | null)[] | null;
}

/** Records the broker's settings that kafka.send reads (auto-creation, default partitions, message.max.bytes). */
export async function publishSqlSettings(sql: Sql, s: SqlSettings): Promise<void> {
  await sql`
    insert into kafka.sql_settings (id, auto_create_topics, default_partitions, message_max_bytes, node_id)
    values (true, ${s.autoCreateTopics}, ${s.defaultPartitions}, ${s.messageMaxBytes}, ${s.nodeId})
    on conflict (id) do update set auto_create_topics = excluded.auto_create_topics,
      default_partitions = excluded.default_partitions, message_max_bytes = excluded.message_max_bytes,
      node_id = excluded.node_id, updated_at = now()`;
}

/** Takes the mover's session lock on `conn` without waiting; the backend pid holding it, or null when another session has it. */
export async function tryMoverLock(conn: Sql): Promise<number | null> {
  const [row] = await conn<{ locked: boolean; pid: number }[]>`
    select pg_try_advisory_lock(${OUTBOX_MOVER_LOCK.toString()}::bigint) as locked, pg_backend_pid() as pid`;
  return row.locked ? row.pid : null;
}

export async function releaseMoverLock(conn: Sql): Promise<void> {
  await conn`select pg_advisory_unlock(${OUTBOX_MOVER_LOCK.toString()}::bigint)`;
}

/**
 * Marks the mover asleep or awake, waits (200 ms at most: a lock timeout error) for every transaction inside its
 * commit, and returns the last ticket taken: the transactions of every ticket up to it have ended.
 */
export async function outboxBarrier(conn: Sql, sleeping: boolean): Promise<number> {
  const [row] = await conn<{ ticket: number }[]>`select kafka.outbox_barrier(${sleeping}) as ticket`;
  return Number(row.ticket);
}

/** The last ticket taken so far, without waiting for anything (its transaction may still be committing). */
export async function lastTicket(sql: Sql): Promise<number> {
  const [row] = await sql<{ ticket: number }[]>`select case when is_called then last_value else 0 end as ticket from kafka.outbox_ticket`;
  return Number(row.ticket);
}

/** What claimOutbox took: null when another move transaction runs. */
export interface Claim {
  rows: OutboxRecord[];
  /** Every ticket up to this one is now forgotten: all its rows are claimed. */
  forgottenUpTo: number;
}

/**
 * In `tx`, ONE statement: takes the move lock (held to the end of `tx`: moves never overlap, even while the
 * mover's session lock changes hands), deletes and returns up to `limit` outbox rows with tickets in
 * (after, upTo], in commit order (ticket, then insertion), and forgets the tickets whose rows are all claimed.
 * `after` is a ticket up to which everything was moved before (it keeps the scans off the dead index entries of
 * earlier moves). Null when another move transaction holds the lock.
 */
export async function claimOutbox(tx: TransactionSql, after: number, upTo: number, limit: number): Promise<Claim | null> {
  // The move need not wait for its own WAL flush: the outbox rows it deletes come back with it if PostgreSQL loses
  // it in a crash, and are moved again the same way (same order, same offsets); any later flush (a Kafka
  // producer's acks=all append, an offset commit) makes it durable first.
  const rows = await tx<(OutboxRecord & { locked: boolean; bound: number })[]>`
    with l as materialized (
      select set_config('synchronous_commit', 'off', true) as s, pg_try_advisory_xact_lock(${OUTBOX_MOVE_LOCK.toString()}::bigint) as locked
    ), s as materialized (
      select o.id, c.ticket from l, kafka.outbox_commits c join kafka.outbox o on o.xid = c.xid
      where l.locked and c.ticket > ${after} and c.ticket <= ${upTo}
      order by c.ticket, o.id
      limit ${limit}
    ), bound as materialized (
      select case when (select count(*) from s) < ${limit} then ${upTo}::bigint else (select max(ticket) from s) - 1 end as b
    ), d as (
      delete from kafka.outbox o using s where o.id = s.id
      returning s.ticket, o.id, o.topic, o.partition, o.timestamp, o.key, o.value, o.header_keys,
        (select jsonb_agg(encode(v, 'hex') order by i) from unnest(o.header_values) with ordinality as u(v, i)) as header_values
    ), f as (
      delete from kafka.outbox_commits c using bound, l
      where l.locked and c.ticket > ${after} and c.ticket <= bound.b
    )
    select l.locked, bound.b as bound, d.ticket, d.id, d.topic, d.partition, d.timestamp, d.key, d.value,
           d.header_keys as "headerKeys", d.header_values as "headerValues"
    from l cross join bound left join d on true`;
  if (!rows[0].locked) return null;
  const claimed = rows[0].id === null ? [] : rows;
  claimed.sort((a, b) => a.ticket - b.ticket || a.id - b.id);
  // bytea[] travels as JSON of hex strings (postgres.js parses neither bytea arrays nor NULL in text arrays reliably).
  return {
    forgottenUpTo: Number(rows[0].bound),
    rows: claimed.map((r) => ({
      ticket: r.ticket,
      id: r.id,
      topic: r.topic,
      partition: r.partition,
      timestamp: r.timestamp,
      key: r.key,
      value: r.value,
      headerKeys: r.headerKeys,
      headerValues: r.headerValues === null ? null : (r.headerValues as unknown as (string | null)[]).map((h) => (h === null ? null : new Uint8Array(Buffer.from(h, 'hex')))),
    })),
  };
}

/** Rows waiting in the outbox (for tests and operators). */
export async function outboxBacklog(sql: Sql): Promise<number> {
  const [row] = await sql<{ n: number }[]>`select count(*)::int as n from kafka.outbox`;
  return row.n;
}
