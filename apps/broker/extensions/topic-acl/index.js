// Topic ACL: a publish or subscription is allowed when its topic matches an "allow" filter and no
// "deny" filter. Filters use MQTT wildcards (+, #); "%c" stands for the client id.
// conf/config.json: { "publish": { "allow": [...], "deny": [...] }, "subscribe": { "allow": [...], "deny": [...] } }

/** Whether an MQTT topic filter matches a topic (or, for subscriptions, a narrower filter). */
function matches(filter, topic) {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

function rules(config, key) {
  const section = config[key] ?? {};
  for (const list of ['allow', 'deny']) {
    const value = section[list] ?? [];
    if (!Array.isArray(value) || !value.every((f) => typeof f === 'string' && f.length > 0)) {
      throw new Error(`"${key}.${list}" must be an array of topic filters`);
    }
  }
  return { allow: section.allow ?? [], deny: section.deny ?? [] };
}

export default function createTopicAcl() {
  let acl = { publish: { allow: [], deny: [] }, subscribe: { allow: [], deny: [] } };
  const allowed = (set, clientId, topic) => {
    const expand = (filter) => filter.replaceAll('%c', clientId);
    return set.allow.some((f) => matches(expand(f), topic)) && !set.deny.some((f) => matches(expand(f), topic));
  };
  return {
    configure(config) {
      if (typeof config !== 'object' || config === null) throw new Error('config must be an object');
      acl = { publish: rules(config, 'publish'), subscribe: rules(config, 'subscribe') };
      return {
        'publish-rules-count': acl.publish.allow.length + acl.publish.deny.length,
        'subscribe-rules-count': acl.subscribe.allow.length + acl.subscribe.deny.length,
      };
    },
    authorizePublish(client, packet) {
      return client === null || allowed(acl.publish, client.id, packet.topic);
    },
    authorizeSubscribe(client, subscription) {
      return allowed(acl.subscribe, client.id, subscription.topic);
    },
  };
}
