// The authorizer handlers consult through ctx.authorize (runtime/context.ts). With --authorizer=none every
// request is allowed and the ACL APIs answer SECURITY_DISABLED. With --authorizer=acl, decisions come from an
// in-memory copy of kafka.acls (no query per request): loaded at start, re-read whenever any broker changes the
// ACLs (LISTEN/NOTIFY on kafka_acls, and on reconnecting), and at once by this broker after its own changes.
import type { Sql } from 'postgres';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { createAcls, deleteAcls, listAcls, listenAclChanges, type AclBinding } from '../../store/acls.ts';
import { decide, decideAny, filterMatches, parseSuperUsers, type AclFilter, type Session } from './acl.ts';
import { AclOperation } from '../authorized-operations.ts';

export interface Authorizer {
  /** False without an authorizer: everything is allowed and the ACL APIs answer SECURITY_DISABLED. */
  readonly enabled: boolean;
  authorize(session: Session, op: number, resourceType: number, name: string): boolean;
  /** Whether some resource of the type allows `op` (Kafka's authorizeByResourceType). */
  authorizeAny(session: Session, op: number, resourceType: number): boolean;
  /** The operations of `supported` (a KIP-430 bit field) that the session may perform on the resource. */
  authorizedOperations(session: Session, resourceType: number, name: string, supported: number): number;
  /** The stored bindings each filter matches (read from PostgreSQL, so changes by other brokers are seen). */
  describe(filter: AclFilter): Promise<AclBinding[]>;
  create(bindings: readonly AclBinding[]): Promise<void>;
  /** Deletes what the filters match; the deleted bindings per filter. */
  delete(filters: readonly AclFilter[]): Promise<AclBinding[][]>;
  close(): Promise<void>;
}

/** Kafka's message when the ACL APIs are called without an authorizer. */
export const SECURITY_DISABLED_MESSAGE = 'No Authorizer is configured on the broker';

/** --authorizer=none. */
export const noAuthorizer: Authorizer = {
  enabled: false,
  authorize: () => true,
  authorizeAny: () => true,
  authorizedOperations: (_session, _type, _name, supported) => supported,
  describe: () => Promise.resolve([]),
  create: () => Promise.resolve(),
  delete: (filters) => Promise.resolve(filters.map(() => [])),
  close: () => Promise.resolve(),
};

export async function createAuthorizer(config: Config, sql: Sql, log: Logger): Promise<Authorizer> {
  if (config.authorizer === 'none') return noAuthorizer;
  const authorizer = new AclAuthorizer(sql, log, parseSuperUsers(config.superUsers), config.allowEveryoneIfNoAclFound);
  await authorizer.start();
  return authorizer;
}

export class AclAuthorizer implements Authorizer {
  readonly enabled = true;
  readonly #sql: Sql;
  readonly #log: Logger;
  readonly #superUsers: ReadonlySet<string>;
  readonly #allowIfNone: boolean;
  /** Bindings by resource type. */
  #byType = new Map<number, AclBinding[]>();
  #loading: Promise<void> | null = null;
  #again = false;
  #unlisten: (() => Promise<void>) | null = null;

  constructor(sql: Sql, log: Logger, superUsers: ReadonlySet<string>, allowIfNone: boolean) {
    this.#sql = sql;
    this.#log = log;
    this.#superUsers = superUsers;
    this.#allowIfNone = allowIfNone;
  }

  async start(): Promise<void> {
    await this.reload();
    this.#unlisten = await listenAclChanges(this.#sql, () => void this.reload());
  }

  /** Re-reads kafka.acls; calls during a load coalesce into one more load after it. */
  reload(): Promise<void> {
    if (this.#loading) {
      this.#again = true;
      return this.#loading;
    }
    this.#loading = (async () => {
      try {
        do {
          this.#again = false;
          const byType = new Map<number, AclBinding[]>();
          for (const b of await listAcls(this.#sql)) {
            const list = byType.get(b.resourceType);
            if (list) list.push(b);
            else byType.set(b.resourceType, [b]);
          }
          this.#byType = byType;
        } while (this.#again);
      } catch (err) {
        this.#log.warn('could not load ACLs (keeping the previous set)', { err: (err as Error).message });
      } finally {
        this.#loading = null;
      }
    })();
    return this.#loading;
  }

  authorize(session: Session, op: number, resourceType: number, name: string): boolean {
    if (this.#superUsers.has(session.principal)) return true;
    return decide(this.#byType.get(resourceType) ?? [], session, op, name, this.#allowIfNone);
  }

  authorizeAny(session: Session, op: number, resourceType: number): boolean {
    if (this.#superUsers.has(session.principal)) return true;
    return decideAny(this.#byType.get(resourceType) ?? [], session, op, this.#allowIfNone);
  }

  authorizedOperations(session: Session, resourceType: number, name: string, supported: number): number {
    let bits = 0;
    for (let op = AclOperation.READ; op <= AclOperation.DESCRIBE_TOKENS; op++) {
      if ((supported & (1 << op)) !== 0 && this.authorize(session, op, resourceType, name)) bits |= 1 << op;
    }
    return bits;
  }

  async describe(filter: AclFilter): Promise<AclBinding[]> {
    return (await listAcls(this.#sql)).filter((b) => filterMatches(filter, b));
  }

  async create(bindings: readonly AclBinding[]): Promise<void> {
    await createAcls(this.#sql, bindings);
    await this.reload();
  }

  async delete(filters: readonly AclFilter[]): Promise<AclBinding[][]> {
    const deleted = await deleteAcls(this.#sql, filters.length, (f, b) => filterMatches(filters[f], b));
    await this.reload();
    return deleted;
  }

  async close(): Promise<void> {
    if (this.#unlisten) await this.#unlisten().catch(() => {});
    this.#unlisten = null;
  }
}
