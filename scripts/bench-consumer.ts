// Pieces the bench's latency probes share: a topic made (or found) through Metadata with auto-creation, and a
// raw-protocol consumer long-polling Fetch on partition 0 (max wait 500 ms) that reports each record's value text
// and the time its Fetch answer arrived.

import * as metadataApi from '../apis/metadata.ts';
import { ZERO_UUID } from '../codec/compile.ts';
import type { RawClient } from '../tests/helpers/raw-client.ts';
import { fetchOne } from '../tests/helpers/data-path.ts';

/** The topic by name and id, auto-created by the Metadata request when missing. */
export async function benchTopic(conn: RawClient, name: string): Promise<{ name: string; topicId: string }> {
  const md = await conn.request<metadataApi.MetadataResponse>(metadataApi, 12, {
    topics: [{ name, topicId: ZERO_UUID }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false,
  });
  return { name, topicId: md.topics?.[0]?.topicId ?? ZERO_UUID };
}

/** Long-polls partition 0 from offset 0 until stop() (which resolves after the poll in progress). */
export function longPollConsumer(conn: RawClient, topic: { name: string; topicId: string }, onRecord: (value: string, arrivedAt: number) => void): { stop(): Promise<void> } {
  let running = true;
  const done = (async () => {
    let offset = 0;
    const text = new TextDecoder();
    while (running) {
      const { batches } = await fetchOne(conn, 12, topic, 0, offset, { maxWaitMs: 500 });
      const now = performance.now();
      for (const b of batches) {
        for (const r of b.records) onRecord(text.decode(r.value ?? new Uint8Array()).trimEnd(), now);
        offset = b.baseOffset + b.lastOffsetDelta + 1;
      }
    }
  })();
  return {
    stop: () => {
      running = false;
      return done;
    },
  };
}
