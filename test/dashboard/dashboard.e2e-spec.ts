import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { HealthStatus } from 'nestjs-mqtt-health';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import type { DashboardUpdate } from '../../libs/health/src/views/dashboard/dashboard.view.js';
import { badgeColour, inBrowser, launchBrowser, openPage } from './browser.js';
import { bootDashboardApp, broker, type DashboardApp } from './dashboard-app.js';
import { EventReader } from './event-reader.js';

// Browser globals used inside page functions: this test program compiles without the DOM lib.
declare const window: { beforeUpdate?: boolean };

let running: DashboardApp | undefined;
afterEach(async () => {
  await running?.app.close();
  running = undefined;
});

describe('dashboard over HTTP', () => {
  it('serves the page as self-contained HTML', async () => {
    running = await bootDashboardApp();
    const page = await request(running.url).get('/ui');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.text).toContain('<!doctype html>');
    expect(page.text).not.toMatch(/(src|href)=["']?https?:/);
    expect((await request(running.url).get('/ui/')).status).toBe(200);
  });

  it('streams the state on connect and again when a component changes', async () => {
    running = await bootDashboardApp();
    const events = await EventReader.open<DashboardUpdate>(`${running.url}/ui/events`, 'state');
    try {
      expect(events.response.statusCode).toBe(200);
      expect(events.response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      const first = await events.next();
      expect(first.transitions).toEqual([]);
      expect(first.state.components.broker).toEqual({ status: 'UP', details: { 'node-id': 'node-1', 'connected-clients': 3 } });
      expect(first.state.groups.readiness.status).toBe('UP');

      broker.result = { status: HealthStatus.DOWN, details: { reason: 'connection refused' } };
      await running.health.refresh();
      const second = await events.next();
      expect(second.state.components.broker.status).toBe('DOWN');
      expect(second.state.groups.readiness.status).toBe('OUT_OF_SERVICE');
      expect(second.transitions).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ kind: 'component', path: 'broker', from: 'UP', to: 'DOWN', reason: 'connection refused' }),
          expect.objectContaining({ kind: 'group', path: 'readiness', from: 'UP', to: 'OUT_OF_SERVICE' }),
        ]),
      );
    } finally {
      events.close();
    }
  });

  it('keeps details and reasons out of the stream when details are hidden', async () => {
    running = await bootDashboardApp({ showDetails: 'never' });
    const events = await EventReader.open<DashboardUpdate>(`${running.url}/ui/events`, 'state');
    try {
      const first = await events.next();
      expect(first.state.components.broker).toEqual({ status: 'UP' });
      broker.result = { status: HealthStatus.DOWN, details: { reason: 'password hunter2 rejected' } };
      await running.health.refresh();
      const second = await events.next();
      expect(second.transitions).toContainEqual(expect.objectContaining({ path: 'broker', to: 'DOWN' }));
      expect(JSON.stringify([first, second])).not.toMatch(/"details"|hunter2|node-1/);
    } finally {
      events.close();
    }
  });
});

describe('dashboard in a real browser', () => {
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
  });

  inBrowser('renders the tree and turns a component red when it goes DOWN, without a reload', async () => {
    running = await bootDashboardApp();
    page = await openPage(browser!, pageErrors);
    await page.goto(`${running.url}/ui`);

    const row = await page.waitForSelector('[data-path="broker"][data-status="UP"]');
    expect(await row.getAttribute('class')).toContain('tone-up');
    expect(await badgeColour(page, '[data-path="broker"]')).toBe('green');
    expect(await page.$('[data-path="mqtt/tcp-listener-1883"][data-status="UP"]')).not.toBeNull();
    expect(await page.getAttribute('[data-path="storage"]', 'data-status')).toBe('DEGRADED');
    expect(await badgeColour(page, '[data-path="storage"]')).toBe('yellow');
    expect(await page.getAttribute('[data-group="readiness"]', 'data-status')).toBe('UP');
    await page.waitForSelector('#connection.conn-live');

    // Expand the broker's details; they must stay open across live updates.
    await page.click('[data-path="broker"] > details > summary');
    expect(await page.textContent('[data-path="broker"] dl')).toContain('node-1');

    const navigations: string[] = [];
    page.on('framenavigated', (frame) => navigations.push(frame.url()));
    await page.evaluate(() => (window.beforeUpdate = true));

    broker.result = { status: HealthStatus.DOWN, details: { reason: 'connection refused' } };
    await running.health.refresh();

    await page.waitForSelector('[data-path="broker"][data-status="DOWN"]', { timeout: 5000 });
    expect(await page.getAttribute('[data-path="broker"]', 'class')).toContain('tone-down');
    expect(await badgeColour(page, '[data-path="broker"]')).toBe('red');
    await page.waitForSelector('[data-group="readiness"][data-status="OUT_OF_SERVICE"]');
    const transition = await page.waitForSelector('[data-transition="broker"][data-to="DOWN"]');
    expect(await transition.textContent()).toContain('connection refused');
    expect(await page.$eval('[data-path="broker"] > details', (details) => (details as { open: boolean }).open)).toBe(true);
    expect(await page.textContent('#summary')).toContain('DOWN');

    // Same document: nothing navigated and the marker set before the change is still there.
    expect(navigations).toEqual([]);
    expect(await page.evaluate(() => window.beforeUpdate)).toBe(true);
    expect(pageErrors).toEqual([]);

    await page.screenshot({ path: '/tmp/dashboard.png', fullPage: true });
  });
});
