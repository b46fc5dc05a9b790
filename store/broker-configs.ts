// Dynamic broker configs: kafka.broker_configs rows (scope = a node id, or '' for the cluster-wide defaults), held
// in memory so the produce path reads them without a query. A change commits a NOTIFY on the topics channel with
// BROKER_CONFIGS_SIGNAL (not a legal topic name); every store reloads on it (and when its listener reconnects).
import type { Sql } from 'postgres';
import { BROKER_CONFIGS_SIGNAL, TOPICS_CHANNEL } from './notify.ts';

export type ConfigMap = Readonly<Record<string, string>>;

const EMPTY: ConfigMap = Object.freeze({});

export class BrokerConfigCatalog {
  private readonly sql: Sql;
  private byScope = new Map<string, ConfigMap>();
  /** Bumped by every local change: a load that started before one must not overwrite it. */
  private epoch = 0;
  private loading: Promise<void> | null = null;
  private again = false;

  constructor(sql: Sql) {
    this.sql = sql;
  }

  /** The configs of one scope, from memory ({} when none are set). */
  get(scope: string): ConfigMap {
    return this.byScope.get(scope) ?? EMPTY;
  }

  /** Reads every scope again; concurrent calls share one read, and one asked for during a read runs after it. */
  reload(): Promise<void> {
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.loading = (async () => {
      try {
        do {
          this.again = false;
          const epoch = this.epoch;
          const rows = await this.sql<{ scope: string; configs: Record<string, string> }[]>`
            select scope, configs from kafka.broker_configs`;
          if (epoch !== this.epoch) {
            this.again = true;
            continue;
          }
          this.byScope = new Map(rows.map((r) => [r.scope, Object.freeze({ ...r.configs })]));
        } while (this.again);
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }

  /**
   * Replaces the configs of `scope` with what `change` makes of the current ones, under the scope's row lock (so
   * concurrent incremental changes don't lose each other's). `change` may throw to refuse: nothing is written.
   * With `write` false nothing is written either (validate_only); the result is what would have been stored.
   */
  async update(scope: string, change: (current: ConfigMap) => Record<string, string>, write: boolean): Promise<ConfigMap> {
    if (!write) {
      const [row] = await this.sql<{ configs: Record<string, string> }[]>`select configs from kafka.broker_configs where scope = ${scope}`;
      return Object.freeze({ ...change(Object.freeze({ ...(row?.configs ?? {}) })) });
    }
    const next = await this.sql.begin(async (tx) => {
      await tx`insert into kafka.broker_configs (scope) values (${scope}) on conflict (scope) do nothing`;
      const [row] = await tx<{ configs: Record<string, string> }[]>`
        select configs from kafka.broker_configs where scope = ${scope} for update`;
      const configs = change(Object.freeze({ ...row.configs }));
      await tx`update kafka.broker_configs set configs = ${tx.json(configs)} where scope = ${scope}`;
      await tx`select pg_notify(${TOPICS_CHANNEL}, ${BROKER_CONFIGS_SIGNAL})`;
      return Object.freeze({ ...configs });
    });
    this.epoch++;
    this.byScope.set(scope, next);
    return next;
  }
}
