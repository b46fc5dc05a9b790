// Coordinator ownership across broker processes sharing one database: each of the SLOT_COUNT slots is held by at
// most one broker at a time through a lease row (store/groups.ts). A broker renews what it holds and stops
// coordinating a slot locally before its lease can expire in the database. Every claim bumps the slot's epoch and
// every write is fenced on it, so a broker that lost a slot cannot write.
//
// The slots are shared among the live brokers (the broker registry): each takes its fair share (fairShare: the
// slot count divided by the live brokers, the remainder going to the lowest node ids). A broker under its share
// claims free slots; one over it hands the surplus to brokers under theirs (those that hold slots or asked for
// some, not a dead broker the registry still lists): it stops coordinating those slots, lets their pending group
// writes land, then releases the leases and says so (NOTIFY), and the taker claims them and loads their groups
// from PostgreSQL. A broker that comes up without getting its share asks for it (NOTIFY 'wanted'). Slots left
// free for a while (their broker died and the registry does not know yet, or the brokers' views differ) are taken
// by anyone, whatever its share: availability first, balance on the next rounds.

import {
  claimSlots,
  listenSlotChanges,
  releaseSlots,
  renewSlots,
  signalSlots,
  slotHolders,
  slotOwner,
  type ClaimOptions,
  type SlotFence,
  type SlotHolder,
  type SlotOwner,
} from '../../store/groups.ts';
import type { Sql } from 'postgres';
import type { Logger } from '../log.ts';
import { isDatabaseUnavailable } from '../../store/errors.ts';

export interface LeaseOptions {
  /** How long a lease lasts without renewal (failover time after a crash). */
  leaseMs: number;
  /** How often leases are renewed and the share rebalanced. */
  renewMs: number;
  slotCount: number;
}

export const defaultLeaseOptions: LeaseOptions = { leaseMs: 20_000, renewMs: 5_000, slotCount: 50 };

export interface LeaseEvents {
  /** The slots are ours: load their groups. Requests for the slots wait until this resolves. */
  gained(fences: SlotFence[]): Promise<void>;
  /** The slot is no longer ours: drop its groups. Resolves once their writes in progress have landed. */
  lost(slot: number): Promise<void> | void;
}

/** The brokers sharing the slots (the broker registry). */
export interface LeasePeers {
  /** Node ids of the live brokers, this one included. */
  nodeIds(): readonly number[];
  /** Re-reads the live brokers. */
  refresh(): Promise<void>;
}

interface Held {
  fence: SlotFence;
  /** performance.now() after which we stop trusting the lease (before it expires in the database). */
  validUntil: number;
  loaded: Promise<boolean>;
  ready: boolean;
}

/** How many slots `nodeId` should hold: slots / brokers, the remainder one each to the lowest node ids. */
export function fairShare(nodeId: number, liveNodeIds: readonly number[], slotCount: number): number {
  const ids = [...new Set([...liveNodeIds, nodeId])].sort((a, b) => a - b);
  const base = Math.floor(slotCount / ids.length);
  return base + (ids.indexOf(nodeId) < slotCount % ids.length ? 1 : 0);
}

/** Claims repeated in one round when other brokers won some of the slots asked for. */
const MAX_CLAIM_ROUNDS = 3;

/** How soon a round that failed (PostgreSQL unreachable) is tried again. */
const RETRY_MS = 500;

