// AlterUserScramCredentials (key 51), version 0 (KIP-554): upsertions carry salt, iterations and the salted
// password; the broker derives StoredKey and ServerKey and keeps only those (kafka.scram_credentials). Deletions
// remove one mechanism of a user. Per user: UNSUPPORTED_SASL_MECHANISM, UNACCEPTABLE_CREDENTIAL (empty name, empty
// salt or password, iterations outside 4096-16384), RESOURCE_NOT_FOUND (deleting what is not there) and
// DUPLICATE_RESOURCE (one user and mechanism twice in the request), with Kafka's messages; a user with any error
// has none of its changes applied. Credentials are read at authentication time, so every broker sees them at once.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import type { RequestContext } from '../runtime/context.ts';
import { ErrorCode } from '../codec/errors.ts';
import { deleteScramCredential, listScramCredentials, upsertScramCredential } from '../store/scram-credentials.ts';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../runtime/auth/acl.ts';
import { credentialKeys, SCRAM_MAX_ITERATIONS, SCRAM_MIN_ITERATIONS, scramMechanism } from '../runtime/sasl/scram.ts';

// <generated> by scripts/gen-api.ts from Kafka's AlterUserScramCredentialsRequest.json and AlterUserScramCredentialsResponse.json, versions 0-0.
export const schema = {
  apiKey: 51,
  name: 'AlterUserScramCredentials',
  minVersion: 0,
  maxVersion: 0,
  flexibleFrom: 0,
  request: [
    { name: 'Deletions', type: '[]struct', versions: '0+', fields: [
      { name: 'Name', type: 'string', versions: '0+' },
      { name: 'Mechanism', type: 'int8', versions: '0+' },
    ] },
    { name: 'Upsertions', type: '[]struct', versions: '0+', fields: [
      { name: 'Name', type: 'string', versions: '0+' },
      { name: 'Mechanism', type: 'int8', versions: '0+' },
      { name: 'Iterations', type: 'int32', versions: '0+' },
      { name: 'Salt', type: 'bytes', versions: '0+' },
      { name: 'SaltedPassword', type: 'bytes', versions: '0+' },
    ] },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '0+' },
    { name: 'Results', type: '[]struct', versions: '0+', fields: [
      { name: 'User', type: 'string', versions: '0+' },
      { name: 'ErrorCode', type: 'int16', versions: '0+' },
      { name: 'ErrorMessage', type: 'string', versions: '0+', nullable: '0+' },
    ] },
  ],
} as const satisfies ApiSchema;

export interface AlterUserScramCredentialsRequest {
  deletions: Array<{
    name: string;
    mechanism: number;
  }>;
  upsertions: Array<{
    name: string;
    mechanism: number;
    iterations: number;
    salt: Uint8Array;
    saltedPassword: Uint8Array;
  }>;
}

export interface AlterUserScramCredentialsResponse {
  throttleTimeMs?: number;
  results?: Array<{
    user?: string;
    errorCode?: number;
    errorMessage?: string | null;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse>(schema);

type Failure = { errorCode: number; errorMessage: string };

/** The whole request failed with `errorCode` (PostgreSQL unreachable): every user named gets it once. */
export function errorResponse(request: AlterUserScramCredentialsRequest, errorCode: number): AlterUserScramCredentialsResponse {
  return { throttleTimeMs: 0, results: [...new Set([...request.deletions, ...request.upsertions].map((c) => c.name))].map((user) => ({ user, errorCode, errorMessage: null })) };
}

/** Kafka's retriable answer when the controller does not answer in time. */
export const unavailableError = ErrorCode.REQUEST_TIMED_OUT;

export async function handle(request: AlterUserScramCredentialsRequest, ctx: RequestContext): Promise<AlterUserScramCredentialsResponse> {
  const sql = ctx.broker.store.sql;
  const users: string[] = [];
  const failures = new Map<string, Failure>();
  const fail = (user: string, errorCode: number, errorMessage: string) => {
    if (!failures.has(user)) failures.set(user, { errorCode, errorMessage });
  };
  const seen = new Set<string>();
  // Kafka: ALTER on the cluster, else every user of the request is answered CLUSTER_AUTHORIZATION_FAILED.
  if (!ctx.authorize(AclOperation.ALTER, ResourceType.CLUSTER, CLUSTER_NAME)) {
    const named = [...new Set([...request.deletions, ...request.upsertions].map((c) => c.name))];
    return { throttleTimeMs: 0, results: named.map((user) => ({ user, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.' })) };
  }
  const all = [...request.deletions.map((d) => ({ ...d, upsert: null })), ...request.upsertions.map((u) => ({ name: u.name, mechanism: u.mechanism, upsert: u }))];
  for (const change of all) {
    if (!users.includes(change.name)) users.push(change.name);
    const m = scramMechanism(change.mechanism);
    const key = `${change.mechanism}\0${change.name}`;
    if (seen.has(key)) fail(change.name, ErrorCode.DUPLICATE_RESOURCE, 'A user credential cannot be altered twice in the same request');
    seen.add(key);
    if (change.name === '') fail(change.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty');
    if (!m) fail(change.name, ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism');
    const u = change.upsert;
    if (u) {
      if (u.iterations < SCRAM_MIN_ITERATIONS) fail(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, `Too few iterations: ${u.iterations} (the minimum is ${SCRAM_MIN_ITERATIONS})`);
      else if (u.iterations > SCRAM_MAX_ITERATIONS) fail(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, `Too many iterations: ${u.iterations} (the maximum is ${SCRAM_MAX_ITERATIONS})`);
      if (u.salt.length === 0) fail(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Salt must not be empty');
      if (u.saltedPassword.length === 0) fail(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Salted password must not be empty');
    }
  }
  const existing = await listScramCredentials(sql, request.deletions.map((d) => d.name));
  for (const d of request.deletions) {
    const m = scramMechanism(d.mechanism);
    if (m && !existing.some((c) => c.user === d.name && c.mechanism === m.name)) {
      fail(d.name, ErrorCode.RESOURCE_NOT_FOUND, 'Attempt to delete a user credential that does not exist');
    }
  }
  for (const d of request.deletions) {
    const m = scramMechanism(d.mechanism);
    if (m && !failures.has(d.name)) await deleteScramCredential(sql, d.name, m.name);
  }
  for (const u of request.upsertions) {
    const m = scramMechanism(u.mechanism);
    if (!m || failures.has(u.name)) continue;
    await upsertScramCredential(sql, { user: u.name, mechanism: m.name, salt: u.salt, iterations: u.iterations, ...credentialKeys(m, u.saltedPassword) });
  }
  if (users.some((u) => !failures.has(u))) {
    ctx.broker.log.info('SCRAM credentials altered', { users: users.filter((u) => !failures.has(u)), principal: ctx.principal, clientId: ctx.clientId });
  }
  return {
    throttleTimeMs: 0,
    results: users.map((user) => ({ user, errorCode: failures.get(user)?.errorCode ?? ErrorCode.NONE, errorMessage: failures.get(user)?.errorMessage ?? null })),
  };
}
