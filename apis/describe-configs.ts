// DescribeConfigs (api key): TODO describe the versions served and what changes between them.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import type { RequestContext } from '../runtime/context.ts';

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

export async function handle(request: DescribeConfigsRequest, ctx: RequestContext): Promise<DescribeConfigsResponse> {
  throw new Error('describe-configs: handler missing');
}
