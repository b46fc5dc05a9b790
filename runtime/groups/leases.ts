// Coordinator ownership across broker processes sharing one database: each of the SLOT_COUNT slots is held by at
// most one broker at a time through a lease row (store/groups.ts). A broker claims free slots at start and on
// demand, renews what it holds, and stops coordinating a slot locally before its lease can expire in the database.
// Every claim bumps the slot's epoch and every write is fenced on it, so a broker that lost a slot cannot write.

import { claimSlots, releaseSlots, renewSlots, slotOwner, type SlotFence, type SlotOwner } from '../../store/groups.ts';
import type { Sql } from 'postgres';
import type { Logger } from '../log.ts';

export interface LeaseOptions {
  /** How long a lease lasts without renewal (failover time after a crash). */
  leaseMs: number;
  /** How often leases are renewed and free slots claimed. */
  renewMs: number;
  slotCount: number;
}

export const defaultLeaseOptions: LeaseOptions = { leaseMs: 20_000, renewMs: 5_000, slotCount: 50 };

export interface LeaseEvents {
  /** The slot is ours: load its groups. Requests for the slot wait until this resolves. */
  gained(slot: number, fence: SlotFence): Promise<void>;
  /** The slot is no longer ours: drop its groups. */
  lost(slot: number): void;
}

interface Held {
  fence: SlotFence;
  /** performance.now() after which we stop trusting the lease (before it expires in the database). */
  validUntil: number;
  loaded: Promise<boolean>;
  ready: boolean;
}

export class SlotLeases {
  readonly #sql: Sql;
  readonly #self: SlotOwner;
  readonly #options: LeaseOptions;
  readonly #events: LeaseEvents;
  readonly #log: Logger;
  readonly #held = new Map<number, Held>();
  #claims: Promise<unknown> = Promise.resolve();
  #timer: ReturnType<typeof setTimeout> | null = null;
  #closed = false;
  #started: Promise<void> | null = null;

  constructor(sql: Sql, self: SlotOwner, options: LeaseOptions, events: LeaseEvents, log: Logger) {
    this.#sql = sql;
    this.#self = self;
    this.#options = options;
    this.#events = events;
    this.#log = log;
  }

  get self(): SlotOwner {
    return this.#self;
  }

  /** Claims every free slot once, then keeps renewing. Resolves when the first round (claims and loads) is done. */
  start(): Promise<void> {
    this.#started ??= this.#tick(true);
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

  /** Our fence for the slot, claiming it if it is free; null when another broker holds it (or we are closing). */
  async acquire(slot: number): Promise<SlotFence | null> {
    if (this.#closed) return null;
    await this.start();
    const held = this.#held.get(slot);
    if (held) return (await held.loaded) ? this.fence(slot) : null;
    await this.#claim([slot]);
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

  #claim(slots: number[]): Promise<void> {
    const run = this.#claims.then(async () => {
      if (this.#closed) return;
      const wanted = slots.filter((s) => !this.#held.has(s));
      if (wanted.length === 0) return;
      const t0 = performance.now();
      let won: { slot: number; epoch: number }[];
      try {
        won = await claimSlots(this.#sql, wanted, this.#self, this.#options.leaseMs);
      } catch (err) {
        this.#log.warn('could not claim coordinator slots', { err: (err as Error).message });
        return;
      }
      for (const { slot, epoch } of won) {
        const fence: SlotFence = { slot, nodeId: this.#self.nodeId, epoch: Number(epoch) };
        const held: Held = { fence, validUntil: this.#validUntil(t0), loaded: Promise.resolve(false), ready: false };
        held.loaded = this.#events.gained(slot, fence).then(
          () => {
            if (this.#held.get(slot) !== held) return false;
            held.ready = true;
            return true;
          },
          (err: unknown) => {
            if (!this.#closed) this.#log.error('could not load coordinator slot', { slot, err: err as Error });
            if (this.#held.get(slot) === held) this.#held.delete(slot);
            return false;
          },
        );
        this.#held.set(slot, held);
      }
      if (won.length > 0) this.#log.debug('coordinator slots claimed', { slots: won.map((w) => w.slot).join(',') });
    });
    this.#claims = run;
    return run;
  }

  #validUntil(sentAt: number): number {
    return sentAt + this.#options.leaseMs - Math.min(2000, this.#options.leaseMs / 4);
  }

  #drop(slot: number, reason: string): void {
    if (!this.#held.delete(slot)) return;
    this.#log.warn('stopped coordinating slot', { slot, reason });
    this.#events.lost(slot);
  }

  async #tick(first: boolean): Promise<void> {
    this.#timer = null;
    if (this.#closed) return;
    try {
      if (!first) await this.#renew();
      const free: number[] = [];
      for (let s = 0; s < this.#options.slotCount; s++) if (!this.#held.has(s)) free.push(s);
      await this.#claim(free);
      if (first) await Promise.all([...this.#held.values()].map((h) => h.loaded));
    } finally {
      if (!this.#closed) this.#timer = setTimeout(() => void this.#tick(false), this.#options.renewMs);
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
      this.#log.warn('could not renew coordinator leases', { err: (err as Error).message });
      for (const [slot, h] of entries) if (performance.now() > h.validUntil) this.#drop(slot, 'lease renewal failed');
      return;
    }
    for (const [slot, h] of entries) {
      if (this.#held.get(slot) !== h) continue;
      if (renewed.has(slot)) h.validUntil = this.#validUntil(t0);
      else this.#drop(slot, 'lease taken over');
    }
  }

  /** Stops renewing, drops every slot and gives the leases back. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#claims.catch(() => {});
    await Promise.all([...this.#held.values()].map((h) => h.loaded));
    const fences = [...this.#held.values()].map((h) => h.fence);
    for (const slot of [...this.#held.keys()]) {
      this.#held.delete(slot);
      this.#events.lost(slot);
    }
    try {
      await releaseSlots(this.#sql, fences);
    } catch (err) {
      this.#log.warn('could not release coordinator leases', { err: (err as Error).message });
    }
  }
}
