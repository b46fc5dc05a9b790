// Listeners, Kafka's way: `listeners` (NAME://host:port, comma-separated), `advertised.listeners` (what clients
// are told per listener) and `listener.security.protocol.map` (NAME:PROTOCOL). Parsed and checked once, at
// configuration time (runtime/config.ts); the broker binds one server per listener (runtime/broker.ts).

export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

export const DEFAULT_SECURITY_PROTOCOL_MAP = SECURITY_PROTOCOLS.map((p) => `${p}:${p}`).join(',');

export interface ListenerSpec {
  readonly name: string;
  readonly protocol: SecurityProtocol;
  /** Interface to bind ('' in the config means every interface). */
  readonly host: string;
  readonly port: number;
  /** What clients are told to connect to (port 0: the bound port). */
  readonly advertisedHost: string;
  readonly advertisedPort: number;
  readonly tls: boolean;
  readonly sasl: boolean;
}

/** An advertised endpoint of a broker, by listener name (kept in the broker registry). */
export interface Endpoint {
  readonly name: string;
  readonly host: string;
  readonly port: number;
}

export class ListenerError extends Error {
  override name = 'ListenerError';
}

/** `NAME://host:port,...` into [name, host, port] (IPv6 hosts in brackets). */
export function parseEndpoints(value: string, setting: string): { name: string; host: string; port: number }[] {
  const out: { name: string; host: string; port: number }[] = [];
  for (const part of value.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const m = /^([A-Za-z0-9_]+):\/\/(\[[^\]]*\]|[^:/]*):(\d+)$/.exec(part);
    if (!m) throw new ListenerError(`${setting}: "${part}" is not of the form NAME://host:port`);
    const port = Number(m[3]);
    if (port > 65535) throw new ListenerError(`${setting}: port ${port} out of range in "${part}"`);
    const name = m[1].toUpperCase();
    if (out.some((e) => e.name === name)) throw new ListenerError(`${setting}: listener ${name} is named twice`);
    out.push({ name, host: m[2].replace(/^\[|\]$/g, ''), port });
  }
  if (out.length === 0) throw new ListenerError(`${setting}: no listener given`);
  return out;
}

export function parseProtocolMap(value: string): Map<string, SecurityProtocol> {
  const map = new Map<string, SecurityProtocol>();
  for (const part of value.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const [name, protocol, extra] = part.split(':');
    if (extra !== undefined || !name || !(SECURITY_PROTOCOLS as readonly string[]).includes(protocol?.toUpperCase())) {
      throw new ListenerError(`listenerSecurityProtocolMap: "${part}" is not NAME:PROTOCOL with PROTOCOL one of ${SECURITY_PROTOCOLS.join(', ')}`);
    }
    map.set(name.toUpperCase(), protocol.toUpperCase() as SecurityProtocol);
  }
  return map;
}

/** The listeners of a configuration, each with its protocol and advertised endpoint. */
export function resolveListeners(listeners: string, advertised: string | undefined, protocolMap: string): ListenerSpec[] {
  const map = parseProtocolMap(protocolMap);
  const bound = parseEndpoints(listeners, 'listeners');
  const told = advertised ? parseEndpoints(advertised, 'advertisedListeners') : [];
  for (const a of told) {
    if (!bound.some((b) => b.name === a.name)) throw new ListenerError(`advertisedListeners: ${a.name} is not one of the listeners`);
  }
  const ports = new Set<string>();
  return bound.map((b) => {
    const protocol = map.get(b.name);
    if (!protocol) throw new ListenerError(`listener ${b.name} has no security protocol in listenerSecurityProtocolMap`);
    const key = `${b.host}:${b.port}`;
    if (b.port !== 0 && ports.has(key)) throw new ListenerError(`listeners: ${key} is used twice`);
    ports.add(key);
    const a = told.find((t) => t.name === b.name);
    const wildcard = b.host === '' || b.host === '0.0.0.0' || b.host === '::';
    return {
      name: b.name,
      protocol,
      host: b.host === '' ? '0.0.0.0' : b.host,
      port: b.port,
      advertisedHost: a?.host || (wildcard ? '127.0.0.1' : b.host),
      advertisedPort: a?.port ?? b.port,
      tls: protocol === 'SSL' || protocol === 'SASL_SSL',
      sasl: protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL',
    };
  });
}

/**
 * Where a client on `listenerName` reaches broker `b`: its endpoint of that listener; null when it has none (Kafka
 * leaves such brokers out of Metadata). A broker row from before listeners were registered gives its host and port.
 */
export function endpointFor(b: { host: string; port: number; endpoints: readonly Endpoint[] }, listenerName: string): { host: string; port: number } | null {
  if (b.endpoints.length === 0) return { host: b.host, port: b.port };
  return b.endpoints.find((e) => e.name === listenerName) ?? null;
}

/** The brokers as a client on `listenerName` is told of them (those without that listener left out). */
export function brokersFor<B extends { nodeId: number; host: string; port: number; rack: string | null; endpoints: readonly Endpoint[] }>(
  brokers: readonly B[],
  listenerName: string,
): { nodeId: number; host: string; port: number; rack: string | null }[] {
  const out: { nodeId: number; host: string; port: number; rack: string | null }[] = [];
  for (const b of brokers) {
    const e = endpointFor(b, listenerName);
    if (e) out.push({ nodeId: b.nodeId, host: e.host, port: e.port, rack: b.rack });
  }
  return out;
}
