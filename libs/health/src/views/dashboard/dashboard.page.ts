import { createHash } from 'node:crypto';

// The page is TypeScript string constants, not asset files: tsc copies only what it compiles into dist.
// The client script avoids template literals so that it can sit inside one.

const STYLE = `
:root {
  color-scheme: light dark;
  --bg: #f6f8fa; --panel: #fff; --text: #1f2328; --muted: #59636e; --line: #d1d9e0;
  --up: #1a7f37; --unknown: #6e7781; --degraded: #d4a72c; --down: #cf222e;
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --panel: #161b22; --text: #e6edf3; --muted: #9198a1; --line: #30363d; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1rem; padding: .75rem 1.25rem; background: var(--panel); border-bottom: 1px solid var(--line); }
h1 { font-size: 1.15rem; margin: 0; }
h2 { font-size: .8rem; margin: 0 0 .5rem; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); }
header p { margin: 0; }
#summary { display: flex; gap: .4rem; align-items: baseline; }
.meta { margin-left: auto !important; color: var(--muted); display: flex; gap: .75rem; align-items: center; }
.notes:empty { display: none; }
.notes { width: 100%; color: var(--muted); }
main { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 1rem; padding: 1rem 1.25rem; }
@media (max-width: 800px) { main { grid-template-columns: 1fr; } }
section { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem; min-width: 0; }
.side { display: grid; gap: 1rem; align-content: start; }
ul, ol { list-style: none; margin: 0; padding: 0; }
.tree .tree { margin-left: 1.1rem; border-left: 1px dashed var(--line); padding-left: .5rem; }
.node { border-left: 3px solid var(--tone); padding-left: .5rem; margin: .3rem 0; }
.line { display: flex; flex-wrap: wrap; align-items: baseline; gap: .5rem; padding: .1rem 0; }
summary.line { cursor: pointer; list-style: none; }
summary.line::-webkit-details-marker { display: none; }
summary.line::after { content: "details \\25B8"; color: var(--muted); font-size: .8em; }
details[open] > summary.line::after { content: "details \\25BE"; }
.name { font-weight: 600; overflow-wrap: anywhere; }
.reason { color: var(--muted); overflow-wrap: anywhere; }
.badge { display: inline-block; min-width: 3.2rem; padding: 0 .45rem; border-radius: 999px; background: var(--tone); color: #fff; font-size: .72rem; font-weight: 700; text-align: center; line-height: 1.5; }
.tone-up { --tone: var(--up); }
.tone-unknown { --tone: var(--unknown); }
.tone-degraded { --tone: var(--degraded); }
.tone-degraded > .badge, .badge.tone-degraded { color: #1f2328; }
.tone-down { --tone: var(--down); }
dl { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .1rem .75rem; margin: .25rem 0 .4rem .5rem; font-size: .85rem; }
dt { color: var(--muted); }
dd { margin: 0; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; overflow-wrap: anywhere; }
.group { border-left: 3px solid var(--tone); padding-left: .5rem; margin: .4rem 0; }
.members { display: flex; flex-wrap: wrap; gap: .25rem .75rem; margin: .15rem 0 0; color: var(--muted); font-size: .85rem; }
.members li { display: flex; gap: .3rem; align-items: baseline; }
.transitions li { display: flex; flex-wrap: wrap; gap: .4rem; align-items: baseline; padding: .25rem 0; border-bottom: 1px solid var(--line); }
.transitions time { color: var(--muted); font-variant-numeric: tabular-nums; }
.empty { color: var(--muted); font-style: italic; }
.conn::before { content: ""; display: inline-block; width: .6rem; height: .6rem; border-radius: 50%; margin-right: .35rem; background: var(--unknown); }
.conn-live::before { background: var(--up); }
.conn-reconnecting::before { background: var(--degraded); }
.conn-closed::before { background: var(--down); }
`;

