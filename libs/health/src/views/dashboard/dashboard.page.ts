import { pageCsp, pageScript, pageTop } from './page-shell.js';

/** The node page: this node's tree, groups and transitions, from the stream's `state` events. */
const SCRIPT = pageScript(`
  var MAX_TRANSITIONS = 50;
  var expanded = new Set();
  var transitions = [];

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

  renderTransitions();
  var base = location.pathname.replace(/\\/*$/, '/');
  linkPages(base);
  listen(base, {
    state: render,
    fleet: function (fleet) { byId('fleet-status').replaceChildren(badge(fleet.status)); },
  });
`);

export const DASHBOARD_HTML = `${pageTop('Broker health', 'node')}
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

/** Only this page's own inline style and script run, and it talks only to its own origin. */
export const DASHBOARD_CSP = pageCsp(SCRIPT);
