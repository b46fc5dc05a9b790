// What the kafka_exporter-style gauges of /metrics show (runtime/metrics.ts BrokerMetrics.collect): every
// partition's log start and high watermark, every topic's partition count, and every committed group offset with
// its partition's high watermark, in ONE query per scrape.
import type { Sql } from 'postgres';
import type { OffsetsSnapshot } from '../runtime/metrics.ts';

export async function offsetsSnapshot(sql: Sql): Promise<OffsetsSnapshot> {
  const rows = await sql<{ kind: 'p' | 'g'; group_id: string | null; topic: string; partition: number; a: string; b: string; partitions: number }[]>`
    select 'p' as kind, null as group_id, t.name as topic, p.partition, p.log_start_offset as a, p.next_offset as b, t.partitions
    from kafka.partitions p join kafka.topics t on t.id = p.topic_id
    union all
    select 'g', o.group_id, t.name, o.partition, o.committed_offset, p.next_offset, t.partitions
    from kafka.group_offsets o
    join kafka.topics t on t.id = o.topic_id
    join kafka.partitions p on p.topic_id = o.topic_id and p.partition = o.partition`;
  const snapshot: OffsetsSnapshot = { partitions: [], topics: [], groups: [] };
  const topics = new Map<string, number>();
  for (const r of rows) {
    if (r.kind === 'p') {
      snapshot.partitions.push({ topic: r.topic, partition: r.partition, oldest: Number(r.a), current: Number(r.b) });
      topics.set(r.topic, r.partitions);
    } else {
      snapshot.groups.push({ group: r.group_id as string, topic: r.topic, partition: r.partition, committed: Number(r.a), highWatermark: Number(r.b) });
    }
  }
  for (const [topic, partitions] of topics) snapshot.topics.push({ topic, partitions });
  return snapshot;
}
