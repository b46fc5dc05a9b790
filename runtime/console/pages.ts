// The console's pages, server-rendered with hono/html tagged templates (no JSX: Node's type stripping runs .ts
// only) from the admin API's own data functions. The client script (assets/console.js) adds sorting, search,
// the forms (calling /api), the message browser with live tail, and the lag chart. Read-only mode hides forms.

import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import * as Q from './sql.ts';

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export function layout(title: string, active: string, readOnly: boolean, body: Html, sql: string): Html {
  const nav = [['/', 'Topics'], ['/groups', 'Consumer groups'], ['/brokers', 'Brokers'], ['/produce', 'Produce']] as const;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · pg-kafka</title>
<link rel="stylesheet" href="/assets/console.css"><link rel="stylesheet" href="/assets/uplot.min.css">
</head><body data-read-only="${readOnly ? 'true' : 'false'}">
<header><strong>pg-kafka</strong><nav>${nav.map(([href, label]) => html`<a href="${href}" class="${active === label ? 'active' : ''}">${label}</a>`)}</nav>${readOnly ? html`<span class="badge">read-only</span>` : ''}</header>
<main><h1>${title}</h1>${body}
<details class="sql"><summary>The same data with SQL</summary><pre>${sql}</pre></details></main>
<script src="/assets/uplot.min.js"></script><script src="/assets/console.js"></script>
</body></html>`;
}

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) (n /= 1024, i++);
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

/** An inline SVG sparkline of records/s. */
export function sparkline(values: readonly number[]): Html {
  if (values.length < 2) return html`<svg class="spark" width="80" height="20"></svg>`;
  const max = Math.max(1, ...values);
  const pts = values.map((v, i) => `${((i / (values.length - 1)) * 80).toFixed(1)},${(19 - (v / max) * 18).toFixed(1)}`).join(' ');
  return html`<svg class="spark" width="80" height="20"><polyline fill="none" stroke="currentColor" points="${pts}"/></svg>`;
}

interface TopicRow { name: string; partitions: number; records: number; bytes: number; produceRate: number; rateHistory: number[] }

export function topicsPage(topics: TopicRow[], readOnly: boolean): Html {
  const body = html`
<input id="search" type="search" placeholder="Search topics" data-filter="#topics">
<table id="topics" class="sortable"><thead><tr><th data-sort="text">Topic</th><th data-sort="num">Partitions</th><th data-sort="num">Records</th><th data-sort="num">Size</th><th data-sort="num">Records/s</th><th>Last hour</th></tr></thead>
<tbody>${topics.map((t) => html`<tr><td><a href="/topics/${encodeURIComponent(t.name)}">${t.name}</a></td><td>${t.partitions}</td><td>${t.records}</td><td data-value="${t.bytes}">${bytes(t.bytes)}</td><td>${t.produceRate}</td><td>${sparkline(t.rateHistory)}</td></tr>`)}</tbody></table>
${readOnly ? '' : html`<form id="create-topic" class="api-form" data-method="POST" data-action="/api/topics" data-then="reload">
<h2>Create a topic</h2><label>Name <input name="name" required></label><label>Partitions <input name="partitions" type="number" min="1" value="1" data-type="number"></label>
<button>Create</button><output></output></form>`}`;
  return layout('Topics', 'Topics', readOnly, body, Q.topicsSql);
}

interface ConfigRow { name: string; value: string | null; source: string; isDefault: boolean; readOnly: boolean }
interface PartitionRow { partition: number; logStartOffset: number; highWatermark: number; records: number; bytes: number; leader: number }

export function topicPage(name: string, partitions: PartitionRow[], configs: ConfigRow[], readOnly: boolean): Html {
  const t = encodeURIComponent(name);
  const body = html`
<section><h2>Partitions</h2><table id="partitions"><thead><tr><th>Partition</th><th>Leader</th><th>Log start</th><th>High watermark</th><th>Records</th><th>Size</th></tr></thead>
<tbody>${partitions.map((p) => html`<tr><td>${p.partition}</td><td>${p.leader}</td><td>${p.logStartOffset}</td><td>${p.highWatermark}</td><td>${p.records}</td><td>${bytes(p.bytes)}</td></tr>`)}</tbody></table></section>
<section><h2>Messages</h2>
<form id="browse" data-topic="${name}"><label>Partition <input name="partition" type="number" min="0" placeholder="all"></label>
<label>Order <select name="order"><option>newest</option><option>oldest</option></select></label>
<label>Key <input name="key"></label><label>Contains <input name="contains"></label>
<label>Format <select name="format"><option>text</option><option>json</option><option>hex</option></select></label>
<button>Search</button> <button type="button" id="tail">Live tail</button> <button type="button" id="more">Next page</button></form>
<table id="messages"><thead><tr><th>Partition</th><th>Offset</th><th>Time</th><th>Key</th><th>Value</th><th>Headers</th></tr></thead><tbody></tbody></table></section>
${readOnly ? '' : html`<section><form id="produce" class="api-form" data-method="POST" data-action="/api/topics/${t}/messages" data-then="browse">
<h2>Produce a message</h2><label>Key <input name="key"></label><label>Value <textarea name="value" rows="2"></textarea></label>
<label>Partition <input name="partition" type="number" min="0" data-type="number" placeholder="by key"></label><button>Send</button><output></output></form></section>`}
<section><h2>Configs</h2><table id="configs"><thead><tr><th>Name</th><th>Value</th><th>Source</th></tr></thead>
<tbody>${configs.map((c) => html`<tr class="${c.isDefault ? 'default' : 'set'}"><td>${c.name}</td><td>${c.value ?? ''}</td><td>${c.source}</td></tr>`)}</tbody></table>
${readOnly ? '' : html`<form id="edit-config" class="api-form" data-method="PATCH" data-action="/api/topics/${t}/configs" data-then="reload" data-shape="config">
<h3>Edit a config</h3><label>Name <select name="name">${configs.filter((c) => !c.readOnly).map((c) => html`<option>${c.name}</option>`)}</select></label>
<label>Value <input name="value" placeholder="empty: back to the default"></label><button>Save</button><output></output></form>`}</section>`;
  return layout(`Topic ${name}`, 'Topics', readOnly, body, Q.topicSql(name));
}

interface GroupRow { groupId: string; state: string; type: string; members: number; lag: number }

export function groupsPage(groups: GroupRow[], readOnly: boolean): Html {
  const body = html`<input id="search" type="search" placeholder="Search groups" data-filter="#groups">
<table id="groups" class="sortable"><thead><tr><th data-sort="text">Group</th><th data-sort="text">State</th><th data-sort="text">Type</th><th data-sort="num">Members</th><th data-sort="num">Lag</th></tr></thead>
<tbody>${groups.map((g) => html`<tr><td><a href="/groups/${encodeURIComponent(g.groupId)}">${g.groupId}</a></td><td>${g.state}</td><td>${g.type}</td><td>${g.members}</td><td>${g.lag}</td></tr>`)}</tbody></table>`;
  return layout('Consumer groups', 'Consumer groups', readOnly, body, Q.groupsSql);
}

export function groupPage(groupId: string, readOnly: boolean): Html {
  const body = html`<div id="group" data-group="${groupId}"><p>State <b id="state"></b> · protocol <b id="protocol"></b> · total lag <b id="total-lag"></b></p>
<h2>Lag over time</h2><div id="lag-chart"></div>
<h2>Lag per partition</h2><table id="lag"><thead><tr><th>Topic</th><th>Partition</th><th>Committed</th><th>High watermark</th><th>Lag</th></tr></thead><tbody></tbody></table>
<h2>Members</h2><table id="members"><thead><tr><th>Member</th><th>Client</th><th>Host</th><th>Assignment</th></tr></thead><tbody></tbody></table></div>
${readOnly ? '' : html`<form id="reset" class="api-form" data-method="POST" data-action="/api/groups/${encodeURIComponent(groupId)}/reset-offsets" data-then="none">
<h2>Reset offsets (group must be empty)</h2><label>Topic <input name="topic" required></label>
<label>To <select name="to"><option>earliest</option><option>latest</option><option>timestamp</option><option>offset</option></select></label>
<label>Timestamp / offset <input name="at" type="number" min="0"></label><button>Reset</button><output></output></form>`}`;
  return layout(`Group ${groupId}`, 'Consumer groups', readOnly, body, Q.groupSql(groupId));
}

interface BrokerRow { nodeId: number; host: string; port: number; rack: string | null }

export function brokersPage(clusterId: string, controllerId: number, brokers: BrokerRow[], readOnly: boolean): Html {
  const body = html`<p>Cluster id <code>${clusterId}</code></p>
<table id="brokers"><thead><tr><th>Node</th><th>Host</th><th>Port</th><th>Rack</th><th>Role</th></tr></thead>
<tbody>${brokers.map((b) => html`<tr><td>${b.nodeId}</td><td>${b.host}</td><td>${b.port}</td><td>${b.rack ?? ''}</td><td>${b.nodeId === controllerId ? 'controller' : ''}</td></tr>`)}</tbody></table>`;
  return layout('Brokers', 'Brokers', readOnly, body, Q.brokersSql);
}

export function producePage(topics: string[], readOnly: boolean): Html {
  const body = readOnly ? html`<p>The console is read-only.</p>` : html`<form id="produce-any" class="api-form" data-method="POST" data-action="/api/topics/{topic}/messages" data-then="none">
<label>Topic <select name="topic">${topics.map((t) => html`<option>${t}</option>`)}</select></label><label>Key <input name="key"></label>
<label>Value <textarea name="value" rows="4"></textarea></label><label>Partition <input name="partition" type="number" min="0" data-type="number" placeholder="by key"></label>
<button>Send</button><output></output></form>`;
  return layout('Produce', 'Produce', readOnly, body, `insert into ... -- no: produce through the broker, it assigns offsets.\nselect * from kafka.messages order by "timestamp" desc limit 10;`);
}

