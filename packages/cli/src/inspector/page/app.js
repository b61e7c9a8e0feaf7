// The inspector page. Payloads are attacker-controlled: everything is written with textContent,
// never as markup. All requests are relative to the page's URL, which carries the token.

const state = { entries: new Map(), selected: null, config: null, detail: null, view: 'pretty' };
const $ = (id) => document.getElementById(id);

function el(tag, options = {}, children = []) {
  const node = document.createElement(tag);
  if (options.text !== undefined) node.textContent = String(options.text);
  if (options.className) node.className = options.className;
  if (options.title) node.title = options.title;
  for (const child of children) node.append(child);
  return node;
}

async function api(path, body) {
  const init =
    body === undefined
      ? {}
      : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  const response = await fetch(path, init);
  const json = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(json.error || `${response.status} ${response.statusText}`);
  return json;
}

const codeOf = (entry) => entry.code || String(entry.status);
// One time format on the whole page: local 24-hour time with milliseconds (the full ISO time in the tooltip).
const pad = (n, width = 2) => String(n).padStart(width, '0');
function time(iso) {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return String(iso);
  return `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}.${pad(at.getMilliseconds(), 3)}`;
}
// An acknowledged event the catalog does not know: only onUnknown handlers ran.
const BADGE_TEXT = { unknown: 'unknown event' };
const badge = (value) => el('span', { text: BADGE_TEXT[value] ?? value, className: `verdict v-${value}` });

function flagsOf(entry) {
  const flags = [];
  if (entry.origin === 'replay') {
    const of = entry.replayOf && state.entries.get(entry.replayOf);
    flags.push(of ? `replay of #${of.seq}` : 'replay');
  }
  if (entry.origin === 'sample') flags.push('sample');
  return flags.join(' · ');
}

function render() {
  const event = $('filter-event').value;
  const code = $('filter-code').value;
  const all = [...state.entries.values()].sort((a, b) => b.seq - a.seq);
  syncOptions(
    $('filter-event'),
    all.map((entry) => entry.event || '(unknown)'),
  );
  syncOptions($('filter-code'), all.map(codeOf));
  const shown = all.filter(
    (entry) => (!event || (entry.event || '(unknown)') === event) && (!code || codeOf(entry) === code),
  );
  const rows = shown.map((entry) => {
    const row = el('tr', { className: entry.id === state.selected ? 'selected' : '' }, [
      el('td', { text: entry.seq, className: 'muted num' }),
      el('td', { text: time(entry.receivedAt), className: 'mono', title: entry.receivedAt }),
      el('td', { text: entry.event || '(unknown)', className: 'mono event', title: entry.event || '' }),
      el('td', { text: entry.code ? `${entry.status} ${entry.code}` : String(entry.status), className: 'mono' }),
      el('td', {}, [badge(entry.state)]),
      el('td', { text: `${entry.latencyMs.toFixed(1)} ms`, className: 'num mono' }),
      el('td', { text: flagsOf(entry), className: 'muted' }),
    ]);
    row.dataset.id = entry.id;
    row.dataset.verdict = entry.verdict;
    row.dataset.state = entry.state;
    row.tabIndex = 0;
    row.addEventListener('click', () => select(entry.id));
    row.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') select(entry.id);
    });
    return row;
  });
  $('list').tBodies[0].replaceChildren(...rows);
  $('empty').hidden = all.length > 0;
  $('count').textContent = shown.length === all.length ? `${all.length} kept` : `${shown.length} of ${all.length}`;
}

function syncOptions(select, values) {
  const have = new Set([...select.options].map((option) => option.value));
  for (const value of [...new Set(values)].sort()) {
    if (!have.has(value)) select.append(el('option', { text: value }));
  }
}

async function select(id) {
  if (id !== state.selected) {
    $('d-action').hidden = true;
    $('d-curl').hidden = true;
  }
  state.selected = id;
  render();
  try {
    showDetail(await api(`api/deliveries/${id}`));
  } catch (error) {
    $('detail').hidden = true;
    note($('sample-result'), error.message, true);
  }
}

