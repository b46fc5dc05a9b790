// A RequestContext for tests that call a handler (or a coordinator) directly, as on a PLAINTEXT connection.
import type { BrokerServices, RequestContext } from '../../runtime/context.ts';
import { SecuritySession } from '../../runtime/sasl/session.ts';
import type { ListenerSpec } from '../../runtime/listeners.ts';

const plaintext: ListenerSpec = { name: 'PLAINTEXT', protocol: 'PLAINTEXT', host: '127.0.0.1', port: 0, advertisedHost: '127.0.0.1', advertisedPort: 0, tls: false, sasl: false };

export function handlerContext(broker: BrokerServices, fields: Partial<RequestContext> = {}): RequestContext {
  const security = new SecuritySession(plaintext, '127.0.0.1', null);
  return {
    broker,
    apiKey: 0,
    apiVersion: 0,
    correlationId: 0,
    clientId: null,
    connectionId: 0,
    remoteAddress: '',
    queued: () => {},
    clientHost: security.clientHost,
    principal: security.principal,
    listenerName: 'PLAINTEXT',
    security,
    closeAfterResponse: () => {},
    authorize: () => true,
    authorizeAny: () => true,
    authorizedOperations: (_type, _name, supported) => supported,
    signal: new AbortController().signal,
    ...fields,
  };
}
