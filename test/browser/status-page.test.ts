// The balancer-manager page in a real headless Chromium (Debian's, driven by playwright-core)
// against a running `passthru serve` with real upstreams. Screenshots go to test-output/browser/.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REPO, startServe, type Running } from '../helpers/cli.ts';
import { request } from '../helpers/plane.ts';
import { startUpstream, type TestUpstream } from '../helpers/upstream.ts';

const CHROMIUM = process.env['PASSTHRU_CHROMIUM'] ?? '/usr/bin/chromium';
const OUT = join(REPO, 'test-output', 'browser');
const TOKEN = 'browser-test-admin-token-0123456789';

let browser: Browser;
let dir = '';
let proc: Running | undefined;
const ups: TestUpstream[] = [];

beforeAll(async () => {
  // A bare CI machine has no Chromium: install Debian's (apt-get, as root), or fail saying how.
  const ensured = spawnSync('sh', [join(REPO, 'scripts', 'ensure-chromium.sh')], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, PASSTHRU_CHROMIUM: CHROMIUM } });
  if (ensured.status !== 0) {
    throw new Error(`the browser test needs Chromium at ${CHROMIUM}: scripts/ensure-chromium.sh could not provide it (see its message above). Run "apt-get install chromium" as root, or set PASSTHRU_CHROMIUM.`);
  }
  await mkdir(OUT, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 600_000);

afterAll(async () => {
  await browser?.close();
});

afterEach(async () => {
  await proc?.stop();
  proc = undefined;
  await Promise.all(ups.splice(0).map((u) => u.close()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

const server = (port: number, route: string, extra = ''): string => `    - {host: 127.0.0.1, port: ${port}, route: ${route}${extra}}`;

/** Three servers behind test/app (health-checked, sticky), one behind test/shop, and a target that conflicts. */
async function start(withToken: boolean): Promise<{ p: Running; a: TestUpstream; b: TestUpstream; c: TestUpstream }> {
  const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((n) => startUpstream(n)));
  ups.push(a!, b!, c!);
  dir = await mkdtemp(join(tmpdir(), 'passthru-browser-'));
  const rpt = (name: string, spec: string): string => `apiVersion: passthru.dev/v1alpha1\nkind: ReverseProxyTarget\nmetadata: {name: ${name}, namespace: test}\nspec:\n${spec}\n`;
  await writeFile(
    join(dir, 'targets.yaml'),
    [
      rpt('app', `  hosts: [apps.example.com]\n  contextRoots: [/app, /app-api]\n  stickySession: {cookie: JSESSIONID}\n  healthCheck: {path: /health, interval: 1s, timeout: 1s, healthyThreshold: 1}\n  servers:\n${server(a!.port, 'srv1', ', weight: 2')}\n${server(b!.port, 'srv2', ', weight: 2')}\n${server(c!.port, 'srv3', ', backup: true')}`),
      rpt('shop', `  contextRoots: [/shop]\n  loadBalancing: {method: byBusyness}\n  servers:\n${server(c!.port, 'shop1')}`),
      rpt('zz-copy', `  hosts: [apps.example.com]\n  contextRoots: [/app]\n  servers:\n${server(c!.port, 'x')}`),
    ].join('---\n'),
  );
  const extra: string[] = [];
  if (withToken) {
    await writeFile(join(dir, 'token'), `${TOKEN}\n`);
    extra.push('--admin-token-file', join(dir, 'token'));
  }
  proc = await startServe(dir, extra);
  return { p: proc, a: a!, b: b!, c: c! };
}

/** A page that records console errors and page errors (a CSP violation shows up as one). */
async function open(adminPort: number, width: number, height: number): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width, height } });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`http://127.0.0.1:${adminPort}/`);
  return { page, errors };
}

const row = (target: string, route: string): string => `tr[data-target="${target}"][data-route="${route}"]`;
const appHits = (u: TestUpstream): number => u.seen.filter((s) => s.url.startsWith('/app')).length;

describe('the status page in Chromium', () => {
  it('shows the servers, drains one with the pasted token, and traffic stops going there', async () => {
    const { p, b } = await start(true);
    const { page, errors } = await open(p.adminPort, 1280, 900);

    // Every server of test/app, healthy once its first check passed; the conflicting target with its reason.
    await page.waitForSelector(`${row('test/app', 'srv1')}[data-state="healthy"]`);
    await page.waitForSelector(`${row('test/app', 'srv2')}[data-state="healthy"]`);
    expect(await page.locator('tr[data-target="test/app"]').count()).toBe(3);
    expect(await page.locator(`${row('test/app', 'srv2')} td[data-label="server"]`).textContent()).toBe(`127.0.0.1:${b.port}`);
    expect(await page.locator(`${row('test/app', 'srv3')} td[data-label="backup"]`).textContent()).toBe('backup');
    expect(await page.locator('section[data-target="test/app"] .facts').textContent()).toContain('JSESSIONID');
    expect(await page.locator('section[data-target="test/zz-copy"] .reason').textContent()).toContain('Conflict');

    // The actions wait for the token; once pasted, Drain srv2.
    const drain = page.locator(`${row('test/app', 'srv2')} button[data-action="drain"]`);
    expect(await drain.isDisabled()).toBe(true);
    await page.fill('#token', TOKEN);
    await page.click('#use-token');
    await expect.poll(() => drain.isDisabled()).toBe(false);
    await drain.click();
    await page.waitForSelector(`${row('test/app', 'srv2')}[data-state="draining"]`);
    expect(await page.locator(`${row('test/app', 'srv2')} .state`).textContent()).toBe('draining');
    expect(await page.locator(`${row('test/app', 'srv2')} button[data-action="enable"]`).isDisabled()).toBe(false);

    // None of the new traffic reaches the drained server.
    const before = appHits(b);
    for (let i = 0; i < 12; i++) expect((await request(p.port, { path: '/app/x', host: 'apps.example.com' })).status).toBe(200);
    expect(appHits(b)).toBe(before);
    await expect.poll(async () => Number(await page.locator(`${row('test/app', 'srv1')} td[data-label="requests"]`).textContent()), { timeout: 10_000 }).toBe(12);

    await page.screenshot({ path: join(OUT, 'status-page-desktop.png'), fullPage: true });
    // A phone: the table turns into cards and nothing scrolls sideways.
    await page.setViewportSize({ width: 375, height: 812 });
    await page.waitForSelector(`${row('test/app', 'srv2')}[data-state="draining"]`);
    // The callback runs in the page; a string keeps DOM types out of this Node-only project.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await page.screenshot({ path: join(OUT, 'status-page-phone.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('is read-only without an admin token: it says so and offers no actions', async () => {
    const { p } = await start(false);
    const { page, errors } = await open(p.adminPort, 1280, 900);
    await page.waitForSelector(row('test/app', 'srv1'));
    expect(await page.locator('#auth').textContent()).toBe('read-only (start passthru with --admin-token-file to enable actions)');
    expect(await page.locator('button[data-action]').count()).toBe(0);
    expect(await page.locator('#token').count()).toBe(0);
    await page.screenshot({ path: join(OUT, 'status-page-read-only.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });
});
