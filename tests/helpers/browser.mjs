// Starts Debian's Chromium headless through playwright-core, with the flags
// this sandbox needs (no background networking, no sandbox as root) and a
// fresh profile per launch.
import { existsSync } from 'node:fs';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

import { startServer } from '../../scripts/serve.mjs';
import { webRoot } from './paths.mjs';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchBrowser() {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Chromium not found at ${chromiumPath}. Install it with 'sudo apt-get install -y chromium' `
      + `or set CHROMIUM_PATH; 'bash build.sh --with-browser' installs it when run as root.`);
  }
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/**
 * Opens url in a new page that records console errors, page errors and CSP
 * violations into the returned problems array.
 */
export async function openPage(browser, url, viewport = { width: 1400, height: 1100 }) {
  const opened = await openAnyPage(browser, url, viewport);
  await opened.page.waitForFunction(() => document.body.dataset.ready === 'true'
    || !document.getElementById('input-error').hidden);
  return opened;
}

/**
 * Opens url as openPage does, for any page (such as the embedding example),
 * without waiting for the lab to start.
 */
export async function openAnyPage(browser, url, viewport = { width: 1400, height: 1100 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  await page.goto(url);
  return { context, page, problems };
}

/**
 * Serves root (the built page by default) on a free port and starts
 * Chromium before a test file's tests, and stops both after them. The
 * returned object's baseUrl and browser are set once the tests run.
 */
export function useServedPage(root = webRoot) {
  const site = { baseUrl: null, browser: null };
  let server = null;
  before(async () => {
    ({ server, url: site.baseUrl } = await startServer({ root, port: 0 }));
    site.browser = await launchBrowser();
  });
  after(async () => {
    await site.browser?.close();
    server?.close();
  });
  return site;
}
