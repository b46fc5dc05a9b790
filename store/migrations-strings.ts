// Migration 100: Kafka strings are stored through store/pg-text.ts from now on, which changes the stored form of
// the strings that start with its ESCAPED_PREFIX (no others: strings with U+0000 could not be stored before). Such
// strings, should any have been stored, are rewritten into their new form, in every text column and jsonb document
// holding client strings, so that they read back unchanged. Registered in migrations.ts.
import type { TransactionSql } from 'postgres';
import type { Migration } from './migrations.ts';
import { ESCAPED_PREFIX } from './pg-text.ts';

/** SQL for the new stored form of text column `c` (the old form never held U+0000: only `\` needs doubling). */
const escaped = (c: string) => `${literal(ESCAPED_PREFIX)} || replace(${c}, '\\', '\\\\')`;
const starts = (c: string) => `starts_with(${c}, ${literal(ESCAPED_PREFIX)})`;

function literal(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** Plain (non-key) text columns holding client strings. */
const TEXT_COLUMNS: readonly [table: string, column: string][] = [
  ['kafka.groups', 'protocol_type'],
  ['kafka.groups', 'protocol_name'],
  ['kafka.groups', 'leader'],
  ['kafka.group_offsets', 'metadata'],
  ['kafka.transaction_groups', 'group_id'],
  ['kafka.pending_txn_offsets', 'group_id'],
  ['kafka.pending_txn_offsets', 'metadata'],
];

/** jsonb documents holding client strings (keys or values). */
const JSON_COLUMNS: readonly [table: string, key: string, column: string][] = [
  ['kafka.topics', 'id', 'configs'],
  ['kafka.groups', 'group_id', 'members'],
  ['kafka.groups', 'group_id', 'consumer'],
];

async function up(tx: TransactionSql): Promise<void> {
  // Keys referenced by foreign keys without ON UPDATE: parent and children change in one statement, so the
  // constraints (checked at its end) hold.
  await tx.unsafe(`
    with p as (update kafka.groups set group_id = ${escaped('group_id')} where ${starts('group_id')})
    update kafka.group_offsets set group_id = ${escaped('group_id')} where ${starts('group_id')}`);
  await tx.unsafe(`
    with p as (update kafka.transactions set transactional_id = ${escaped('transactional_id')} where ${starts('transactional_id')}),
    a as (update kafka.transaction_partitions set transactional_id = ${escaped('transactional_id')} where ${starts('transactional_id')}),
    b as (update kafka.transaction_groups set transactional_id = ${escaped('transactional_id')} where ${starts('transactional_id')})
    update kafka.pending_txn_offsets set transactional_id = ${escaped('transactional_id')} where ${starts('transactional_id')}`);
  for (const [table, column] of TEXT_COLUMNS) {
    await tx.unsafe(`update ${table} set ${column} = ${escaped(column)} where ${starts(column)}`);
  }
  // Header keys: one pass over kafka.records (it only writes the rows that have such a key).
  await tx.unsafe(`
    update kafka.records r set header_keys = (
      select array_agg(case when ${starts('k')} then ${escaped('k')} else k end order by i)
      from unnest(r.header_keys) with ordinality as h(k, i))
    where exists (select 1 from unnest(r.header_keys) as h(k) where ${starts('k')})`);
  // jsonb: read as JSON text (which the text type leaves alone), parse, and write back through the json type,
  // which stores every string in its new form. In JSON text such a string starts with `"\\escaped:`.
  const pattern = `%${JSON.stringify(ESCAPED_PREFIX).slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  for (const [table, key, column] of JSON_COLUMNS) {
    const rows = await tx.unsafe<{ key: unknown; doc: string }[]>(
      `select ${key} as key, ${column}::text as doc from ${table} where ${column}::text like $1`, [pattern]);
    for (const row of rows) {
      await tx.unsafe(`update ${table} set ${column} = $1 where ${key} = $2`, [tx.json(JSON.parse(row.doc)), row.key as string]);
    }
  }
}

export const stringsMigration: Migration = {
  version: 100,
  name: 'Kafka strings with U+0000: the stored form of strings starting with the escape prefix',
  up,
};
