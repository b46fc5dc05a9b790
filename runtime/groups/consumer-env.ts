// What the KIP-848 group logic needs from the coordinator: the heartbeat interval and session timeout from the
// configuration, a logger and persistence of a group's state.

import type { Logger } from '../log.ts';
import type { ConsumerGroup } from './consumer-group.ts';

export interface ConsumerEnv {
  /** Kafka's group.consumer.session.timeout.ms. */
  readonly sessionTimeoutMs: number;
  /** Kafka's group.consumer.heartbeat.interval.ms. */
  readonly heartbeatIntervalMs: number;
  readonly log: Logger;
  /** Writes the group's state as it is now (in order with earlier writes); resolves with an error code. */
  store(group: ConsumerGroup): Promise<number>;
  /** Whether this group object is still the live one (not unloaded, deleted or replaced). */
  isLive(group: ConsumerGroup): boolean;
}
