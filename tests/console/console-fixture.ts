import path from 'node:path';
import { mintToken } from '@conveyor/auth';
import {
  freePort,
  insertRun,
  repoRoot,
  type ServiceProcess,
  seedWorkflow,
  startService,
  type TenantFixture,
} from '@conveyor/testing';
import type { Browser } from 'playwright-core';
import { build } from 'vite';
import { launchChromium } from '../chromium';
import { type Cluster, JWT, startCluster } from '../e2e/cluster';

// The console end to end: the built single-page app served by the console process, relaying /v1 to a
// real api, with a real worker behind it; headless Chromium (Debian's package, through playwright-core).

const core = (key: string) => ({ app: 'core', version: '1', key });

/** A workflow that says hello, calls the local server at `input.path` (slow or failing on demand), then logs again. */
export function ordersWorkflow(serverUrl: string) {
  return {
    steps: [
      { key: 'hello', action: core('log'), input: { message: 'hello {{ input.who }}' } },
      {
        key: 'call',
        action: core('http.request'),
        input: { url: `${serverUrl}{{ input.path }}` },
        dependsOn: ['hello'],
        retry: { attempts: 2, backoff: 'fixed', delayMs: 200, jitter: 0 },
        timeoutMs: 120_000,
      },
      { key: 'after', action: core('log'), input: { message: 'after the call of {{ input.who }}' }, dependsOn: ['call'] },
    ],
  };
}

export type ConsoleStack = Awaited<ReturnType<typeof startConsoleStack>>;

export async function startConsoleStack() {
  await build({ configFile: path.join(repoRoot, 'apps/console/vite.config.ts'), logLevel: 'warn' });
  const cluster: Cluster = await startCluster('console_ui', { workers: 1 });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let consoleProcess: ServiceProcess | undefined;
  let browser: Browser | undefined;
  try {
    consoleProcess = await startService(
      'console',
      { CONSOLE_PORT: String(port), CONSOLE_API_URL: cluster.apiUrl },
      { readyUrl: `${url}/healthz` },
    );
    browser = await launchChromium();
  } catch (error) {
    await consoleProcess?.stop();
    await cluster.close();
    throw error;
  }
  const { prisma } = cluster.db;
  return {
    cluster,
    url,
    browser,
    /** A tenant (its member and one workflow) whose workflow may call the local server. */
    tenant: (slug: string) =>
      seedWorkflow(prisma, ordersWorkflow(cluster.server.url), { slug, allowPrivateNetworks: ['127.0.0.1/32'] }),
    async start(fixture: TenantFixture, input: { who: string; path: string }) {
      const runId = await insertRun(prisma, fixture, input);
      await cluster.deliver(runId, fixture.tenantId);
      return runId;
    },
    token: (fixture: { tenantId: string; userId: string }) => mintToken(fixture, JWT, 3_000),
    async close() {
      await browser?.close();
      await consoleProcess?.stop();
      await cluster.close();
    },
  };
}
