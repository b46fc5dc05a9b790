// Small helpers for describing routes to @hono/zod-openapi: JSON request bodies and responses, and the error
// responses every route may give.

import type { z } from '@hono/zod-openapi';
import { ErrorBody } from './schemas.ts';

export function json<T extends z.ZodTypeAny>(schema: T, description: string) {
  return { content: { 'application/json': { schema } }, description };
}

export function jsonBody<T extends z.ZodTypeAny>(schema: T) {
  return { content: { 'application/json': { schema } }, required: true };
}

export const errors = {
  400: json(ErrorBody, 'Invalid input, or Kafka refused it (the error names the Kafka error)'),
  403: json(ErrorBody, 'The endpoint is read-only (--http-read-only)'),
  404: json(ErrorBody, 'No such topic, partition or group'),
  409: json(ErrorBody, 'The topic exists, or the group is not empty'),
  503: json(ErrorBody, 'The coordinator is not available here yet'),
};
