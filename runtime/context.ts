// What a handler receives with its request: the broker's services and the request's own header fields.

import type { Config } from './config.ts';
import type { Logger } from './log.ts';
import type { Registry } from './registry.ts';
import type { BrokerMetrics } from './metrics.ts';
import type { Store } from '../store/index.ts';
import type { BrokerSettings } from './broker-settings.ts';
import type { Endpoint } from './listeners.ts';
import type { SecuritySession } from './sasl/session.ts';
import type { Authorizer } from './auth/authorizer.ts';

export interface BrokerInfo {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
  /** Advertised endpoint of each listener (host and port above: the first listener's). */
  readonly endpoints: readonly Endpoint[];
}

/** The brokers sharing the database, as Metadata and DescribeCluster present them (runtime/broker-registry.ts). */
export interface ClusterView {
  /** The live brokers by node id, this one always included (from memory: no query). */
  brokers(): readonly BrokerInfo[];
  /** The controller to name: the live broker with the lowest node id. */
  controllerId(): number;
  /** A live broker by node id, reading the registry again when it is not known yet; null when not live. */
  lookup(nodeId: number): Promise<BrokerInfo | null>;
  /** Reads the live brokers again (e.g. when another broker says it joined or left). */
  refresh(): Promise<void>;
}

/** A long-lived piece of broker state (a coordinator, a notifier) created on first use; closed at shutdown. */
export interface Service {
  close?(): Promise<void> | void;
}

export interface BrokerServices {
  readonly config: Config;
  /** Broker settings with their dynamic layers (AlterConfigs): what topic defaults and DescribeConfigs read. */
  readonly settings: BrokerSettings;
  readonly store: Store;
  readonly registry: Registry;
  readonly log: Logger;
  readonly info: BrokerInfo;
  readonly clusterId: string;
  /** Every live broker sharing the database. */
  readonly cluster: ClusterView;
  /** Resolves once shutdown begins: long polls end early on it. */
  readonly closing: Promise<void>;
  readonly isClosing: boolean;
  /** Counters, gauges and histograms served on the operations endpoint (runtime/metrics.ts). */
  readonly metrics: BrokerMetrics;
  /** Decides ctx.authorize (runtime/auth/): allows everything unless --authorizer=acl. */
  readonly authorizer: Authorizer;
  /**
   * The principal of a connection that did not authenticate, from its first request (null: `User:ANONYMOUS`).
   * Tests use it to act as several principals without SASL; BrokerOptions.principalFor.
   */
  readonly principalFor: PrincipalFor | null;
  /** The broker's single instance of a service, created by `create` on first use. */
  service<T extends Service>(name: string, create: (broker: BrokerServices) => T): T;
}

/** What principalFor sees of a connection that has not authenticated. */
export interface UnauthenticatedConnection {
  readonly clientHost: string;
  readonly clientId: string | null;
  readonly listenerName: string;
}

export type PrincipalFor = (connection: UnauthenticatedConnection) => string | null;

/** Kafka's principal of an unauthenticated connection. */
export const ANONYMOUS = 'User:ANONYMOUS';

export interface RequestContext {
  readonly broker: BrokerServices;
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  readonly connectionId: number;
  readonly remoteAddress: string;
  /** The client's IP address (for ACLs and logs). */
  readonly clientHost: string;
  /** Who the client is: `User:ANONYMOUS`, `User:<certificate subject DN>` (mTLS) or `User:<SASL user>`. */
  readonly principal: string;
  /** The listener the client connected to (PLAINTEXT when configured by host/port). */
  readonly listenerName: string;
  /** The connection's security state (SASL handlers drive it). */
  readonly security: SecuritySession;
  /** Closes the connection once this request's response is written (failed authentication). */
  readonly closeAfterResponse: (reason: string) => void;
  /** Whether the principal may perform the operation (AclOperation) on the resource (ResourceType, name). */
  readonly authorize: (operation: number, resourceType: number, name: string) => boolean;
  /** Whether the principal may perform the operation on some resource of the type (Kafka's authorizeByResourceType). */
  readonly authorizeAny: (operation: number, resourceType: number) => boolean;
  /** The operations of `supported` (KIP-430 bit field) the principal may perform on the resource. */
  readonly authorizedOperations: (resourceType: number, name: string, supported: number) => number;
  /**
   * For pipelined modules (ApiModule.pipelined): the request has taken its place in line (Produce: its append
   * is queued), so the connection's next pipelined request may start. A no-op for every other module.
   */
  readonly queued: () => void;
  /** Aborted when the request's connection closes: a handler that parks (a long poll) stops waiting on it. */
  readonly signal: AbortSignal;
}

/** A handler returns this to send no response at all (Produce with acks=0). */
export const noResponse: unique symbol = Symbol('noResponse');
