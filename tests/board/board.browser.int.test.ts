import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { dispatchRun } from '@conveyor/db';
import { createProducers, createQueues, createRedisConnection, type Producers, type Queues, type Redis } from '@conveyor/queue';
import {
  createTestDatabase,
  createTestMongo,
  createTestRedis,
  freePort,
  insertRun,
  repoRoot,
  type ServiceProcess,
  seedWorkflow,
  startService,
  type TenantFixture,
  type TestDatabase,
  type TestMongo,
  type TestRedis,
  testServices,
  waitFor,
} from '@conveyor/testing';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../chromium';

// Bull Board in a real browser: the board process (apps/board) on a queue prefix of its own,
// filled by a real worker process whose step failed, signed into by headless Chromium (Debian's
// package, driven by playwright-core). Screenshots are kept in test-results/board/.

const USERNAME = 'operator';
const PASSWORD = 'a-long-board-browser-password';
/** Run input that must never reach the queue: job data carries ids only. */
const CUSTOMER = 'jane.doe@customer.example';
const SCREENSHOTS = path.join(repoRoot, 'test-results', 'board');

let db: TestDatabase;
let mongo: TestMongo;
let testRedis: TestRedis;
let redis: Redis;
let queues: Queues;
let producers: Producers;
let worker: ServiceProcess | undefined;
let board: ServiceProcess | undefined;
let boardUrl: string;
let browser: Browser | undefined;
const contexts: BrowserContext[] = [];
/** The failed step job as BullMQ holds it: what the board must show. */
let failedJob: { id: string; name: string; failedReason: string; stepRunId: string };

beforeAll(async () => {
  db = await createTestDatabase('board_ui');
  mongo = await createTestMongo('board_ui');
  testRedis = await createTestRedis('board-ui');
  redis = createRedisConnection(testServices().redisUrl, 'producer');
  await redis.connect();
  queues = createQueues({ connection: redis, prefix: testRedis.prefix });
  producers = createProducers({ connection: redis, prefix: testRedis.prefix, queues });
  const redisEnv = { REDIS_URL: testServices().redisUrl, QUEUE_PREFIX: testRedis.prefix };

  // A real worker runs a real step that fails: http.request to loopback, which the destination
  // policy refuses (no HTTP_ALLOW_PRIVATE_NETWORKS), a non-retryable error.
  const workerPort = await freePort();
  worker = await startService(
    'worker',
    { ...redisEnv, DATABASE_URL: db.url, MONGO_URL: mongo.url, DATABASE_POOL_SIZE: '3', WORKER_HEALTH_PORT: String(workerPort) },
    { readyUrl: `http://127.0.0.1:${workerPort}/readyz`, name: 'board-ui-worker' },
  );
  const fixture = await seedWorkflow(db.prisma, {
    steps: [
      // Retried, so not run by the run job itself: a step job of its own, which completes.
      { key: 'prepare', action: { app: 'core', version: '1', key: 'noop' }, retry: { attempts: 2 } },
      {
        key: 'fetch_orders',
        action: { app: 'core', version: '1', key: 'http.request' },
        input: { url: 'http://127.0.0.1:9/orders?customer={{ input.customer }}' },
        dependsOn: ['prepare'],
      },
    ],
  });
  const failedRunId = await dispatch(fixture, { customer: CUSTOMER });
  const failedRun = await waitFor(
    () => db.prisma.workflowRun.findUniqueOrThrow({ where: { id: failedRunId }, include: { stepRuns: true } }),
    (run) => run.status === 'FAILED',
  );
  expect(failedRun.status, worker.output()).toBe('FAILED');
  const failedStep = failedRun.stepRuns.find((step) => step.stepKey === 'fetch_orders');
  expect(failedStep?.status).toBe('FAILED');
  // The step job reaches BullMQ's failed set just after the run's row is written.
  await waitFor(
    () => queues.steps.getFailedCount(),
    (count) => count === 1,
    10_000,
  );
  const [job] = await queues.steps.getFailed();
  expect(job?.failedReason).toContain('refused destination 127.0.0.1');
  expect(job?.name).toContain('fetch_orders'); // named after its step, recognisable at a glance
  failedJob = {
    id: String(job?.id),
    name: String(job?.name),
    failedReason: String(job?.failedReason),
    stepRunId: String(failedStep?.id),
  };
  await worker.stop();
  worker = undefined;

  // With no worker left, a second run stays in the runs queue, so that queue has a count too.
  await dispatch(fixture, { customer: CUSTOMER });
  expect(await runsQueueTotal()).toBe(1);

  const boardPort = await freePort();
  boardUrl = `http://127.0.0.1:${boardPort}`;
  board = await startService(
    'board',
    { ...redisEnv, BOARD_PORT: String(boardPort), BOARD_USERNAME: USERNAME, BOARD_PASSWORD: PASSWORD },
    { readyUrl: `${boardUrl}/healthz` },
  );
  await mkdir(SCREENSHOTS, { recursive: true });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(contexts.map((context) => context.close()));
  await browser?.close();
  await Promise.all([board?.stop(), worker?.stop()]);
  await queues?.close();
  redis?.disconnect();
  await testRedis?.cleanup();
  await mongo?.drop();
  await db?.drop();
});

