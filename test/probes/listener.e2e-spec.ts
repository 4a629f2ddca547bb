import { createServer, type Server } from 'node:net';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { bootProbeApp, type ProbeApp } from './probe-app.js';

let probe: ProbeApp | undefined;
afterEach(async () => {
  await probe?.app.close();
  probe = undefined;
});

/** Sends raw bytes and collects the reply until the server closes or `ms` pass. */
function raw(url: string, chunks: string[], gapMs = 0, ms = 8000): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    let reply = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(reply);
    }, ms);
    socket.on('data', (data) => (reply += data.toString()));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(reply);
    });
    socket.on('error', () => undefined);
    let i = 0;
    const next = () => {
      if (i < chunks.length && !socket.destroyed) {
        socket.write(chunks[i++]);
        setTimeout(next, gapMs);
      }
    };
    next();
  });
}

describe('dedicated listener configuration', () => {
  it('refuses two views claiming the same route, naming both', async () => {
    await expect(bootProbeApp({}, ['fluxmq', 'zeebe'])).rejects.toThrow(
      /route \/ready of view "zeebe" collides with route \/ready of view "fluxmq"/,
    );
  });

  it('refuses a view mounted inside the HiveMQ tree', async () => {
    await expect(bootProbeApp({}, ['hivemq', { view: 'kubernetes', prefix: '/api/v1/health' }])).rejects.toThrow(
      /view "kubernetes" collides with route \/api\/v1\/health of view "hivemq"/,
    );
  });

  it('serves colliding views side by side under prefixes', async () => {
    probe = await bootProbeApp({}, ['fluxmq', { view: 'zeebe', prefix: '/zeebe' }]);
    expect((await request(probe.url).get('/ready')).status).toBe(200);
    expect((await request(probe.url).get('/zeebe/ready')).status).toBe(204);
  });

  it('fails the boot with a clear message when the port is in use', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      await expect(bootProbeApp({ healthApi: { enabled: true, listeners: [{ port, name: 'probes' }] } })).rejects.toThrow(
        new RegExp(`Health listener "probes" cannot listen on 127.0.0.1:${port}: .*EADDRINUSE`),
      );
    } finally {
      blocker.close();
    }
  });

  it('refuses an indicator timeout that would make every refresh read as stale', async () => {
    await expect(bootProbeApp({ refreshIntervalMs: 600, staleAfterMs: 1000 })).rejects.toThrow(
      /Indicator: @HealthIndicator\(\) option "timeoutMs" plus refreshIntervalMs \(600\) must stay below staleAfterMs \(1000\)/,
    );
  });

  it('releases the health listener when the agent-check port is in use', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const agentPort = (blocker.address() as { port: number }).port;
    const probe: Server = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const healthPort = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    try {
      await expect(
        bootProbeApp({ healthApi: { enabled: true, listeners: [{ port: healthPort }] }, agentCheck: { enabled: true, port: agentPort } }),
      ).rejects.toThrow(new RegExp(`"haproxy-agent" cannot listen on 127.0.0.1:${agentPort}`));
      // The health port is free again: nothing was left bound by the failed boot.
      await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(healthPort, '127.0.0.1', resolve));
      await new Promise((resolve) => probe.close(resolve));
    } finally {
      blocker.close();
    }
  });

  it('names the invalid listener field', async () => {
    await expect(bootProbeApp({ healthApi: { enabled: true, listeners: [{ port: 70000 }] } })).rejects.toThrow(
      /healthApi\.listeners\[0\]\.port/,
    );
    await expect(bootProbeApp({}, ['nagios' as never])).rejects.toThrow(/healthApi\.listeners\[0\]\.views\[0\]/);
  });

  it('serves several named listeners at once', async () => {
    probe = await bootProbeApp({
      healthApi: {
        enabled: true,
        listeners: [
          { port: 0, name: 'a', views: ['kubernetes'] },
          { port: 0, name: 'b', views: ['hivemq'] },
        ],
      },
    });
    const [a, b] = probe.health.listeners();
    expect([a.name, b.name]).toEqual(['a', 'b']);
    expect([a.url, b.url]).toEqual([`http://127.0.0.1:${a.port}`, `http://127.0.0.1:${b.port}`]);
    expect((await request(a.url).get('/readyz')).status).toBe(200);
    expect((await request(a.url).get('/api/v1/health')).status).toBe(404);
    expect((await request(b.url).get('/api/v1/health')).status).toBe(200);
  });
});

describe('bad requests on the listener', () => {
  it('answers unknown paths 404 and other methods 405, in JSON', async () => {
    probe = await bootProbeApp();
    const missing = await request(probe.url).get('/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe('Not Found');
    const component = await request(probe.url).get('/api/v1/health/no-such-component');
    expect(component.status).toBe(404);
    const post = await request(probe.url).post('/readyz').send({ a: 1 });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    expect(post.body.error).toBe('Method Not Allowed');
    const head = await request(probe.url).head('/readyz');
    expect(head.status).toBe(200);
    expect(head.text ?? '').toBe('');
  });

  it('answers absurd paths and query strings with a 4xx or a normal answer, never a 500', async () => {
    probe = await bootProbeApp();
    expect((await request(probe.url).get('/api/v1/health/%E0%A4%A')).status).toBe(400);
    expect((await request(probe.url).get(`/${'a'.repeat(3000)}`)).status).toBe(414);
    const manyExcludes = await request(probe.url).get(`/readyz?${Array.from({ length: 150 }, (_, i) => `exclude=x${i}`).join('&')}`);
    expect(manyExcludes.status).toBe(200);
    const tooManyExcludes = await request(probe.url).get(`/readyz?${Array.from({ length: 300 }, (_, i) => `exclude=x${i}`).join('&')}`);
    expect(tooManyExcludes.status).toBe(414);
    const weird = await request(probe.url).get('/readyz?verbose=%%%&exclude');
    expect(weird.status).toBeLessThan(500);
    expect((await request(probe.url).get('/api/v1/health/../../etc/passwd')).status).toBe(404);
  });

  it('answers huge headers 431 and garbage 400', async () => {
    probe = await bootProbeApp();
    const huge = await request(probe.url)
      .get('/readyz')
      .set('x-filler', 'x'.repeat(16 * 1024));
    expect(huge.status).toBe(431);
    const garbage = await raw(probe.url, ['\x16\x03\x01 not http at all\r\n\r\n']);
    expect(garbage).toMatch(/^HTTP\/1\.1 400 Bad Request/);
  });

  it('closes a slowloris client without blocking other probes', async () => {
    probe = await bootProbeApp();
    const slow = raw(
      probe.url,
      [
        'GET /readyz HTTP/1.1\r\n',
        'Host: x\r\n',
        'X-a: 1\r\n',
        'X-b: 2\r\n',
        'X-c: 3\r\n',
        'X-d: 4\r\n',
        'X-e: 5\r\n',
        'X-f: 6\r\n',
        'X-g: 7\r\n',
      ],
      1000,
      12_000,
    );
    expect((await request(probe.url).get('/readyz')).status).toBe(200);
    const reply = await slow;
    expect(reply).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
  }, 20_000);
});
