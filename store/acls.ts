// The ACL rows (kafka.acls): read them all (each broker caches the set, runtime/auth/acl-cache.ts), add bindings,
// delete the ones a predicate picks, and the NOTIFY channel that tells every broker the set changed. Each change
// sends its NOTIFY inside its own transaction, so a listener that re-reads sees the change.
import type { Sql } from 'postgres';

export const ACLS_CHANNEL = 'kafka_acls';

/** One ACL binding, with Kafka's numeric codes (ResourceType, PatternType, AclOperation, AclPermissionType). */
export interface AclBinding {
  readonly principal: string;
  readonly host: string;
  readonly resourceType: number;
  readonly resourceName: string;
  readonly patternType: number;
  readonly operation: number;
  readonly permission: number;
}

interface AclRow {
  id: string;
  principal: string;
  host: string;
  resource_type: number;
  resource_name: string;
  pattern_type: number;
  operation: number;
  permission: number;
}

function fromRow(r: AclRow): AclBinding {
  return {
    principal: r.principal,
    host: r.host,
    resourceType: r.resource_type,
    resourceName: r.resource_name,
    patternType: r.pattern_type,
    operation: r.operation,
    permission: r.permission,
  };
}

export async function listAcls(sql: Sql): Promise<AclBinding[]> {
  const rows = await sql<AclRow[]>`select * from kafka.acls order by id`;
  return rows.map(fromRow);
}

/** Adds the bindings (one already stored is kept as it is) in one transaction. */
export async function createAcls(sql: Sql, bindings: readonly AclBinding[]): Promise<void> {
  if (bindings.length === 0) return;
  await sql.begin(async (tx) => {
    for (const b of bindings) {
      await tx`insert into kafka.acls (principal, host, resource_type, resource_name, pattern_type, operation, permission)
        values (${b.principal}, ${b.host}, ${b.resourceType}, ${b.resourceName}, ${b.patternType}, ${b.operation}, ${b.permission})
        on conflict do nothing`;
    }
    await tx`select pg_notify(${ACLS_CHANNEL}, '')`;
  });
}

/**
 * Deletes, in one transaction, every stored binding that `pick` selects for some filter; returns the deleted
 * bindings per filter index (a binding several filters match is listed under each, as Kafka does).
 */
export async function deleteAcls(sql: Sql, filterCount: number, pick: (filter: number, b: AclBinding) => boolean): Promise<AclBinding[][]> {
  return await sql.begin(async (tx) => {
    const rows = await tx<AclRow[]>`select * from kafka.acls order by id for update`;
    const results: AclBinding[][] = Array.from({ length: filterCount }, () => []);
    const ids = new Set<string>();
    for (const row of rows) {
      const b = fromRow(row);
      for (let f = 0; f < filterCount; f++) {
        if (pick(f, b)) {
          results[f].push(b);
          ids.add(row.id);
        }
      }
    }
    if (ids.size > 0) {
      await tx`delete from kafka.acls where id = any(${[...ids]}::bigint[])`;
      await tx`select pg_notify(${ACLS_CHANNEL}, '')`;
    }
    return results;
  });
}

/** Calls `changed` on every ACL change from any broker, and on (re)connecting (changes may have been missed). */
export async function listenAclChanges(sql: Sql, changed: () => void): Promise<() => Promise<void>> {
  const { unlisten } = await sql.listen(ACLS_CHANNEL, () => changed(), () => changed());
  return unlisten;
}
