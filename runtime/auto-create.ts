// Topic auto-creation (Kafka's auto.create.topics.enable): a topic created on first use with num.partitions
// partitions. Used by Metadata and by the SQL outbox mover; when another client (or broker) created the topic
// first, theirs is returned; a name colliding with an existing topic's ('.' and '_' equated) is not created.

import type { BrokerServices } from './context.ts';
import { TopicCollisionError, TopicExistsError } from '../store/errors.ts';
import type { Topic } from '../store/types.ts';

/** Returned for a name that collides with an existing topic's: Kafka answers INVALID_TOPIC_EXCEPTION. */
export const TOPIC_COLLIDES: unique symbol = Symbol('collides');

/**
 * Creates `name` with the broker's default partition count, or reads it when it exists; undefined if it vanished,
 * TOPIC_COLLIDES when it collides with another topic's name.
 */
export async function autoCreateTopic(broker: BrokerServices, name: string, clientId: string | null): Promise<Topic | undefined | typeof TOPIC_COLLIDES> {
  const { config, store, log } = broker;
  try {
    const topic = await store.createTopic({ name, partitions: config.defaultPartitions });
    log.info('topic auto-created', { topic: name, partitions: topic.partitions, clientId });
    return topic;
  } catch (err) {
    if (err instanceof TopicCollisionError) return TOPIC_COLLIDES;
    if (!(err instanceof TopicExistsError)) throw err;
    return (await store.getTopics([name])).get(name);
  }
}
