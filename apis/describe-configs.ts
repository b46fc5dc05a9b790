// DescribeConfigs (key 32), versions 0-4: the configs of topics (resource type 2) and of brokers (type 4).
// v0 has isDefault instead of a source; v1 adds the config source and synonyms (with includeSynonyms); v2 changes
// nothing on the wire; v3 adds the config type and documentation (with includeDocumentation); v4 is flexible.
// Topics: every setting of runtime/topic-configs.ts with the value in force, TOPIC_CONFIG when set on the topic,
// else the source of the broker setting it falls back to (dynamic for this broker, dynamic cluster default,
// static when a flag set it, else DEFAULT_CONFIG: runtime/config-entries.ts); unknown topics get
// UNKNOWN_TOPIC_OR_PARTITION, invalid names INVALID_TOPIC_EXCEPTION. Broker: the settings of
// runtime/broker-configs.ts under Kafka's names, read-only unless Kafka changes them dynamically. As in Kafka, the
// resource name must be our node id or "" (the cluster-wide dynamic defaults that are set); another id or a
// non-number gets INVALID_REQUEST. Other resource types (groups, broker loggers, client metrics) get
// INVALID_REQUEST. configurationKeys null or empty means every config; unknown keys are left out.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import { ErrorCode } from '../codec/errors.ts';
import type { RequestContext } from '../runtime/context.ts';
import { topicNameProblem } from '../runtime/topic-names.ts';
import { brokerConfigEntries, clusterDefaultEntries, topicConfigEntries } from '../runtime/config-entries.ts';
import { ConfigResourceType as ResourceType, ConfigSource, resourceTypeName, type ConfigEntry } from '../runtime/config-types.ts';
import type { Topic } from '../store/types.ts';

// <generated> by scripts/gen-api.ts from Kafka's DescribeConfigsRequest.json and DescribeConfigsResponse.json, versions 0-4.
export const schema = {
  apiKey: 32,
  name: 'DescribeConfigs',
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 4,
  request: [
    { name: 'Resources', type: '[]struct', versions: '0+', fields: [
      { name: 'ResourceType', type: 'int8', versions: '0+' },
      { name: 'ResourceName', type: 'string', versions: '0+' },
      { name: 'ConfigurationKeys', type: '[]string', versions: '0+', nullable: '0+' },
    ] },
    { name: 'IncludeSynonyms', type: 'bool', versions: '1+', default: "false" },
    { name: 'IncludeDocumentation', type: 'bool', versions: '3+', default: "false" },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '0+' },
    { name: 'Results', type: '[]struct', versions: '0+', fields: [
      { name: 'ErrorCode', type: 'int16', versions: '0+' },
      { name: 'ErrorMessage', type: 'string', versions: '0+', nullable: '0+' },
      { name: 'ResourceType', type: 'int8', versions: '0+' },
      { name: 'ResourceName', type: 'string', versions: '0+' },
      { name: 'Configs', type: '[]struct', versions: '0+', fields: [
        { name: 'Name', type: 'string', versions: '0+' },
        { name: 'Value', type: 'string', versions: '0+', nullable: '0+' },
        { name: 'ReadOnly', type: 'bool', versions: '0+' },
        { name: 'IsDefault', type: 'bool', versions: '0' },
        { name: 'ConfigSource', type: 'int8', versions: '1+', default: "-1" },
        { name: 'IsSensitive', type: 'bool', versions: '0+' },
        { name: 'Synonyms', type: '[]struct', versions: '1+', fields: [
          { name: 'Name', type: 'string', versions: '1+' },
          { name: 'Value', type: 'string', versions: '1+', nullable: '0+' },
          { name: 'Source', type: 'int8', versions: '1+' },
        ] },
        { name: 'ConfigType', type: 'int8', versions: '3+', default: "0" },
        { name: 'Documentation', type: 'string', versions: '3+', nullable: '0+' },
      ] },
    ] },
  ],
} as const satisfies ApiSchema;

export interface DescribeConfigsRequest {
  resources: Array<{
    resourceType: number;
    resourceName: string;
    configurationKeys: string[] | null;
  }>;
  includeSynonyms: boolean;
  includeDocumentation: boolean;
}

