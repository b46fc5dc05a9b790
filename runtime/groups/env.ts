// What the classic-protocol logic needs from the coordinator: timeouts from the configuration, a logger and
// persistence of a group's state (the last completed generation, or the empty group).

import type { Logger } from '../log.ts';
import type { ClassicGroup } from './classic-group.ts';

export interface GroupEnv {
  readonly minSessionTimeoutMs: number;
  readonly maxSessionTimeoutMs: number;
  readonly initialRebalanceDelayMs: number;
  /** Kafka's group.new.member.join.timeout: a new member that never completes a join is dropped after it. */
  readonly newMemberJoinTimeoutMs: number;
  readonly log: Logger;
  /**
   * Persists the group as it is now, with `assignment` as the members' assignments when given (SyncGroup from the
   * leader); resolves with an error code (NONE when written).
   */
  store(group: ClassicGroup, assignment?: ReadonlyMap<string, Uint8Array>): Promise<number>;
  /** Whether this group object is still the live one (not unloaded, deleted or replaced). */
  isLive(group: ClassicGroup): boolean;
}

/** Kafka's default group.new.member.join.timeout (5 minutes). */
export const NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000;
