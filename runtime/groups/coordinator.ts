// The group coordinator service (one per broker, `groupCoordinator(ctx)`): the groups of the slots this broker
// holds, classic ones and KIP-848 consumer groups (one group-id namespace), loaded from PostgreSQL when a slot is
// gained and dropped when it is lost; JoinGroup, SyncGroup, Heartbeat, LeaveGroup and ConsumerGroupHeartbeat entry
// points; persistence of group state in per-group order; periodic offset expiry. Offsets and admin operations live
// in offsets.ts and admin.ts.

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
import { abortable } from '../abortable.ts';
import { loadConsumerGroups, saveConsumerGroup } from '../../store/consumer-groups.ts';
import { ConsumerGroup, MemberState } from './consumer-group.ts';
import type { ConsumerEnv } from './consumer-env.ts';
import {
  consumerGroupHeartbeat,
  heartbeatError,
  validateHeartbeat,
  type ConsumerHeartbeatRequest,
  type ConsumerHeartbeatResult,
} from './consumer-heartbeat.ts';
import { restoreConsumerGroup, snapshotConsumerGroup } from './consumer-persist.ts';
import { scheduleRebalanceTimeout, scheduleSession } from './consumer-timers.ts';
import type { Topic } from '../../store/types.ts';
import { logStoreFailure } from '../unavailable.ts';
import { GROUPS_CHANNEL } from '../../store/sql-api/consume-sql.ts';

export interface CoordinatorOptions extends LeaseOptions {
  /** Kafka's offsets.retention.check.interval.ms. */
  retentionCheckIntervalMs: number;
}

export const defaultCoordinatorOptions: CoordinatorOptions = { ...defaultLeaseOptions, retentionCheckIntervalMs: 600_000 };

const GROUPS_SERVICE = 'groups';

/** The broker's group coordinator (started with the broker, see startGroupCoordinator). */
export function groupCoordinator(ctx: RequestContext): GroupCoordinator {
  return ctx.broker.service(GROUPS_SERVICE, (broker) => new GroupCoordinator(broker));
}

/** Starts the broker's group coordinator: it takes its share of the coordinator slots at once. */
export function startGroupCoordinator(broker: BrokerServices, options: Partial<CoordinatorOptions> = {}): GroupCoordinator {
  return broker.service(GROUPS_SERVICE, (b) => new GroupCoordinator(b, options));
}

