import { afterAll, beforeAll, describe, expect } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { BrokerProcess, stopAll } from '../support/broker-process.js';
import { freePort, hasBinary, RedisServer, waitFor } from '../support/processes.js';
import { badgeColour, inBrowser, launchBrowser, openPage } from './browser.js';

// Browser globals used inside page functions: this test program compiles without the DOM lib.
declare const window: { beforeUpdate?: boolean };

const HEARTBEAT_MS = 500;
const DRAIN_MS = 3000;
const describeWithRedis = hasBinary('redis-server') ? describe : describe.skip;

/**
 * The fleet page of a real broker, in chromium, while the other members of a three-broker fleet on a
 * real redis-server die and leave: each change shows in its row without a reload.
 */
describeWithRedis('the fleet page of a real broker fleet', () => {
  let redis: RedisServer;
  let browser: Browser | undefined;
  let page: Page | undefined;
  const nodes: Record<string, BrokerProcess> = {};
  const pageErrors: string[] = [];
  const row = (node: string) => `tr[data-node="${node}"]`;

  beforeAll(async () => {
    redis = new RedisServer(await freePort());
    await redis.start();
    const start = async (id: string, env: Record<string, string> = {}) =>
      (nodes[id] = await BrokerProcess.start({
        env: { REDIS_URL: redis.url, NODE_ID: id, HEARTBEAT_MS: String(HEARTBEAT_MS), HEALTH_VIEWS: 'hivemq,ui', ...env },
      }));
    await Promise.all([start('n1'), start('n2'), start('n3', { DRAIN_MS: String(DRAIN_MS) })]);
    await waitFor(
      async () => {
        const { body } = await nodes.n1.health('fleet');
        return body.counts.UP === 3;
      },
      10_000,
      'n1 to see the three members UP',
    );
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await page?.close();
    await browser?.close();
    await stopAll(Object.values(nodes));
    await redis?.kill();
  });

  inBrowser(
    'shows every member UP in green, then one killed turns UNREACHABLE in red and one that drains LEAVING until it is gone, live',
    async () => {
      page = await openPage(browser!, pageErrors);
      await page.goto(`http://127.0.0.1:${nodes.n1.healthPort}/ui/fleet`);
      for (const node of ['n1', 'n2', 'n3']) {
        await page.waitForSelector(`${row(node)}[data-status="UP"]`);
        expect(await badgeColour(page, row(node))).toBe('green');
        expect(await page.textContent(`${row(node)} [data-group="readiness"]`)).toContain('UP');
      }
      expect(await page.textContent(row('n1'))).toContain('(this node)');
      expect(await page.textContent('#summary')).toContain('UP');
      await page.evaluate(() => (window.beforeUpdate = true));

      await nodes.n2.kill();
      await page.waitForSelector(`${row('n2')}[data-status="UNREACHABLE"]`, { timeout: 6 * HEARTBEAT_MS });
      expect(await badgeColour(page, row('n2'))).toBe('red');
      expect(await page.textContent(row('n2'))).toMatch(/not heard from since[\s\S]*last known status\s*UP/);
      expect(await page.textContent('#summary')).toContain('DEGRADED');

      nodes.n3.child.kill('SIGTERM');
      await page.waitForSelector(`${row('n3')}[data-status="LEAVING"]`, { timeout: DRAIN_MS });
      expect(await badgeColour(page, row('n3'))).toBe('grey');
      expect(await page.textContent(row('n3'))).toContain('leaving the fleet');
      // Gone once it exited: its row leaves the table, the change list keeps what happened.
      await page.waitForSelector('[data-change="n3"][data-to="GONE"]', { timeout: DRAIN_MS + 5000 });
      expect(await page.$(row('n3'))).toBeNull();
      expect(await page.$('[data-change="n3"][data-to="LEAVING"]')).not.toBeNull();
      expect(await page.$('[data-change="n2"][data-to="UNREACHABLE"]')).not.toBeNull();

      expect(await page.evaluate(() => window.beforeUpdate)).toBe(true);
      expect(pageErrors).toEqual([]);
      await page.screenshot({ path: '/tmp/dashboard-fleet-brokers.png', fullPage: true });
    },
    30_000,
  );
});
