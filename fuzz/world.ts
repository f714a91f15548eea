// The fixtures every surface is fuzzed against: two tenants, runs in several states, webhook triggers
// (one debounced), a step waiting for an event, bearer tokens, API keys, the core app's catalogue, and the
// api (and board, and the console's server relaying to it) built with the test helpers on real services.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { actionCatalogue, coreApp } from '@conveyor/actions';
import { loadBoardConfig, loadConsoleConfig } from '@conveyor/config';
import { upsertBuiltinApp } from '@conveyor/db';
import { createLogger } from '@conveyor/observability';
import { createRedisConnection } from '@conveyor/queue';
import { insertRun, seedWebhookTrigger, seedWorkflow, type TenantFixture, testServices } from '@conveyor/testing';
import type { FastifyInstance } from 'fastify';
import { createTestApi, seedWaitingStep, TEST_HOOK_SECRET, type TestApi } from '../apps/api/test/test-api';
import { buildBoard } from '../apps/board/src/app';
import { buildConsole } from '../apps/console/src/server/app';

export interface World {
  api: TestApi;
  board: FastifyInstance;
  /** The console's server, relaying /v1 to the api (listening on loopback for it). */
  console: FastifyInstance;
  tenant: TenantFixture;
  other: TenantFixture;
  /** A PENDING run of `tenant` (actions may cancel it; the event webhook may dispatch it). */
  pendingRunId: string;
  /** A SUCCEEDED run, finished long ago and without log lines: a log tail of it ends at once. */
  finishedRunId: string;
  /** The same for the other tenant (its token may tail it). */
  otherRunId: string;
  triggerId: string;
  triggerSecret: string;
  /** A second webhook trigger of `tenant`, whose secret the fuzzer may rotate. */
  spareTriggerId: string;
  /** A webhook trigger of `other` created with debounce (a window per `input.orderId`). */
  debouncedTrigger: { id: string; secret: string };
  /** What a step of `tenant` waits for (core@1/waitForEvent): the first such event is delivered to it. */
  waitingEvent: { event: string; key: string };
  /** A run of `tenant` whose step waits for an approval, and the approve and reject tokens of its links. */
  approval: { runId: string; stepKey: string; approveToken: string; rejectToken: string };
  tokens: string[];
  /** API keys: `tenant`'s with runs:read, `other`'s with runs:read, `tenant`'s with events:send only. */
  apiKeys: string[];
  /** A key of `tenant` the fuzzer may revoke (revoking one of `apiKeys` would turn valid reads into 401s). */
  spareApiKeyId: string;
  hookSecret: string;
  boardAuth: { username: string; password: string };
  close(): Promise<void>;
}

const definition = { steps: [{ key: 'only', action: { app: 'core', version: '1', key: 'noop' } }] };

