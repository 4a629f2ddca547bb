import type { IncomingMessage } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { badgeColour, inBrowser, launchBrowser, openPage } from './browser.js';
import { bootDashboardApp, type DashboardApp } from './dashboard-app.js';
import { EventReader } from './event-reader.js';
import { FakeFleet, peer } from './fake-fleet.js';

// Browser globals used inside page functions: this test program compiles without the DOM lib.
declare const window: { beforeUpdate?: boolean };

/** A `fleet` event: the body of `GET …/fleet` for this client. */
interface FleetEvent {
  status: string;
  node: string;
  reason?: string;
  quorum: { members: number; available: number; needed: number; lost: boolean };
  counts: Record<string, number>;
  members: Record<string, Record<string, unknown>>;
}

const REASON = 'acl.js: cannot read rules.json (EACCES)';

let running: DashboardApp | undefined;
afterEach(async () => {
  await running?.app.close();
  running = undefined;
});

describe('the fleet over the dashboard stream', () => {
  it('serves the fleet page, and sends the fleet on connect and again when a member turns DOWN', async () => {
    const fleet = new FakeFleet(peer('node-2'), peer('node-3'));
    running = await bootDashboardApp({}, fleet);
    for (const path of ['/ui/fleet', '/ui/fleet/']) {
      const page = await request(running.url).get(path);
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.headers['content-security-policy']).toContain("default-src 'none'");
      expect(page.text).toContain('<title>Fleet health</title>');
    }

    const events = await EventReader.open<FleetEvent>(`${running.url}/ui/events`, 'fleet');
    try {
      const first = await events.next();
      expect(first).toMatchObject({ node: 'node-1', quorum: { members: 3, available: 3, needed: 2, lost: false } });
      expect(Object.keys(first.members)).toEqual(['node-1', 'node-2', 'node-3']);
      expect(first.members['node-2']).toMatchObject({ status: 'UP', state: 'RUNNING', version: '1.4.0' });
      // This node's own summary: its storage is DEGRADED, with the reason.
      expect(first.members['node-1']).toMatchObject({
        components: { storage: { status: 'DEGRADED', details: { reason: 'replica lagging 4 s' } } },
      });

      fleet.set(peer('node-2', { reason: REASON }));
      const second = await events.next();
      expect(second.members['node-2']).toMatchObject({
        status: 'DOWN',
        components: { extensions: { status: 'DOWN', components: { acl: { status: 'DOWN', details: { reason: REASON } } } } },
      });
      expect(second.counts.DOWN).toBe(1);
      expect(second.quorum).toEqual({ members: 3, available: 2, needed: 2, lost: false });
    } finally {
      events.close();
    }
  });

  it('shows reasons only to a client that authorize() lets see details, as the tree does', async () => {
    const fleet = new FakeFleet(peer('node-2', { reason: REASON }), peer('node-3'));
    const authorize = (request: unknown) => (request as IncomingMessage).headers.authorization === 'Bearer s3cret';
    running = await bootDashboardApp({ showDetails: 'when-authorized', authorize }, fleet);
    const url = `${running.url}/ui/events`;
    const [anonymous, allowed] = await Promise.all([
      EventReader.open<FleetEvent>(url, 'fleet'),
      EventReader.open<FleetEvent>(url, 'fleet', { authorization: 'Bearer s3cret' }),
    ]);
    try {
      const hidden = await anonymous.next();
      expect(hidden.members['node-2']).toMatchObject({
        status: 'DOWN',
        components: { extensions: { components: { acl: { status: 'DOWN' } } } },
      });
      expect(JSON.stringify(hidden)).not.toContain(REASON);
      const shown = await allowed.next();
      expect(shown.members['node-2']).toMatchObject({
        version: '1.4.0',
        components: { extensions: { components: { acl: { details: { reason: REASON } } } } },
      });
    } finally {
      anonymous.close();
      allowed.close();
    }
  });

  it('keeps reasons and versions out of the fleet events when details are hidden', async () => {
    const fleet = new FakeFleet(peer('node-2'), peer('node-3'));
    running = await bootDashboardApp({ showDetails: 'never' }, fleet);
    const events = await EventReader.open<FleetEvent>(`${running.url}/ui/events`, 'fleet');
    try {
      const first = await events.next();
      fleet.set(peer('node-2', { reason: 'password hunter2 rejected' }));
      const second = await events.next();
      expect(second.members['node-2']).toMatchObject({
        status: 'DOWN',
        components: { extensions: { components: { acl: { status: 'DOWN' } } } },
      });
      expect(JSON.stringify([first, second])).not.toMatch(/"details"|"reason"|"version"|hunter2|replica lagging/);
    } finally {
      events.close();
    }
  });
});

