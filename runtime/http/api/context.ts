// What the admin API's routes share: a RequestContext for calling the Kafka API modules' handlers (so every
// validation and error code is the one Kafka clients get), and Kafka-error-to-HTTP-error mapping.

import { ErrorCode, errorName } from '../../../codec/errors.ts';
import { ANONYMOUS, type BrokerServices, type RequestContext } from '../../context.ts';
import { SecuritySession } from '../../sasl/session.ts';
import type { ListenerSpec } from '../../listeners.ts';

/** The HTTP endpoint is no Kafka listener: its calls act as on a plaintext one. */
const HTTP_LISTENER: ListenerSpec = { name: 'HTTP', protocol: 'PLAINTEXT', host: '', port: 0, advertisedHost: '', advertisedPort: 0, tls: false, sasl: false };

/**
 * A request context for an admin API call: the same services a Kafka request gets, no connection behind it. Its
 * principal is `User:ANONYMOUS`, checked by the broker's authorizer like any client's (with `--authorizer=acl`,
 * grant what the console may do to `User:ANONYMOUS`, or it is refused).
 */
export function adminContext(broker: BrokerServices, apiKey: number, apiVersion: number): RequestContext {
  const security = new SecuritySession(HTTP_LISTENER, '127.0.0.1', null);
  const session = { principal: ANONYMOUS, clientHost: '127.0.0.1' };
  const authorizer = broker.authorizer;
  return {
    broker,
    apiKey,
    apiVersion,
    correlationId: 0,
    clientId: 'pg-kafka-http',
    connectionId: -1,
    remoteAddress: 'http',
    queued: () => {},
    signal: new AbortController().signal,
    principal: ANONYMOUS,
    clientHost: session.clientHost,
    listenerName: HTTP_LISTENER.name,
    security,
    closeAfterResponse: () => {},
    authorize: (op, type, name) => authorizer.authorize(session, op, type, name),
    authorizeAny: (op, type) => authorizer.authorizeAny(session, op, type),
    authorizedOperations: (type, name, supported) => authorizer.authorizedOperations(session, type, name, supported),
  };
}

/** Thrown by a route to answer `{ error, message }` with an HTTP status; the app's error handler answers it. */
export class ApiError extends Error {
  readonly status: 400 | 403 | 404 | 405 | 409 | 500 | 503;
  readonly error: string;
  constructor(status: ApiError['status'], error: string, message: string) {
    super(message);
    this.status = status;
    this.error = error;
  }
}

const notFound: ReadonlySet<number> = new Set([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_ID, ErrorCode.GROUP_ID_NOT_FOUND, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND]);
const conflict: ReadonlySet<number> = new Set([ErrorCode.TOPIC_ALREADY_EXISTS, ErrorCode.NON_EMPTY_GROUP]);
const unavailable: ReadonlySet<number> = new Set([ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.REQUEST_TIMED_OUT]);

/** Throws an ApiError for a Kafka error code other than NONE. */
export function check(errorCode: number, message?: string | null): void {
  if (errorCode === ErrorCode.NONE) return;
  const status = notFound.has(errorCode) ? 404 : conflict.has(errorCode) ? 409 : unavailable.has(errorCode) ? 503 : 400;
  throw new ApiError(status, errorName(errorCode), message || errorName(errorCode));
}
