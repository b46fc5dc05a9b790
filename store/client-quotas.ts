// Client quotas (DescribeClientQuotas / AlterClientQuotas): one row per entity and quota key in
// kafka.client_quotas. An entity is a JSON object of entity types ("user", "client-id") to a name, or null for the
// type's default entity ({"user": null} is Kafka's <default> user). Every change NOTIFYs `kafka_quotas` inside its
// transaction, so every broker reloads what it enforces (runtime/quotas.ts).
import type { Sql } from 'postgres';
import { QUOTAS_CHANNEL } from './notify.ts';

/** Entity type → name, null for the default entity of that type. */
export type QuotaEntity = Readonly<Record<string, string | null>>;

export interface QuotaRow {
  entity: QuotaEntity;
  key: string;
  value: number;
}

export interface QuotaChange {
  entity: QuotaEntity;
  /** Keys to set (value) or remove (null). */
  ops: { key: string; value: number | null }[];
}

/** Entity types in a fixed order, so that equal entities are equal JSON. */
function canonical(entity: QuotaEntity): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const k of Object.keys(entity).sort()) out[k] = entity[k];
  return out;
}

export async function listClientQuotas(sql: Sql): Promise<QuotaRow[]> {
  const rows = await sql<{ entity: Record<string, string | null>; key: string; value: number }[]>`
    select entity, key, value from kafka.client_quotas order by entity::text, key`;
  return rows.map((r) => ({ entity: r.entity, key: r.key, value: Number(r.value) }));
}

/** Applies every change in one transaction and tells every broker. */
export async function alterClientQuotas(sql: Sql, changes: QuotaChange[]): Promise<void> {
  if (changes.length === 0) return;
  await sql.begin(async (tx) => {
    for (const c of changes) {
      const entity = tx.json(canonical(c.entity));
      for (const op of c.ops) {
        if (op.value === null) await tx`delete from kafka.client_quotas where entity = ${entity}::jsonb and key = ${op.key}`;
        else {
          await tx`insert into kafka.client_quotas (entity, key, value) values (${entity}::jsonb, ${op.key}, ${op.value})
                   on conflict (entity, key) do update set value = excluded.value`;
        }
      }
    }
    await tx`select pg_notify(${QUOTAS_CHANNEL}, '')`;
  });
}
