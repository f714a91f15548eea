import { mintToken } from '@conveyor/auth';
import { loadApiConfig } from '@conveyor/config';
import type { LogStore } from '@conveyor/logs';
import { createLogger } from '@conveyor/observability';
import type { Queues } from '@conveyor/queue';
import {
  createTestDatabase,
  createTestMongo,
  seedWorkflow,
  type TenantFixture,
  type TestDatabase,
  type TestMongo,
  testServices,
  uniqueSuffix,
} from '@conveyor/testing';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp, type ConveyorApp, type Surface } from '../src/app';
import { composeApi } from '../src/compose';

export const TEST_HOOK_SECRET = 'test-hook-secret-0123456789';

export interface TestApi {
  app: ConveyorApp;
  db: TestDatabase;
  mongo: TestMongo;
  logStore: LogStore;
  /** A bearer token for a member of a tenant, signed with the api's test key. */
  tokenFor(caller: { tenantId: string; userId: string }): Promise<string>;
  /** A tenant with one (ADMIN) member and one workflow whose current version holds `definition`, and the member's token. */
  seedTenant(definition: unknown): Promise<TenantFixture & { token: string }>;
  /** Calls a Hasura action route (`create-api-key`, …) as Hasura would for a tenant admin's session. */
  callAction(path: string, input: object, admin: { tenantId: string; userId: string }): Promise<LightMyRequestResponse>;
  /** An API key of the admin's tenant, created through the createApiKey action as Hasura would call it. */
  apiKeyFor(admin: { tenantId: string; userId: string }, scopes: string[], expiresInDays?: number): Promise<CreatedApiKey>;
  /** The api's queues, to look at the jobs it added. */
  queues: Queues;
  queuePrefix: string;
  close(): Promise<void>;
}

/** The api wired to a database and a queue prefix of its own; only test files import this. */
export async function createTestApi(
  options: {
    label?: string;
    redisUrl?: string;
    databaseUrl?: string;
    mongoUrl?: string;
    db?: TestDatabase;
    queuePrefix?: string;
    /** Settings on top of the test defaults (env names, as in production). */
    env?: Record<string, string>;
    /** Which listener's routes to build (default: all of them, as in development). */
    surface?: Surface;
  } = {},
): Promise<TestApi> {
  const db = options.db ?? (await createTestDatabase(options.label ?? 'api'));
  const redisUrl = options.redisUrl ?? testServices().redisUrl;
  const queuePrefix = options.queuePrefix ?? `conveyor-test-${uniqueSuffix()}`;
  const mongo = await createTestMongo(options.label ?? 'api');
  const config = loadApiConfig({
    DATABASE_URL: options.databaseUrl ?? db.url,
    DATABASE_POOL_SIZE: '4',
    REDIS_URL: redisUrl,
    MONGO_URL: options.mongoUrl ?? mongo.url,
    QUEUE_PREFIX: queuePrefix,
    CONVEYOR_HOOK_SECRET: TEST_HOOK_SECRET,
    LOG_TAIL_POLL_MS: '50',
    ...options.env,
  });
  // The same composition as main.ts; a test may point it at an unreachable Redis (`/readyz` reports it).
  const composed = await composeApi(config, createLogger({ service: 'api', level: 'silent' }), { requireRedis: false });
  const { queues, redis, logStore } = composed.deps;
  const app = await buildApp(composed.deps, options.surface);
  return {
    app,
    db,
    mongo,
    logStore,
    tokenFor: (caller) => mintToken(caller, config.auth),
    async seedTenant(definition) {
      const fixture = await seedWorkflow(db.prisma, definition);
      return { ...fixture, token: await mintToken(fixture, config.auth) };
    },
    callAction: (path, input, admin) => callAction(app, path, input, admin),
    async apiKeyFor(admin, scopes, expiresInDays) {
      const response = await callAction(
        app,
        'create-api-key',
        { name: `test key ${uniqueSuffix()}`, scopes, expiresInDays },
        admin,
      );
      if (response.statusCode !== 200) throw new Error(`createApiKey answered ${response.statusCode}: ${response.body}`);
      return response.json();
    },
    queues,
    queuePrefix,
    async close() {
      await app.close();
      await queues.close().catch(() => undefined);
      // Closing a queue writes its meta key: the prefix is cleared after it (when Redis is reachable).
      const keys = await redis.keys(`${queuePrefix}*`).catch(() => []);
      if (keys.length > 0) await redis.del(...keys);
      await composed.close();
      await mongo.drop();
      if (!options.db) await db.drop();
    },
  };
}

export interface CreatedApiKey {
  id: string;
  key: string;
  prefix: string;
}

function callAction(app: ConveyorApp, path: string, input: object, admin: { tenantId: string; userId: string }) {
  return app.inject({
    method: 'POST',
    url: `/hooks/hasura/actions/${path}`,
    headers: { 'x-conveyor-hook-secret': TEST_HOOK_SECRET },
    payload: {
      action: { name: path },
      input,
      session_variables: {
        'x-hasura-role': 'tenant_admin',
        'x-hasura-user-id': admin.userId,
        'x-hasura-tenant-id': admin.tenantId,
      },
    },
  });
}

/**
 * A RUNNING run of `fixture` whose step `stepKey` waits for `event` of `key` (the step run's id when none
 * is given, as an approval's), as a worker leaves it: QUEUED, a StepWait row, an hour to go.
 */
export async function seedWaitingStep(
  api: Pick<TestApi, 'db'>,
  fixture: { tenantId: string; workflowId: string },
  { stepKey, event, key }: { stepKey: string; event: string; key?: string },
): Promise<{ runId: string; stepRunId: string }> {
  const { prisma } = api.db;
  const run = await prisma.workflowRun.create({
    data: { tenantId: fixture.tenantId, workflowId: fixture.workflowId, status: 'RUNNING' },
  });
  const step = await prisma.stepRun.create({
    data: {
      tenantId: fixture.tenantId,
      workflowRunId: run.id,
      stepKey,
      status: 'QUEUED',
      jobId: `step-${crypto.randomUUID()}-0`,
    },
  });
  const expiresAt = new Date(Date.now() + 3_600_000);
  await prisma.stepWait.create({
    data: { stepRunId: step.id, tenantId: fixture.tenantId, workflowRunId: run.id, event, key: key ?? step.id, expiresAt },
  });
  return { runId: run.id, stepRunId: step.id };
}
