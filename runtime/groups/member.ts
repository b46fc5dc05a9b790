// A member of a classic group: its identity, timeouts, supported protocols with their metadata, its assignment,
// the JoinGroup/SyncGroup request waiting for the rebalance (if any) and its session deadline.

export interface Protocol {
  readonly name: string;
  readonly metadata: Uint8Array;
}

export interface JoinResult {
  errorCode: number;
  memberId: string;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  skipAssignment: boolean;
  members: { memberId: string; groupInstanceId: string | null; metadata: Uint8Array }[];
}

export interface SyncResult {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Uint8Array;
}

export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);

export function joinError(memberId: string, errorCode: number): JoinResult {
  return { errorCode, memberId, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, members: [] };
}

export function syncError(errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY_BYTES };
}

export interface MemberInit {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  protocolType: string;
  protocols: Protocol[];
}

export class ClassicMember {
  memberId: string;
  readonly groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  readonly protocolType: string;
  protocols: Protocol[];
  assignment: Uint8Array = EMPTY_BYTES;
  awaitingJoin: ((r: JoinResult) => void) | null = null;
  awaitingSync: ((r: SyncResult) => void) | null = null;
  /** Joined but not yet part of a completed generation (expires after the new-member join timeout). */
  isNew = false;
  /** performance.now() time after which the member expires unless it heartbeats or waits in a rebalance. */
  deadline = 0;
  timer: ReturnType<typeof setTimeout> | null = null;
  /** performance.now() time the timer fires at. */
  timerAt = 0;

  constructor(init: MemberInit) {
    this.memberId = init.memberId;
    this.groupInstanceId = init.groupInstanceId;
    this.clientId = init.clientId;
    this.clientHost = init.clientHost;
    this.rebalanceTimeoutMs = init.rebalanceTimeoutMs;
    this.sessionTimeoutMs = init.sessionTimeoutMs;
    this.protocolType = init.protocolType;
    this.protocols = init.protocols;
  }

  get isStatic(): boolean {
    return this.groupInstanceId !== null;
  }

  metadata(protocol: string): Uint8Array {
    return this.protocols.find((p) => p.name === protocol)?.metadata ?? EMPTY_BYTES;
  }

  /** Same protocols, in the same order, with the same metadata bytes. */
  matches(protocols: readonly Protocol[]): boolean {
    if (protocols.length !== this.protocols.length) return false;
    return protocols.every((p, i) => p.name === this.protocols[i].name && sameBytes(p.metadata, this.protocols[i].metadata));
  }

  /** This member's preferred protocol among the candidates. */
  vote(candidates: ReadonlySet<string>): string | undefined {
    return this.protocols.find((p) => candidates.has(p.name))?.name;
  }

  invokeJoin(result: JoinResult): void {
    const cb = this.awaitingJoin;
    this.awaitingJoin = null;
    cb?.(result);
  }

  invokeSync(result: SyncResult): void {
    const cb = this.awaitingSync;
    this.awaitingSync = null;
    cb?.(result);
  }

  clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A client's address as Kafka shows it in DescribeGroups ("/127.0.0.1"), from "host:port". */
export function clientHost(remoteAddress: string): string {
  const at = remoteAddress.lastIndexOf(':');
  const host = at > 0 ? remoteAddress.slice(0, at) : remoteAddress;
  return '/' + host.replace(/^::ffff:/, '');
}