export async function createWorld(label: string): Promise<World> {
  const api = await createTestApi({
    label: `fuzz_${label}`,
    queuePrefix: `conveyor-fuzz-${label}-${crypto.randomUUID()}`,
    // Every request comes from one address: without this, the failure limiter would answer most of them
    // 429 before their handler ran, and the fuzzer would test the limiter instead of the routes.
    env: { AUTH_FAILURES_PER_MINUTE: '100000000' },
  });
  // The built-in app as `npm run db:seed` records it: definitions may then publish (its actions are known).
  await upsertBuiltinApp(api.db.prisma, {
    ...coreApp,
    actions: actionCatalogue().map(({ ref, name, description, inputJsonSchema }) => ({
      key: ref.key,
      name,
      description,
      inputSchema: inputJsonSchema,
    })),
  });
  const tenant = await seedWorkflow(api.db.prisma, definition);
  const other = await seedWorkflow(api.db.prisma, definition);
  // `tenant`'s member is one of `other`'s too: the session's token exchange then has a tenant to switch to.
  await api.db.prisma.membership.create({ data: { tenantId: other.tenantId, userId: tenant.userId, role: 'MEMBER' } });
  const pendingRunId = await insertRun(api.db.prisma, tenant, { orderId: 1 });
  const finishedRunId = await finishedRun(api, tenant);
  const otherRunId = await finishedRun(api, other);
  const { triggerId, secret } = await seedWebhookTrigger(api.db.prisma, tenant);
  // The rotate action's target: rotating `triggerId` would turn the webhook surface's valid calls into 404s.
  const { triggerId: spareTriggerId } = await seedWebhookTrigger(api.db.prisma, tenant);
  // Of `other`: the plain trigger's calls fill `tenant`'s backlog (429 past 1,000 queued runs) before this one is called.
  const debounced = await api.callAction(
    'create-webhook-trigger',
    { workflowId: other.workflowId, debounce: { windowMs: 60_000, key: '{{ input.orderId }}' } },
    other,
  );
  if (debounced.statusCode !== 200) throw new Error(`createWebhookTrigger answered ${debounced.statusCode}: ${debounced.body}`);
  const { triggerId: debouncedId, secret: debouncedSecret } = debounced.json() as { triggerId: string; secret: string };
  const waitingEvent = { event: 'paid', key: 'order-1' };
  await waitingStep(api, tenant, waitingEvent);
  const tokens = [await api.tokenFor(tenant), await api.tokenFor(other)];
  const approval = await waitingApproval(api, tenant, tokens[0] as string);
  const apiKeys = [
    (await api.apiKeyFor(tenant, ['runs:read'])).key,
    (await api.apiKeyFor(other, ['runs:read'])).key,
    (await api.apiKeyFor(tenant, ['events:send'])).key,
  ];
  const { id: spareApiKeyId } = await api.apiKeyFor(tenant, ['runs:read']);

  const boardPrefix = `conveyor-fuzz-board-${label}-${crypto.randomUUID()}`;
  const boardAuth = { username: 'operator', password: 'a-long-fuzz-board-password' };
  const config = loadBoardConfig({
    REDIS_URL: testServices().redisUrl,
    QUEUE_PREFIX: boardPrefix,
    BOARD_USERNAME: boardAuth.username,
    BOARD_PASSWORD: boardAuth.password,
  });
  const redis = createRedisConnection(config.redis.url, 'producer');
  await redis.connect();
  const board = await buildBoard({ config, log: createLogger({ service: 'board', level: 'silent' }), redis });
  const consoleApp = await buildFuzzConsole(api);

  return {
    api,
    board,
    console: consoleApp.app,
    tenant,
    other,
    pendingRunId,
    finishedRunId,
    otherRunId,
    triggerId,
    triggerSecret: secret,
    spareTriggerId,
    debouncedTrigger: { id: debouncedId, secret: debouncedSecret },
    waitingEvent,
    approval,
    tokens,
    apiKeys,
    spareApiKeyId,
    hookSecret: TEST_HOOK_SECRET,
    boardAuth,
    async close() {
      await board.close();
      await consoleApp.close();
      const keys = await redis.keys(`${boardPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
      await api.close();
    },
  };
}

async function finishedRun(api: TestApi, tenant: TenantFixture): Promise<string> {
  const runId = await insertRun(api.db.prisma, tenant, { orderId: 2 });
  await api.db.prisma.workflowRun.update({
    where: { id: runId },
    data: { status: 'SUCCEEDED', workflowVersionId: tenant.versionId, finishedAt: new Date(Date.now() - 3_600_000) },
  });
  return runId;
}

/** A RUNNING run of `tenant` whose step waits for `address`, as a worker leaves it: QUEUED, due in an hour, a StepWait row. */
/** A step of `tenant` waiting for an approval, and its links (made through the api, as a member would). */
async function waitingApproval(api: TestApi, tenant: TenantFixture, token: string): Promise<World['approval']> {
  const { runId } = await seedWaitingStep(api, tenant, { stepKey: 'only', event: 'conveyor.approval' });
  const response = await api.app.inject({
    method: 'POST',
    url: `/v1/runs/${runId}/approvals`,
    headers: { authorization: `Bearer ${token}` },
    payload: { stepKey: 'only' },
  });
  if (response.statusCode !== 200) throw new Error(`approval links answered ${response.statusCode}: ${response.body}`);
  const links = response.json() as { approve: { token: string }; reject: { token: string } };
  return { runId, stepKey: 'only', approveToken: links.approve.token, rejectToken: links.reject.token };
}

async function waitingStep(api: TestApi, tenant: TenantFixture, address: { event: string; key: string }): Promise<void> {
  const runId = await insertRun(api.db.prisma, tenant, { orderId: 3 });
  await api.db.prisma.workflowRun.update({ where: { id: runId }, data: { status: 'RUNNING' } });
  const inAnHour = new Date(Date.now() + 3_600_000);
  const step = await api.db.prisma.stepRun.create({
    data: {
      tenantId: tenant.tenantId,
      workflowRunId: runId,
      stepKey: 'only',
      status: 'QUEUED',
      jobId: `step-${crypto.randomUUID()}`,
      resumeAt: inAnHour,
    },
  });
  await api.db.prisma.stepWait.create({
    data: { stepRunId: step.id, tenantId: tenant.tenantId, workflowRunId: runId, ...address, expiresAt: inAnHour },
  });
}

/** The console's server over a one-page app of its own, relaying to the api, which listens on loopback for it. */
async function buildFuzzConsole(api: TestApi) {
  if (!api.app.server.listening) await api.app.listen({ host: '127.0.0.1', port: 0 });
  const address = api.app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const publicDir = await mkdtemp(path.join(tmpdir(), 'fuzz-console-'));
  await writeFile(path.join(publicDir, 'index.html'), '<!doctype html><title>console</title>');
  const config = loadConsoleConfig({ CONSOLE_API_URL: `http://127.0.0.1:${port}` });
  const app = await buildConsole({ config, log: createLogger({ service: 'console', level: 'silent' }), publicDir });
  return {
    app,
    async close() {
      await app.close();
      await rm(publicDir, { recursive: true, force: true });
    },
  };
}
