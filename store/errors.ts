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

/** postgres.js's own connection errors (`error.code`): the connection closed, was ended or never opened in time. */
const DRIVER_CONNECTION_CODES: ReadonlySet<string> = new Set(['CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT']);

/** Socket errors (`error.code`) of a connection to PostgreSQL. */
const SOCKET_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EAI_AGAIN', 'ENOENT',
]);

/**
 * PostgreSQL SQLSTATEs of a server going away or not taking connections: admin_shutdown (57P01), crash_shutdown
 * (57P02), cannot_connect_now (57P03: starting up, shutting down, in recovery), database_dropped (57P04), and the
 * connection exception class 08.
 */
function isUnavailableSqlState(code: string): boolean {
  return code === '57P01' || code === '57P02' || code === '57P03' || code === '57P04' || /^08[0-9A-Z]{3}$/.test(code);
}

/**
 * True when a store call failed because PostgreSQL could not be reached (connection lost, refused, timed out, the
 * server shutting down or starting up), not because of the request: the caller answers with a retriable error, and
 * the same call works again once the database is back. The pool reconnects by itself.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return false;
  return DRIVER_CONNECTION_CODES.has(code) || SOCKET_CODES.has(code) || isUnavailableSqlState(code);
}