const SCRIPT = `
(function () {
  'use strict';
  var TONES = { UP: 'up', UNKNOWN: 'unknown', DEGRADED: 'degraded', DEGRADED_SERVICE: 'degraded', DOWN: 'down', OUT_OF_SERVICE: 'down' };
  var MAX_TRANSITIONS = 50;
  var expanded = new Set();
  var transitions = [];
  var byId = function (id) { return document.getElementById(id); };

  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (key) {
      var value = attributes[key];
      if (value === undefined) return;
      if (key === 'text') node.textContent = value;
      else node.setAttribute(key, value);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }
  function tone(status) { return TONES[status] || 'unknown'; }
  function badge(status) { return el('span', { 'class': 'badge tone-' + tone(status), text: status || 'GONE' }); }
  function time(at) { return el('time', { datetime: new Date(at).toISOString(), text: new Date(at).toLocaleTimeString() }); }
  function show(value) { return typeof value === 'string' ? value : JSON.stringify(value); }

  /** A status line; with details it expands, and stays expanded across updates. */
  function line(name, status, details, key) {
    var head = [badge(status), el('span', { 'class': 'name', text: name })];
    if (details && typeof details.reason === 'string') head.push(el('span', { 'class': 'reason', text: details.reason }));
    if (!details || Object.keys(details).length === 0) return el('div', { 'class': 'line' }, head);
    var list = el('dl', {}, []);
    Object.keys(details).forEach(function (field) {
      list.appendChild(el('dt', { text: field }));
      list.appendChild(el('dd', { text: show(details[field]) }));
    });
    var box = el('details', {}, [el('summary', { 'class': 'line', 'data-key': key }, head), list]);
    box.open = expanded.has(key);
    box.addEventListener('toggle', function () { if (box.open) expanded.add(key); else expanded.delete(key); });
    return box;
  }

  function tree(components, prefix) {
    return el('ul', { 'class': 'tree' }, Object.keys(components).map(function (name) {
      var component = components[name];
      var path = prefix + name;
      return el('li', { 'class': 'node tone-' + tone(component.status), 'data-path': path, 'data-status': component.status }, [
        line(name, component.status, component.details, 'c:' + path),
        component.components ? tree(component.components, path + '/') : null,
      ]);
    }));
  }

  function groups(all) {
    return Object.keys(all).map(function (name) {
      var group = all[name];
      var members = group.components || {};
      return el('li', { 'class': 'group tone-' + tone(group.status), 'data-group': name, 'data-status': group.status }, [
        line(name, group.status, group.details, 'g:' + name),
        Object.keys(members).length === 0 ? el('p', { 'class': 'members empty', text: 'no members' }) :
          el('ul', { 'class': 'members', 'aria-label': name + ' members' }, Object.keys(members).map(function (path) {
            return el('li', { 'data-member': path, 'data-status': members[path].status }, [badge(members[path].status), el('span', { text: path })]);
          })),
      ]);
    });
  }

  function renderTransitions() {
    var list = byId('transitions');
    if (transitions.length === 0) return list.replaceChildren(el('li', { 'class': 'empty', text: 'No transitions since this page opened.' }));
    list.replaceChildren.apply(list, transitions.map(function (t) {
      return el('li', { 'data-transition': t.path, 'data-to': t.to || 'GONE' }, [
        time(t.at),
        el('span', { 'class': 'name', text: (t.kind === 'group' ? 'group ' : '') + t.path }),
        t.from ? badge(t.from) : el('span', { 'class': 'reason', text: 'new' }),
        el('span', { 'aria-label': 'to', text: '\\u2192' }),
        badge(t.to),
        t.reason ? el('span', { 'class': 'reason', text: t.reason }) : null,
      ]);
    }));
  }

  function render(update) {
    var state = update.state;
    // The lists are rebuilt: keep keyboard focus on the same summary.
    var focused = document.activeElement && document.activeElement.getAttribute('data-key');
    var summary = byId('summary');
    if (summary.dataset.status !== state.status) {
      summary.dataset.status = state.status;
      summary.replaceChildren(badge(state.status), el('span', { text: 'system' }));
      document.title = state.status + ' \\u00b7 Broker health';
    }
    var notes = [];
    if (state.stale) notes.push('Results are stale: no refresh completed in time.');
    if (!state.started) notes.push('Starting: readiness is held out of service.');
    if (state.draining) notes.push('Draining: readiness is out of service while the broker shuts down.');
    if (!state.showDetails) notes.push('Details are hidden for this client.');
    byId('notes').textContent = notes.join(' ');
    byId('updated').replaceChildren(document.createTextNode('as of '), time(state.at));
    var names = Object.keys(state.components);
    byId('components').replaceChildren(names.length ? tree(state.components, '') : el('p', { 'class': 'empty', text: 'No components.' }));
    byId('groups').replaceChildren.apply(byId('groups'), groups(state.groups));
    transitions = update.transitions.slice().reverse().concat(transitions).slice(0, MAX_TRANSITIONS);
    renderTransitions();
    var again = focused && document.querySelector('summary[data-key="' + CSS.escape(focused) + '"]');
    if (again) again.focus();
  }

  function connection(state, text) {
    var node = byId('connection');
    node.className = 'conn conn-' + state;
    node.textContent = text;
  }

  renderTransitions();
  var base = location.pathname.replace(/\\/*$/, '/');
  var source = new EventSource(base + 'events');
  source.addEventListener('state', function (event) { render(JSON.parse(event.data)); });
  source.addEventListener('open', function () { connection('live', 'Live'); });
  source.addEventListener('error', function () {
    if (source.readyState === EventSource.CLOSED) connection('closed', 'Disconnected; reload the page');
    else connection('reconnecting', 'Reconnecting\\u2026');
  });
})();
`;

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Broker health</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>Broker health</h1>
  <p id="summary" role="status" aria-live="polite"><span class="badge tone-unknown">&hellip;</span></p>
  <p class="meta"><span id="connection" class="conn conn-connecting" role="status">Connecting&hellip;</span><span id="updated"></span></p>
  <p id="notes" class="notes"></p>
</header>
<noscript><p>This dashboard needs JavaScript; the same data is at the JSON Health API.</p></noscript>
<main>
  <section aria-labelledby="components-title">
    <h2 id="components-title">Components</h2>
    <div id="components"><p class="empty">Waiting for the first update&hellip;</p></div>
  </section>
  <div class="side">
    <section aria-labelledby="groups-title">
      <h2 id="groups-title">Groups</h2>
      <ul id="groups"></ul>
    </section>
    <section aria-labelledby="transitions-title">
      <h2 id="transitions-title">Recent transitions</h2>
      <ol id="transitions" class="transitions"></ol>
    </section>
  </div>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/** Only this page's own inline style and script run, and it talks only to its own origin. */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  `style-src ${sha256(STYLE)}`,
  `script-src ${sha256(SCRIPT)}`,
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');