export class GroupCoordinator implements Service {
  /** Classic groups. A group id is in this map or in `consumerGroups`, never in both. */
  readonly groups = new Map<string, ClassicGroup>();
  /** KIP-848 consumer groups. */
  readonly consumerGroups = new Map<string, ConsumerGroup>();
  readonly env: GroupEnv;
  readonly consumerEnv: ConsumerEnv;
  readonly leases: SlotLeases;
  readonly sql: Sql;
  readonly store: Store;
  readonly options: CoordinatorOptions;
  readonly #broker: BrokerServices;
  readonly #writes = new Map<string, Promise<unknown>>();
  #purgeTimer: ReturnType<typeof setInterval> | null = null;
  #closed: Promise<void> | null = null;
  #unlisten: Promise<(() => Promise<void>) | null>;

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
    this.consumerEnv = {
      sessionTimeoutMs: config.groupConsumerSessionTimeoutMs,
      heartbeatIntervalMs: config.groupConsumerHeartbeatIntervalMs,
      log,
      store: (group) => this.#storeConsumer(group),
      isLive: (group) => this.consumerGroups.get(group.groupId) === group,
    };
    const self: SlotOwner = { nodeId: broker.info.nodeId, host: broker.info.host, port: broker.info.port };
    this.leases = new SlotLeases(this.sql, self, this.options, {
      gained: (fences) => this.#load(fences),
      lost: (slot) => this.#unload(slot),
    }, {
      nodeIds: () => broker.cluster.brokers().map((b) => b.nodeId),
      refresh: () => broker.cluster.refresh(),
    }, log);
    void this.leases.start();
    this.#purgeTimer = setInterval(() => {
      void purgeExpiredOffsets(this).catch((err: unknown) => log.warn('offset expiry failed', { err: err as Error }));
    }, this.options.retentionCheckIntervalMs);
    // Groups created from SQL (kafka.commit_offset) are announced at their commit: load them if they are ours.
    this.#unlisten = this.sql.listen(GROUPS_CHANNEL, (groupId) => {
      void this.adopt(groupId).catch((err: unknown) => log.warn('could not load a group created from SQL', { group: groupId, err: err as Error }));
    }).then((sub) => () => sub.unlisten(), (err: unknown) => {
      log.warn('could not listen for groups created from SQL', { err: err as Error });
      return null;
    });
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

  /**
   * Loads a group this broker coordinates but does not have in memory (one created from SQL by
   * kafka.commit_offset): its slot's persisted groups that are not in memory yet are loaded.
   */
  async adopt(groupId: string): Promise<void> {
    if (this.groups.has(groupId) || this.consumerGroups.has(groupId) || this.#closed !== null) return;
    const slot = slotFor(groupId, this.options.slotCount);
    const fence = this.leases.fence(slot);
    if (fence) await this.#load([fence]);
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
        this.logStoreError('could not persist group', group.groupId, err);
        return ErrorCode.COORDINATOR_NOT_AVAILABLE;
      }
    });
  }

  /** Persists a consumer group's state unless it is what was written last; resolves with an error code. */
  #storeConsumer(group: ConsumerGroup): Promise<number> {
    const fence = this.leases.fence(group.slot);
    if (!fence) return Promise.resolve(ErrorCode.NOT_COORDINATOR);
    const row = snapshotConsumerGroup(group);
    const json = JSON.stringify(row);
    if (json === group.persisted.json) return group.persisted.result;
    const result = this.serialize(group.groupId, async () => {
      let code: number = ErrorCode.NONE;
      try {
        if (!(await saveConsumerGroup(this.sql, fence, row))) code = ErrorCode.NOT_COORDINATOR;
      } catch (err) {
        this.logStoreError('could not persist consumer group', group.groupId, err);
        code = ErrorCode.COORDINATOR_NOT_AVAILABLE;
      }
      // A failed write is tried again with the next change or heartbeat.
      if (code !== ErrorCode.NONE && group.persisted.json === json) group.persisted = { json: '', result: Promise.resolve(ErrorCode.NONE) };
      return code;
    });
    group.persisted = { json, result };
    return result;
  }

  /** A failed store call answered with COORDINATOR_NOT_AVAILABLE (logged once per database outage). */
  logStoreError(message: string, groupId: string, err: unknown): void {
    logStoreFailure(this.#broker, message, { group: groupId }, err);
  }

  async #load(fences: SlotFence[]): Promise<void> {
    const slots = fences.map((f) => f.slot);
    const rows = await loadGroups(this.sql, slots);
    for (const row of rows) {
      if (this.groups.has(row.groupId) || this.consumerGroups.has(row.groupId)) continue;
      const group = restore(row);
      this.groups.set(group.groupId, group);
      for (const m of group.members.values()) scheduleHeartbeat(this.env, group, m);
    }
    const consumerRows = await loadConsumerGroups(this.sql, slots);
    for (const row of consumerRows) {
      if (this.groups.has(row.groupId) || this.consumerGroups.has(row.groupId)) continue;
      const group = restoreConsumerGroup(row);
      group.persisted = { json: JSON.stringify(snapshotConsumerGroup(group)), result: Promise.resolve(ErrorCode.NONE) };
      this.consumerGroups.set(group.groupId, group);
      for (const m of group.members.values()) {
        scheduleSession(this.consumerEnv, group, m);
        if (m.state === MemberState.UnrevokedPartitions) scheduleRebalanceTimeout(this.consumerEnv, group, m);
      }
    }
    const n = rows.length + consumerRows.length;
    if (n > 0) this.#broker.log.info('loaded groups', { slots: slots.join(','), groups: n });
  }

  /** Drops the slot's groups (waiting requests get NOT_COORDINATOR); resolves once their pending writes landed. */
  async #unload(slot: number): Promise<void> {
    const dropped: string[] = [];
    for (const [id, group] of this.groups) {
      if (group.slot !== slot) continue;
      shutdownGroup(group, ErrorCode.NOT_COORDINATOR);
      this.groups.delete(id);
      dropped.push(id);
    }
    for (const [id, group] of this.consumerGroups) {
      if (group.slot !== slot) continue;
      for (const m of group.members.values()) m.clearTimers();
      this.consumerGroups.delete(id);
      dropped.push(id);
    }
    await Promise.allSettled(dropped.map((id) => this.#writes.get(id)));
  }

  /** Drops a consumer group from memory (deleted, expired or replaced by a classic group). */
  removeConsumerGroup(group: ConsumerGroup): void {
    if (this.consumerGroups.get(group.groupId) !== group) return;
    for (const m of group.members.values()) m.clearTimers();
    group.dead = true;
    this.consumerGroups.delete(group.groupId);
  }

  /** Drops a group from memory (deleted or expired): its waiting requests end with `errorCode`. */
  removeGroup(group: ClassicGroup, errorCode: number = ErrorCode.COORDINATOR_NOT_AVAILABLE): void {
    if (this.groups.get(group.groupId) !== group) return;
    shutdownGroup(group, errorCode);
    group.state = GroupState.Dead;
    this.groups.delete(group.groupId);
  }

  // Classic protocol entry points

  /** `signal`: the request's connection closed; the answer is not awaited any more (runtime/abortable.ts). */
  async join(groupId: string, req: JoinRequest, signal?: AbortSignal): Promise<JoinResult> {
    if (groupId === '') return joinError(req.memberId, ErrorCode.INVALID_GROUP_ID);
    const fence = await this.resolve(groupId);
    if (typeof fence === 'number') return joinError(req.memberId, fence);
    if (req.sessionTimeoutMs < this.env.minSessionTimeoutMs || req.sessionTimeoutMs > this.env.maxSessionTimeoutMs) {
      return joinError(req.memberId, ErrorCode.INVALID_SESSION_TIMEOUT);
    }
    let group = this.groups.get(groupId);
    let created = false;
    const consumerGroup = this.consumerGroups.get(groupId);
    if (consumerGroup) {
      // A KIP-848 group: an empty one becomes a classic group (Kafka converts it); classic members cannot join
      // one with members (Kafka 4's mixed groups are not supported): INCONSISTENT_GROUP_PROTOCOL for another
      // protocol type, as Kafka answers, GROUP_ID_NOT_FOUND ("not a classic group") for consumer-protocol members.
      if (!consumerGroup.isEmpty) {
        return joinError(req.memberId, req.protocolType === 'consumer' ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
      }
      this.removeConsumerGroup(consumerGroup);
    }
    if (!group) {
      // Only a new member may create a group; a known member id for a group we do not have is stale.
      if (req.memberId !== '') return joinError(req.memberId, ErrorCode.UNKNOWN_MEMBER_ID);
      group = new ClassicGroup(groupId, fence.slot);
      this.groups.set(groupId, group);
      created = true;
    }
    const g = group;
    // The member stays in the group if its connection closes (as in Kafka), but its answer is no longer awaited.
    const result = abortable<JoinResult>(signal, (resolve) => joinGroup(this.env, g, req, resolve), () => joinError(req.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
    // A group created by a join that left nothing behind (bad protocol) is not kept.
    if (created && g.is(GroupState.Empty) && g.members.size === 0 && g.pendingMembers.size === 0) this.groups.delete(groupId);
    return result;
  }

  /** `signal`: the request's connection closed; the answer is not awaited any more (runtime/abortable.ts). */
  async sync(groupId: string, req: SyncRequest, signal?: AbortSignal): Promise<SyncResult> {
    if (groupId === '') return syncError(ErrorCode.INVALID_GROUP_ID);
    const fence = await this.resolve(groupId);
    if (typeof fence === 'number') return syncError(fence);
    const group = this.groups.get(groupId);
    if (!group) return syncError(ErrorCode.UNKNOWN_MEMBER_ID);
    return abortable<SyncResult>(signal, (resolve) => syncGroup(this.env, group, req, resolve), () => syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
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

  // KIP-848 entry point

  /** ConsumerGroupHeartbeat: join, heartbeat or leave a consumer group; answers once the group's new state is stored. */
  async consumerHeartbeat(req: ConsumerHeartbeatRequest): Promise<ConsumerHeartbeatResult> {
    const invalid = validateHeartbeat(req);
    if (invalid) return heartbeatError(invalid.code, invalid.message, req.memberId || null);
    const fence = await this.resolve(req.groupId);
    if (typeof fence === 'number') return heartbeatError(fence, null, req.memberId || null);
    let topics: Map<string, Topic>;
    try {
      topics = new Map((await this.store.listTopics()).map((t) => [t.name, t]));
    } catch (err) {
      this.logStoreError('consumer group heartbeat: topics unavailable', req.groupId, err);
      return heartbeatError(ErrorCode.COORDINATOR_NOT_AVAILABLE, null, req.memberId || null);
    }
    if (this.leases.fence(fence.slot) === null) return heartbeatError(ErrorCode.NOT_COORDINATOR, null, req.memberId || null);
    const groupId = req.groupId;
    let group = this.consumerGroups.get(groupId);
    if (!group) {
      const classic = this.groups.get(groupId);
      const emptyClassic = classic !== undefined && classic.is(GroupState.Empty) && classic.members.size === 0 && classic.pendingMembers.size === 0;
      if (classic && !classic.is(GroupState.Dead) && (req.memberEpoch !== 0 || !emptyClassic)) {
        // Kafka would upgrade a classic group with members online; we do not (GROUP_ID_NOT_FOUND, as Kafka does
        // when the upgrade is not allowed).
        return heartbeatError(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${groupId} is not a consumer group.`, req.memberId || null);
      }
      if (req.memberEpoch !== 0) return heartbeatError(ErrorCode.GROUP_ID_NOT_FOUND, `Consumer group ${groupId} not found.`, req.memberId || null);
      // An empty classic group (e.g. offsets committed without group management) becomes a consumer group.
      if (classic) this.removeGroup(classic);
      group = new ConsumerGroup(groupId, fence.slot);
      this.consumerGroups.set(groupId, group);
    }
    const result = consumerGroupHeartbeat(this.consumerEnv, group, req, topics);
    if (group.isEmpty && group.groupEpoch === 0) {
      // A join that failed leaves no group behind.
      this.consumerGroups.delete(groupId);
      return result;
    }
    const code = await this.#storeConsumer(group);
    if (code !== ErrorCode.NONE && result.errorCode === ErrorCode.NONE) return heartbeatError(code, null, result.memberId);
    return result;
  }

  /** Stops timers, answers waiting requests (NOT_COORDINATOR) and gives the slot leases back. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      if (this.#purgeTimer !== null) clearInterval(this.#purgeTimer);
      this.#purgeTimer = null;
      await (await this.#unlisten)?.().catch(() => {});
      await this.leases.close();
      for (const group of this.groups.values()) shutdownGroup(group, ErrorCode.NOT_COORDINATOR);
      this.groups.clear();
      for (const group of this.consumerGroups.values()) for (const m of group.members.values()) m.clearTimers();
      this.consumerGroups.clear();
      await Promise.allSettled([...this.#writes.values()]);
    })();
    return this.#closed;
  }
}
