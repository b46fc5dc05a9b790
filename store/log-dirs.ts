// Log sizes for DescribeLogDirs, estimated cheaply: one aggregate over kafka.partitions (a row per partition) and
// PostgreSQL's own size of kafka.records (pg_table_size: heap and TOAST, no indexes). Each partition gets the share
// of that size its record count (next_offset - log_start_offset) is of all records: exact when records are of
// one size, and never a scan of kafka.records, so thousands of partitions answer in milliseconds. Gaps left by
// compaction count as records; dead rows not yet vacuumed count as size. The database's own size stands for the
// log dir's total bytes; free space is not something PostgreSQL can tell.
import type { Sql } from './db.ts';

export interface PartitionSize {
  topic: string;
  partition: number;
  bytes: number;
}

export interface LogDirUsage {
  partitions: PartitionSize[];
  /** pg_database_size of the current database. */
  databaseBytes: number;
}

/** Sizes of the partitions of `topics` (null: every topic); unknown topics are left out. */
export async function logDirUsage(sql: Sql, topics: string[] | null): Promise<LogDirUsage> {
  // Sizes once (pg_database_size walks the database's files: never per row), counts per partition.
  const [[sizes], rows] = await Promise.all([
    sql<{ table_bytes: string; database_bytes: string; records: string }[]>`
      select pg_table_size('kafka.records'::regclass) as table_bytes,
             pg_database_size(current_database()) as database_bytes,
             (select coalesce(sum(greatest(next_offset - log_start_offset, 0)), 0) from kafka.partitions) as records`,
    sql<{ topic: string; partition: number; count: string }[]>`
      select t.name as topic, p.partition, greatest(p.next_offset - p.log_start_offset, 0) as count
      from kafka.partitions p join kafka.topics t on t.id = p.topic_id
      ${topics === null ? sql`` : sql`where t.name = any(${topics}::text[])`}
      order by t.name, p.partition`,
  ]);
  const total = Number(sizes.records);
  const tableBytes = Number(sizes.table_bytes);
  return {
    partitions: rows.map((r) => ({
      topic: r.topic,
      partition: r.partition,
      bytes: total > 0 ? Math.round((tableBytes * Number(r.count)) / total) : 0,
    })),
    databaseBytes: Number(sizes.database_bytes),
  };
}

/** The database as a log dir name, without credentials or options: postgresql://host:port/dbname. */
export function logDirName(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return 'pg-kafka';
  }
}
