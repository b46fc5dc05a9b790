// The web console in a real browser: Debian's headless Chromium driven by playwright-core (never a downloaded
// browser). Opens the console, creates a topic, produces a message and finds it in the message browser (and in
// the live tail), watches a kafkajs group's lag fall on the group page as the consumer catches up, edits a config.
// Screenshots of each page go to test-output/screenshots/ (git-ignored). Skips, saying why, without Chromium.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = 'test-output/screenshots';
const skip = !existsSync(CHROMIUM) ? `Chromium is not installed at ${CHROMIUM} (apt-get install chromium)` : false;
if (skip) console.log(`# skipping the console browser test: ${skip}`);

let tb: TestBroker;
let base: string;
// deno-lint-ignore no-explicit-any
let browser: any;
// deno-lint-ignore no-explicit-any
let page: any;
let profile: string;

before(async () => {
  if (skip) return;
  tb = await startTestBroker({ httpPort: 0 });
  base = `http://127.0.0.1:${tb.broker.httpPort}`;
  mkdirSync(SHOTS, { recursive: true });
  profile = mkdtempSync(join(tmpdir(), 'pg-kafka-chromium-'));
  const { chromium } = await import('playwright-core');
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.setDefaultTimeout(20000);
});
after(async () => {
  await browser?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await tb?.stop();
});

test('create a topic, produce a message and find it, live tail, edit a config', { skip }, async () => {
  await page.goto(base + '/');
  await page.fill('#create-topic input[name=name]', 'browser-topic');
  await page.fill('#create-topic input[name=partitions]', '3');
  await page.click('#create-topic button');
  await page.waitForSelector('#topics a:text-is("browser-topic")');
  await page.screenshot({ path: `${SHOTS}/topics.png`, fullPage: true });

  await page.click('#topics a:text-is("browser-topic")');
  await page.waitForSelector('#partitions tbody tr:nth-child(3)');
  await page.fill('#produce input[name=key]', 'user-42');
  await page.fill('#produce textarea[name=value]', '{"hello":"browser"}');
  await page.click('#produce button');
  await page.waitForSelector('#produce output.ok');
  await page.waitForSelector('#messages td:has-text("hello")');
  // Searching by key finds it; pretty JSON shows it indented.
  await page.fill('#browse input[name=key]', 'user-42');
  await page.selectOption('#browse select[name=format]', 'json');
  await page.click('#browse button:text-is("Search")');
  await page.waitForFunction(`document.querySelector('#messages tbody')?.textContent?.includes('"hello": "browser"')`);

  // Live tail: a record produced elsewhere (the API) shows up without a reload.
  await page.fill('#browse input[name=key]', '');
  await page.click('#tail');
  await new Promise((r) => setTimeout(r, 500));
  const sent = await fetch(`${base}/api/topics/browser-topic/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key: 'tail', value: 'tailed-record' }) });
  assert.equal(sent.status, 201);
  await page.waitForSelector('#messages td:has-text("tailed-record")');
  await page.click('#tail');

  // Edit a config.
  await page.selectOption('#edit-config select[name=name]', 'retention.ms');
  await page.fill('#edit-config input[name=value]', '7200000');
  await page.click('#edit-config button');
  await page.waitForSelector('#configs tr.set td:text-is("7200000")');
  await page.screenshot({ path: `${SHOTS}/topic.png`, fullPage: true });
  const cfg = await (await fetch(`${base}/api/topics/browser-topic/configs`)).json() as { configs: { name: string; value: string }[] };
  assert.equal(cfg.configs.find((c) => c.name === 'retention.ms')?.value, '7200000');

  await page.goto(base + '/brokers');
  await page.waitForSelector(`#brokers td:text-is("${tb.port}")`);
  await page.screenshot({ path: `${SHOTS}/brokers.png`, fullPage: true });
  await page.goto(base + '/produce');
  await page.screenshot({ path: `${SHOTS}/produce.png`, fullPage: true });
});

test("a group's lag falls on the group page as its consumer catches up", { skip }, async () => {
  await fetch(`${base}/api/topics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'lagging', partitions: 2 }) });
  for (let i = 0; i < 40; i++) {
    await fetch(`${base}/api/topics/lagging/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value: `m${i}`, partition: i % 2 }) });
  }
  // The group starts with committed offsets at the beginning: lag 40 before the consumer runs.
  const reset = await fetch(`${base}/api/groups/slow/reset-offsets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ topic: 'lagging', to: 'earliest' }) });
  assert.equal(reset.status, 200);
  await page.goto(base + '/groups/slow');
  await page.waitForFunction(`document.querySelector('#total-lag')?.textContent === '40'`);
  await page.screenshot({ path: `${SHOTS}/group-lagging.png`, fullPage: true });

  const kafka = new Kafka({ clientId: 'browser-test', brokers: [tb.address], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: 'slow', sessionTimeout: 10000, heartbeatInterval: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic: 'lagging' });
  await consumer.run({ autoCommitInterval: 100, eachMessage: async () => void (await new Promise((r) => setTimeout(r, 20))) });
  try {
    await page.waitForFunction(`document.querySelector('#total-lag')?.textContent === '0'`, undefined, { timeout: 60000 });
    await page.waitForFunction(`document.querySelector('#state')?.textContent === 'Stable'`);
    await page.waitForSelector('#members tbody tr');
    await new Promise((r) => setTimeout(r, 2500)); // one more refresh: the chart shows the fall to 0
    await page.screenshot({ path: `${SHOTS}/group.png`, fullPage: true });
    await page.goto(base + '/groups');
    await page.waitForSelector('#groups a:text-is("slow")');
    await page.screenshot({ path: `${SHOTS}/groups.png`, fullPage: true });
  } finally {
    await consumer.disconnect();
  }
});
