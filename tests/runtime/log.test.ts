// The rate-limited WARN for events clients cause (runtime/log.ts RateLimitedWarn): lines beyond the limit of an
// interval are counted, one summary line reports them once the interval ends (or at close), and the next interval
// lets lines through again.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, RateLimitedWarn } from '../../runtime/log.ts';
import { until } from '../helpers/eventually.ts';

test('at most N lines per interval, then one summary of the suppressed ones; the next interval logs again', async () => {
  const lines: string[] = [];
  const limited = new RateLimitedWarn(createLogger('warn', (l) => lines.push(l)), 2, 300);
  for (let i = 0; i < 5; i++) limited.warn('bad input', { i });
  assert.equal(lines.length, 2, 'two lines within the limit');
  assert.match(lines[0], / WARN  bad input i=0$/);
  await until(() => lines.length === 3, 10_000, 'the summary line');
  assert.match(lines[2], / WARN  suppressed 3 similar lines intervalMs=300$/);
  limited.warn('bad input', { i: 5 });
  assert.match(lines[3], / WARN  bad input i=5$/, 'a new interval lets lines through');
  limited.close();
  assert.equal(lines.length, 4, 'nothing suppressed: no summary at close');
});

test('close writes the pending summary at once', () => {
  const lines: string[] = [];
  const limited = new RateLimitedWarn(createLogger('warn', (l) => lines.push(l)), 1, 60_000);
  limited.warn('a');
  limited.warn('b');
  limited.warn('c');
  limited.close();
  assert.equal(lines.length, 2);
  assert.match(lines[1], /suppressed 2 similar lines/);
});

test('below the logger level neither the lines nor their summary are written', () => {
  const lines: string[] = [];
  const limited = new RateLimitedWarn(createLogger('error', (l) => lines.push(l)), 1, 60_000);
  limited.warn('a');
  limited.warn('b');
  limited.close();
  assert.deepEqual(lines, []);
});
