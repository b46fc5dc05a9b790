// The parts of the consumer protocol (protocol type "consumer") the coordinator reads: the topics a member
// subscribes to, from its JoinGroup metadata (ConsumerProtocolSubscription: version int16, topics [string], ...), and
// the partitions a member was assigned (ConsumerProtocolAssignment), for the admin API.

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

/** The partitions of a ConsumerProtocolAssignment (version int16, [topic string, [partition int32]], ...), or null. */
export function assignedPartitions(assignment: Uint8Array): { topic: string; partitions: number[] }[] | null {
  try {
    const r = new Reader(assignment);
    if (r.int16() < 0) return null;
    const n = r.int32();
    if (n < 0 || n > r.remaining) return null;
    const out: { topic: string; partitions: number[] }[] = [];
    for (let i = 0; i < n; i++) {
      const topic = r.string();
      const count = r.int32();
      if (topic === null || count < 0 || count > r.remaining) return null;
      const partitions: number[] = [];
      for (let j = 0; j < count; j++) partitions.push(r.int32());
      out.push({ topic, partitions });
    }
    return out;
  } catch {
    return null;
  }
}
