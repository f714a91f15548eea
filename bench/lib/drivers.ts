import { dispatchRun, type RunRef } from '@conveyor/db';
import { createProducers, createQueues, createRedisConnection } from '@conveyor/queue';
import { seedWorkflow, type TenantFixture } from '@conveyor/testing';
import { Queue } from 'bullmq';
import type { BenchEnvironment } from './environment';
import type { sequentialWorkflow } from './workflows';

/**
 * Starts runs. Both drivers insert the WorkflowRun row with one plain INSERT (what Hasura does
 * for an app); Conveyor's then takes the api's path (`dispatchRun` + `enqueueRun`, as
 * apps/api/src/modules/runs/runs.service.ts does for a Hasura event), the raw one adds one job.
 */
export interface Driver {
  /** Every tenant this driver seeded. */
  tenantIds: string[];
  /**
   * A fresh tenant and workflow, so each batch of runs can be counted on its own. The tenant's
   * `maxConcurrentRuns` is UNCAPPED unless given: the benchmark measures the engine, and one
   * tenant at the default cap (10 running runs) is measured on its own in scenario 1.
   */
  seed(definition: object, options?: { maxConcurrentRuns?: number }): Promise<TenantFixture>;
  start(fixture: TenantFixture, input: RunInput): Promise<RunRef>;
  close(): Promise<void>;
}

/** A run's input: its number `n`, and what else its workflow reads (a map's `items`). */
export type RunInput = { n: number; [field: string]: unknown };

/** Tenant.maxConcurrentRuns of the benchmark's tenants: high enough never to hold a run back. */
export const UNCAPPED = 1_000_000;

const INSERT_RUN = `INSERT INTO "WorkflowRun" ("tenantId", "workflowId", "input") VALUES ($1, $2, $3::jsonb) RETURNING "id"`;

async function insertRun(env: BenchEnvironment, fixture: TenantFixture, input: object): Promise<RunRef> {
  const { rows } = await env.pool.query<{ id: string }>(INSERT_RUN, [
    fixture.tenantId,
    fixture.workflowId,
    JSON.stringify(input),
  ]);
  const runId = rows[0]?.id;
  if (!runId) throw new Error('run insert returned no id');
  return { tenantId: fixture.tenantId, runId };
}

export async function conveyorDriver(env: BenchEnvironment): Promise<Driver> {
  const connection = createRedisConnection(env.redisUrl, 'producer');
  await connection.connect();
  const queues = createQueues({ connection, prefix: env.queuePrefix });
  const producers = createProducers({ connection, prefix: env.queuePrefix, queues });
  const tenantIds: string[] = [];
  return {
    tenantIds,
    async seed(definition) {
      const fixture = await seedWorkflow(env.prisma, definition, { allowPrivateNetworks: ['127.0.0.1/32'] });
      // The platform's throughput is measured, not the per-tenant cap (Tenant.maxConcurrentRuns, 10 by default).
      await env.prisma.tenant.update({ where: { id: fixture.tenantId }, data: { maxConcurrentRuns: 100_000 } });
      tenantIds.push(fixture.tenantId);
      return fixture;
    },
    async start(fixture, input) {
      const ref = await insertRun(env, fixture, input);
      const outcome = await dispatchRun(env.pool, ref);
      if (outcome.kind !== 'queued') throw new Error(`dispatch of run ${ref.runId}: ${outcome.kind}`);
      await producers.enqueueRun(ref);
      return ref;
    },
    async close() {
      await queues.close();
      connection.disconnect();
    },
  };
}

/** The raw core loop's producer: the run row, then one BullMQ job carrying the step count. */
export function coreLoopDriver(env: BenchEnvironment, queueName: string): Driver {
  const queue = new Queue(queueName, { connection: { url: env.redisUrl }, prefix: env.queuePrefix });
  const stepsOf = new Map<string, number>();
  const tenantIds: string[] = [];
  return {
    tenantIds,
    async seed(definition) {
      const fixture = await seedWorkflow(env.prisma, definition, { allowPrivateNetworks: ['127.0.0.1/32'] });
      tenantIds.push(fixture.tenantId);
      stepsOf.set(fixture.workflowId, (definition as ReturnType<typeof sequentialWorkflow>).steps.length);
      return fixture;
    },
    async start(fixture, input) {
      const ref = await insertRun(env, fixture, input);
      await queue.add('run', { ...ref, steps: stepsOf.get(fixture.workflowId) ?? 3 }, { removeOnComplete: true });
      return ref;
    },
    close: () => queue.close(),
  };
}
