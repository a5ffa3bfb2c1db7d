// The golive console: one page, no framework, no CDN. Data only ever reaches the page as text
// (textContent, never innerHTML), and only from this listener (the CSP allows nothing else).

const $ = (selector) => document.querySelector(selector);
const el = (tag, text, attrs = {}) => {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
};

// ---------- talking to the admin API ----------

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (response.status === 401) {
    showSignIn('Your console session ended: sign in again.');
    throw new Error('signed out');
  }
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new Error(data?.error ?? `${method} ${path}: ${response.status}`);
  return data;
}

function toast(message) {
  const node = $('#toast');
  node.textContent = message;
  node.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (node.hidden = true), 5000);
}

/** Runs an admin action; a failure shows its message, never a stack. */
async function act(fn) {
  try {
    await fn();
  } catch (err) {
    if (err.message !== 'signed out') toast(err.message);
  }
}

// ---------- sign-in ----------

function showSignIn(message) {
  $('#app').hidden = true;
  $('#sign-out').hidden = true;
  $('#sign-in').hidden = false;
  $('#sign-in-error').textContent = message ?? '';
  $('#admin-token').focus();
}

async function signIn() {
  // A link from `golive serve`/`demo` carries a one-time code in its fragment, never sent to a server by the browser.
  const code = new URLSearchParams(location.hash.slice(1)).get('code');
  if (code) {
    history.replaceState(null, '', location.pathname);
    const response = await fetch('/__admin/session', { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
    if (response.ok) return start();
  }
  const check = await fetch('/__admin/session', { credentials: 'same-origin' });
  if (check.ok) return start();
  showSignIn(code ? 'That sign-in link was used already or has expired: sign in with the admin token.' : '');
}

$('#sign-in-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const token = $('#admin-token').value.trim();
  const response = await fetch('/__admin/session', { method: 'POST', credentials: 'same-origin', headers: { authorization: `Bearer ${token}` } });
  $('#admin-token').value = '';
  if (!response.ok) return void ($('#sign-in-error').textContent = 'That is not the admin token.');
  start();
});

$('#sign-out').addEventListener('click', () =>
  act(async () => {
    await fetch('/__admin/session', { method: 'DELETE', credentials: 'same-origin' });
    stream?.close();
    showSignIn('Signed out.');
  }),
);

// ---------- the live timeline ----------

const lanes = new Map(); // key -> { marks: [], node, canvas, counts }
const latest = []; // newest last, at most LATEST
const LATEST = 100;
const MAX_MARKS = 50_000;
let serverOffset = 0; // server mono = performance.now() + serverOffset
let paused = false;
let windowMs = 60_000;
let dirtyTable = false;
let tableHeld = false;
let lastTable = 0;
let lastDraw = 0;
let received = 0;
let receivedSince = performance.now();

function statusClass(status) {
  if (status === 0 || status >= 500) return 'broken';
  if (status === 429) return 'limited';
  if (status === 401 || status === 403) return 'denied';
  if (status >= 200 && status < 300) return 'ok';
  return 'other';
}

const COLOURS = () => {
  const style = getComputedStyle(document.documentElement);
  return Object.fromEntries(['ok', 'denied', 'limited', 'broken', 'other'].map((k) => [k, style.getPropertyValue(`--${k}`).trim()]));
};
let colours;

function laneFor(key, title) {
  let lane = lanes.get(key);
  if (lane) return lane;
  const node = el('div', undefined, { class: 'lane', 'data-lane': key });
  const name = el('div', undefined, { class: 'lane-name' });
  name.append(el('strong', title), el('span', '', { class: 'lane-counts', 'aria-live': 'off' }));
  const canvas = el('canvas', undefined, { role: 'img', 'aria-label': `requests of ${title}` });
  node.append(name, canvas);
  $('#lanes').append(node);
  lane = { key, title, marks: [], actions: [], node, canvas, counts: name.querySelector('.lane-counts') };
  lanes.set(key, lane);
  return lane;
}

function userTitle(clientId) {
  if (!clientId) return '(no API user)';
  const user = users.find((u) => u.clientId === clientId);
  return user ? `${user.name} (${clientId.slice(0, 12)}…)` : clientId;
}

function addRequests(batch) {
  received += batch.length;
  for (const r of batch) {
    const lane = laneFor(r.apiUser ?? '-', userTitle(r.apiUser));
    lane.marks.push({ mono: r.mono, status: r.aborted ? 0 : r.status, token: r.tokenRequest, fault: r.fault, label: r.aborted ? 'cut' : String(r.status) });
    if (lane.marks.length > MAX_MARKS) lane.marks.splice(0, lane.marks.length - MAX_MARKS);
    latest.push(r);
  }
  if (latest.length > LATEST) latest.splice(0, latest.length - LATEST);
  dirtyTable = true;
}

function addDeliveries(batch) {
  for (const d of batch) {
    const lane = laneFor(`webhook:${d.subscriptionId}`, `webhook deliveries (${d.subscriptionId})`);
    const status = d.status ?? 0;
    lane.marks.push({ mono: d.startMono, status, delivery: true, label: d.status === null ? (d.timedOut ? 'timeout' : d.error ?? 'error') : String(d.status), probe: d.probe });
  }
}

function addAction(event) {
  const now = performance.now() + serverOffset;
  const targets = event.clientId ? [laneFor(event.clientId, userTitle(event.clientId))] : [...lanes.values()];
  for (const lane of targets) lane.actions.push({ mono: now, text: event.text });
  log(`admin: ${event.text}`);
}

function log(text) {
  $('#connection').textContent = text;
}

/** Draws every lane: marks binned per pixel column, labelled in words where there is room. */
function draw(now) {
  requestAnimationFrame(draw);
  if (paused || now - lastDraw < 100) return;
  lastDraw = now;
  colours ??= COLOURS();
  const serverNow = now + serverOffset;
  const from = serverNow - windowMs;
  for (const lane of lanes.values()) drawLane(lane, from, serverNow);
  // The table holds still while it is pointed at or focused, so a row can be chosen.
  if (dirtyTable && !tableHeld && now - lastTable > 500) {
    lastTable = now;
    renderTable();
  }
  if (now - receivedSince > 2000) {
    $('#rate').textContent = `${Math.round((received * 1000) / (now - receivedSince))} requests/s`;
    received = 0;
    receivedSince = now;
  }
}

function drawLane(lane, from, to) {
  const canvas = lane.canvas;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (canvas.width !== width * devicePixelRatio) {
    canvas.width = width * devicePixelRatio;
    canvas.height = height * devicePixelRatio;
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(devicePixelRatio, 0, 0, devicePixelRatio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  const counts = { total: 0, ok: 0, denied: 0, limited: 0, broken: 0, other: 0, token: 0, fault: 0, statuses: new Map() };
  const scale = width / (to - from);
  let lastLabelX = Infinity;
  // Newest first, so labels go to the newest marks when they crowd.
  for (let i = lane.marks.length - 1; i >= 0; i--) {
    const m = lane.marks[i];
    if (m.mono < from) break;
    const cls = statusClass(m.status);
    counts.total++;
    counts[cls]++;
    if (m.token) counts.token++;
    if (m.fault) counts.fault++;
    counts.statuses.set(m.label, (counts.statuses.get(m.label) ?? 0) + 1);
    const x = Math.round((m.mono - from) * scale);
    ctx.fillStyle = colours[cls];
    ctx.strokeStyle = colours[cls];
    if (m.delivery) {
      ctx.beginPath();
      ctx.arc(x, 38, 4, 0, Math.PI * 2);
      ctx.fill();
    } else if (m.token) {
      ctx.beginPath();
      ctx.moveTo(x, 30);
      ctx.lineTo(x + 5, 38);
      ctx.lineTo(x, 46);
      ctx.lineTo(x - 5, 38);
      ctx.fill();
    } else if (m.fault) {
      ctx.beginPath();
      ctx.moveTo(x, 30);
      ctx.lineTo(x + 5, 46);
      ctx.lineTo(x - 5, 46);
      ctx.fill();
    } else {
      ctx.fillRect(x - 1, 28, 2, 20);
    }
    if (lastLabelX - x >= 26) {
      ctx.fillStyle = colours[cls];
      ctx.font = '10px system-ui, sans-serif';
      ctx.fillText(m.label, x - 8, 22);
      lastLabelX = x;
    }
  }
  ctx.setLineDash([3, 3]);
  for (const a of lane.actions) {
    if (a.mono < from) continue;
    const x = Math.round((a.mono - from) * scale);
    ctx.strokeStyle = colours.other;
    ctx.beginPath();
    ctx.moveTo(x, 0);
    ctx.lineTo(x, height);
    ctx.stroke();
    ctx.fillStyle = colours.other;
    ctx.font = '10px system-ui, sans-serif';
    ctx.fillText(a.text.slice(0, 40), Math.min(x + 3, width - 120), 10);
  }
  ctx.setLineDash([]);
  const byStatus = [...counts.statuses].sort((a, b) => b[1] - a[1]).map(([s, n]) => `${s}: ${n}`).join(' · ');
  const text = counts.total === 0 ? 'nothing in this window' : `${counts.total} in ${windowMs / 1000} s: ${byStatus}${counts.token ? ` · token requests: ${counts.token}` : ''}${counts.fault ? ` · injected faults: ${counts.fault}` : ''}`;
  if (lane.counts.textContent !== text) lane.counts.textContent = text;
}

function renderTable() {
  dirtyTable = false;
  const body = $('#requests tbody');
  const rows = document.createDocumentFragment();
  for (let i = latest.length - 1; i >= 0; i--) {
    const r = latest[i];
    const tr = el('tr', undefined, { tabindex: '0', 'data-seq': String(r.seq) });
    const note = [r.tokenRequest ? 'token request' : '', r.fault ? `fault: ${r.fault}` : '', r.denied ? `denied: ${r.denied}` : '', r.retryAfter ? `Retry-After ${r.retryAfter}` : '', r.aborted ? 'client hung up' : '']
      .filter(Boolean)
      .join('; ');
    tr.append(el('td', r.time.slice(11, 23)), el('td', userTitle(r.apiUser)), el('td', `${r.method} ${r.path}`), el('td', r.aborted ? 'cut' : r.status, { class: `verdict-${statusClass(r.status)}` }), el('td', note));
    rows.append(tr);
  }
  body.replaceChildren(rows);
}

async function showDetails(seq) {
  await act(async () => {
    $('#details').textContent = JSON.stringify(await api('GET', `/__admin/journal/${seq}`), null, 2);
  });
}
for (const [event, held] of [['mouseenter', true], ['mouseleave', false], ['focusin', true], ['focusout', false]]) {
  $('#requests').addEventListener(event, () => {
    tableHeld = held;
    $('#requests caption').textContent = held ? 'Held still while you point at it or it has focus; the newest first.' : 'The newest first; choose a row for its details. Secrets are masked.';
  });
}
$('#requests tbody').addEventListener('click', (event) => {
  const row = event.target.closest('tr');
  if (row) showDetails(row.dataset.seq);
});
$('#requests tbody').addEventListener('keydown', (event) => {
  const row = event.target.closest('tr');
  if (row && (event.key === 'Enter' || event.key === ' ')) {
    event.preventDefault();
    showDetails(row.dataset.seq);
  }
});
$('#window').addEventListener('change', (event) => (windowMs = Number(event.target.value)));
$('#pause').addEventListener('click', (event) => {
  paused = !paused;
  event.target.setAttribute('aria-pressed', String(paused));
  event.target.textContent = paused ? 'Resume' : 'Pause';
});

// ---------- the certify scoreboard ----------

let plan = null;
let runOver = false;
let phaseEndsAt = 0;
let phaseIndex = -1;

function onFeed(event) {
  switch (event.kind) {
    case 'action':
      return addAction(event);
    case 'plan':
      plan = { ...event, checks: new Map(event.checks.map((c) => [c.id, c])) };
      phaseIndex = -1;
      $('#board').hidden = false;
      $('#board-title').textContent = event.title;
      return renderBoard();
    case 'phase':
      phaseIndex = event.index;
      phaseEndsAt = event.endsAt;
      return renderBoard();
    case 'verdict':
      if (plan) plan.checks.set(event.check.id, event.check);
      return renderBoard();
    case 'done':
      runOver = true;
      phaseIndex = plan ? plan.phases.length : -1;
      $('#board-status').textContent = event.text;
      return renderBoard();
  }
}

function renderBoard() {
  if (!plan) return;
  const phases = document.createDocumentFragment();
  plan.phases.forEach((p, i) => {
    const li = el('li', `${p.lane && p.lane !== 'main' ? `[${p.lane}] ` : ''}${p.name}: ${p.description}`);
    if (i === phaseIndex) li.className = 'current';
    else if (i < phaseIndex) li.className = 'done';
    phases.append(li);
  });
  $('#phases').replaceChildren(phases);
  const rows = document.createDocumentFragment();
  const tally = {};
  for (const c of plan.checks.values()) {
    tally[c.verdict] = (tally[c.verdict] ?? 0) + 1;
    const tr = el('tr', undefined, { 'data-check': c.id });
    tr.append(el('td', `${c.id}${c.required ? '' : ' (advisory)'}`), el('td', c.verdict.toUpperCase(), { class: `verdict-${c.verdict}` }), el('td', c.verdict === 'pass' || c.verdict === 'pending' ? '' : c.summary ?? ''));
    rows.append(tr);
  }
  $('#scoreboard tbody').replaceChildren(rows);
  $('#score').textContent = `(${Object.entries(tally).map(([v, n]) => `${n} ${v}`).join(', ')})`;
}

setInterval(() => {
  if (!plan || phaseIndex < 0 || phaseIndex >= plan.phases.length) return;
  const left = Math.max(0, Math.round((phaseEndsAt - Date.now()) / 1000));
  $('#board-status').textContent = `Phase ${phaseIndex + 1} of ${plan.phases.length}: ${plan.phases[phaseIndex].name}, at most ${left} s left`;
}, 500);

// ---------- API users ----------

let users = [];
let noun = 'role';

let usersJson = '';
async function loadUsers() {
  const next = await api('GET', '/__admin/api-users');
  // Unchanged: keep the table (and whatever is being typed into it).
  if (JSON.stringify(next) === usersJson) return;
  usersJson = JSON.stringify(next);
  users = next;
  const body = $('#user-table tbody');
  const rows = document.createDocumentFragment();
  for (const u of users) {
    const tr = el('tr', undefined, { 'data-client-id': u.clientId });
    const roles = el('input', undefined, { 'aria-label': `${noun}s of ${u.name}`, value: u.roles.join(', ') });
    const list = (v) => (v === '*' ? '*' : v.join(', '));
    const actions = el('td');
    const button = (text, fn) => {
      const b = el('button', text, { type: 'button' });
      b.addEventListener('click', () => act(fn));
      actions.append(b, ' ');
    };
    button(u.active ? `Deactivate ${u.name}` : `Reactivate ${u.name}`, async () => {
      await api('PATCH', `/__admin/api-users/${encodeURIComponent(u.clientId)}`, { active: !u.active });
      await loadUsers();
    });
    button(`Save ${noun}s`, async () => {
      const list = roles.value.split(',').map((r) => r.trim()).filter(Boolean);
      await api('PATCH', `/__admin/api-users/${encodeURIComponent(u.clientId)}`, { roles: list });
      await loadUsers();
    });
    button('Rotate secret', async () => {
      const rotated = await api('POST', `/__admin/api-users/${encodeURIComponent(u.clientId)}/rotate-secret`, {});
      showSecretOnce(rotated);
      await loadUsers();
    });
    button('Revoke tokens', async () => {
      await api('POST', `/__admin/api-users/${encodeURIComponent(u.clientId)}/revoke-tokens`, {});
    });
    const rolesCell = el('td');
    rolesCell.append(roles);
    tr.append(el('td', u.name), el('td', u.clientId), rolesCell, el('td', list(u.stores)), el('td', list(u.markets)), el('td', u.active ? 'active' : 'DEACTIVATED', { class: u.active ? '' : 'inactive' }), actions);
    rows.append(tr);
  }
  body.replaceChildren(rows);
  const target = $('#fault-target');
  const chosen = target.value;
  target.replaceChildren(el('option', 'every API user', { value: '' }), ...users.map((u) => el('option', u.name, { value: u.clientId })));
  target.value = users.some((u) => u.clientId === chosen) ? chosen : '';
  for (const lane of lanes.values()) {
    const title = lane.key.startsWith('webhook:') ? lane.title : userTitle(lane.key === '-' ? null : lane.key);
    if (lane.title !== title) {
      lane.title = title;
      lane.node.querySelector('strong').textContent = title;
    }
  }
}

function showSecretOnce(created) {
  $('#secret-user').textContent = created.name;
  $('#secret-value').textContent = created.clientSecret;
  $('#secret-once').hidden = false;
}
$('#secret-done').addEventListener('click', () => {
  $('#secret-value').textContent = '';
  $('#secret-once').hidden = true;
});

$('#create-user').addEventListener('submit', (event) => {
  event.preventDefault();
  act(async () => {
    const split = (v) => (v.trim() === '*' ? '*' : v.split(',').map((s) => s.trim()).filter(Boolean));
    const created = await api('POST', '/__admin/api-users', {
      name: $('#new-name').value.trim(),
      roles: $('#new-roles').value.split(',').map((s) => s.trim()).filter(Boolean),
      ...(platform.scoped ? { stores: split($('#new-stores').value), markets: split($('#new-markets').value) } : {}),
    });
    showSecretOnce(created);
    $('#create-user').reset();
    await loadUsers();
  });
});

// ---------- faults, scenarios ----------

const TOGGLES = [
  { label: '429 storm, no Retry-After', rule: { action: { kind: 'status', status: 429, retryAfter: 'absent' } } },
  { label: '429 storm, Retry-After 5', rule: { action: { kind: 'status', status: 429, retryAfter: { seconds: 5 } } } },
  { label: '503s', rule: { action: { kind: 'status', status: 503 } } },
  { label: 'Connection resets', rule: { action: { kind: 'reset' } } },
  { label: 'Hang', rule: { action: { kind: 'hang' } } },
  { label: 'Slow (2 s)', rule: { action: { kind: 'latency', ms: 2000 } } },
  // A 200 that says the quota is spent (the IETF RateLimit header, r=0): a client that reads it pauses 5 s.
  { label: 'RateLimit r=0 (5 s)', rule: { action: { kind: 'ratelimit', remaining: 0, resetSeconds: 5 } } },
];
let rules = [];

async function loadFaults() {
  rules = await api('GET', '/__admin/faults');
  const list = document.createDocumentFragment();
  for (const r of rules) {
    const li = el('li', `${r.id}: ${r.note ?? ''} ${JSON.stringify({ match: r.match, action: r.action })} `);
    const remove = el('button', `Remove ${r.id}`, { type: 'button' });
    remove.addEventListener('click', () => act(async () => {
      await api('DELETE', `/__admin/faults/${encodeURIComponent(r.id)}`);
      await loadFaults();
    }));
    li.append(remove);
    list.append(li);
  }
  $('#rules').replaceChildren(list);
  renderToggles();
}

const toggleNote = (t, clientId) => `console: ${t.label}${clientId ? ` for ${clientId}` : ''}`;

function renderToggles() {
  const clientId = $('#fault-target').value;
  const box = document.createDocumentFragment();
  for (const t of TOGGLES) {
    const note = toggleNote(t, clientId);
    const on = rules.find((r) => r.note === note);
    const b = el('button', t.label, { type: 'button', 'aria-pressed': String(Boolean(on)) });
    b.addEventListener('click', () => act(async () => {
      if (on) await api('DELETE', `/__admin/faults/${encodeURIComponent(on.id)}`);
      else await api('POST', '/__admin/faults', { ...t.rule, match: clientId ? { apiUser: clientId } : {}, note });
      await loadFaults();
    }));
    box.append(b);
  }
  const shortLived = el('button', 'Short-lived tokens (30 s)', { type: 'button', 'aria-pressed': 'false' });
  const targetUsers = () => users.filter((u) => !clientId || u.clientId === clientId);
  const short = targetUsers().length > 0 && targetUsers().every((u) => u.tokenLifetimeSeconds <= 30);
  shortLived.setAttribute('aria-pressed', String(short));
  shortLived.addEventListener('click', () => act(async () => {
    for (const u of targetUsers()) {
      const seconds = short ? (lifetimes.get(u.clientId) ?? 864_000) : 30;
      if (!short) lifetimes.set(u.clientId, u.tokenLifetimeSeconds);
      await api('PATCH', `/__admin/api-users/${encodeURIComponent(u.clientId)}`, { tokenLifetimeSeconds: seconds });
    }
    await loadUsers();
    renderToggles();
  }));
  box.append(shortLived);
  if (platform.tls) {
    // The certificate the API presents: its valid one, or one bad in one way (every client, not one API user).
    const label = el('label', 'API certificate', { for: 'tls-certificate' });
    const pick = el('select', null, { id: 'tls-certificate' });
    for (const kind of ['valid', ...(platform.badCertificates ?? [])]) pick.append(el('option', kind === 'valid' ? 'valid' : `bad: ${kind}`, { value: kind }));
    pick.value = certificate;
    pick.addEventListener('change', () => act(async () => {
      try {
        await api('POST', '/__admin/tls/certificate', { certificate: pick.value });
        certificate = pick.value;
      } finally {
        pick.value = certificate;
      }
    }));
    box.append(label, pick);
  }
  $('#toggles').replaceChildren(box);
}
/** The certificate the API presents, as chosen here. */
let certificate = 'valid';
/** Token lifetimes before "short-lived tokens" was turned on, to restore. */
const lifetimes = new Map();
$('#fault-target').addEventListener('change', renderToggles);

$('#fault-form').addEventListener('submit', (event) => {
  event.preventDefault();
  act(async () => {
    let rule;
    try {
      rule = JSON.parse($('#fault-json').value);
    } catch (err) {
      throw new Error(`the rule is not JSON: ${err.message}`);
    }
    await api('POST', '/__admin/faults', rule);
    await loadFaults();
  });
});

let scenarioState = null;
async function loadScenarios() {
  let data;
  try {
    data = await api('GET', '/__admin/scenarios');
  } catch {
    $('#scenario-form').hidden = true;
    $('#scenario-status').textContent = 'This mock runs no scenarios (start it with golive serve).';
    return;
  }
  const select = $('#scenario-name');
  if (select.options.length === 0) select.replaceChildren(...data.scenarios.map((s) => el('option', `${s.name}: ${s.summary}`, { value: s.name })));
  scenarioState = data;
  renderScenario();
}
function renderScenario() {
  const s = scenarioState;
  if (!s) return;
  if (!s.running) return void ($('#scenario-status').textContent = 'No scenario running.');
  const left = s.phaseEndsAt ? `, ${Math.max(0, Math.round((s.phaseEndsAt - Date.now()) / 1000))} s left in this phase` : '';
  const where = s.phaseIndex !== undefined ? ` (phase ${s.phaseIndex + 1} of ${s.phaseCount})` : '';
  $('#scenario-status').textContent = `Running ${s.running}: ${s.phase ?? 'starting'}${where}${left}.`;
}
$('#scenario-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const target = $('#fault-target').value;
  act(async () => {
    await api('POST', `/__admin/scenarios/${encodeURIComponent($('#scenario-name').value)}/start`, target ? { clientId: target } : {});
    await loadScenarios();
  });
});
$('#scenario-stop').addEventListener('click', () => act(async () => {
  await api('POST', '/__admin/scenarios/stop', {});
  await loadScenarios();
}));

// ---------- webhooks ----------

let lastEventId = null;
async function loadSubscriptions() {
  const subs = await api('GET', '/__admin/subscriptions');
  $('#subscriptions').replaceChildren(...(subs.length === 0 ? [el('li', 'No subscription: an integration registers one, or certify adds one.')] : subs.map((s) => el('li', `${s.id}: ${s.url ?? ''}`))));
  return subs;
}
$('#event-form').addEventListener('submit', (event) => {
  event.preventDefault();
  act(async () => {
    const objectId = $('#event-object').value.trim();
    const target = $('#fault-target').value;
    const sent = await api('POST', '/__admin/events', { className: $('#event-class').value.trim(), status: $('#event-status').value.trim(), ...(objectId ? { objectId } : {}), ...(target ? { clientId: target } : {}) });
    lastEventId = sent.eventId;
    $('#webhook-status').textContent = `Event ${sent.eventId} sent: ${sent.objectId} ${sent.previousStatus ?? ''} → ${sent.status}.`;
  });
});
$('#redeliver').addEventListener('click', () => act(async () => {
  if (!lastEventId) throw new Error('send an event first (or wait for one): there is nothing to redeliver');
  const result = await api('POST', '/__admin/deliveries/redeliver', { eventId: lastEventId });
  $('#webhook-status').textContent = `Event ${lastEventId} delivered again: ${result.deliveries?.length ?? 0} deliveries.`;
}));
$('#probe').addEventListener('click', () => act(async () => {
  if (!lastEventId) throw new Error('send an event first: a probe copies a real event');
  const subs = await loadSubscriptions();
  if (subs.length === 0) throw new Error('no subscription to probe');
  const probe = platform.webhookAuth === 'signature' ? 'no-signature' : 'no-auth';
  const result = await api('POST', '/__admin/deliveries/probe', { subscriptionId: subs[0].id, eventId: lastEventId, probe });
  const answer = Array.isArray(result) ? result[0] : result;
  $('#webhook-status').textContent = `Probe without auth answered ${answer?.status ?? answer?.error ?? 'nothing'}.`;
}));

// ---------- start ----------

let stream = null;
let platform = { scoped: true, tls: false, webhookAuth: 'header' };

async function start() {
  $('#sign-in').hidden = true;
  $('#app').hidden = false;
  $('#sign-out').hidden = false;
  stream?.close();
  stream = new EventSource('/__admin/stream');
  stream.addEventListener('hello', (event) => {
    const hello = JSON.parse(event.data);
    serverOffset = hello.now - performance.now();
    noun = hello.platform.noun;
    platform = { ...platform, ...hello.platform };
    $('#platform').textContent = `· ${hello.platform.title}`;
    $('#roles-heading').textContent = `${noun[0].toUpperCase()}${noun.slice(1)}s`;
    $('#new-roles-label').textContent = `${noun[0].toUpperCase()}${noun.slice(1)}s (comma-separated)`;
    if (!platform.scoped) for (const id of ['#new-stores', '#new-markets']) $(id).disabled = true;
    if (hello.platform.sampleEvent) {
      $('#event-class').value ||= hello.platform.sampleEvent.className;
      $('#event-status').value ||= hello.platform.sampleEvent.status;
    } else $('#event-form').hidden = true;
    renderToggles();
    for (const lane of lanes.values()) lane.marks.length = 0;
    latest.length = 0;
    log('connected: live');
  });
  stream.addEventListener('requests', (event) => addRequests(JSON.parse(event.data)));
  stream.addEventListener('deliveries', (event) => addDeliveries(JSON.parse(event.data)));
  stream.addEventListener('feed', (event) => onFeed(JSON.parse(event.data)));
  stream.addEventListener('dropped', (event) => log(`the page fell behind: ${JSON.parse(event.data).count} requests not drawn`));
  stream.addEventListener('error', () => {
    if (runOver) {
      // A certify run's mock stops with the run: keep its final picture, stop knocking.
      stream.close();
      return log('the run is over and its mock has stopped: this is its final state');
    }
    log('disconnected: retrying (the mock may have stopped)');
  });
  await act(async () => {
    await loadUsers();
    await loadFaults();
    await loadScenarios();
    await loadSubscriptions();
  });
}

// Lists change through other hands too (scenarios, certify): refresh them now and then.
setInterval(() => {
  if ($('#app').hidden || document.hidden) return;
  act(async () => {
    await loadUsers();
    await loadFaults();
    await loadScenarios();
  });
}, 2000);
setInterval(renderScenario, 1000);

requestAnimationFrame(draw);
signIn();
