// ACL codes and matching, as Kafka's StandardAuthorizer applies them (pure: no I/O). Codes are Kafka's
// ResourceType, PatternType and AclPermissionType (AclOperation is in runtime/authorized-operations.ts). A binding
// applies to a resource when its pattern does (LITERAL equal name, LITERAL `*`, PREFIXED prefix of the name),
// to a principal when equal or `User:*`, to a host when equal or `*`. DENY wins over ALLOW; READ, WRITE, DELETE
// and ALTER imply DESCRIBE; ALTER_CONFIGS implies DESCRIBE_CONFIGS; ALL covers every operation.
import { AclOperation } from '../authorized-operations.ts';
import type { AclBinding } from '../../store/acls.ts';

export type { AclBinding } from '../../store/acls.ts';
export { AclOperation } from '../authorized-operations.ts';

export const ResourceType = {
  UNKNOWN: 0,
  ANY: 1,
  TOPIC: 2,
  GROUP: 3,
  CLUSTER: 4,
  TRANSACTIONAL_ID: 5,
  DELEGATION_TOKEN: 6,
  USER: 7,
} as const;
export type ResourceTypeCode = (typeof ResourceType)[keyof typeof ResourceType];

export const PatternType = { UNKNOWN: 0, ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const;

export const AclPermission = { UNKNOWN: 0, ANY: 1, DENY: 2, ALLOW: 3 } as const;

/** The one name of the CLUSTER resource. */
export const CLUSTER_NAME = 'kafka-cluster';
/** A LITERAL resource name, principal or host that matches every one. */
export const WILDCARD = '*';
export const WILDCARD_PRINCIPAL = 'User:*';

/** The operations an ALLOW of `op` grants besides `op` itself (ALL aside). */
const IMPLIED_BY: Partial<Record<number, readonly number[]>> = {
  [AclOperation.DESCRIBE]: [AclOperation.READ, AclOperation.WRITE, AclOperation.DELETE, AclOperation.ALTER],
  [AclOperation.DESCRIBE_CONFIGS]: [AclOperation.ALTER_CONFIGS],
};

/** Whether the binding's resource pattern covers the resource (same type assumed). */
export function patternMatches(b: AclBinding, name: string): boolean {
  if (b.patternType === PatternType.LITERAL) return b.resourceName === name || b.resourceName === WILDCARD;
  if (b.patternType === PatternType.PREFIXED) return name.startsWith(b.resourceName);
  return false;
}

export interface Session {
  readonly principal: string;
  readonly clientHost: string;
}

/**
 * Kafka's decision for `op` on the resource from the bindings of its resource type: no binding for the resource
 * at all → `allowIfNone`; any matching DENY → denied; a matching ALLOW (of op, an operation implying it, or ALL)
 * → allowed; else denied.
 */
export function decide(bindings: readonly AclBinding[], session: Session, op: number, name: string, allowIfNone: boolean): boolean {
  const implied = IMPLIED_BY[op] ?? [];
  let any = false;
  let allowed = false;
  for (const b of bindings) {
    if (!patternMatches(b, name)) continue;
    any = true;
    if (b.principal !== session.principal && b.principal !== WILDCARD_PRINCIPAL) continue;
    if (b.host !== session.clientHost && b.host !== WILDCARD) continue;
    if (b.permission === AclPermission.DENY) {
      if (b.operation === op || b.operation === AclOperation.ALL) return false;
    } else if (b.permission === AclPermission.ALLOW) {
      if (b.operation === op || b.operation === AclOperation.ALL || implied.includes(b.operation)) allowed = true;
    }
  }
  return any ? allowed : allowIfNone;
}

/**
 * Kafka's authorizeByResourceType, simplified: allowed when some ALLOW binding of the type grants `op` (or ALL)
 * to the session and no DENY on the type's LITERAL `*` takes it back; with no bindings of the type at all,
 * `allowIfNone`. (Kafka also weighs DENY prefixes against ALLOW prefixes; pg-kafka does not.)
 */
export function decideAny(bindings: readonly AclBinding[], session: Session, op: number, allowIfNone: boolean): boolean {
  if (bindings.length === 0) return allowIfNone;
  const applies = (b: AclBinding) =>
    (b.principal === session.principal || b.principal === WILDCARD_PRINCIPAL) &&
    (b.host === session.clientHost || b.host === WILDCARD) &&
    (b.operation === op || b.operation === AclOperation.ALL);
  const deniedAll = bindings.some((b) => applies(b) && b.permission === AclPermission.DENY && b.patternType === PatternType.LITERAL && b.resourceName === WILDCARD);
  return !deniedAll && bindings.some((b) => applies(b) && b.permission === AclPermission.ALLOW);
}

/** A DescribeAcls/DeleteAcls filter; null strings and ANY codes match everything. */
export interface AclFilter {
  readonly resourceType: number;
  readonly resourceName: string | null;
  readonly patternType: number;
  readonly principal: string | null;
  readonly host: string | null;
  readonly operation: number;
  readonly permission: number;
}

/** A filter as DescribeAcls and DeleteAcls carry it on the wire. */
export interface WireAclFilter {
  readonly resourceTypeFilter: number;
  readonly resourceNameFilter: string | null;
  readonly patternTypeFilter: number;
  readonly principalFilter: string | null;
  readonly hostFilter: string | null;
  readonly operation: number;
  readonly permissionType: number;
}

export function fromWireFilter(f: WireAclFilter): AclFilter {
  return {
    resourceType: f.resourceTypeFilter,
    resourceName: f.resourceNameFilter,
    patternType: f.patternTypeFilter,
    principal: f.principalFilter,
    host: f.hostFilter,
    operation: f.operation,
    permission: f.permissionType,
  };
}

/** Kafka's AclBindingFilter.matches, MATCH included (literal equal, literal `*`, or a prefix of the filter's name). */
export function filterMatches(f: AclFilter, b: AclBinding): boolean {
  if (f.resourceType !== ResourceType.ANY && f.resourceType !== b.resourceType) return false;
  if (f.patternType === PatternType.MATCH) {
    if (f.resourceName !== null) {
      const literal = b.patternType === PatternType.LITERAL && (b.resourceName === f.resourceName || b.resourceName === WILDCARD);
      const prefixed = b.patternType === PatternType.PREFIXED && f.resourceName.startsWith(b.resourceName);
      if (!literal && !prefixed) return false;
    }
  } else {
    if (f.patternType !== PatternType.ANY && f.patternType !== b.patternType) return false;
    if (f.resourceName !== null && f.resourceName !== b.resourceName) return false;
  }
  if (f.principal !== null && f.principal !== b.principal) return false;
  if (f.host !== null && f.host !== b.host) return false;
  if (f.operation !== AclOperation.ANY && f.operation !== b.operation) return false;
  if (f.permission !== AclPermission.ANY && f.permission !== b.permission) return false;
  return true;
}

/** Why a filter cannot be used (Kafka answers INVALID_REQUEST), or null. */
export function invalidFilter(f: AclFilter): string | null {
  if (f.resourceType === ResourceType.UNKNOWN || !isCode(ResourceType, f.resourceType)) return 'Invalid resource type';
  if (f.patternType === PatternType.UNKNOWN || !isCode(PatternType, f.patternType)) return 'Invalid pattern type';
  if (f.operation === AclOperation.UNKNOWN || !isCode(AclOperation, f.operation)) return 'Invalid operation';
  if (f.permission === AclPermission.UNKNOWN || !isCode(AclPermission, f.permission)) return 'Invalid permission type';
  return null;
}

/** Why a new binding cannot be stored (Kafka's AclControlManager.validateNewAcl: INVALID_REQUEST), or null. */
export function invalidBinding(b: AclBinding): string | null {
  if (b.resourceType === ResourceType.UNKNOWN || b.resourceType === ResourceType.ANY || !isCode(ResourceType, b.resourceType)) {
    return 'Invalid resource type';
  }
  if (b.patternType !== PatternType.LITERAL && b.patternType !== PatternType.PREFIXED) return 'Invalid pattern type';
  if (b.operation === AclOperation.UNKNOWN || b.operation === AclOperation.ANY || !isCode(AclOperation, b.operation)) return 'Invalid operation';
  if (b.permission !== AclPermission.ALLOW && b.permission !== AclPermission.DENY) return 'Invalid permission type';
  if (b.resourceName === '') return 'Resource name should not be empty';
  if (b.resourceType === ResourceType.CLUSTER && b.resourceName !== CLUSTER_NAME) {
    return `The only valid name for the CLUSTER resource is ${CLUSTER_NAME}`;
  }
  const colon = b.principal.indexOf(':');
  if (colon <= 0 || colon === b.principal.length - 1) return `Could not parse principal from \`${b.principal}\` (no colon is present separating the principal type from the principal name)`;
  if (b.host === '') return 'Invalid host';
  return null;
}

function isCode(codes: Record<string, number>, value: number): boolean {
  return Object.values(codes).includes(value);
}

/** Kafka's super.users format: principals separated by semicolons. */
export function parseSuperUsers(value: string): Set<string> {
  return new Set(value.split(';').map((s) => s.trim()).filter((s) => s.length > 0));
}
