// AlterClientQuotas (api key 49), versions 0-1 (v1 is flexible): sets or removes quota keys of user / client-id
// entities (a null name is the type's default entity), all valid entries in one PostgreSQL transaction, seen by
// every broker at once (runtime/quotas.ts reloads on NOTIFY). An entry with an unknown or repeated entity type, an
// unknown key, a key given twice or a value Kafka refuses gets INVALID_REQUEST and changes nothing; validateOnly
// checks without changing anything.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import { ErrorCode } from '../codec/errors.ts';
import type { RequestContext } from '../runtime/context.ts';
import { entityProblem, quotaValueProblem } from '../runtime/quota-entities.ts';
import { quotaManager } from '../runtime/quotas.ts';
import type { QuotaChange } from '../store/index.ts';

// <generated> by scripts/gen-api.ts from Kafka's AlterClientQuotasRequest.json and AlterClientQuotasResponse.json, versions 0-1.
export const schema = {
  apiKey: 49,
  name: 'AlterClientQuotas',
  minVersion: 0,
  maxVersion: 1,
  flexibleFrom: 1,
  request: [
    { name: 'Entries', type: '[]struct', versions: '0+', fields: [
      { name: 'Entity', type: '[]struct', versions: '0+', fields: [
        { name: 'EntityType', type: 'string', versions: '0+' },
        { name: 'EntityName', type: 'string', versions: '0+', nullable: '0+' },
      ] },
      { name: 'Ops', type: '[]struct', versions: '0+', fields: [
        { name: 'Key', type: 'string', versions: '0+' },
        { name: 'Value', type: 'float64', versions: '0+' },
        { name: 'Remove', type: 'bool', versions: '0+' },
      ] },
    ] },
    { name: 'ValidateOnly', type: 'bool', versions: '0+' },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '0+' },
    { name: 'Entries', type: '[]struct', versions: '0+', fields: [
      { name: 'ErrorCode', type: 'int16', versions: '0+' },
      { name: 'ErrorMessage', type: 'string', versions: '0+', nullable: '0+' },
      { name: 'Entity', type: '[]struct', versions: '0+', fields: [
        { name: 'EntityType', type: 'string', versions: '0+' },
        { name: 'EntityName', type: 'string', versions: '0+', nullable: '0+' },
      ] },
    ] },
  ],
} as const satisfies ApiSchema;

export interface AlterClientQuotasRequest {
  entries: Array<{
    entity: Array<{
      entityType: string;
      entityName: string | null;
    }>;
    ops: Array<{
      key: string;
      value: number;
      remove: boolean;
    }>;
  }>;
  validateOnly: boolean;
}

export interface AlterClientQuotasResponse {
  throttleTimeMs?: number;
  entries?: Array<{
    errorCode?: number;
    errorMessage?: string | null;
    entity?: Array<{
      entityType?: string;
      entityName?: string | null;
    }>;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<AlterClientQuotasRequest, AlterClientQuotasResponse>(schema);

function problem(entry: AlterClientQuotasRequest['entries'][number]): string | null {
  const bad = entityProblem(entry.entity);
  if (bad !== null) return bad;
  const keys = new Set<string>();
  for (const op of entry.ops) {
    if (keys.has(op.key)) return `Duplicate quota key ${op.key}`;
    keys.add(op.key);
    if (!op.remove) {
      const invalid = quotaValueProblem(op.key, op.value);
      if (invalid !== null) return invalid;
    }
  }
  return null;
}

/** The whole request failed with `errorCode` (PostgreSQL unreachable): every entry gets it. */
export function errorResponse(request: AlterClientQuotasRequest, errorCode: number): AlterClientQuotasResponse {
  return { throttleTimeMs: 0, entries: request.entries.map((e) => ({ errorCode, errorMessage: null, entity: e.entity })) };
}

/** Kafka's retriable answer when the controller does not answer in time. */
export const unavailableError = ErrorCode.REQUEST_TIMED_OUT;

export async function handle(request: AlterClientQuotasRequest, ctx: RequestContext): Promise<AlterClientQuotasResponse> {
  const changes: QuotaChange[] = [];
  const entries = request.entries.map((entry) => {
    const message = problem(entry);
    if (message === null) {
      changes.push({
        entity: Object.fromEntries(entry.entity.map((e) => [e.entityType, e.entityName])),
        ops: entry.ops.map((op) => ({ key: op.key, value: op.remove ? null : op.value })),
      });
    }
    return {
      errorCode: message === null ? ErrorCode.NONE : ErrorCode.INVALID_REQUEST,
      errorMessage: message,
      entity: entry.entity,
    };
  });
  if (!request.validateOnly && changes.length > 0) {
    await ctx.broker.store.alterClientQuotas(changes);
    // This broker enforces them from the next request on; the others reload on the notification.
    await quotaManager(ctx.broker).reload();
  }
  return { throttleTimeMs: 0, entries };
}
