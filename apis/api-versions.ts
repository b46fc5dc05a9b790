// ApiVersions (key 18), versions 0-4: the APIs and version ranges this broker serves, read from the registry.
// v1 adds throttle time; v3 is flexible and carries the client's software name and version (validated).
// v3+ also reports features (runtime/kafka-version.ts): metadata.version finalized at the level of the Kafka release
// whose protocol we serve, and KIP-848's group.version at 1, with a constant finalized-features epoch.
// A request at a version we don't know is answered in the v0 layout with UNSUPPORTED_VERSION and the full
// list, so the client can retry at one we do (the connection does the v0 decoding for us).

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import { ErrorCode } from '../codec/errors.ts';
import type { RequestContext } from '../runtime/context.ts';
import { features, FINALIZED_FEATURES_EPOCH } from '../runtime/kafka-version.ts';

// <generated> by scripts/gen-api.ts from Kafka's ApiVersionsRequest.json and ApiVersionsResponse.json, versions 0-4.
export const schema = {
  apiKey: 18,
  name: 'ApiVersions',
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 3,
  request: [
    { name: 'ClientSoftwareName', type: 'string', versions: '3+' },
    { name: 'ClientSoftwareVersion', type: 'string', versions: '3+' },
  ],
  response: [
    { name: 'ErrorCode', type: 'int16', versions: '0+' },
    { name: 'ApiKeys', type: '[]struct', versions: '0+', fields: [
      { name: 'ApiKey', type: 'int16', versions: '0+' },
      { name: 'MinVersion', type: 'int16', versions: '0+' },
      { name: 'MaxVersion', type: 'int16', versions: '0+' },
    ] },
    { name: 'ThrottleTimeMs', type: 'int32', versions: '1+' },
    { name: 'SupportedFeatures', type: '[]struct', versions: '3+', tag: 0, taggedVersions: '3+', fields: [
      { name: 'Name', type: 'string', versions: '3+' },
      { name: 'MinVersion', type: 'int16', versions: '3+' },
      { name: 'MaxVersion', type: 'int16', versions: '3+' },
    ] },
    { name: 'FinalizedFeaturesEpoch', type: 'int64', versions: '3+', tag: 1, taggedVersions: '3+', default: "-1" },
    { name: 'FinalizedFeatures', type: '[]struct', versions: '3+', tag: 2, taggedVersions: '3+', fields: [
      { name: 'Name', type: 'string', versions: '3+' },
      { name: 'MaxVersionLevel', type: 'int16', versions: '3+' },
      { name: 'MinVersionLevel', type: 'int16', versions: '3+' },
    ] },
    { name: 'ZkMigrationReady', type: 'bool', versions: '3+', tag: 3, taggedVersions: '3+', default: "false" },
  ],
} as const satisfies ApiSchema;

export interface ApiVersionsRequest {
  clientSoftwareName: string;
  clientSoftwareVersion: string;
}

export interface ApiVersionsResponse {
  errorCode?: number;
  apiKeys?: Array<{
    apiKey?: number;
    minVersion?: number;
    maxVersion?: number;
  }>;
  throttleTimeMs?: number;
  supportedFeatures?: Array<{
    name?: string;
    minVersion?: number;
    maxVersion?: number;
  }>;
  finalizedFeaturesEpoch?: number | bigint;
  finalizedFeatures?: Array<{
    name?: string;
    maxVersionLevel?: number;
    minVersionLevel?: number;
  }>;
  zkMigrationReady?: boolean;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<ApiVersionsRequest, ApiVersionsResponse>(schema);

/** Kafka's rule for client software name and version (KIP-511). */
const softwarePattern = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

export const concurrent = true;

export async function handle(request: ApiVersionsRequest & { unsupportedVersion?: boolean }, ctx: RequestContext): Promise<ApiVersionsResponse> {
  const apiKeys = ctx.broker.registry.list().map((s) => ({ apiKey: s.apiKey, minVersion: s.minVersion, maxVersion: s.maxVersion }));
  if (request.unsupportedVersion) return { errorCode: ErrorCode.UNSUPPORTED_VERSION, apiKeys };
  if (ctx.apiVersion >= 3 && (!softwarePattern.test(request.clientSoftwareName) || !softwarePattern.test(request.clientSoftwareVersion))) {
    return { errorCode: ErrorCode.INVALID_REQUEST, apiKeys };
  }
  return {
    errorCode: ErrorCode.NONE,
    apiKeys,
    throttleTimeMs: 0,
    supportedFeatures: features.map((f) => ({ name: f.name, minVersion: f.minVersion, maxVersion: f.maxVersion })),
    finalizedFeaturesEpoch: FINALIZED_FEATURES_EPOCH,
    finalizedFeatures: features.map((f) => ({ name: f.name, maxVersionLevel: f.finalizedLevel, minVersionLevel: f.finalizedLevel })),
  };
}
