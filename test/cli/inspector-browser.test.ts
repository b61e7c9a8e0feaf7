import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevProcess, runCli, SECRET, startDev } from './harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = fileURLToPath(new URL('../../docs/img/inspector.png', import.meta.url));

function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const message = `Chromium is not at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
  if (process.env.CI) throw new Error(`${message}; CI is set, so the browser test fails instead of skipping`);
  console.log(`skipping the inspector browser test: ${message}; set CI to make this a failure`);
  return false;
}

describe.runIf(chromiumAvailable())('armalo-webhooks dev in Chromium', () => {
  let dev: DevProcess;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const errors: string[] = [];

  beforeAll(async () => {
    dev = await startDev(['--secret', SECRET, '--port', '0', '--ui-port', '0']);
    profile = await mkdtemp(join(tmpdir(), 'armalo-inspector-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1440, height: 900 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
    // A Content-Security-Policy violation or a script error shows up here.
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
  });

  afterAll(async () => {
    await context?.close();
    await dev?.stop();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  const rows = () => page.locator('#list tbody tr');
  const send = async (args: string[]) => {
    const result = await runCli(['send', ...args, '--url', dev.receiverUrl ?? '', '--secret', SECRET]);
    expect(result.stderr).toBe('');
  };

  it('lists a valid, a tampered and a duplicate delivery, newest first, with their verdicts', async () => {
    const timestamp = new Date().toISOString();
    await send(['score.changed', '--timestamp', timestamp]);
    await send(['eval.failed', '--tamper']);
    await send(['score.changed', '--timestamp', timestamp]);

    await page.goto(dev.inspectorUrl);
    await expect.poll(() => rows().count()).toBe(3);
    const verdicts = await Promise.all((await rows().all()).map((row) => row.getAttribute('data-verdict')));
    expect(verdicts).toEqual(['duplicate', 'refused', 'handled']);
    await expect.poll(() => page.locator('#live').textContent()).toBe('live');
    // Redrive needs an inbox, and this inspector has none.
    expect(await page.locator('#redrive').isVisible()).toBe(false);
    expect(await rows().nth(1).textContent()).toContain('401 INVALID_SIGNATURE');
  });

  it('shows a refused delivery with the signature masked and the diagnosis, never the secret', async () => {
    await rows().nth(1).click();
    const detail = page.locator('#detail');
    await expect.poll(() => detail.isVisible()).toBe(true);
    await expect.poll(() => page.locator('#d-diagnosis').textContent()).toContain('NO_MATCH');
    const signature = page.locator('#d-headers tr', { hasText: 'x-armalo-signature' }).locator('td');
    expect(await signature.textContent()).toMatch(/^[0-9a-f]{6}… \(64 characters\)$/);
    // The tampered body, pretty-printed, as received.
    expect(await page.locator('#d-payload').textContent()).toContain('"tampered": true');
    const html = await page.content();
    expect(html).not.toContain(SECRET);
  });

  it('replays a delivery: the same bytes arrive again as a new entry, answered as a duplicate', async () => {
    await rows().nth(2).click();
    await expect.poll(() => page.locator('#d-title').textContent()).toContain('#1');
    await page.locator('#replay').click();
    await expect.poll(() => page.locator('#d-action').textContent()).toBe('Replayed: 200 duplicate');
    await expect.poll(() => rows().count()).toBe(4);
    const newest = rows().first();
    expect(await newest.getAttribute('data-verdict')).toBe('duplicate');
    expect(await newest.textContent()).toContain('replay of #1');
  });

  it('sends a signed sample of any event, with the data as edited on the page', async () => {
    await page.locator('#sample-event').selectOption('eval.completed');
    const data = JSON.parse(await page.locator('#sample-data').inputValue()) as Record<string, unknown>;
    await page.locator('#sample-data').fill(JSON.stringify({ ...data, evalId: 'eval_from_the_page' }, null, 2));
    await page.locator('#send-sample').click();
    await expect.poll(() => page.locator('#sample-result').textContent()).toBe('Sent: 200 handled');
    await expect.poll(() => rows().count()).toBe(5);
    const newest = rows().first();
    expect(await newest.textContent()).toContain('eval.completed');
    expect(await newest.textContent()).toContain('sample');
    await newest.click();
    await expect.poll(() => page.locator('#d-payload').textContent()).toContain('"evalId": "eval_from_the_page"');
  });

  it('filters by event and by code', async () => {
    await page.locator('#filter-code').selectOption('INVALID_SIGNATURE');
    expect(await rows().count()).toBe(1);
    await page.locator('#filter-code').selectOption('');
    await page.locator('#filter-event').selectOption('score.changed');
    expect(await rows().count()).toBe(3);
    await page.locator('#filter-event').selectOption('');
    expect(await rows().count()).toBe(5);
  });

  it('ran without a script error or a blocked resource', async () => {
    // The screenshot for the README: the refused delivery, with its diagnosis.
    if (process.env.UPDATE_SCREENSHOT) {
      await rows().nth(3).click();
      await expect.poll(() => page.locator('#d-diagnosis').isVisible()).toBe(true);
      await mkdir(join(SCREENSHOT, '..'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT });
    }
    expect(errors).toEqual([]);
  });
});
