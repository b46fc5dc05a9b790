// The web console: server-rendered pages (hono/html) at /, a small client script and uPlot served from local files.
import { Hono } from 'hono';
import type { BrokerServices } from '../context.ts';

export function createConsoleApp(_broker: BrokerServices): Hono {
  const app = new Hono();
  app.get('/', (c) => c.html('<!doctype html><title>pg-kafka</title>'));
  return app;
}
