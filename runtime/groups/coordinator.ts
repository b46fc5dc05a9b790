// The group coordinator service (one per broker, `groupCoordinator(ctx)`): the groups of the slots this broker
// holds, loaded from PostgreSQL when a slot is gained and dropped when it is lost; JoinGroup, SyncGroup, Heartbeat
// and LeaveGroup entry points; persistence of group state in per-group order; periodic offset expiry. Offsets and
// admin operations live in offsets.ts and admin.ts.

import { ErrorCode } from '../../codec/errors.ts';
import type { BrokerServices, RequestContext, Service } from '../context.ts';
import type { Sql } from 'postgres';
import type { Store } from '../../store/index.ts';
import { loadGroups, saveGroup, type SlotFence, type SlotOwner } from '../../store/groups.ts';
import { ClassicGroup, GroupState } from './classic-group.ts';
import { joinError, syncError, type JoinResult, type SyncResult } from './member.ts';
import { NEW_MEMBER_JOIN_TIMEOUT_MS, type GroupEnv } from './env.ts';
import { defaultLeaseOptions, SlotLeases, type LeaseOptions } from './leases.ts';
import { restore, snapshot } from './persist.ts';
import { scheduleHeartbeat, shutdownGroup } from './rebalance.ts';
import { joinGroup, type JoinRequest } from './join.ts';
import { heartbeat, leaveGroup, syncGroup, type LeavingMember, type SyncRequest } from './membership.ts';
import { purgeExpiredOffsets } from './offsets.ts';
import { slotFor } from './slot.ts';

export interface CoordinatorOptions extends LeaseOptions {
  /** Kafka's offsets.retention.check.interval.ms. */
  retentionCheckIntervalMs: number;
}

export const defaultCoordinatorOptions: CoordinatorOptions = { ...defaultLeaseOptions, retentionCheckIntervalMs: 600_000 };

/** The broker's group coordinator, created on first use. */
export function groupCoordinator(ctx: RequestContext): GroupCoordinator {
  return ctx.broker.service('groups', (broker) => new GroupCoordinator(broker));
}

export class GroupCoordinator implements Service {
  readonly groups = new Map<string, ClassicGroup>();
  readonly env: GroupEnv;
  readonly leases: SlotLeases;
  readonly sql: Sql;
  readonly store: Store;
  readonly options: CoordinatorOptions;
  readonly #broker: BrokerServices;
  readonly #writes = new Map<string, Promise<unknown>>();
  #purgeTimer: ReturnType<typeof setInterval> | null = null;
  #closed: Promise<void> | null = null;

