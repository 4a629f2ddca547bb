import { existsSync } from 'node:fs';
import { it } from '@jest/globals';
import { chromium, type Browser, type Page } from 'playwright-core';

// Browser globals used inside page functions: the test programs compile without the DOM lib.
declare function getComputedStyle(element: unknown): { backgroundColor: string };

const CHROMIUM = '/usr/bin/chromium';
const runs = existsSync(CHROMIUM) || process.env.CI === 'true';
if (!runs) {
  console.warn(
    `\n!!! ${CHROMIUM} is missing: SKIPPING the dashboard browser tests (apt-get install -y chromium). Under CI=true they run and fail. !!!\n`,
  );
}

/** A test that drives chromium: skipped, loudly, only where chromium is missing and CI is not set. */
export const inBrowser: typeof it.skip = runs ? it : it.skip;

/** A headless chromium, or undefined where the browser tests are skipped. */
export async function launchBrowser(): Promise<Browser | undefined> {
  if (!runs) return undefined;
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A new page whose script errors and console errors land in `errors`. */
export async function openPage(browser: Browser, errors: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 720 } });
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  return page;
}

/** `rgb(r, g, b)` → the colour a person would name: the status colours are green, yellow, red and grey. */
export function colourName(colour: string): 'green' | 'yellow' | 'red' | 'grey' {
  const [r, g, b] = colour.match(/\d+/g)!.map(Number);
  if (g > r && g > b) return 'green';
  if (r > b && g > 2 * b && g > 0.6 * r) return 'yellow';
  if (r > 1.5 * g && r > 1.5 * b) return 'red';
  return 'grey';
}

/** The colour of the first status badge inside `selector`. */
export async function badgeColour(page: Page, selector: string): Promise<string> {
  return colourName(await page.$eval(`${selector} .badge`, (badge) => getComputedStyle(badge).backgroundColor));
}
