// Kafka's rule for topic names (org.apache.kafka.common.internals.Topic.validate): 1-249 characters of
// [a-zA-Z0-9._-], and not "." or "..". Metadata (auto-creation), CreateTopics and DescribeConfigs use it.
// Also the most partitions a topic may have, which CreateTopics and CreatePartitions enforce, and Kafka's internal
// topic names (Topic.isInternal): Metadata flags them, Produce refuses them.

export const MAX_TOPIC_NAME_LENGTH = 249;

const legal = /^[a-zA-Z0-9._-]+$/;

/** Why `name` is not a legal topic name, in Kafka's words, or null when it is. */
export function topicNameProblem(name: string | null | undefined): string | null {
  if (name === null || name === undefined || name.length === 0) return 'Topic name is illegal, it can\'t be empty';
  if (name === '.' || name === '..') return 'Topic name cannot be "." or ".."';
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    return `Topic name is illegal, it can't be longer than ${MAX_TOPIC_NAME_LENGTH} characters, topic name: ${name}`;
  }
  if (!legal.test(name)) {
    return `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`;
  }
  return null;
}

export function isValidTopicName(name: string | null | undefined): name is string {
  return topicNameProblem(name) === null;
}

/** Most partitions one topic may have (the same bound as the num.partitions setting); beyond: INVALID_PARTITIONS. */
export const MAX_PARTITIONS_PER_TOPIC = 100000;

/** Kafka's internal topics (Topic.INTERNAL_TOPICS): written by the broker only. */
const INTERNAL_TOPICS: ReadonlySet<string> = new Set(['__consumer_offsets', '__transaction_state']);

export function isInternalTopic(name: string): boolean {
  return INTERNAL_TOPICS.has(name);
}
