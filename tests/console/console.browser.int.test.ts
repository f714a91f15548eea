import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot, type TenantFixture } from '@conveyor/testing';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleStack, startConsoleStack } from './console-fixture';

const SCREENSHOTS = path.join(repoRoot, 'test-results', 'console');

let stack: ConsoleStack;
let tenantA: TenantFixture;
const runs: Record<'done' | 'failed' | 'slow' | 'stuck', string> = { done: '', failed: '', slow: '', stuck: '' };
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  stack = await startConsoleStack();
  tenantA = await stack.tenant(`console-a-${Date.now()}`);
  runs.done = await stack.start(tenantA, { who: 'ada', path: '/echo?n=1' });
  runs.failed = await stack.start(tenantA, { who: 'bob', path: '/flaky/console?failures=5' });
  for (const runId of [runs.done, runs.failed]) await stack.cluster.finished(runId);
  await mkdir(SCREENSHOTS, { recursive: true });
}, 180_000);

afterAll(async () => {
  await Promise.allSettled(contexts.map((context) => context.close()));
  await stack?.close();
});

/** A page signed in as `fixture`'s member through the sign-in link `npm start` prints. */
async function signedIn(fixture: { tenantId: string; userId: string }, options: { bypassCSP?: boolean } = {}): Promise<Page> {
  const context = await stack.browser.newContext({ viewport: { width: 1366, height: 900 }, ...options });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${stack.url}/sign-in#token=${await stack.token(fixture)}`);
  await page.getByRole('heading', { name: 'Runs' }).waitFor();
  return page;
}

const row = (page: Page, runId: string) => page.locator(`tr[data-run-id="${runId}"]`);