  constructor(broker: BrokerServices, options: Partial<CoordinatorOptions> = {}) {
    this.#broker = broker;
    this.options = { ...defaultCoordinatorOptions, ...options };
    this.store = broker.store;
    this.sql = broker.store.sql;
    const { config, log } = broker;
    this.env = {
      minSessionTimeoutMs: config.groupMinSessionTimeoutMs,
      maxSessionTimeoutMs: config.groupMaxSessionTimeoutMs,
      initialRebalanceDelayMs: config.groupInitialRebalanceDelayMs,
      newMemberJoinTimeoutMs: NEW_MEMBER_JOIN_TIMEOUT_MS,
      log,
      store: (group, assignment) => this.#store(group, assignment),
      isLive: (group) => this.groups.get(group.groupId) === group,
    };
    const self: SlotOwner = { nodeId: broker.info.nodeId, host: broker.info.host, port: broker.info.port };
    this.leases = new SlotLeases(this.sql, self, this.options, {
      gained: (slot, fence) => this.#load(slot, fence),
      lost: (slot) => this.#unload(slot),
    }, log);
    void this.leases.start();
    this.#purgeTimer = setInterval(() => {
      void purgeExpiredOffsets(this).catch((err: unknown) => log.warn('offset expiry failed', { err: err as Error }));
    }, this.options.retentionCheckIntervalMs);
    // Waiting JoinGroup/SyncGroup requests are answered (NOT_COORDINATOR) as soon as shutdown begins.
    void broker.closing.then(() => this.close());
  }

  get config(): BrokerServices['config'] {
    return this.#broker.config;
  }

  get closed(): boolean {
    return this.#closed !== null;
  }

  /** Our fence on the group's slot, or the error to answer (NOT_COORDINATOR when another broker holds it). */
  async resolve(groupId: string): Promise<SlotFence | number> {
    if (this.#closed !== null || this.#broker.isClosing) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const fence = await this.leases.acquire(slotFor(groupId, this.options.slotCount));
    return fence ?? ErrorCode.NOT_COORDINATOR;
  }

  /** The broker coordinating this group: us, another live broker, or null (not known yet). */
  async coordinatorFor(groupId: string): Promise<SlotOwner | null> {
    if (this.#closed !== null || this.#broker.isClosing) return null;
    return this.leases.owner(slotFor(groupId, this.options.slotCount));
  }

  /** Runs a write about a group after the previous ones for the same group (they must land in order). */
  serialize<T>(groupId: string, write: () => Promise<T>): Promise<T> {
    const previous = this.#writes.get(groupId) ?? Promise.resolve();
    const next = previous.then(write, write);
    this.#writes.set(groupId, next);
    void next.finally(() => {
      if (this.#writes.get(groupId) === next) this.#writes.delete(groupId);
    }).catch(() => {});
    return next;
  }

  async #store(group: ClassicGroup, assignment?: ReadonlyMap<string, Uint8Array>): Promise<number> {
    const fence = this.leases.fence(group.slot);
    if (!fence) return ErrorCode.NOT_COORDINATOR;
    const row = snapshot(group, assignment);
    return this.serialize(group.groupId, async () => {
      try {
        return (await saveGroup(this.sql, fence, row)) ? ErrorCode.NONE : ErrorCode.NOT_COORDINATOR;
      } catch (err) {
        this.#broker.log.error('could not persist group', { group: group.groupId, err: err as Error });
        return ErrorCode.COORDINATOR_NOT_AVAILABLE;
      }
    });
  }

  async #load(slot: number, fence: SlotFence): Promise<void> {
    const rows = await loadGroups(this.sql, slot);
    for (const row of rows) {
      if (this.groups.has(row.groupId)) continue;
      const group = restore(row);
      this.groups.set(group.groupId, group);
      for (const m of group.members.values()) scheduleHeartbeat(this.env, group, m);
    }
    if (rows.length > 0) this.#broker.log.info('loaded groups', { slot, epoch: fence.epoch, groups: rows.length });
  }

  #unload(slot: number): void {
    for (const [id, group] of this.groups) {
      if (group.slot !== slot) continue;
      shutdownGroup(group, ErrorCode.NOT_COORDINATOR);
      this.groups.delete(id);
    }
  }

  /** Drops a group from memory (deleted or expired): its waiting requests end with `errorCode`. */
  removeGroup(group: ClassicGroup, errorCode: number = ErrorCode.COORDINATOR_NOT_AVAILABLE): void {
    if (this.groups.get(group.groupId) !== group) return;
    shutdownGroup(group, errorCode);
    group.state = GroupState.Dead;
    this.groups.delete(group.groupId);
  }

  // Classic protocol entry points

  async join(groupId: string, req: JoinRequest): Promise<JoinResult> {
    if (groupId === '') return joinError(req.memberId, ErrorCode.INVALID_GROUP_ID);
    const fence = await this.resolve(groupId);
    if (typeof fence === 'number') return joinError(req.memberId, fence);
    if (req.sessionTimeoutMs < this.env.minSessionTimeoutMs || req.sessionTimeoutMs > this.env.maxSessionTimeoutMs) {
      return joinError(req.memberId, ErrorCode.INVALID_SESSION_TIMEOUT);
    }
    let group = this.groups.get(groupId);
    let created = false;
    if (!group) {
      // Only a new member may create a group; a known member id for a group we do not have is stale.
      if (req.memberId !== '') return joinError(req.memberId, ErrorCode.UNKNOWN_MEMBER_ID);
      group = new ClassicGroup(groupId, fence.slot);
      this.groups.set(groupId, group);
      created = true;
    }
    const g = group;
    const result = new Promise<JoinResult>((resolve) => joinGroup(this.env, g, req, resolve));
    // A group created by a join that left nothing behind (bad protocol) is not kept.
    if (created && g.is(GroupState.Empty) && g.members.size === 0 && g.pendingMembers.size === 0) this.groups.delete(groupId);
    return result;
  }

  async sync(groupId: string, req: SyncRequest): Promise<SyncResult> {
    if (groupId === '') return syncError(ErrorCode.INVALID_GROUP_ID);
    const fence = await this.resolve(groupId);
    if (typeof fence === 'number') return syncError(fence);
    const group = this.groups.get(groupId);
    if (!group) return syncError(ErrorCode.UNKNOWN_MEMBER_ID);
    return new Promise<SyncResult>((resolve) => syncGroup(this.env, group, req, resolve));
  }

  async heartbeat(groupId: string, memberId: string, groupInstanceId: string | null, generationId: number): Promise<number> {
    if (groupId === '') return ErrorCode.INVALID_GROUP_ID;
    const fence = await this.resolve(groupId);
    if (typeof fence === 'number') return fence;
    const group = this.groups.get(groupId);
    if (!group) return ErrorCode.UNKNOWN_MEMBER_ID;
    return heartbeat(this.env, group, memberId, groupInstanceId, generationId);
  }

  /** Top-level error and one error per leaving member. */
  async leave(groupId: string, members: LeavingMember[]): Promise<{ errorCode: number; members: number[] }> {
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, members: [] };
    const fence = await this.resolve(groupId);
    if (typeof fence === 'number') return { errorCode: fence, members: [] };
    const group = this.groups.get(groupId);
    if (!group) return { errorCode: ErrorCode.NONE, members: members.map(() => ErrorCode.UNKNOWN_MEMBER_ID) };
    if (group.is(GroupState.Dead)) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    return { errorCode: ErrorCode.NONE, members: leaveGroup(this.env, group, members) };
  }

  /** Stops timers, answers waiting requests (NOT_COORDINATOR) and gives the slot leases back. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      if (this.#purgeTimer !== null) clearInterval(this.#purgeTimer);
      this.#purgeTimer = null;
      await this.leases.close();
      for (const group of this.groups.values()) shutdownGroup(group, ErrorCode.NOT_COORDINATOR);
      this.groups.clear();
      await Promise.allSettled([...this.#writes.values()]);
    })();
    return this.#closed;
  }
}
