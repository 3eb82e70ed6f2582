// Starts Debian's Chromium headless through playwright-core, with the flags
// this sandbox needs (no background networking, no sandbox as root) and a
// fresh profile per launch.
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

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
  await page.waitForFunction(() => document.body.dataset.ready === 'true' || !document.getElementById('input-error').hidden);
  return { context, page, problems };
}