function showDetail(d) {
  state.detail = d;
  $('detail').hidden = false;
  $('placeholder').hidden = true;
  $('d-title').replaceChildren(
    el('span', { text: `#${d.seq} `, className: 'muted' }),
    el('span', { text: d.event || '(unknown event)', className: 'mono' }),
    badge(d.state),
  );
  const answer = d.code ? `${d.status} ${d.code}` : String(d.status);
  const facts = [
    ['Received', `${time(d.receivedAt)} · ${d.method || ''}`],
    ['Answer', d.state === d.verdict ? answer : `${answer} · ${d.verdict}`],
    ['Latency', `${d.latencyMs.toFixed(2)} ms`],
  ];
  if (d.secretIndex !== null) facts.push(['Verified with', `secret #${d.secretIndex}`]);
  if (d.deliveryId) facts.push(['Delivery id', d.deliveryId]);
  if (d.origin !== 'received') facts.push(['Sent by', d.origin === 'sample' ? 'Send sample' : 'Replay']);
  $('d-verdict').replaceChildren(
    ...facts.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v, className: 'mono' })]),
  );

  const diagnosis = $('d-diagnosis');
  diagnosis.hidden = d.diagnosis === null;
  if (d.diagnosis) {
    const items = d.diagnosis.findings.map((finding) =>
      el('li', {}, [el('code', { text: finding.code }), ` ${finding.message}`]),
    );
    if (d.diagnosis.fixedBy)
      items.push(el('li', { text: `Fixed as described, it verifies with ${d.diagnosis.fixedBy}.` }));
    diagnosis.querySelector('ul').replaceChildren(...items);
  }
  const issues = $('d-issues');
  issues.hidden = !d.issues || d.issues.length === 0;
  issues
    .querySelector('ul')
    .replaceChildren(
      ...(d.issues || []).map((issue) =>
        el('li', {}, [el('code', { text: issue.path || '(data)' }), ` ${issue.message}`]),
      ),
    );
  $('d-error').hidden = d.error === null;
  $('d-error').querySelector('pre').textContent = d.error || '';
  $('d-attempts').hidden = d.attempts.length === 0;
  $('d-attempts')
    .querySelector('ol')
    .replaceChildren(
      ...d.attempts.map((a) => {
        const parts = [`${time(a.at)} attempt ${a.attempt}${a.replayOf ? ' (replay)' : ''}: ${a.outcome}`];
        if (a.durationMs !== undefined) parts.push(`${a.durationMs.toFixed(1)} ms`);
        if (a.error) parts.push(`${a.error.code}: ${a.error.message}`);
        return el('li', { text: parts.join(' · '), className: `attempt a-${a.outcome}` });
      }),
    );
  $('d-headers').tBodies[0].replaceChildren(
    ...d.headers.map(([name, value]) =>
      el('tr', {}, [el('th', { text: name }), el('td', { text: value, className: 'mono' })]),
    ),
  );
  $('d-bytes').textContent = d.bytes === null ? '' : `${d.bytes.toLocaleString('en')} bytes`;
  showPayload();
  $('replay').disabled = d.payload === null;
  $('copy-curl').disabled = d.payload === null || !state.config.target;
  $('replay').textContent = d.deliveryId && state.config.inbox ? 'Replay as new attempt' : 'Replay';
}

/** The payload in the chosen view: pretty JSON, the exact text with invisible characters shown, or hex. */
function showPayload() {
  const d = state.detail;
  for (const tab of document.querySelectorAll('.tab')) {
    tab.setAttribute('aria-selected', String(tab.dataset.view === state.view));
  }
  $('d-legend').hidden = state.view !== 'text';
  $('d-payload').classList.toggle('hex', state.view === 'hex');
  if (!d || d.body === null) {
    $('d-payload').textContent = '(the body never arrived in full)';
    return;
  }
  const bytes = Uint8Array.from(atob(d.body), (char) => char.charCodeAt(0));
  $('d-payload').textContent =
    state.view === 'hex' ? hexDump(bytes) : state.view === 'text' ? visibleText(bytes) : pretty(d.payload);
}

const HEX_LIMIT = 64 * 1024;