export interface DescribeConfigsResponse {
  throttleTimeMs?: number;
  results?: Array<{
    errorCode?: number;
    errorMessage?: string | null;
    resourceType?: number;
    resourceName?: string;
    configs?: Array<{
      name?: string;
      value?: string | null;
      readOnly?: boolean;
      isDefault?: boolean;
      configSource?: number;
      isSensitive?: boolean;
      synonyms?: Array<{
        name?: string;
        value?: string | null;
        source?: number;
      }>;
      configType?: number;
      documentation?: string | null;
    }>;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<DescribeConfigsRequest, DescribeConfigsResponse>(schema);

export const concurrent = true;

type Resource = DescribeConfigsRequest['resources'][number];
type Result = NonNullable<DescribeConfigsResponse['results']>[number];
type ConfigResult = NonNullable<Result['configs']>[number];

/** The whole request failed with `errorCode` (PostgreSQL unreachable): every resource gets it, with no configs. */
export function errorResponse(request: DescribeConfigsRequest, errorCode: number): DescribeConfigsResponse {
  return { throttleTimeMs: 0, results: request.resources.map((r) => ({ errorCode, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName, configs: [] })) };
}

/** Retriable: the configs cannot be read in time. */
export const unavailableError = ErrorCode.REQUEST_TIMED_OUT;

export async function handle(request: DescribeConfigsRequest, ctx: RequestContext): Promise<DescribeConfigsResponse> {
  const topicNames = request.resources
    .filter((r) => r.resourceType === ResourceType.TOPIC && topicNameProblem(r.resourceName) === null)
    .map((r) => r.resourceName);
  const topics = topicNames.length > 0 ? await ctx.broker.store.getTopics([...new Set(topicNames)]) : new Map<string, Topic>();
  return { throttleTimeMs: 0, results: request.resources.map((r) => describe(r, request, topics, ctx)) };
}

function describe(resource: Resource, request: DescribeConfigsRequest, topics: ReadonlyMap<string, Topic>, ctx: RequestContext): Result {
  const { resourceType, resourceName } = resource;
  const failed = (errorCode: number, errorMessage: string | null): Result => ({ errorCode, errorMessage, resourceType, resourceName, configs: [] });
  const { settings, info } = ctx.broker;
  let entries: ConfigEntry[];
  switch (resourceType) {
    case ResourceType.TOPIC: {
      const problem = topicNameProblem(resourceName);
      if (problem !== null) return failed(ErrorCode.INVALID_TOPIC_EXCEPTION, problem);
      const topic = topics.get(resourceName);
      if (!topic) return failed(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null);
      entries = topicConfigEntries(topic.configs, settings);
      break;
    }
    case ResourceType.BROKER: {
      if (resourceName === '') {
        entries = clusterDefaultEntries(settings);
        break;
      }
      if (!/^[+-]?\d+$/.test(resourceName)) {
        return failed(ErrorCode.INVALID_REQUEST, `Broker id must be an integer, but it is: ${resourceName}`);
      }
      if (Number(resourceName) !== info.nodeId) {
        return failed(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${info.nodeId} or empty string, but received ${resourceName}`);
      }
      entries = brokerConfigEntries(settings);
      break;
    }
    default:
      return failed(ErrorCode.INVALID_REQUEST, `Unsupported resource type: ${resourceTypeName(resourceType)}`);
  }

  const keys = resource.configurationKeys;
  if (keys !== null && keys.length > 0) {
    const wanted = new Set(keys);
    entries = entries.filter((e) => wanted.has(e.name));
  }
  const version = ctx.apiVersion;
  const configs = entries.map((e): ConfigResult => ({
    name: e.name,
    value: e.value,
    readOnly: !e.alterable,
    isDefault: e.source === ConfigSource.DEFAULT_CONFIG,
    configSource: e.source,
    isSensitive: false,
    synonyms: version >= 1 && request.includeSynonyms ? e.synonyms : [],
    configType: e.type,
    documentation: version >= 3 && request.includeDocumentation ? e.doc : null,
  }));
  return { errorCode: ErrorCode.NONE, errorMessage: null, resourceType, resourceName, configs };
}
