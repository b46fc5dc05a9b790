// Errors the store throws for conditions a handler turns into a Kafka error code.
import type { Topic } from './types.ts';

/** createTopic: a topic with that name exists (Kafka: TOPIC_ALREADY_EXISTS). */
export class TopicExistsError extends Error {
  readonly topic: string;
  constructor(topic: string) {
    super(`topic "${topic}" already exists`);
    this.name = 'TopicExistsError';
    this.topic = topic;
  }
}

/**
 * createTopic: the name equals an existing topic's once '.' and '_' are equated (Kafka: INVALID_TOPIC_EXCEPTION,
 * with this message).
 */
export class TopicCollisionError extends Error {
  readonly topic: string;
  readonly existing: string;
  constructor(topic: string, existing: string) {
    super(`Topic '${topic}' collides with existing topic: ${existing}`);
    this.name = 'TopicCollisionError';
    this.topic = topic;
    this.existing = existing;
  }
}

/** No such topic (Kafka: UNKNOWN_TOPIC_OR_PARTITION / UNKNOWN_TOPIC_ID). */
export class UnknownTopicError extends Error {
  readonly topic: string;
  constructor(topic: string) {
    super(`unknown topic "${topic}"`);
    this.name = 'UnknownTopicError';
    this.topic = topic;
  }
}

/** createPartitions: the new total is not larger than the current count (Kafka: INVALID_PARTITIONS). */
export class InvalidPartitionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidPartitionsError';
  }
}

/**
 * append / offsetsMany: some partitions have no row in kafka.partitions (the topic was deleted, or the partition is
 * beyond its count). The whole call was rolled back: nothing was appended. Kafka: UNKNOWN_TOPIC_OR_PARTITION.
 */
export class UnknownPartitionError extends Error {
  readonly partitions: readonly { topic: Topic; partition: number }[];
  constructor(partitions: { topic: Topic; partition: number }[]) {
    super(`unknown partitions: ${partitions.map((p) => `${p.topic.name}-${p.partition}`).join(', ')}`);
    this.name = 'UnknownPartitionError';
    this.partitions = partitions;
  }
}