describe('the fleet page in a real browser', () => {
  let browser: Browser | undefined;
  let page: Page | undefined;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
  });

  // Before the app closes (outer afterEach): a page left open would see its stream cut.
  afterEach(async () => {
    await page?.close();
    page = undefined;
    pageErrors = [];
  });

  afterAll(async () => {
    await browser?.close();
  });

  const row = (node: string) => `tr[data-node="${node}"]`;

  inBrowser('shows a row per member in its status colour, and a member turning DOWN with its reason, without a reload', async () => {
    const fleet = new FakeFleet(peer('node-2'), peer('node-3'));
    running = await bootDashboardApp({}, fleet);
    page = await openPage(browser!, pageErrors);

    // The node page links to the fleet page and shows the fleet's status on the link.
    await page.goto(`${running.url}/ui`);
    await page.waitForSelector('#fleet-status .badge');
    await page.click('#nav-fleet');
    await page.waitForURL(`${running.url}/ui/fleet`);

    await page.waitForSelector(`${row('node-3')}[data-status="UP"]`);
    expect(
      await page.$$eval('tbody#members tr', (rows) => rows.map((r) => (r as unknown as { dataset: { node: string } }).dataset.node)),
    ).toEqual(['node-1', 'node-2', 'node-3']);
    for (const node of ['node-2', 'node-3']) {
      expect(await page.getAttribute(row(node), 'class')).toContain('tone-up');
      expect(await badgeColour(page, row(node))).toBe('green');
      expect(await page.textContent(row(node))).toContain('1.4.0');
    }
    // This node: storage DEGRADED (not in readiness), so DEGRADED in yellow, and why.
    expect(await page.getAttribute(row('node-1'), 'data-status')).toBe('DEGRADED');
    expect(await badgeColour(page, row('node-1'))).toBe('yellow');
    expect(await page.textContent(row('node-1'))).toMatch(/\(this node\)[\s\S]*storage[\s\S]*replica lagging 4 s/);
    expect(await page.textContent('#summary')).toContain('DEGRADED');
    expect(await page.textContent('#quorum')).toBe('Quorum: 3 of 3 members available, 2 needed');
    await page.waitForSelector('#connection.conn-live');

    // Only the members that are not UP.
    await page.check('#problems');
    expect(await page.$$(`tbody#members tr[data-node]`)).toHaveLength(1);
    await page.uncheck('#problems');
    expect(await page.$$(`tbody#members tr[data-node]`)).toHaveLength(3);

    const navigations: string[] = [];
    page.on('framenavigated', (frame) => navigations.push(frame.url()));
    await page.evaluate(() => (window.beforeUpdate = true));

    fleet.set(peer('node-2', { reason: REASON }));
    await page.waitForSelector(`${row('node-2')}[data-status="DOWN"]`, { timeout: 5000 });
    expect(await page.getAttribute(row('node-2'), 'class')).toContain('tone-down');
    expect(await badgeColour(page, row('node-2'))).toBe('red');
    const why = await page.textContent(`${row('node-2')} [data-cause="extensions/acl"]`);
    expect(why).toContain('DOWN');
    expect(why).toContain(REASON);
    const change = await page.waitForSelector('[data-change="node-2"][data-to="DOWN"]');
    expect(await change.textContent()).toContain(`extensions/acl: ${REASON}`);
    expect(await page.getAttribute('[data-count="DOWN"]', 'data-count')).toBe('DOWN');

    // node-3 falls silent: UNREACHABLE, and with node-2 DOWN the quorum is lost.
    fleet.set(peer('node-3', undefined, { reachable: false, lastSeen: Date.now() - 30_000 }));
    await page.waitForSelector(`${row('node-3')}[data-status="UNREACHABLE"]`, { timeout: 5000 });
    expect(await badgeColour(page, row('node-3'))).toBe('red');
    expect(await page.textContent(row('node-3'))).toContain('not heard from since');
    await page.waitForSelector('#quorum.quorum-lost');
    expect(await page.textContent('#quorum')).toBe('Quorum lost: 1 of 3 members available, 2 needed');
    expect(await page.textContent('#summary')).toContain('DOWN');
    expect(await page.textContent('#notes')).not.toBe('');

    // Same document: nothing navigated and the marker set before the change is still there.
    expect(navigations).toEqual([]);
    expect(await page.evaluate(() => window.beforeUpdate)).toBe(true);
    expect(pageErrors).toEqual([]);
    await page.screenshot({ path: '/tmp/dashboard-fleet.png', fullPage: true });
  });

  inBrowser('shows which component fails but no reason nor version when details are hidden', async () => {
    const fleet = new FakeFleet(peer('node-2'), peer('node-3'));
    running = await bootDashboardApp({ showDetails: 'never' }, fleet);
    page = await openPage(browser!, pageErrors);
    await page.goto(`${running.url}/ui/fleet`);
    await page.waitForSelector(`${row('node-2')}[data-status="UP"]`);

    fleet.set(peer('node-2', { reason: 'password hunter2 rejected' }));
    await page.waitForSelector(`${row('node-2')}[data-status="DOWN"]`, { timeout: 5000 });
    expect(await page.textContent(`${row('node-2')} [data-cause="extensions/acl"]`)).toContain('DOWN');
    await page.waitForSelector('[data-change="node-2"][data-to="DOWN"]');
    const text = await page.textContent('body');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('replica lagging');
    expect(text).not.toContain('1.4.0');
    expect(await page.textContent('#notes')).toContain('Details are hidden for this client.');
    expect(pageErrors).toEqual([]);
  });
});