/** Offset, 16 bytes in hex, and the same bytes as ASCII (a dot for anything else), as `xxd` prints them. */
function hexDump(bytes) {
  const lines = [];
  const shown = bytes.subarray(0, HEX_LIMIT);
  for (let offset = 0; offset < shown.length; offset += 16) {
    const row = shown.subarray(offset, offset + 16);
    const hex = [...row].map((byte) => byte.toString(16).padStart(2, '0'));
    const groups = [];
    for (let i = 0; i < 16; i += 2) groups.push((hex[i] ?? '  ') + (hex[i + 1] ?? '  '));
    const ascii = [...row].map((byte) => (byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.')).join('');
    lines.push(`${offset.toString(16).padStart(8, '0')}: ${groups.join(' ')}  ${ascii}`);
  }
  if (bytes.length > HEX_LIMIT)
    lines.push(`… the first ${HEX_LIMIT.toLocaleString('en')} of ${bytes.length.toLocaleString('en')} bytes`);
  return lines.join('\n');
}

/** The bytes as UTF-8 text with what is invisible made visible: line ends, tabs, control characters, a BOM. */
function visibleText(bytes) {
  const text = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(bytes);
  let shown = '';
  for (const char of text) {
    const code = char.charCodeAt(0);
    if (char === '\n') shown += '↵\n';
    else if (char === '\r') shown += '␍';
    else if (char === '\t') shown += '→';
    else if (code < 0x20) shown += String.fromCharCode(0x2400 + code);
    else if (code === 0x7f) shown += '␡';
    else if (char === '\ufeff') shown += '⟨BOM⟩';
    else shown += char;
  }
  return shown;
}

async function onCopyCurl() {
  const out = $('d-action');
  try {
    const { command } = await api(`api/deliveries/${state.selected}/curl`);
    $('d-curl').textContent = command;
    $('d-curl').hidden = false;
    try {
      await navigator.clipboard.writeText(command);
      note(out, 'Copied a curl command that sends the same bytes with the same headers (below)');
    } catch {
      note(out, 'The clipboard is not available here: select the command below to copy it');
    }
  } catch (error) {
    note(out, `Copy as curl failed: ${error.message}`, true);
  }
}

function pretty(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function note(node, text, isError) {
  node.hidden = false;
  node.textContent = text;
  node.classList.toggle('bad', Boolean(isError));
}

async function onReplay() {
  const id = state.selected;
  const out = $('d-action');
  try {
    const result = await api(`api/deliveries/${id}/replay`, {});
    note(
      out,
      result.kind === 'inbox-replay'
        ? `Queued again as job ${result.jobId}`
        : `Replayed: ${result.status} ${result.code || result.outcome}`,
    );
  } catch (error) {
    note(out, `Replay failed: ${error.message}`, true);
  }
}

async function onSendSample() {
  const out = $('sample-result');
  let data;
  try {
    data = JSON.parse($('sample-data').value);
  } catch (error) {
    return note(out, `data is not JSON: ${error.message}`, true);
  }
  try {
    const result = await api('api/send', { event: $('sample-event').value, data });
    note(out, `Sent: ${result.status} ${result.code || result.outcome}`, result.outcome === 'rejected');
  } catch (error) {
    note(out, error.message, true);
  }
}

async function refreshInbox() {
  if (!state.config.inbox) return;
  const stats = await api('api/inbox').catch(() => null);
  if (!stats) return;
  $('inbox-stats').textContent =
    `${state.config.inbox} · ${stats.waiting} waiting · ${stats.delayed} delayed · ${stats.dead} dead`;
  $('redrive').disabled = stats.dead === 0;
}

function connect() {
  const source = new EventSource('events');
  source.addEventListener('open', () => {
    $('live').textContent = 'live';
    $('live').classList.add('on');
  });
  source.addEventListener('error', () => {
    $('live').textContent = 'reconnecting…';
    $('live').classList.remove('on');
  });
  source.addEventListener('reset', (message) => {
    state.entries = new Map(JSON.parse(message.data).map((entry) => [entry.id, entry]));
    render();
  });
  source.addEventListener('upsert', (message) => {
    const entry = JSON.parse(message.data);
    state.entries.set(entry.id, entry);
    render();
    if (entry.id === state.selected) select(entry.id);
    if (entry.attempt) refreshInbox();
  });
}

async function start() {
  const config = await api('api/config');
  state.config = config;
  $('mode').textContent = config.mode;
  $('target').textContent = config.target ? `→ ${config.target}` : '';
  $('inbox').hidden = !config.inbox;
  for (const event of config.events) $('sample-event').append(el('option', { text: event.name }));
  const fill = () => {
    const event = config.events.find((item) => item.name === $('sample-event').value);
    $('sample-data').value = JSON.stringify(event ? event.sample : {}, null, 2);
  };
  $('sample-event').addEventListener('change', fill);
  fill();
  $('send-sample').disabled = !config.canSign || !config.target;
  if (!config.canSign) note($('sample-result'), 'start dev with --secret to sign samples');
  $('filter-event').addEventListener('change', render);
  $('filter-code').addEventListener('change', render);
  $('replay').addEventListener('click', onReplay);
  $('copy-curl').addEventListener('click', onCopyCurl);
  for (const tab of document.querySelectorAll('.tab')) {
    tab.addEventListener('click', () => {
      state.view = tab.dataset.view;
      showPayload();
    });
  }
  $('send-sample').addEventListener('click', onSendSample);
  $('redrive').addEventListener('click', async () => {
    try {
      const { moved } = await api('api/redrive', {});
      note($('sample-result'), `Redrove ${moved} dead letter(s)`);
    } catch (error) {
      note($('sample-result'), error.message, true);
    }
    refreshInbox();
  });
  refreshInbox();
  connect();
}

start().catch((error) => {
  document.body.prepend(el('p', { text: `The inspector did not start: ${error.message}`, className: 'fatal' }));
});