describe('the console in a browser', () => {
  it('signs in with a link, lists the tenant’s runs and filters them by status', async () => {
    const page = await signedIn(tenantA);
    await expect.poll(() => page.url()).toBe(`${stack.url}/runs`); // the token left the address bar
    await row(page, runs.failed).waitFor();
    await row(page, runs.done).getByText('succeeded').waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'runs-list.png'), fullPage: true });

    await page.getByRole('checkbox', { name: 'failed' }).check();
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.url()).toContain('status=FAILED');
    await expect.poll(() => row(page, runs.done).count()).toBe(0);
    expect(await row(page, runs.failed).count()).toBe(1);

    await page.getByRole('searchbox', { name: 'Run id or idempotency key' }).fill(runs.done);
    await page.getByRole('checkbox', { name: 'failed' }).uncheck();
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await row(page, runs.done).waitFor();
    expect(await page.locator('tbody tr').count()).toBe(1);
  });

  it('opens a failed run: its graph, a timeline with the failed attempt, its steps and its logs', async () => {
    const page = await signedIn(tenantA);
    await page.goto(`${stack.url}/runs/${runs.failed}`);
    await page.getByRole('heading', { name: /^Run / }).waitFor();
    expect(await page.locator('.dag-node').count()).toBe(3);
    await page.locator('.dag-node.status-failed').waitFor();
    // `after` never ran.
    expect(await page.locator('a[aria-label^="step after:"]').getAttribute('aria-label')).toMatch(
      /not started|skipped|cancelled/,
    );
    const callRow = page.locator('.timeline-row', { hasText: 'call' });
    await callRow.locator('.bar.attempt.status-failed').first().waitFor();
    await expect.poll(() => callRow.locator('.bar.attempt').count()).toBe(2);
    await page.getByText('attempt 1 failed').first().waitFor(); // the log line of the first attempt
    expect(await page.locator('#step-call').getByText('Error').count()).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Retry run' }).waitFor();
    await page.getByText('complete').waitFor(); // the whole log has come
    await page.screenshot({ path: path.join(SCREENSHOTS, 'run-page.png'), fullPage: true });
  });

  it('shows a live log line arrive and cancels a running run', async () => {
    runs.slow = await stack.start(tenantA, { who: 'cy', path: '/slow/console?ms=3000' });
    runs.stuck = await stack.start(tenantA, { who: 'di', path: '/slow/stuck?ms=120000' });
    const page = await signedIn(tenantA);
    await page.goto(`${stack.url}/runs/${runs.slow}`);
    const log = page.getByRole('log', { name: 'Execution log' });
    await log.getByText('hello cy').waitFor({ timeout: 15_000 });
    expect(await log.getByText('after the call of cy').count()).toBe(0); // not yet written when the page opened
    await log.getByText('after the call of cy').waitFor({ timeout: 20_000 });
    await page.locator('h1 .badge', { hasText: 'succeeded' }).waitFor({ timeout: 10_000 });

    await page.goto(`${stack.url}/runs/${runs.stuck}`);
    await page.locator('.dag-node.status-running').waitFor({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await page.locator('h1 .badge', { hasText: 'cancelled' }).waitFor({ timeout: 10_000 });
    const stuck = await stack.cluster.db.prisma.workflowRun.findUniqueOrThrow({ where: { id: runs.stuck } });
    expect(stuck.status).toBe('CANCELLED');
  });

  it('shows a second tenant’s member none of the first tenant’s runs: by list, by URL, by API', async () => {
    const tenantB = await stack.tenant(`console-b-${Date.now()}`);
    const own = await stack.start(tenantB, { who: 'eve', path: '/echo?n=2' });
    await stack.cluster.finished(own);
    const page = await signedIn(tenantB);
    await row(page, own).waitFor();
    expect(await page.locator('tbody tr').count()).toBe(1);
    for (const runId of Object.values(runs)) {
      await page.goto(`${stack.url}/runs/${runId}`);
      await page.getByText('No such run in this tenant.').waitFor();
    }
    const token = await stack.token(tenantB);
    const answers = await page.evaluate(
      async ({ ids, token }) => {
        const get = (url: string) => fetch(url, { headers: { authorization: `Bearer ${token}` } });
        const list = (await (await get('/v1/runs?limit=200')).json()) as { runs: { id: string }[] };
        const one = await Promise.all(ids.map(async (id) => (await get(`/v1/runs/${id}`)).status));
        const logs = await Promise.all(ids.map(async (id) => (await get(`/v1/runs/${id}/logs`)).status));
        const cancel = await fetch('/v1/runs/cancel', {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ runIds: ids }),
        });
        const results = ((await cancel.json()) as { results: { ok: boolean }[] }).results;
        return { listed: list.runs.map((run) => run.id), one, logs, cancelled: results.map((result) => result.ok) };
      },
      { ids: Object.values(runs), token },
    );
    expect(answers.listed).toEqual([own]);
    expect(answers.one).toEqual([404, 404, 404, 404]);
    expect(answers.logs).toEqual([404, 404, 404, 404]);
    expect(answers.cancelled).toEqual([false, false, false, false]);
    expect(await stack.cluster.db.prisma.workflowRun.count({ where: { id: runs.slow, status: 'SUCCEEDED' } })).toBe(1);
  });

  it('lets a member of two tenants pick the tenant, and then shows only that tenant’s runs', async () => {
    const tenantC = await stack.tenant(`console-c-${Date.now()}`);
    const cRun = await stack.start(tenantC, { who: 'fay', path: '/echo?n=3' });
    await stack.cluster.db.prisma.membership.create({
      data: { tenantId: tenantC.tenantId, userId: tenantA.userId, role: 'MEMBER' },
    });
    const page = await signedIn(tenantA);
    await row(page, runs.done).waitFor();
    await page.getByRole('combobox', { name: 'Tenant' }).selectOption(tenantC.tenantId);
    await row(page, cRun).waitFor();
    expect(await row(page, runs.done).count()).toBe(0);
  });

  it('shows a workflow: the health of its recent runs, its triggers and its versions’ definitions', async () => {
    const page = await signedIn(tenantA);
    await page.goto(`${stack.url}/workflows/${tenantA.workflowId}`);
    await page.getByRole('heading', { name: 'Recent runs' }).waitFor();
    await page.getByText('p95 duration').waitFor();
    await page.getByRole('link', { name: runs.failed.slice(0, 8) }).waitFor(); // among the latest runs
    await page.getByRole('heading', { name: /Version 1/ }).waitFor();
    await page.getByText('No triggers: runs start through the API.').waitFor();
    await page.getByRole('link', { name: 'Its runs' }).click();
    await expect.poll(() => page.url()).toContain(`workflowId=${tenantA.workflowId}`);
    await row(page, runs.done).waitFor();
  });

  it('is usable from the keyboard, labels every control and passes axe’s WCAG 2 AA rules', async () => {
    const page = await signedIn(tenantA, { bypassCSP: true });
    await page.keyboard.press('Tab');
    expect(await page.locator(':focus').textContent()).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.locator(':focus').getAttribute('id')).toBe('main');
    const axe = await readFile(path.join(repoRoot, 'node_modules/axe-core/axe.min.js'), 'utf8');
    for (const url of ['/runs', `/runs/${runs.failed}`, `/workflows/${tenantA.workflowId}`]) {
      await page.goto(`${stack.url}${url}`);
      await page.locator('main h1').first().waitFor();
      await page.waitForLoadState('networkidle').catch(() => undefined);
      await page.addScriptTag({ content: axe });
      // A string, evaluated in the page: axe is the page's global, not this file's.
      const violations = await page.evaluate<string[]>(
        "axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } }).then((r) => r.violations.map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')))",
      );
      expect(violations, url).toEqual([]);
    }
  });
});
