// Consumer-group offset sync: for every group with a committed offset on a shadowed partition, the offset is
// translated through kafka.shadow_offsets (the external offset of the first forwarded record at or after it) and
// committed on the external cluster as a "simple" commit: OffsetCommit with generation -1 and no member id, which
// Kafka accepts for a group without members (kafkajs' admin.setOffsets would join the group instead; the commit goes
// through kafkajs' own cluster layer, reached through its private factory on the Kafka object). Only offsets the
// forwarder has passed are synced, so the translation is exact; kafka.shadow_group_offsets records what was synced.

import type kafkajs from 'kafkajs';
import type { Sql } from 'postgres';
import type { Logger } from '../log.ts';
import type { Topic } from '../../store/types.ts';
import { forwardedOffset, groupOffsetsToSync, saveSyncedGroupOffset, translateOffset } from '../../store/shadow.ts';

interface Cluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  findGroupCoordinator(o: { groupId: string }): Promise<{
    offsetCommit(o: { groupId: string; groupGenerationId: number; memberId: string; topics: { topic: string; partitions: { partition: number; offset: string }[] }[] }): Promise<unknown>;
  }>;
}

const clusters = new WeakMap<kafkajs.Kafka, Cluster>();

function cluster(kafka: kafkajs.Kafka): Cluster {
  let c = clusters.get(kafka);
  if (!c) {
    const sym = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
    if (!sym) throw new Error('kafkajs: private cluster factory not found');
    const factory = (kafka as unknown as Record<symbol, (o: object) => Cluster>)[sym];
    c = factory({ metadataMaxAge: 300000, allowAutoTopicCreation: false, maxInFlightRequests: null, isolationLevel: 1 });
    clusters.set(kafka, c);
  }
  return c;
}

/** Syncs the committed offsets that changed since the last pass; returns how many were committed externally. */
export async function syncGroupOffsets(sql: Sql, kafka: kafkajs.Kafka, topics: readonly Topic[], log: Logger): Promise<number> {
  const byId = new Map(topics.map((t) => [t.id, t]));
  const rows = (await groupOffsetsToSync(sql, [...byId.keys()])).filter((r) => r.committed !== r.synced && r.committed >= 0);
  if (rows.length === 0) return 0;
  const c = cluster(kafka);
  await c.connect();
  let synced = 0;
  for (const r of rows) {
    const topic = byId.get(r.topicId)!;
    const position = await forwardedOffset(sql, r.topicId, r.partition);
    if (position === null || r.committed > position) continue; // not forwarded that far yet
    const external = await translateOffset(sql, r.topicId, r.partition, r.committed);
    if (external === null) continue;
    try {
      const coordinator = await c.findGroupCoordinator({ groupId: r.groupId });
      await coordinator.offsetCommit({
        groupId: r.groupId,
        groupGenerationId: -1,
        memberId: '',
        topics: [{ topic: topic.configs['shadow.external.topic'] || topic.name, partitions: [{ partition: r.partition, offset: String(external) }] }],
      });
      await saveSyncedGroupOffset(sql, r.groupId, r.topicId, r.partition, r.committed, external);
      synced++;
    } catch (err) {
      log.debug('shadow group offset sync failed', { group: r.groupId, topic: topic.name, partition: r.partition, err: err as Error });
    }
  }
  return synced;
}
