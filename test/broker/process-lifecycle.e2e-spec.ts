import { execFileSync, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { faultMatrixEnv, recordFault } from '../support/fault-matrix.js';
import { ChildHandle, freePort, freePorts, tempDir, waitFor, exitWithin } from '../support/processes.js';
import { extensionFolders } from '../support/extension-fixtures.js';

const MAIN = resolve('apps/broker/dist/main.js');
const STACK_LINE = /^\s+at /m;

/** Every process below `pid`, read from ps. */
function descendants(pid: number): number[] {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((row) => row.trim().split(/\s+/).map(Number));
  const found: number[] = [];
  for (let parents = [pid]; parents.length > 0;) {
    parents = rows.filter(([, ppid]) => parents.includes(ppid)).map(([child]) => child);
    found.push(...parents);
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const answers = (port: number) =>
  fetch(`http://127.0.0.1:${port}/api/v1/health/readiness`, { signal: AbortSignal.timeout(1000) }).then(
    (r) => r.status,
    () => 0,
  );

describe('demo broker process: signals and start-up errors', () => {
  const brokers: BrokerProcess[] = [];
  const dirs: ReturnType<typeof tempDir>[] = [];
  const extensionsWith = extensionFolders(dirs, 'broker-lifecycle-');

  afterAll(async () => {
    await stopAll(brokers);
    for (const dir of dirs) dir.remove();
  });

  it('ends on SIGTERM while an extension is still loading', async () => {
    const env = {
      EXTENSIONS_DIR: extensionsWith('hangs-loading', 'await new Promise(() => {});\nexport default () => ({ configure() {} });'),
      EXTENSION_START_TIMEOUT_MS: '60000',
      DRAIN_MS: '1000',
      SHUTDOWN_TIMEOUT_MS: '2000',
    };
    const broker = await BrokerProcess.start({ env, waitFor: 'health' });
    brokers.push(broker);
    expect((await broker.health('readiness')).status).toBe(503);
    broker.child.kill('SIGTERM');
    expect(await exitWithin(broker, 1000 + 2000 + 1500)).toBe(0);
    expect(broker.log).not.toContain('shutdown deadline');
  });

  it('forces the exit when closing hangs past the deadline, and says what was still pending', async () => {
    const env = {
      EXTENSIONS_DIR: extensionsWith(
        'hangs-stopping',
        'export default () => ({ configure() {}, stop() { return new Promise(() => {}); } });',
      ),
      DRAIN_MS: '500',
      SHUTDOWN_TIMEOUT_MS: '1500',
    };
    const broker = await BrokerProcess.start({ env });
    brokers.push(broker);
    const signalledAt = Date.now();
    broker.child.kill('SIGINT');
    expect(await exitWithin(broker, 500 + 1500 + 1500)).toBe(1);
    expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(2000);
    const forced = broker.log.split('\n').filter((line) => line.includes('shutdown deadline'));
    expect(forced).toHaveLength(1);
    expect(forced[0]).toMatch(/shutdown deadline .*passed; still pending: .*stop extensions.*hangs-stopping/);
  });

  it('drains on SIGTERM: readiness 503 while it still serves, then a clean exit', async () => {
    const broker = await BrokerProcess.start({ env: { DRAIN_MS: '2000', EXTENSIONS_DIR: '', ...(await faultMatrixEnv()) } });
    brokers.push(broker);
    const signalledAt = Date.now();
    broker.child.kill('SIGTERM');
    await waitFor(async () => (await broker.health('readiness')).status === 503, 2000, 'readiness to turn 503');
    await recordFault('SIGTERM', 90, broker, Date.now() - signalledAt);
    expect(await exitWithin(broker, 2000 + 3000)).toBe(0);
  });

  describe('a start-up configuration error prints one line naming the variable and exits 78', () => {
    let taken: Server;
    let takenPort: number;
    beforeAll(async () => {
      takenPort = await freePort();
      taken = createServer();
      await new Promise<void>((done) => taken.listen(takenPort, '127.0.0.1', done));
    });
    afterAll(() => new Promise<void>((done) => taken.close(() => done())));

    const cases: [string, string, () => Record<string, string>][] = [
      ['a health port in use', 'HEALTH_PORT', () => ({ HEALTH_PORT: String(takenPort) })],
      ['an agent-check port in use', 'HEALTH_AGENT_PORT', () => ({ HEALTH_AGENT_PORT: String(takenPort) })],
      ['a view port in use', 'HEALTH_VIEWS', () => ({ HEALTH_VIEWS: `hivemq,zeebe@:${takenPort}` })],
      ['a bind address of another host', 'HEALTH_BIND', () => ({ HEALTH_BIND: '10.255.255.1' })],
      ['a bind address that does not resolve', 'HEALTH_BIND', () => ({ HEALTH_BIND: 'nonsense' })],
      ['two views claiming one route', 'HEALTH_VIEWS', () => ({ HEALTH_VIEWS: 'fluxmq,zeebe' })],
      ['missing TLS files', 'TLS_CERT', () => ({ TLS_CERT: '/nonexistent/cert.pem', TLS_KEY: '/nonexistent/key.pem' })],
    ];

    it.each(cases)('%s: %s', async (_what, variable, envOf) => {
      const [mqttPort, healthPort, tlsPort] = await freePorts(3);
      const data = tempDir('broker-config-error-');
      dirs.push(data);
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? '',
        MQTT_BIND: '127.0.0.1',
        MQTT_PORT: String(mqttPort),
        HEALTH_PORT: String(healthPort),
        HEALTH_BIND: '127.0.0.1',
        HEALTH_AGENT_PORT: '0',
        DATA_DIR: data.path,
        EXTENSIONS_DIR: '',
        ...envOf(),
      };
      if (env.TLS_CERT) env.MQTT_TLS_PORT = String(tlsPort);
      const startedAt = Date.now();
      const handle = new ChildHandle(spawn(process.execPath, [MAIN], { env, stdio: 'pipe' }));
      const code = await exitWithin(handle, 10_000);
      const elapsed = Date.now() - startedAt;
      const output = handle.log;
      expect({ code, output }).toMatchObject({ code: 78 });
      expect(output.split('\n').filter((line) => line.includes(variable))).toEqual([
        expect.stringMatching(new RegExp(`Environment variable ${variable}\\b.*\\. \\S.*`)),
      ]);
      expect(output).not.toMatch(STACK_LINE);
      expect(elapsed).toBeLessThan(5000);
    });
  });

  it('npm start passes SIGTERM on to the broker, which drains and exits, leaving no process behind', async () => {
    const [mqttPort, healthPort] = await freePorts(2);
    const data = tempDir('broker-npm-start-');
    dirs.push(data);
    const { NODE_OPTIONS: _jestFlags, ...inherited } = process.env;
    const env = { ...inherited, MQTT_BIND: '127.0.0.1', MQTT_PORT: String(mqttPort), HEALTH_PORT: String(healthPort) };
    Object.assign(env, { HEALTH_AGENT_PORT: '0', DATA_DIR: data.path, EXTENSIONS_DIR: '', DRAIN_MS: '1000' });
    // --ignore-scripts skips only prestart (install and build, done by the test run's global setup), not start.
    const npm = new ChildHandle(spawn('npm', ['start', '--ignore-scripts'], { env, stdio: 'pipe' }));
    let tree: number[] = [];
    try {
      await waitFor(async () => (await answers(healthPort)) === 200, 20_000, 'the broker started by npm to be ready');
      tree = descendants(npm.child.pid!);
      expect(tree.length).toBeGreaterThan(0);
      const signalledAt = Date.now();
      npm.child.kill('SIGTERM');
      await waitFor(async () => (await answers(healthPort)) === 0, 1000 + 3000, 'the broker to stop answering');
      expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(1000); // it drained first
      await waitFor(() => tree.every((pid) => !alive(pid)), 2000, 'no process of npm start to remain');
      expect(await exitWithin(npm, 2000)).not.toBe('still running');
    } finally {
      // An orphan is no longer below npm: kill what was there while it ran.
      for (const pid of [...tree, ...descendants(npm.child.pid!)]) if (alive(pid)) process.kill(pid, 'SIGKILL');
      await npm.kill();
    }
  }, 40_000);
});
