import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { ROOT } from './server.js';

/** Where browser tests leave their screenshots (git-ignored). */
export const ARTIFACTS = join(ROOT, 'test-artifacts');

/** Debian's chromium (`apt-get install chromium`), or CHROMIUM_PATH; Playwright's own download cannot work here. */
export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((candidate) => existsSync(candidate));
  if (!path) throw new Error('no chromium: install it with `apt-get install -y chromium` or set CHROMIUM_PATH');
  return path;
}

/** Headless chromium as root in a container: no sandbox, no network of its own beyond the pages it is sent to. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
}

/** Saves a full-page screenshot as `test-artifacts/<folder>/<name>.png`. */
export async function screenshot(page: Page, folder: string, name: string): Promise<string> {
  const dir = join(ARTIFACTS, folder);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * Waits (up to `timeout` ms) until the element's text contains `expected`, then asserts it, so a
 * failure shows the text the page had. (`expect` of @playwright/test is not part of playwright-core.)
 */
export async function textOf(locator: Locator, expected: string | RegExp, timeout = 10_000): Promise<string> {
  const deadline = Date.now() + timeout;
  let text = '';
  while (Date.now() < deadline) {
    text = (await locator.first().textContent({ timeout: Math.max(1, deadline - Date.now()) }).catch(() => '')) ?? '';
    if (typeof expected === 'string' ? text.includes(expected) : expected.test(text)) return text;
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
  throw new Error(`expected ${String(expected)} in ${locator.toString()}, found: ${text.slice(0, 500)}`);
}