/** True when `work` settled within `ms`; false when it is still running (it goes on, unawaited). */
async function bounded(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export class SlotLeases {
  readonly #sql: Sql;
  readonly #self: SlotOwner;
  readonly #options: LeaseOptions;
  readonly #events: LeaseEvents;
  readonly #peers: LeasePeers;
  readonly #log: Logger;
  readonly #held = new Map<number, Held>();
  /** Slots being handed over: dropped locally, lease not released yet (not claimed back meanwhile). */
  readonly #releasing = new Set<number>();
  /** Claims, renewals, rebalancing and close run one at a time, in order. */
  #chain: Promise<unknown> = Promise.resolve();
  #timer: ReturnType<typeof setTimeout> | null = null;
  #closed = false;
  #started: Promise<void> | null = null;
  #poked = false;
  /** When each other broker last asked for slots (performance.now()). */
  readonly #wanting = new Map<number, number>();
  #unlisten: (() => Promise<void>) | null = null;
  /** Whether lease statements are failing for want of PostgreSQL (WARN once per streak, renewals retried soon). */
  #failing = false;

  constructor(sql: Sql, self: SlotOwner, options: LeaseOptions, events: LeaseEvents, peers: LeasePeers, log: Logger) {
    this.#sql = sql;
    this.#self = self;
    this.#options = options;
    this.#events = events;
    this.#peers = peers;
    this.#log = log;
  }

  get self(): SlotOwner {
    return this.#self;
  }

  /** Claims this broker's share of the slots, then keeps renewing and rebalancing. Resolves when the first round
   *  (claims and loads) is done. */
  start(): Promise<void> {
    this.#started ??= this.#begin();
    return this.#started;
  }

  /** The fence of a slot we hold and have loaded, or null. */
  fence(slot: number): SlotFence | null {
    const h = this.#held.get(slot);
    if (!h || !h.ready) return null;
    if (performance.now() > h.validUntil) {
      this.#drop(slot, 'lease not renewed in time');
      return null;
    }
    return h.fence;
  }

  /** Slots held and loaded. */
  heldSlots(): number[] {
    return [...this.#held.keys()].filter((s) => this.fence(s) !== null);
  }

  /** How many slots this broker should hold now. */
  share(): number {
    return fairShare(this.#self.nodeId, this.#peers.nodeIds(), this.#options.slotCount);
  }

  /**
   * Our fence for the slot; a free slot is claimed when we are under our share (or it has been free for a while).
   * Null when another broker holds it, it is being handed over, or we are closing.
   */
  async acquire(slot: number): Promise<SlotFence | null> {
    if (this.#closed) return null;
    await this.start();
    const held = this.#held.get(slot);
    if (held) return (await held.loaded) ? this.fence(slot) : null;
    if (this.#releasing.has(slot)) return null;
    await this.#serial(async () => {
      if (this.#held.has(slot)) return;
      // A slot just freed may be ours because a broker left: look at the registry again before passing it up.
      if (this.#held.size >= this.share()) await this.#peers.refresh().catch(() => {});
      await this.#claim([slot], this.#held.size < this.share() ? {} : { freeForMs: this.#orphanedMs() });
    });
    const now = this.#held.get(slot);
    return now && (await now.loaded) ? this.fence(slot) : null;
  }

  /** Who coordinates the slot: us (claiming it if free), another live broker, or nobody yet (null). */
  async owner(slot: number): Promise<SlotOwner | null> {
    if (await this.acquire(slot)) return this.#self;
    if (this.#closed) return null;
    try {
      const other = await slotOwner(this.#sql, slot);
      return other && other.nodeId !== this.#self.nodeId ? other : null;
    } catch (err) {
      this.#log.warn('could not look up the coordinator of a slot', { slot, err: (err as Error).message });
      return null;
    }
  }

  /** Waits for slot loads in progress (ListGroups answers from loaded slots). */
  async settled(): Promise<void> {
    await this.start();
    await Promise.all([...this.#held.values()].map((h) => h.loaded));
  }

  /** Runs `task` after the claims, renewals and handovers queued before it. */
  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(task, task);
    this.#chain = run.catch(() => {});
    return run;
  }

  async #begin(): Promise<void> {
    try {
      this.#unlisten = await listenSlotChanges(this.#sql, (nodeId, signal) => {
        if (nodeId === this.#self.nodeId) return;
        if (signal === 'wanted') this.#wanting.set(nodeId, performance.now());
        this.#poke();
      });
    } catch (err) {
      this.#log.warn('could not listen for coordinator slot changes (slots are rebalanced every renewal)', { err: (err as Error).message });
    }
    await this.#tick(true);
  }

  /** Another broker released slots or wants some: rebalance now (with a fresh view of the live brokers). */
  #poke(): void {
    if (this.#closed || this.#poked) return;
    this.#poked = true;
    void this.#serial(async () => {
      this.#poked = false;
      if (this.#closed) return;
      await this.#peers.refresh().catch(() => {});
      await this.#balance(false);
    });
  }

  /** Slots whose lease ended this long ago are taken by any broker, whatever its share. */
  #orphanedMs(): number {
    return 2 * this.#options.renewMs;
  }

  /** Claims free slots (no serialisation: callers run in #serial). Returns how many were won. */
  async #claim(slots: number[], options: ClaimOptions = {}): Promise<number> {
    if (this.#closed) return 0;
    const wanted = slots.filter((s) => !this.#held.has(s) && !this.#releasing.has(s));
    if (wanted.length === 0) return 0;
    const t0 = performance.now();
    let won: { slot: number; epoch: number }[];
    try {
      won = await claimSlots(this.#sql, wanted, this.#self, this.#options.leaseMs, options);
    } catch (err) {
      this.#failed('could not claim coordinator slots', err);
      return 0;
    }
    if (won.length === 0) return 0;
    const fences: SlotFence[] = won.map(({ slot, epoch }) => ({ slot, nodeId: this.#self.nodeId, epoch: Number(epoch) }));
    const entries = fences.map((fence): [number, Held] => [fence.slot, { fence, validUntil: this.#validUntil(t0), loaded: Promise.resolve(false), ready: false }]);
    const loading = this.#events.gained(fences).then(
      () => true,
      (err: unknown) => {
        if (this.#closed) return false;
        if (isDatabaseUnavailable(err)) this.#failed('could not load coordinator slots', err);
        else this.#log.error('could not load coordinator slots', { slots: fences.map((f) => f.slot).join(','), err: err as Error });
        return false;
      },
    );
    for (const [slot, held] of entries) {
      held.loaded = loading.then((ok) => {
        if (this.#held.get(slot) !== held) return false;
        if (!ok) {
          this.#held.delete(slot);
          return false;
        }
        held.ready = true;
        return true;
      });
      this.#held.set(slot, held);
    }
    this.#log.debug('coordinator slots claimed', { slots: won.map((w) => w.slot).join(',') });
    return won.length;
  }

  #validUntil(sentAt: number): number {
    return sentAt + this.#options.leaseMs - Math.min(2000, this.#options.leaseMs / 4);
  }

  #drop(slot: number, reason: string): void {
    if (!this.#held.delete(slot)) return;
    this.#log.warn('stopped coordinating slot', { slot, reason });
    void this.#events.lost(slot);
  }

  async #tick(first: boolean): Promise<void> {
    this.#timer = null;
    if (this.#closed) return;
    try {
      // Bounded: a round stuck on a statement must not stop the ticks; while rounds fail (PostgreSQL away), the
      // next comes sooner, so slots are renewed or claimed again within a second of the database being back.
      await bounded(this.#serial(async () => {
        if (!first) await this.#renew();
        await this.#balance(true);
      }), this.#options.renewMs);
      if (first) await Promise.all([...this.#held.values()].map((h) => h.loaded));
    } finally {
      const next = this.#failing ? Math.min(RETRY_MS, this.#options.renewMs) : this.#options.renewMs;
      if (!this.#closed) this.#timer = setTimeout(() => void this.#tick(false), next);
    }
  }

  /**
   * One round of sharing: claim free slots up to our share (and long-free ones beyond it), hand slots over to
   * brokers under their share when we are over ours, and (`periodic` rounds only, so that answers to a request
   * do not ask again) ask for slots when we are under our share with none free.
   */
  async #balance(periodic: boolean): Promise<void> {
    for (let round = 0; round < MAX_CLAIM_ROUNDS && !this.#closed; round++) {
      let holders: SlotHolder[];
      try {
        holders = await slotHolders(this.#sql, this.#orphanedMs());
        this.#recovered();
      } catch (err) {
        this.#failed('could not read the coordinator slots', err);
        return;
      }
      const live = this.#peers.nodeIds();
      const share = fairShare(this.#self.nodeId, live, this.#options.slotCount);
      const rows = new Map(holders.map((h) => [h.slot, h]));
      const free: number[] = [];
      const orphaned: number[] = [];
      for (let s = 0; s < this.#options.slotCount; s++) {
        if (this.#held.has(s) || this.#releasing.has(s)) continue;
        const row = rows.get(s);
        // Also our own node id's live leases we do not hold here: an earlier process of ours left them.
        if (!row || !row.live || row.nodeId === this.#self.nodeId) free.push(s);
        if (row?.orphaned) orphaned.push(s);
      }
      const need = share - this.#held.size;
      let won = 0;
      if (need > 0 && free.length > 0) won += await this.#claim(shuffle(free), { limit: need });
      const unclaimedOrphans = orphaned.filter((s) => !this.#held.has(s));
      if (unclaimedOrphans.length > 0) won += await this.#claim(unclaimedOrphans, { freeForMs: this.#orphanedMs() });

      const stillFree = free.filter((s) => !this.#held.has(s)).length;
      const surplus = this.#held.size - share;
      if (surplus > 0) {
        // Hand over only what brokers under their share can take beyond the slots already free. A broker takes
        // slots if it holds some or asked for some lately: not one that died and is still listed in the registry.
        const counts = new Map<number, number>();
        for (const h of holders) if (h.live && h.nodeId !== this.#self.nodeId) counts.set(h.nodeId, (counts.get(h.nodeId) ?? 0) + 1);
        const asked = (id: number) => performance.now() - (this.#wanting.get(id) ?? -Infinity) < 3 * this.#options.renewMs;
        let deficit = 0;
        for (const id of live) {
          const count = counts.get(id) ?? 0;
          if (id === this.#self.nodeId || (count === 0 && !asked(id))) continue;
          deficit += Math.max(0, fairShare(id, live, this.#options.slotCount) - count);
        }
        const handOver = Math.min(surplus, deficit - stillFree);
        if (handOver > 0) await this.#handOver(handOver);
      } else if (periodic && this.#held.size < share && stillFree === 0) {
        await signalSlots(this.#sql, this.#self.nodeId, 'wanted').catch((err: unknown) =>
          this.#log.warn('could not ask for coordinator slots', { err: (err as Error).message }),
        );
      }
      // Another round only when other brokers won some of the free slots we asked for.
      if (!(need > 0 && won < need && free.length > won)) return;
    }
  }

  /** Stops coordinating `count` loaded slots, lets their writes land and releases their leases to others. */
  async #handOver(count: number): Promise<void> {
    const slots = [...this.#held.entries()]
      .filter(([, h]) => h.ready)
      .map(([s]) => s)
      .sort((a, b) => b - a)
      .slice(0, count);
    if (slots.length === 0) return;
    const fences: SlotFence[] = [];
    for (const slot of slots) {
      fences.push(this.#held.get(slot)!.fence);
      this.#held.delete(slot);
      this.#releasing.add(slot);
    }
    this.#log.info('handing coordinator slots over', { slots: slots.join(','), share: this.share() });
    try {
      await Promise.all(slots.map((s) => this.#events.lost(s)));
      await releaseSlots(this.#sql, fences);
    } catch (err) {
      // The leases run out on their own.
      this.#log.warn('could not release coordinator leases', { err: (err as Error).message });
    } finally {
      for (const slot of slots) this.#releasing.delete(slot);
    }
  }

  async #renew(): Promise<void> {
    const entries = [...this.#held.entries()];
    if (entries.length === 0) return;
    const t0 = performance.now();
    let renewed: Set<number>;
    try {
      renewed = new Set(await renewSlots(this.#sql, entries.map(([, h]) => h.fence), this.#options.leaseMs));
    } catch (err) {
      this.#failed('could not renew coordinator leases', err);
      for (const [slot, h] of entries) if (performance.now() > h.validUntil) this.#drop(slot, 'lease renewal failed');
      return;
    }
    for (const [slot, h] of entries) {
      if (this.#held.get(slot) !== h) continue;
      if (renewed.has(slot)) h.validUntil = this.#validUntil(t0);
      else this.#drop(slot, 'lease taken over');
    }
    this.#recovered();
  }

  /** A lease statement worked: ends a streak of failures (logged once). */
  #recovered(): void {
    if (this.#failing) this.#log.info('coordinator lease statements work again', { slots: this.#held.size });
    this.#failing = false;
  }

  /** Logs a failed lease statement: WARN, but DEBUG after the first of a streak of failures for want of PostgreSQL. */
  #failed(message: string, err: unknown): void {
    const unavailable = isDatabaseUnavailable(err);
    (unavailable && this.#failing ? this.#log.debug : this.#log.warn)(message, { err: (err as Error).message });
    if (unavailable) this.#failing = true;
  }

  /** Stops renewing, drops every slot and gives the leases back. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#chain;
    await this.#unlisten?.().catch(() => {});
    this.#unlisten = null;
    await Promise.all([...this.#held.values()].map((h) => h.loaded));
    const fences = [...this.#held.values()].map((h) => h.fence);
    const slots = [...this.#held.keys()];
    this.#held.clear();
    await Promise.all(slots.map((s) => this.#events.lost(s)));
    try {
      await releaseSlots(this.#sql, fences);
    } catch (err) {
      this.#log.warn('could not release coordinator leases', { err: (err as Error).message });
    }
  }
}

/** The slots in random order: brokers claiming at the same moment mostly ask for different ones. */
function shuffle(slots: number[]): number[] {
  const out = [...slots];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
