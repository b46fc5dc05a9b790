// DescribeUserScramCredentials (key 50), version 0 (KIP-554): each user's SCRAM mechanisms and iterations (never
// salts or keys). No users (null or empty): every user with credentials. A named user without any:
// RESOURCE_NOT_FOUND; a user named twice: DUPLICATE_RESOURCE, as Kafka answers.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import type { RequestContext } from '../runtime/context.ts';
import { ErrorCode } from '../codec/errors.ts';
import { listScramCredentials } from '../store/scram-credentials.ts';
import { scramMechanism } from '../runtime/sasl/scram.ts';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../runtime/auth/acl.ts';

// <generated> by scripts/gen-api.ts from Kafka's DescribeUserScramCredentialsRequest.json and DescribeUserScramCredentialsResponse.json, versions 0-0.
export const schema = {
  apiKey: 50,
  name: 'DescribeUserScramCredentials',
  minVersion: 0,
  maxVersion: 0,
  flexibleFrom: 0,
  request: [
    { name: 'Users', type: '[]struct', versions: '0+', nullable: '0+', fields: [
      { name: 'Name', type: 'string', versions: '0+' },
    ] },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '0+' },
    { name: 'ErrorCode', type: 'int16', versions: '0+' },
    { name: 'ErrorMessage', type: 'string', versions: '0+', nullable: '0+' },
    { name: 'Results', type: '[]struct', versions: '0+', fields: [
      { name: 'User', type: 'string', versions: '0+' },
      { name: 'ErrorCode', type: 'int16', versions: '0+' },
      { name: 'ErrorMessage', type: 'string', versions: '0+', nullable: '0+' },
      { name: 'CredentialInfos', type: '[]struct', versions: '0+', fields: [
        { name: 'Mechanism', type: 'int8', versions: '0+' },
        { name: 'Iterations', type: 'int32', versions: '0+' },
      ] },
    ] },
  ],
} as const satisfies ApiSchema;

export interface DescribeUserScramCredentialsRequest {
  users: Array<{
    name: string;
  }> | null;
}

export interface DescribeUserScramCredentialsResponse {
  throttleTimeMs?: number;
  errorCode?: number;
  errorMessage?: string | null;
  results?: Array<{
    user?: string;
    errorCode?: number;
    errorMessage?: string | null;
    credentialInfos?: Array<{
      mechanism?: number;
      iterations?: number;
    }>;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse>(schema);

type Result = NonNullable<DescribeUserScramCredentialsResponse['results']>[number];

/** Answered at the top level while PostgreSQL is unreachable: Kafka's retriable answer when the controller does not
 * answer in time (not COORDINATOR_NOT_AVAILABLE: there is no coordinator behind this API). */
export const unavailableError = ErrorCode.REQUEST_TIMED_OUT;

export async function handle(request: DescribeUserScramCredentialsRequest, ctx: RequestContext): Promise<DescribeUserScramCredentialsResponse> {
  // Kafka: DESCRIBE on the cluster, else the whole request is refused.
  if (!ctx.authorize(AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME)) {
    return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.', results: [] };
  }
  const names = request.users === null || request.users.length === 0 ? null : request.users.map((u) => u.name);
  const credentials = await listScramCredentials(ctx.broker.store.sql, names);
  const byUser = new Map<string, { mechanism: number; iterations: number }[]>();
  for (const c of credentials) {
    const list = byUser.get(c.user) ?? [];
    list.push({ mechanism: scramMechanism(c.mechanism)?.code ?? 0, iterations: c.iterations });
    byUser.set(c.user, list);
  }
  const ok = (user: string): Result => ({ user, errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos: byUser.get(user) ?? [] });
  let results: Result[];
  if (names === null) {
    results = [...byUser.keys()].map(ok);
  } else {
    const seen = new Map<string, number>();
    for (const n of names) seen.set(n, (seen.get(n) ?? 0) + 1);
    results = [...seen].map(([user, count]): Result => {
      if (count > 1) return { user, errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: `Cannot describe SCRAM credentials for the same user twice in a single request: ${user}`, credentialInfos: [] };
      if (!byUser.has(user)) return { user, errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: `Attempt to describe a user credential that does not exist: ${user}`, credentialInfos: [] };
      return ok(user);
    });
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, results };
}