async function dispatch(fixture: TenantFixture, input: object): Promise<string> {
  const runId = await insertRun(db.prisma, fixture, input);
  const ref = { tenantId: fixture.tenantId, runId };
  expect((await dispatchRun(db.pool, ref)).kind).toBe('queued');
  await producers.enqueueRun(ref);
  return runId;
}

async function runsQueueTotal(): Promise<number> {
  const counts = await queues.runs.getJobCounts();
  return Object.values(counts).reduce((sum, count) => sum + count, 0);
}

/**
 * A fresh browser context (its own cookies and credential cache). Only the board's origin is
 * reachable: Bull Board's page links a web font, and this test talks to nothing outside the machine.
 */
async function openPage(credentials?: { username: string; password: string }): Promise<Page> {
  if (!browser) throw new Error('no browser');
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    ...(credentials ? { httpCredentials: { ...credentials, origin: boardUrl } } : {}),
  });
  contexts.push(context);
  await context.route('**/*', (route) =>
    new URL(route.request().url()).origin === boardUrl ? route.continue() : route.abort('blockedbyclient'),
  );
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.setDefaultNavigationTimeout(15_000);
  return page;
}

/** What a person reads in the element: Playwright's rendered text, laid out with line breaks. */
// biome-ignore lint/performance/useDomNodeTextContent: Playwright's Locator.innerText, not the DOM property; the rendered text is the point
const visibleText = (locator: Locator) => locator.innerText();

const screenshot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });

describe('Bull Board in a browser', () => {
  it('refuses the board without credentials and with a wrong password', async () => {
    // Headless Chromium answers a basic-auth challenge it has no credentials for by failing the
    // navigation (net::ERR_INVALID_AUTH_CREDENTIALS) after the 401 arrived: nothing of the board loads.
    const anonymous = await openPage();
    const challenge = anonymous.waitForResponse((response) => new URL(response.url()).pathname === '/');
    const navigation = await anonymous.goto(boardUrl).then(
      () => 'loaded',
      (error: Error) => error.message,
    );
    expect(navigation).toContain('ERR_INVALID_AUTH_CREDENTIALS');
    const refused = await challenge;
    expect(refused.status()).toBe(401);
    expect(refused.headers()['www-authenticate']).toContain('Basic realm="Conveyor Board"');
    expect(await anonymous.locator('body').textContent()).not.toContain('steps');

    // A wrong password: the browser tries it, the board answers 401 again and the page shows its error.
    const wrong = await openPage({ username: USERNAME, password: 'not-the-board-password' });
    const response = await wrong.goto(boardUrl);
    expect(response?.status()).toBe(401);
    const body = await wrong.locator('body').textContent();
    expect(body).toContain('the board needs valid credentials');
    expect(body).not.toContain('steps');
    await screenshot(wrong, 'refused');
  });

  it('signs in and lists the runs and steps queues with their counts', async () => {
    const page = await openPage({ username: USERNAME, password: PASSWORD });
    const response = await page.goto(boardUrl);
    expect(response?.status()).toBe(200);
    const card = (queue: string) =>
      page
        .getByRole('main')
        .getByRole('listitem')
        .filter({ has: page.getByRole('link', { name: queue, exact: true }) });
    // Counts arrive from /api/queues after the page loaded; wait for them, then read each card.
    await card('steps').getByText('2 Jobs', { exact: true }).waitFor();
    await card('runs').getByText('1 Job', { exact: true }).waitFor();
    expect(await visibleText(card('steps'))).toMatch(/FAILED\s+1\s/);
    // The status tabs add the counts up over every queue.
    const tabs = await visibleText(page.getByRole('main').getByRole('list').first());
    expect(tabs).toMatch(/COMPLETED\s+1\s/);
    expect(tabs).toMatch(/FAILED\s+1\s/);
    await screenshot(page, 'queues');
  });

  it('opens the failed step job and shows its error, and its data carries ids only', async () => {
    const page = await openPage({ username: USERNAME, password: PASSWORD });
    await page.goto(boardUrl);
    await page.getByRole('main').getByRole('link', { name: 'steps', exact: true }).click();
    await page.waitForURL(`${boardUrl}/queue/steps`);
    await page.getByRole('link', { name: /^FAILED/ }).click();
    await page.waitForURL(/\/queue\/steps\?status=failed/);

    // One failed job: its id, its name (workflow and step key) and, on the Error tab, its error.
    await page.getByText(failedJob.id, { exact: true }).waitFor();
    await page.getByRole('heading', { name: failedJob.name, exact: true }).waitFor();
    const errorTab = page.getByRole('tab', { name: 'Error', exact: true });
    expect(await errorTab.getAttribute('aria-selected')).toBe('true');
    const panel = page.getByRole('tabpanel');
    await panel.getByText(failedJob.failedReason).first().waitFor();
    expect(await visibleText(panel)).toContain(`UnrecoverableError: ${failedJob.failedReason}`);
    await screenshot(page, 'failed-step');

    // Job data is ids only: the step run's id is there, the run's input is not.
    await page.getByRole('tab', { name: 'Data', exact: true }).click();
    await panel.getByText(failedJob.stepRunId).first().waitFor();
    expect(await page.locator('body').textContent()).not.toContain(CUSTOMER);
  });
});
