// The web console at /: pages (pages.ts) rendered from the admin API's data functions, the live tail of a topic
// over server-sent events (hono/streaming), and its assets: the client script and stylesheet from assets/, uPlot
// from its npm package. Everything is served locally (no CDN) and the same on Node and Deno.

import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { readFileSync } from 'node:fs';
import type { BrokerServices } from '../context.ts';
import { brokersPage, groupPage, groupsPage, producePage, topicPage, topicsPage } from './pages.ts';
import { topicDetail, topicSummaries } from '../http/api/topics.ts';
import { groupSummaries } from '../http/api/groups.ts';
import { clusterInfo } from '../http/api/cluster.ts';
import { topicConfigs, topicOrThrow } from '../http/api/kafka.ts';
import { readRange, shownRecord, type ValueFormat } from '../http/api/messages.ts';
import { ApiError } from '../http/api/context.ts';

const ASSETS: Record<string, { url: URL; type: string }> = {
  'console.js': { url: new URL('./assets/console.js', import.meta.url), type: 'text/javascript; charset=utf-8' },
  'console.css': { url: new URL('./assets/console.css', import.meta.url), type: 'text/css; charset=utf-8' },
  'uplot.min.js': { url: new URL('../../node_modules/uplot/dist/uPlot.iife.min.js', import.meta.url), type: 'text/javascript; charset=utf-8' },
  'uplot.min.css': { url: new URL('../../node_modules/uplot/dist/uPlot.min.css', import.meta.url), type: 'text/css; charset=utf-8' },
};

export function createConsoleApp(broker: BrokerServices): Hono {
  const app = new Hono();
  const readOnly = broker.config.httpReadOnly;
  const cache = new Map<string, Uint8Array>();

  app.get('/assets/:name', (c) => {
    const asset = ASSETS[c.req.param('name')];
    if (!asset) return c.text('not found', 404);
    let body = cache.get(c.req.param('name'));
    if (!body) cache.set(c.req.param('name'), (body = readFileSync(asset.url)));
    return c.body(body as Uint8Array<ArrayBuffer>, 200, { 'content-type': asset.type, 'cache-control': 'max-age=300' });
  });

  app.get('/', async (c) => c.html(topicsPage(await topicSummaries(broker, (await broker.store.listTopics()).sort((a, b) => a.name.localeCompare(b.name))), readOnly)));
  app.get('/topics/:topic', async (c) => {
    const name = c.req.param('topic');
    const [detail, configs] = await Promise.all([topicDetail(broker, name), topicConfigs(broker, name)]);
    return c.html(topicPage(name, detail.partitions, configs, readOnly));
  });
  app.get('/groups', async (c) => c.html(groupsPage(await groupSummaries(broker), readOnly)));
  app.get('/groups/:group', (c) => c.html(groupPage(c.req.param('group'), readOnly)));
  app.get('/brokers', (c) => {
    const info = clusterInfo(broker);
    return c.html(brokersPage(info.clusterId, info.controllerId, info.brokers, readOnly));
  });
  app.get('/produce', async (c) => c.html(producePage((await broker.store.listTopics()).map((t) => t.name).sort(), readOnly)));

  // Live tail: every record appended to the topic from now on (or a partition's), as one `record` event each.
  app.get('/console/topics/:topic/tail', async (c) => {
    const topic = await topicOrThrow(broker, c.req.param('topic'));
    const format = (['text', 'json', 'hex'].includes(c.req.query('format') ?? '') ? c.req.query('format') : 'text') as ValueFormat;
    const only = c.req.query('partition') === undefined || c.req.query('partition') === '' ? null : Number(c.req.query('partition'));
    const partitions = Array.from({ length: topic.partitions }, (_, i) => i).filter((p) => only === null || p === only);
    const next = new Map<number, number>();
    for (const p of partitions) next.set(p, (await broker.store.offsets(topic, p)).highWatermark);
    return streamSSE(c, async (stream) => {
      let wake: (() => void) | null = null;
      const dirty = new Set<number>();
      const off = broker.store.onAppend((topicId, partition) => {
        if (topicId !== topic.id || !next.has(partition)) return;
        dirty.add(partition);
        wake?.();
      });
      const closed = new Promise<void>((resolve) => stream.onAbort(resolve));
      try {
        await stream.writeSSE({ event: 'ready', data: '{}' });
        while (!stream.aborted && !broker.isClosing) {
          await Promise.race([new Promise<void>((r) => (wake = r)), closed, new Promise((r) => setTimeout(r, 15000))]);
          wake = null;
          if (stream.aborted) break;
          if (dirty.size === 0) {
            await stream.writeSSE({ event: 'ping', data: '{}' });
            continue;
          }
          for (const p of [...dirty]) {
            dirty.delete(p);
            const hw = (await broker.store.offsets(topic, p)).highWatermark;
            for (const r of await readRange(broker, topic, p, next.get(p)!, hw)) await stream.writeSSE({ event: 'record', data: JSON.stringify(shownRecord(p, r, format)) });
            next.set(p, hw);
          }
        }
      } finally {
        off();
      }
    });
  });

  app.onError((err, c) => {
    if (err instanceof ApiError) return c.html(`<!doctype html><title>${err.error}</title><p>${escapeText(err.message)}</p><p><a href="/">Topics</a></p>`, err.status);
    broker.log.error('console request failed', { err, path: c.req.path });
    return c.text('console request failed (see the broker log)', 500);
  });
  return app;
}

function escapeText(s: string): string {
  return s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!);
}
