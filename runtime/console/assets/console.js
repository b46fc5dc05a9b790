// pg-kafka console client: table sorting and search, forms that call the admin API, the message browser with
// live tail (server-sent events), and the group page (lag table, members, uPlot lag chart), refreshed every 2 s.
'use strict';
(function () {
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const el = (tag, text) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; return e; };
  const row = (cells) => { const tr = el('tr'); for (const c of cells) { const td = el('td'); if (c instanceof Node) td.append(c); else td.textContent = c; tr.append(td); } return tr; };
  const pre = (t) => el('pre', t === null ? '∅' : t);

  async function api(method, path, body) {
    const res = await fetch(path, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const data = await res.json().catch(() => null);
    if (!res.ok) throw new Error((data && (data.error + ': ' + data.message)) || res.statusText);
    return data;
  }

  // Sorting and search.
  for (const th of $$('th[data-sort]')) {
    th.addEventListener('click', () => {
      const table = th.closest('table'); const i = Array.from(th.parentNode.children).indexOf(th);
      const dir = th.dataset.dir === 'asc' ? -1 : 1; th.dataset.dir = dir === 1 ? 'asc' : 'desc';
      const key = (tr) => { const td = tr.children[i]; const v = td.dataset.value ?? td.textContent; return th.dataset.sort === 'num' ? Number(v) : v.toLowerCase(); };
      const rows = $$('tbody tr', table).sort((a, b) => (key(a) > key(b) ? dir : key(a) < key(b) ? -dir : 0));
      $('tbody', table).append(...rows);
    });
  }
  for (const input of $$('input[data-filter]')) {
    input.addEventListener('input', () => {
      const q = input.value.toLowerCase();
      for (const tr of $$(input.dataset.filter + ' tbody tr')) tr.hidden = !tr.children[0].textContent.toLowerCase().includes(q);
    });
  }

  // Forms that call the API.
  for (const form of $$('form.api-form')) {
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const out = $('output', form); out.className = ''; out.textContent = '…';
      const body = {};
      for (const input of $$('input[name], select[name], textarea[name]', form)) {
        if (input.value === '' && input.dataset.type === 'number') continue;
        body[input.name] = input.dataset.type === 'number' ? Number(input.value) : input.value;
      }
      let action = form.dataset.action;
      if (action.includes('{topic}')) { action = action.replace('{topic}', encodeURIComponent(body.topic)); delete body.topic; }
      let payload = body;
      if (form.dataset.shape === 'config') payload = body.value === '' ? { delete: [body.name] } : { set: { [body.name]: body.value } };
      if (form.id === 'reset') {
        payload = { topic: body.topic, to: body.to };
        if (body.to === 'timestamp') payload.timestamp = Number(body.at);
        if (body.to === 'offset') payload.offset = Number(body.at);
      }
      if (form.id === 'produce' || form.id === 'produce-any') { if (payload.key === '') payload.key = null; }
      try {
        const res = await api(form.dataset.method, action, payload);
        out.className = 'ok'; out.textContent = res && res.offset !== undefined ? `written to partition ${res.partition} at offset ${res.offset}` : 'done';
        if (form.dataset.then === 'reload') setTimeout(() => location.reload(), 300);
        if (form.dataset.then === 'browse') browse(false);
      } catch (err) { out.className = 'error'; out.textContent = err.message; }
    });
  }

  // Message browser.
  const browser = $('#browse');
  let cursor = null; let tail = null;
  function query() {
    const p = new URLSearchParams();
    for (const input of $$('input[name], select[name]', browser)) if (input.value !== '') p.set(input.name, input.value);
    return p;
  }
  function showRecord(r, prepend) {
    const tr = row([String(r.partition), String(r.offset), new Date(r.timestamp).toISOString(), pre(r.key), pre(r.value), r.headers.map((h) => h.key + '=' + h.value).join(', ')]);
    const body = $('#messages tbody'); if (prepend) body.prepend(tr); else body.append(tr);
  }
  async function browse(more) {
    const p = query(); if (more && cursor) p.set('cursor', cursor);
    const page = await api('GET', `/api/topics/${encodeURIComponent(browser.dataset.topic)}/messages?${p}`);
    if (!more) $('#messages tbody').replaceChildren();
    for (const r of page.records) showRecord(r, false);
    cursor = page.nextCursor; $('#more').disabled = !cursor;
  }
  if (browser) {
    browser.addEventListener('submit', (ev) => { ev.preventDefault(); browse(false); });
    $('#more').addEventListener('click', () => browse(true));
    $('#tail').addEventListener('click', () => {
      if (tail) { tail.close(); tail = null; $('#tail').textContent = 'Live tail'; return; }
      const p = query();
      tail = new EventSource(`/console/topics/${encodeURIComponent(browser.dataset.topic)}/tail?partition=${p.get('partition') || ''}&format=${p.get('format') || 'text'}`);
      tail.addEventListener('record', (ev) => showRecord(JSON.parse(ev.data), true));
      $('#tail').textContent = 'Stop tail';
    });
    browse(false);
  }

  // Group page.
  const group = $('#group');
  let chart = null;
  const seen = []; // lag this page saw (every 2 s), merged with the broker's 10 s samples
  async function refreshGroup() {
    let g;
    try { g = await api('GET', `/api/groups/${encodeURIComponent(group.dataset.group)}`); } catch (err) { $('#state').textContent = err.message; return; }
    $('#state').textContent = g.state; $('#protocol').textContent = g.protocol || '–'; $('#total-lag').textContent = String(g.lag);
    $('#lag tbody').replaceChildren(...g.offsets.map((o) => row([o.topic, String(o.partition), String(o.committedOffset), String(o.highWatermark), String(o.lag)])));
    $('#members tbody').replaceChildren(...g.members.map((m) => row([m.memberId, m.clientId, m.clientHost, m.assignment.map((a) => a.topic + ': ' + a.partitions.join(',')).join('; ')])));
    seen.push({ time: Date.now(), lag: g.lag });
    const since = seen[0].time;
    const points = g.lagHistory.filter((p) => p.time < since).concat(seen);
    const data = [points.map((p) => p.time / 1000), points.map((p) => p.lag)];
    if (typeof uPlot === 'undefined') return;
    if (!chart) {
      const box = $('#lag-chart');
      chart = new uPlot({ width: Math.max(400, box.clientWidth), height: 220, series: [{}, { label: 'lag', stroke: '#2d6cdf', fill: 'rgba(45,108,223,.1)' }], axes: [{}, { label: 'records' }] }, data, box);
    } else chart.setData(data);
  }
  if (group) { refreshGroup(); setInterval(refreshGroup, 2000); }
})();
