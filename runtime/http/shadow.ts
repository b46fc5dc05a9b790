// GET /api/shadow (and /api/shadow/<topic>): shadow mode's status as JSON, per topic and partition (mode, high
// watermark, forwarded position, lag in records and seconds, parked records, state, last error, replay progress,
// unsynced groups). Mounted on the operations app by runtime/http/app.ts when the broker shadows.

import { Hono } from 'hono';
import type { ShadowStatusRow } from '../../store/shadow.ts';

export function shadowRoutes(status: (topic?: string) => Promise<ShadowStatusRow[]>): Hono {
  const app = new Hono();
  app.get('/', async (c) => c.json({ partitions: await status() }));
  app.get('/:topic', async (c) => {
    const rows = await status(c.req.param('topic'));
    return rows.length === 0 ? c.json({ error: 'topic is not shadowed' }, 404) : c.json({ partitions: rows });
  });
  return app;
}
