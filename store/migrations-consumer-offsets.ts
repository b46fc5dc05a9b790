// Migration 135: the internal topic `__consumer_offsets` (50 partitions, Kafka's offsets.topic.num.partitions;
// cleanup.policy=compact, as Kafka creates it), seeded with a record for every offset already committed, so that
// readers of the topic (store/consumer-offsets.ts keeps it up to date from then on) see every group. A topic of
// that name created before (by auto-creation) is kept as it is and becomes the internal topic.

import { randomUUID } from 'node:crypto';
import { CONSUMER_OFFSETS_PARTITIONS, CONSUMER_OFFSETS_TOPIC, consumerOffsetsPartition } from '../codec/coordinator-records.ts';
import { offsetRecord } from './consumer-offsets.ts';
import type { Migration } from './migrations.ts';

export const consumerOffsetsMigration: Migration = {
  version: 135,
  name: '__consumer_offsets topic',
  async up(tx) {
    const [topic] = await tx<{ id: number }[]>`
      insert into kafka.topics (topic_id, name, partitions, configs)
      values (${randomUUID()}, ${CONSUMER_OFFSETS_TOPIC}, ${CONSUMER_OFFSETS_PARTITIONS}, ${tx.json({ 'cleanup.policy': 'compact' })})
      on conflict (name) do nothing
      returning id`;
    if (topic) {
      await tx`insert into kafka.partitions (topic_id, partition)
               select ${topic.id}, p from generate_series(0, ${CONSUMER_OFFSETS_PARTITIONS - 1}) as p`;
    }
    const offsets = await tx<{ group_id: string; topic: string; partition: number; committed_offset: string; leader_epoch: number; metadata: string | null; commit_timestamp: string }[]>`
      select o.group_id, t.name as topic, o.partition, o.committed_offset, o.leader_epoch, o.metadata, o.commit_timestamp
      from kafka.group_offsets o join kafka.topics t on t.id = o.topic_id
      order by o.group_id, t.name, o.partition`;
    if (offsets.length === 0) return;
    // Written with the columns this migration knows (later ones take their defaults), not through the append
    // path, which follows the newest schema.
    const [log] = await tx<{ id: number; partitions: number }[]>`select id, partitions from kafka.topics where name = ${CONSUMER_OFFSETS_TOPIC}`;
    const now = Date.now();
    const rows = offsets.map((o) => ({
      partition: consumerOffsetsPartition(o.group_id, log.partitions),
      ...offsetRecord({
        groupId: o.group_id,
        topic: o.topic,
        partition: o.partition,
        value: { offset: Number(o.committed_offset), leaderEpoch: o.leader_epoch, metadata: o.metadata, commitTimestamp: Number(o.commit_timestamp) },
      }),
    }));
    await tx`
      with r as (
        select * from unnest(${rows.map((r) => r.partition)}::int[], ${rows.map((r) => r.key)}::bytea[], ${rows.map((r) => r.value)}::bytea[])
          with ordinality as r(partition, key, value, i)
      ), n as (
        select partition, count(*) as n from r group by partition
      ), upd as (
        update kafka.partitions p set next_offset = p.next_offset + n.n
        from n where p.topic_id = ${log.id} and p.partition = n.partition
        returning p.partition, p.next_offset - n.n as base
      )
      insert into kafka.records (topic_id, partition, "offset", timestamp, key, value)
      select ${log.id}, r.partition, u.base + row_number() over (partition by r.partition order by r.i) - 1, ${now}, r.key, r.value
      from r join upd u using (partition)`;
  },
};
