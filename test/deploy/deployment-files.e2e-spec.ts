import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { parse, parseAllDocuments } from 'yaml';
import { createHealthConfig } from '../../libs/health/src/options/health-config.js';
import { listenerRouter } from '../../libs/health/src/transports/view-router.js';
import { VIEW_NAMES } from '../../libs/health/src/views/view-registry.js';
import { bootProbeApp, type ProbeApp } from '../probes/probe-app.js';

/**
 * The deployment files are not run here (no container engine), so they are checked against the
 * code: every variable, path and port they use must exist in the app and its docs.
 */
const read = (path: string) => readFileSync(path, 'utf8');
const dockerfile = read('Dockerfile');
// merge: broker2 and broker3 extend broker1 with `<<: *broker`.
const compose = parse(read('docker-compose.yml'), { merge: true });
const kubernetes = ['deploy/kubernetes/broker.yaml', 'deploy/kubernetes/redis.yaml'].flatMap((file) =>
  parseAllDocuments(read(file)).map((d) => d.toJS()),
);
const haproxyCfg = read('deploy/haproxy/haproxy.cfg');
const alerts = parse(read('deploy/prometheus/alerts.yml'));
const readme = read('README.md');
const configSource = read('apps/broker/src/config/broker-config.ts');

/** Variables the broker's config reads, found in its source. */
const knownVariables = new Set([...configSource.matchAll(/(?:read\(|read, )'([A-Z_]+)'/g)].map((m) => m[1]));
const defaultOf = (name: string) => Number(new RegExp(`'${name}'\\)? \\?\\? (\\d+)`).exec(configSource)?.[1]);

const brokerContainer = kubernetes.find((d) => d.kind === 'StatefulSet').spec.template.spec.containers[0];
const brokerEnv: Record<string, string> = Object.fromEntries(
  brokerContainer.env.map((e: { name: string; value?: string }) => [e.name, e.value]),
);
type ComposeService = { environment?: Record<string, string>; build?: string; ports?: string[] };
const composeBrokers = Object.entries(compose.services as Record<string, ComposeService>).filter(([, s]) => s.build);

function routerFor(views: string) {
  const config = createHealthConfig(
    { healthApi: { enabled: true, listeners: [{ port: 0, views: views.split(',') as never }] } },
    VIEW_NAMES,
  );
  return listenerRouter(config.healthApi.listeners[0]);
}

describe('deployment files', () => {
  it('use only environment variables the broker reads and the README documents', () => {
    const used = new Set<string>([
      ...[...dockerfile.matchAll(/^\s+([A-Z_]+)=/gm)].map((m) => m[1]).filter((v) => v !== 'NODE_ENV'),
      ...Object.keys(brokerEnv),
      ...composeBrokers.flatMap(([, s]) => Object.keys(s.environment ?? {})),
    ]);
    expect(used.size).toBeGreaterThan(5);
    for (const name of used) {
      expect({ name, read: knownVariables.has(name) }).toEqual({ name, read: true });
      expect({ name, documented: readme.includes(`\`${name}\``) }).toEqual({ name, documented: true });
    }
  });

  it('probe only paths the configured views serve', () => {
    const views = brokerEnv.HEALTH_VIEWS;
    const router = routerFor(views);
    const groups = createHealthConfig({}).groups.map((g) => g.name);
    const paths = [
      brokerContainer.startupProbe.httpGet.path,
      brokerContainer.livenessProbe.httpGet.path,
      brokerContainer.readinessProbe.httpGet.path,
      ...[...haproxyCfg.matchAll(/http-check send meth GET uri (\S+)/g)].map((match) => match[1]),
      new URL(/"(http:\/\/127\.0\.0\.1:8889[^"]+)"/.exec(dockerfile)![1]).pathname,
      kubernetes.find((d) => d.kind === 'StatefulSet').spec.template.metadata.annotations['prometheus.io/path'],
    ];
    for (const path of paths) {
      const match = router.match(path);
      expect({ path, served: match !== undefined }).toEqual({ path, served: true });
      if (match!.key.startsWith('hivemq:')) expect(groups).toContain(match!.segments[0]);
    }
    for (const [, service] of composeBrokers) expect(service.environment?.HEALTH_VIEWS).toBe(views);
  });

  it('agree on ports with the broker defaults', () => {
    const healthPort = defaultOf('HEALTH_PORT');
    const agentPort = defaultOf('HEALTH_AGENT_PORT');
    const mqttPort = defaultOf('MQTT_PORT');
    expect([healthPort, agentPort, mqttPort]).toEqual([8889, 8890, 1883]);
    const ports = Object.fromEntries(brokerContainer.ports.map((p: { name: string; containerPort: number }) => [p.name, p.containerPort]));
    expect(ports).toEqual({ mqtt: mqttPort, health: healthPort, agent: agentPort });
    expect(Number(brokerEnv.HEALTH_PORT)).toBe(healthPort);
    expect(Number(brokerEnv.HEALTH_AGENT_PORT)).toBe(agentPort);
    expect(haproxyCfg).toContain(`check port ${healthPort} `);
    expect(haproxyCfg).toContain(`agent-port ${agentPort} `);
    expect(dockerfile).toMatch(new RegExp(`EXPOSE ${mqttPort} ${healthPort} ${agentPort}`));
    expect(dockerfile).toContain(`http://127.0.0.1:${healthPort}/`);
  });

  it('build an image that runs as non-root from production dependencies', () => {
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toContain('npm install --omit=dev');
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
    for (const [, from] of dockerfile.matchAll(/^COPY (?!--from)(\S+)/gm))
      expect({ from, exists: existsSync(from) }).toEqual({ from, exists: true });
  });

  it("publish each compose broker's health port on the host's loopback only, one host port per broker", () => {
    expect(composeBrokers.map(([name]) => name)).toEqual(['broker1', 'broker2', 'broker3']);
    const hostPorts = composeBrokers.map(([name, service]) => {
      expect({ name, ports: service.ports }).toEqual({ name, ports: [expect.stringMatching(/^127\.0\.0\.1:\d+:\d+$/)] });
      const [, hostPort, containerPort] = service.ports![0].split(':');
      expect({ name, containerPort: Number(containerPort) }).toEqual({ name, containerPort: Number(service.environment!.HEALTH_PORT) });
      return hostPort;
    });
    expect(new Set(hostPorts).size).toBe(composeBrokers.length);
    expect(hostPorts).not.toContain('1883');
    expect(hostPorts).not.toContain('8404');
  });

  it('restart a stuck broker within minutes, leave slow starts to the startup probe', () => {
    const { livenessProbe, startupProbe, readinessProbe } = brokerContainer;
    expect(livenessProbe).toMatchObject({ initialDelaySeconds: 15, periodSeconds: 10, failureThreshold: 6 });
    expect(livenessProbe.failureThreshold * livenessProbe.periodSeconds).toBeLessThanOrEqual(300);
    expect(startupProbe.failureThreshold * startupProbe.periodSeconds).toBeGreaterThanOrEqual(60);
    expect(readinessProbe).toMatchObject({ initialDelaySeconds: 3, periodSeconds: 5 });
  });

  it('hold MQTT connections in haproxy until CONNECT has arrived, so stickiness sees the client id', () => {
    const at = (pattern: RegExp) => haproxyCfg.split('\n').findIndex((line) => pattern.test(line));
    const delay = at(/^\s*tcp-request inspect-delay \d+s$/);
    const accept = at(/^\s*tcp-request content accept if \{ req\.payload\(0,0\),mqtt_is_valid \}$/);
    const reject = at(/^\s*tcp-request content reject$/);
    expect([delay, accept, reject].every((line) => line > at(/^frontend mqtt_frontend$/))).toBe(true);
    expect(delay < accept && accept < reject && reject < at(/^backend mqtt_backend$/)).toBe(true);
    expect(haproxyCfg).toMatch(/^\s*stick on req\.payload\(0,0\),mqtt_field_value\(connect,client_identifier\)$/m);
  });

  it('pass haproxy -c', () => {
    if (!existsSync('/usr/sbin/haproxy')) {
      if (process.env.CI === 'true') throw new Error('haproxy is required in CI (installed by .ci/run)');
      console.warn('SKIPPED haproxy -c: /usr/sbin/haproxy is not installed (apt-get install haproxy)');
      return;
    }
    expect(() => execFileSync('/usr/sbin/haproxy', ['-c', '-f', 'deploy/haproxy/haproxy.cfg'], { stdio: 'pipe' })).not.toThrow();
  });

  describe('alert rules', () => {
    let probe: ProbeApp;
    beforeAll(async () => {
      probe = await bootProbeApp({}, ['metrics']);
    });
    afterAll(() => probe.app.close());

    it('use only metrics the module exports', async () => {
      const exported = new Set([...(await request(probe.url).get('/metrics')).text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]));
      const rules = alerts.groups.flatMap((g: { rules: { alert: string; expr: string }[] }) => g.rules);
      expect(rules.map((r: { alert: string }) => r.alert)).toEqual(
        expect.arrayContaining(['MqttBrokerDegraded', 'MqttBrokerNotReady', 'MqttHealthStale']),
      );
      for (const rule of rules) {
        for (const [name] of rule.expr.matchAll(/mqtt_health_[a-z_]+/g)) {
          const base = name.replace(/_(total|count|sum|bucket)$/, '');
          expect({ name, exported: exported.has(name) || exported.has(base) }).toEqual({ name, exported: true });
        }
      }
    });
  });
});
