import { pageCsp, pageScript, pageTop } from './page-shell.js';

/**
 * The fleet page: one row per member from the stream's `fleet` events (the body of `GET …/fleet` as
 * this client may see it), and the member changes seen since the page opened.
 */
const SCRIPT = pageScript(`
  var MAX_CHANGES = 50;
  var fleet;
  var showDetails = true;
  var previous;
  var changes = [];

  /** The failing components of a member's tree: each one with a reason, and each failing leaf. */
  function failing(components, prefix, out) {
    Object.keys(components || {}).forEach(function (name) {
      var component = components[name];
      if (component.status === 'UP') return;
      var path = prefix + name;
      var children = component.components || {};
      var below = Object.keys(children).some(function (child) { return children[child].status !== 'UP'; });
      var reason = component.details && typeof component.details.reason === 'string' ? component.details.reason : undefined;
      if (reason !== undefined || !below) out.push({ path: path, status: component.status, reason: reason });
      failing(children, path + '/', out);
    });
    return out;
  }

  function cause(status, name, reason) {
    return [badge(status), el('span', { 'class': 'name', text: name }), reason === undefined ? null : el('span', { 'class': 'reason', text: reason })];
  }

  /** Why a member is not UP: how the fleet sees it, then its own failing components. */
  function why(member) {
    var items = [];
    if (member.status === 'UNREACHABLE') {
      items.push(el('li', { 'class': 'reason' }, [document.createTextNode('not heard from since '), time(member['last-seen'])]));
    }
    if (member.status === 'LEAVING') items.push(el('li', { 'class': 'reason', text: 'leaving the fleet' }));
    if (member['last-status']) {
      items.push(el('li', { 'class': 'reason' }, [document.createTextNode('last known status '), badge(member['last-status'])]));
    }
    if (!member['updated-at']) items.push(el('li', { 'class': 'reason', text: 'no summary read yet' }));
    failing(member.components, '', []).forEach(function (c) {
      items.push(el('li', { 'data-cause': c.path, 'data-status': c.status }, cause(c.status, c.path, c.reason)));
    });
    if (member.truncated) items.push(el('li', { 'class': 'reason', text: member.truncated + ' more failing components not shared' }));
    return el('ul', { 'class': 'why' }, items);
  }

  function groupList(groups) {
    return el('ul', { 'class': 'groups' }, Object.keys(groups || {}).map(function (name) {
      return el('li', { 'data-group': name, 'data-status': groups[name] }, [badge(groups[name]), el('span', { text: name })]);
    }));
  }

  function text(value) {
    return value === undefined ? el('td', { 'class': 'none', text: '\\u2014' }) : el('td', { text: show(value) });
  }

  function row(node, member) {
    return el('tr', { 'class': 'member tone-' + tone(member.status), 'data-node': node, 'data-status': member.status }, [
      el('td', {}, [badge(member.status)]),
      el('td', { 'class': 'nowrap' }, [
        el('span', { 'class': 'name', text: node }),
        node === fleet.node ? el('span', { 'class': 'reason', text: ' (this node)' }) : null,
      ]),
      text(member.state),
      text(member.version),
      el('td', {}, [groupList(member.groups)]),
      member['updated-at'] ? el('td', { 'class': 'nowrap' }, [time(member['updated-at'])]) : text(undefined),
      el('td', {}, [why(member)]),
    ]);
  }

  function renderMembers() {
    var problemsOnly = byId('problems').checked;
    var nodes = Object.keys(fleet.members).filter(function (node) { return !problemsOnly || fleet.members[node].status !== 'UP'; });
    var rows = nodes.map(function (node) { return row(node, fleet.members[node]); });
    if (rows.length === 0) {
      rows.push(el('tr', {}, [el('td', { colspan: '7', 'class': 'empty', text: problemsOnly ? 'Every member is UP.' : 'No members.' })]));
    }
    byId('members').replaceChildren.apply(byId('members'), rows);
  }

  function renderNotes() {
    var notes = [];
    if (fleet && fleet.reason) notes.push(fleet.reason);
    if (!showDetails) notes.push('Details are hidden for this client.');
    byId('notes').textContent = notes.join(' ');
  }

  /** Member statuses that differ from the previous event's (the stream sends the fleet whole). */
  function recordChanges() {
    var now = Date.now();
    var current = {};
    Object.keys(fleet.members).forEach(function (node) {
      var member = fleet.members[node];
      current[node] = member.status;
      if (!previous || previous[node] === member.status) return;
      var first = failing(member.components, '', []).filter(function (c) { return c.reason !== undefined; })[0];
      changes.unshift({ node: node, from: previous[node], to: member.status, at: now, reason: first && first.path + ': ' + first.reason });
    });
    Object.keys(previous || {}).forEach(function (node) {
      if (!(node in current)) changes.unshift({ node: node, from: previous[node], at: now });
    });
    previous = current;
    changes = changes.slice(0, MAX_CHANGES);
    var list = byId('changes');
    if (changes.length === 0) return list.replaceChildren(el('li', { 'class': 'empty', text: 'No member changes since this page opened.' }));
    list.replaceChildren.apply(list, changes.map(function (c) {
      return el('li', { 'data-change': c.node, 'data-to': c.to || 'GONE' }, [
        time(c.at),
        el('span', { 'class': 'name', text: c.node }),
        c.from ? badge(c.from) : el('span', { 'class': 'reason', text: 'new' }),
        el('span', { 'aria-label': 'to', text: '\\u2192' }),
        badge(c.to),
        c.reason ? el('span', { 'class': 'reason', text: c.reason }) : null,
      ]);
    }));
  }

  function render(update) {
    fleet = update;
    var summary = byId('summary');
    if (summary.dataset.status !== fleet.status) {
      summary.dataset.status = fleet.status;
      summary.replaceChildren(badge(fleet.status), el('span', { text: 'fleet' }));
      document.title = fleet.status + ' \\u00b7 Fleet health';
    }
    byId('fleet-status').replaceChildren(badge(fleet.status));
    var quorum = fleet.quorum;
    byId('quorum').className = quorum.lost ? 'quorum-lost' : '';
    byId('quorum').textContent = (quorum.lost ? 'Quorum lost: ' : 'Quorum: ') + quorum.available + ' of ' + quorum.members +
      ' members available, ' + quorum.needed + ' needed';
    byId('counts').replaceChildren.apply(byId('counts'), Object.keys(fleet.counts).filter(function (status) {
      return fleet.counts[status] > 0;
    }).map(function (status) {
      return el('li', { 'data-count': status }, [badge(status), el('span', { text: String(fleet.counts[status]) })]);
    }));
    renderNotes();
    renderMembers();
    recordChanges();
  }

  var base = location.pathname.replace(/\\/fleet\\/*$/, '/');
  linkPages(base);
  byId('problems').addEventListener('change', function () { if (fleet) renderMembers(); });
  listen(base, {
    fleet: render,
    state: function (update) { showDetails = update.state.showDetails; renderNotes(); },
  });
`);

