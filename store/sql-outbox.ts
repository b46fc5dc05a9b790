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

/**
 * Deletes (in `tx`) and returns up to `limit` outbox rows with tickets up to `upTo`, in commit order (ticket,
 * then insertion); null (nothing claimed) when another move transaction runs (the move lock, held to the end of
 * `tx`: moves never overlap, even while the mover's session lock changes hands).
 */
export async function claimOutbox(tx: TransactionSql, upTo: number, limit: number): Promise<OutboxRecord[] | null> {
  const [lock] = await tx<{ locked: boolean }[]>`select pg_try_advisory_xact_lock(${OUTBOX_MOVE_LOCK.toString()}::bigint) as locked`;
  if (!lock.locked) return null;
  const rows = await tx<OutboxRecord[]>`
    with s as (
      select o.id, c.ticket from kafka.outbox_commits c join kafka.outbox o on o.xid = c.xid
      where c.ticket <= ${upTo}
      order by c.ticket, o.id
      limit ${limit}
    )
    delete from kafka.outbox o using s where o.id = s.id
    returning s.ticket, o.id, o.topic, o.partition, o.timestamp, o.key, o.value,
              o.header_keys as "headerKeys",
              (select jsonb_agg(encode(v, 'hex') order by i) from unnest(o.header_values) with ordinality as u(v, i)) as "headerValues"`;
  rows.sort((a, b) => a.ticket - b.ticket || a.id - b.id);
  // bytea[] travels as JSON of hex strings (postgres.js parses neither bytea arrays nor NULL in text arrays reliably).
  return rows.map((r) => ({ ...r, headerValues: r.headerValues === null ? null : (r.headerValues as unknown as (string | null)[]).map((h) => (h === null ? null : new Uint8Array(Buffer.from(h, 'hex')))) }));
}

/** Forgets the tickets up to `upTo` (their rows are all claimed). */
export async function forgetTickets(tx: TransactionSql, upTo: number): Promise<void> {
  await tx`delete from kafka.outbox_commits where ticket <= ${upTo}`;
}

/** Rows waiting in the outbox (for tests and operators). */
export async function outboxBacklog(sql: Sql): Promise<number> {
  const [row] = await sql<{ n: number }[]>`select count(*)::int as n from kafka.outbox`;
  return row.n;
}
