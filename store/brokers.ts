// The broker registry rows (kafka.brokers): register a broker process under its node id (refused while another
// live process holds that id), heartbeat, deregister, list the live ones, and the NOTIFY channel that tells other
// brokers a registration changed. Liveness is judged by the database clock, so brokers' clocks need not agree.
import type { Sql } from 'postgres';

export const BROKERS_CHANNEL = 'kafka_brokers';

/** What a broker registers: its node id and advertised endpoint, plus the id of this process's registration. */
export interface BrokerRegistration {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
  /** Advertised endpoints by listener name (empty in rows of brokers from before listeners). */
  readonly listeners: readonly { readonly name: string; readonly host: string; readonly port: number }[];
  /** Random per process (a UUID): heartbeats and deregistration touch only the row this process wrote. */
  readonly instanceId: string;
  /** The registering process: host name and pid (null when unknown), to recognise a crashed predecessor. */
  readonly processHost?: string | null;
  readonly processPid?: number | null;
}

export interface RegisteredBroker extends BrokerRegistration {
  readonly startedAt: Date;
  readonly heartbeatAt: Date;
  /** Milliseconds since the last heartbeat, by the database clock, when the row was read. */
  readonly heartbeatAgeMs: number;
}

/** Another live broker process already holds the node id. */
export class NodeIdInUseError extends Error {
  override name = 'NodeIdInUseError';
  readonly holder: RegisteredBroker;

  constructor(holder: RegisteredBroker, staleMs: number) {
    const age = (holder.heartbeatAgeMs / 1000).toFixed(1);
    super(
      `node id ${holder.nodeId} is already used by a live broker at ${holder.host}:${holder.port} ` +
        `(started ${holder.startedAt.toISOString()}, last heartbeat ${age} s ago). Give each broker sharing the database ` +
        `its own --node-id; if that broker is gone, its registration lapses ${staleMs / 1000} s after its last heartbeat.`,
    );
    this.holder = holder;
  }
}

interface BrokerRow {
  node_id: number;
  host: string;
  port: number;
  rack: string | null;
  listeners: { name: string; host: string; port: number }[] | null;
  instance_id: string;
  process_host: string | null;
  process_pid: number | null;
  started_at: Date;
  heartbeat_at: Date;
  age_ms: number;
}

function fromRow(r: BrokerRow): RegisteredBroker {
  return {
    nodeId: r.node_id,
    host: r.host,
    port: r.port,
    rack: r.rack,
    listeners: r.listeners ?? [],
    instanceId: r.instance_id,
    processHost: r.process_host,
    processPid: r.process_pid,
    startedAt: r.started_at,
    heartbeatAt: r.heartbeat_at,
    heartbeatAgeMs: Math.max(0, Number(r.age_ms)),
  };
}

/**
 * Registers the broker (or re-registers it: same instance id). The row of an earlier process with the same node id
 * is replaced only when its heartbeat is older than `staleMs`, or when it is the registration `takeOver` names (a
 * predecessor known to be dead); otherwise throws NodeIdInUseError. Notifies others.
 */
export async function registerBroker(sql: Sql, b: BrokerRegistration, staleMs: number, takeOver: string | null = null): Promise<void> {
  const holder = await sql.begin(async (tx) => {
    const won = await tx`
      insert into kafka.brokers as k (node_id, host, port, rack, listeners, instance_id, process_host, process_pid, started_at, heartbeat_at)
      values (${b.nodeId}, ${b.host}, ${b.port}, ${b.rack}, ${tx.json(b.listeners as never)}, ${b.instanceId}, ${b.processHost ?? null}, ${b.processPid ?? null}, now(), now())
      on conflict (node_id) do update
        set host = excluded.host, port = excluded.port, rack = excluded.rack, listeners = excluded.listeners, instance_id = excluded.instance_id,
            process_host = excluded.process_host, process_pid = excluded.process_pid,
            started_at = case when k.instance_id = excluded.instance_id then k.started_at else now() end,
            heartbeat_at = now()
        where k.instance_id = excluded.instance_id or k.heartbeat_at < now() - ${staleMs} * interval '1 millisecond'
          or k.instance_id = ${takeOver}::uuid
      returning node_id`;
    if (won.length > 0) {
      await tx`select pg_notify(${BROKERS_CHANNEL}, ${String(b.nodeId)})`;
      return null;
    }
    const [row] = await tx<BrokerRow[]>`
      select node_id, host, port, rack, listeners, instance_id::text, process_host, process_pid, started_at, heartbeat_at,
             extract(epoch from now() - heartbeat_at) * 1000 as age_ms
      from kafka.brokers where node_id = ${b.nodeId}`;
    return fromRow(row);
  });
  if (holder) throw new NodeIdInUseError(holder, staleMs);
}

/** Bumps this registration's heartbeat. False when the row is gone or another process took the node id over. */
export async function heartbeatBroker(sql: Sql, nodeId: number, instanceId: string): Promise<boolean> {
  const rows = await sql`
    update kafka.brokers set heartbeat_at = now()
    where node_id = ${nodeId} and instance_id = ${instanceId}
    returning node_id`;
  return rows.length > 0;
}

/** Deletes this registration (clean shutdown) and notifies others. False when it was not there any more. */
export async function deregisterBroker(sql: Sql, nodeId: number, instanceId: string): Promise<boolean> {
  return sql.begin(async (tx) => {
    const rows = await tx`delete from kafka.brokers where node_id = ${nodeId} and instance_id = ${instanceId} returning node_id`;
    if (rows.length === 0) return false;
    await tx`select pg_notify(${BROKERS_CHANNEL}, ${String(nodeId)})`;
    return true;
  });
}

/** The brokers whose last heartbeat is at most `staleMs` old, by node id. */
export async function liveBrokers(sql: Sql, staleMs: number): Promise<RegisteredBroker[]> {
  const rows = await sql<BrokerRow[]>`
    select node_id, host, port, rack, listeners, instance_id::text, process_host, process_pid, started_at, heartbeat_at,
           extract(epoch from now() - heartbeat_at) * 1000 as age_ms
    from kafka.brokers
    where heartbeat_at >= now() - ${staleMs} * interval '1 millisecond'
    order by node_id`;
  return rows.map(fromRow);
}

/**
 * Calls `changed` whenever a broker registers or deregisters, and when the listening connection (re)connects
 * (notifications may have been missed). Resolves with the function that stops listening.
 */
export async function listenBrokerChanges(sql: Sql, changed: () => void): Promise<() => Promise<void>> {
  const { unlisten } = await sql.listen(BROKERS_CHANNEL, () => changed(), () => changed());
  return unlisten;
}
