import { createHash } from 'node:crypto';

// The pages are TypeScript string constants, not asset files: tsc copies only what it compiles into dist.
// The client scripts avoid template literals so that they can sit inside one.

/** The style of both pages (one text: the same hash in both policies). */
export const PAGE_STYLE = `
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
.pages { display: flex; gap: .75rem; align-items: baseline; }
.pages a { color: var(--muted); text-decoration: none; display: inline-flex; gap: .3rem; align-items: baseline; }
.pages a:hover, .pages a:focus-visible { text-decoration: underline; }
.pages a[aria-current="page"] { color: var(--text); font-weight: 600; }
main.single { grid-template-columns: minmax(0, 1fr); }
.section-head { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: baseline; gap: .5rem; }
.section-head label { color: var(--muted); font-size: .85rem; }
.counts { display: flex; flex-wrap: wrap; gap: .25rem .75rem; }
.counts li { display: flex; gap: .3rem; align-items: baseline; }
.overview { width: 100%; display: flex; flex-wrap: wrap; gap: .4rem 1.25rem; align-items: baseline; }
.quorum-lost { color: var(--down); font-weight: 600; }
.scroll { overflow-x: auto; }
table.fleet { width: 100%; border-collapse: collapse; font-size: .9rem; }
.fleet th { text-align: left; font-size: .72rem; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); padding: .3rem .5rem; border-bottom: 1px solid var(--line); }
.fleet td { padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
.fleet tr.member > td:first-child { border-left: 3px solid var(--tone); }
.fleet td.none { color: var(--muted); }
.fleet td.nowrap { white-space: nowrap; }
.fleet .why li, .fleet .groups li { display: flex; flex-wrap: wrap; gap: .35rem; align-items: baseline; }
.fleet .groups { display: flex; flex-wrap: wrap; gap: .2rem .6rem; font-size: .85rem; }
`;

/**
 * What both pages' scripts start with: elements, status badges in the status colours (a fleet member
 * UNREACHABLE reads as DOWN, LEAVING as UNKNOWN), times, the links between the pages and the stream.
 */
const CLIENT_HELPERS = `
  var TONES = {
    UP: 'up', UNKNOWN: 'unknown', DEGRADED: 'degraded', DEGRADED_SERVICE: 'degraded', DOWN: 'down', OUT_OF_SERVICE: 'down',
    UNREACHABLE: 'down', LEAVING: 'unknown'
  };
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
  function time(at) {
    var date = new Date(at);
    if (isNaN(date.getTime())) return el('span', { 'class': 'reason', text: String(at) });
    return el('time', { datetime: date.toISOString(), text: date.toLocaleTimeString() });
  }
  function show(value) { return typeof value === 'string' ? value : JSON.stringify(value); }

  function connection(state, text) {
    var node = byId('connection');
    node.className = 'conn conn-' + state;
    node.textContent = text;
  }

  /** Both pages live under the view's prefix: the node page at base, the fleet page at base + 'fleet'. */
  function linkPages(base) {
    byId('nav-node').setAttribute('href', base);
    byId('nav-fleet').setAttribute('href', base + 'fleet');
  }

  /** The dashboard's one event stream; each handler gets an event's parsed data. */
  function listen(base, handlers) {
    var source = new EventSource(base + 'events');
    Object.keys(handlers).forEach(function (name) {
      source.addEventListener(name, function (event) { handlers[name](JSON.parse(event.data)); });
    });
    source.addEventListener('open', function () { connection('live', 'Live'); });
    source.addEventListener('error', function () {
      if (source.readyState === EventSource.CLOSED) connection('closed', 'Disconnected; reload the page');
      else connection('reconnecting', 'Reconnecting\\u2026');
    });
  }
`;

/** A page's client script: the helpers and `body`, in a strict function scope of their own. */
export function pageScript(body: string): string {
  return `\n(function () {\n  'use strict';${CLIENT_HELPERS}${body}})();\n`;
}

/** The navigation between the two pages, marking the current one; the script sets the links. */
/** The head of a page and the top of its header: title, style, the summary badge and the links between pages. */
export function pageTop(title: string, current: 'node' | 'fleet'): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header>
  <h1>${title}</h1>
  <p id="summary" role="status" aria-live="polite"><span class="badge tone-unknown">&hellip;</span></p>
  ${pageNav(current)}`;
}

export function pageNav(current: 'node' | 'fleet'): string {
  const mark = (page: string) => (page === current ? ' aria-current="page"' : '');
  return (
    `<nav class="pages" aria-label="Pages"><a id="nav-node"${mark('node')}>This node</a>` +
    `<a id="nav-fleet"${mark('fleet')}>Fleet <span id="fleet-status"></span></a></nav>`
  );
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/** Only the page's own inline style and script run, and it talks only to its own origin. */
export function pageCsp(script: string): string {
  return [
    "default-src 'none'",
    `style-src ${sha256(PAGE_STYLE)}`,
    `script-src ${sha256(script)}`,
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}
