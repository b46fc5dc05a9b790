// DescribeClientQuotas (api key 48), versions 0-1 (v1 is flexible): the client quotas whose entities match every
// component of the filter: match type 0 the named entity, 1 the type's default entity, 2 any entity of the type.
// With strict, an entity must have no entity types other than the filter's. Unknown entity types, a type given
// twice, or an exact match without a name: INVALID_REQUEST for the whole answer.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import { ErrorCode } from '../codec/errors.ts';
import type { RequestContext } from '../runtime/context.ts';
import { isQuotaEntityType } from '../runtime/quota-entities.ts';
import type { QuotaEntity } from '../store/index.ts';

// <generated> by scripts/gen-api.ts from Kafka's DescribeClientQuotasRequest.json and DescribeClientQuotasResponse.json, versions 0-1.
export const schema = {
  apiKey: 48,
  name: 'DescribeClientQuotas',
  minVersion: 0,
  maxVersion: 1,
  flexibleFrom: 1,
  request: [
    { name: 'Components', type: '[]struct', versions: '0+', fields: [
      { name: 'EntityType', type: 'string', versions: '0+' },
      { name: 'MatchType', type: 'int8', versions: '0+' },
      { name: 'Match', type: 'string', versions: '0+', nullable: '0+' },
    ] },
    { name: 'Strict', type: 'bool', versions: '0+' },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '0+' },
    { name: 'ErrorCode', type: 'int16', versions: '0+' },
    { name: 'ErrorMessage', type: 'string', versions: '0+', nullable: '0+' },
    { name: 'Entries', type: '[]struct', versions: '0+', nullable: '0+', fields: [
      { name: 'Entity', type: '[]struct', versions: '0+', fields: [
        { name: 'EntityType', type: 'string', versions: '0+' },
        { name: 'EntityName', type: 'string', versions: '0+', nullable: '0+' },
      ] },
      { name: 'Values', type: '[]struct', versions: '0+', fields: [
        { name: 'Key', type: 'string', versions: '0+' },
        { name: 'Value', type: 'float64', versions: '0+' },
      ] },
    ] },
  ],
} as const satisfies ApiSchema;

export interface DescribeClientQuotasRequest {
  components: Array<{
    entityType: string;
    matchType: number;
    match: string | null;
  }>;
  strict: boolean;
}

export interface DescribeClientQuotasResponse {
  throttleTimeMs?: number;
  errorCode?: number;
  errorMessage?: string | null;
  entries?: Array<{
    entity?: Array<{
      entityType?: string;
      entityName?: string | null;
    }>;
    values?: Array<{
      key?: string;
      value?: number;
    }>;
  }> | null;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<DescribeClientQuotasRequest, DescribeClientQuotasResponse>(schema);

export const concurrent = true;

const MatchType = { exact: 0, default: 1, any: 2 } as const;

function invalid(errorMessage: string): DescribeClientQuotasResponse {
  return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, errorMessage, entries: null };
}

/** Answered at the top level while PostgreSQL is unreachable: Kafka's retriable answer when the controller does not
 * answer in time (not COORDINATOR_NOT_AVAILABLE: there is no coordinator behind this API). */
export const unavailableError = ErrorCode.REQUEST_TIMED_OUT;

export async function handle(request: DescribeClientQuotasRequest, ctx: RequestContext): Promise<DescribeClientQuotasResponse> {
  const seen = new Set<string>();
  for (const c of request.components) {
    if (!isQuotaEntityType(c.entityType)) return invalid(`Custom entity type ${c.entityType} not supported`);
    if (seen.has(c.entityType)) return invalid(`Duplicate entity type ${c.entityType}`);
    seen.add(c.entityType);
    if (c.matchType === MatchType.exact && c.match === null) return invalid(`No name given for the exact match of ${c.entityType}`);
    if (c.matchType !== MatchType.exact && c.matchType !== MatchType.default && c.matchType !== MatchType.any) {
      return invalid(`Unknown match type ${c.matchType}`);
    }
  }
  const matches = (entity: QuotaEntity) => {
    for (const c of request.components) {
      if (!(c.entityType in entity)) return false;
      const name = entity[c.entityType];
      if (c.matchType === MatchType.exact && name !== c.match) return false;
      if (c.matchType === MatchType.default && name !== null) return false;
    }
    return !request.strict || Object.keys(entity).length === request.components.length;
  };
  const byEntity = new Map<string, { entity: QuotaEntity; values: { key: string; value: number }[] }>();
  for (const row of await ctx.broker.store.listClientQuotas()) {
    if (!matches(row.entity)) continue;
    const k = JSON.stringify(row.entity);
    let e = byEntity.get(k);
    if (!e) byEntity.set(k, (e = { entity: row.entity, values: [] }));
    e.values.push({ key: row.key, value: row.value });
  }
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    entries: [...byEntity.values()].map((e) => ({
      entity: Object.entries(e.entity).map(([entityType, entityName]) => ({ entityType, entityName })),
      values: e.values,
    })),
  };
}