export const FLEET_HTML = `${pageTop('Fleet health', 'fleet')}
  <p class="meta"><span id="connection" class="conn conn-connecting" role="status">Connecting&hellip;</span></p>
  <div class="overview">
    <p id="quorum"></p>
    <ul id="counts" class="counts" aria-label="Members per status"></ul>
  </div>
  <p id="notes" class="notes"></p>
</header>
<noscript><p>This dashboard needs JavaScript; the same data is at the JSON Health API's fleet route.</p></noscript>
<main class="single">
  <section aria-labelledby="members-title">
    <div class="section-head">
      <h2 id="members-title">Members</h2>
      <label><input type="checkbox" id="problems"> Only members that are not UP</label>
    </div>
    <div class="scroll">
      <table class="fleet">
        <thead><tr><th>Status</th><th>Node</th><th>State</th><th>Version</th><th>Groups</th><th>Updated</th><th>Why</th></tr></thead>
        <tbody id="members"><tr><td colspan="7" class="empty">Waiting for the first update&hellip;</td></tr></tbody>
      </table>
    </div>
  </section>
  <section aria-labelledby="changes-title">
    <h2 id="changes-title">Recent member changes</h2>
    <ol id="changes" class="transitions"></ol>
  </section>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;

/** Only this page's own inline style and script run, and it talks only to its own origin. */
export const FLEET_CSP = pageCsp(SCRIPT);
