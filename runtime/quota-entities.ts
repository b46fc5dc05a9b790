// Validation shared by DescribeClientQuotas and AlterClientQuotas: the entity types Kafka's client quotas know
// (user, client-id; ip quotas are not served), the quota keys per type, and Kafka's rules for their values.

import { QUOTA_ENTITY_TYPES, QUOTA_KEYS } from './quotas.ts';

/** Kafka's controller_mutation_rate is accepted and stored, but not enforced (no controller here). */
const KNOWN_KEYS: ReadonlySet<string> = new Set([...QUOTA_KEYS, 'controller_mutation_rate']);
/** Keys whose values Kafka holds as longs. */
const LONG_KEYS: ReadonlySet<string> = new Set(['producer_byte_rate', 'consumer_byte_rate']);

export function isQuotaEntityType(type: string): boolean {
  return (QUOTA_ENTITY_TYPES as readonly string[]).includes(type);
}

/** Why a quota entity is not valid, or null. */
export function entityProblem(entity: readonly { entityType: string }[]): string | null {
  if (entity.length === 0) return 'Invalid empty client quota entity';
  const seen = new Set<string>();
  for (const e of entity) {
    if (!isQuotaEntityType(e.entityType)) return `Unknown or unsupported client quota entity type: ${e.entityType}`;
    if (seen.has(e.entityType)) return `Duplicate ${e.entityType} entity type in the client quota entity`;
    seen.add(e.entityType);
  }
  return null;
}

/** Why setting `key` to `value` is not valid, or null. */
export function quotaValueProblem(key: string, value: number): string | null {
  if (!KNOWN_KEYS.has(key)) return `Invalid configuration key ${key}`;
  if (!Number.isFinite(value) || value <= 0) return `Quota ${key} must be greater than 0`;
  if (LONG_KEYS.has(key) && !Number.isInteger(value)) return `Configuration ${key} must be a Long value`;
  return null;
}
