// The parts of the consumer protocol (protocol type "consumer") the coordinator reads: the topics a member
// subscribes to, from its JoinGroup metadata (ConsumerProtocolSubscription: version int16, topics [string], ...).

import { Reader } from '../../codec/reader.ts';

export const CONSUMER_PROTOCOL_TYPE = 'consumer';

/** The subscribed topics, or null when the metadata cannot be parsed. */
export function subscribedTopics(metadata: Uint8Array): string[] | null {
  try {
    const r = new Reader(metadata);
    const version = r.int16();
    if (version < 0) return null;
    const n = r.int32();
    if (n < 0 || n > r.remaining) return null;
    const topics: string[] = [];
    for (let i = 0; i < n; i++) {
      const t = r.string();
      if (t === null) return null;
      topics.push(t);
    }
    return topics;
  } catch {
    return null;
  }
}
