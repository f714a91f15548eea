import type { TenantFixture } from '@conveyor/testing';
import type { Driver } from './drivers';
import type { BenchEnvironment } from './environment';
import type { WorkerProcess } from './processes';
import { atRate, mapLimit, pollUntil, sleep } from './stats';
import { sequentialWorkflow } from './workflows';

/** Producer requests in flight while a batch is started as fast as possible. */
export const PRODUCER_CONCURRENCY = 16;

export interface Batch {
  runs: number;
  steps: number;
  /** From the first run's start (producer clock) to the last run's finishedAt (PostgreSQL clock, same host). */
  ms: number;
  runsPerSec: number;
  stepsPerSec: number;
  workflowId: string;
}

/**
 * Starts `runs` runs of `definition` as fast as the producer goes and waits until every one has
 * SUCCEEDED (a FAILED or CANCELLED run aborts the benchmark). Throughput = runs / wall time.
 */
export async function runBatch(
  env: BenchEnvironment,
  driver: Driver,
  definition: { steps: unknown[] },
  runs: number,
  { timeoutMs, fixture }: { timeoutMs: number; fixture?: TenantFixture },
): Promise<Batch> {
  const seeded = fixture ?? (await driver.seed(definition));
  const started = Date.now();
  const produced = mapLimit(runs, PRODUCER_CONCURRENCY, async (n) => {
    await driver.start(seeded, { n });
  });
  await produced;
  const finishedAt = await waitForRuns(env, seeded.workflowId, runs, timeoutMs - (Date.now() - started));
  const ms = finishedAt - started;
  const steps = runs * definition.steps.length;
  return { runs, steps, ms, runsPerSec: (runs * 1000) / ms, stepsPerSec: (steps * 1000) / ms, workflowId: seeded.workflowId };
}

/** Waits until `count` runs of the workflow have SUCCEEDED; returns the last finishedAt (epoch ms). */
export async function waitForRuns(env: BenchEnvironment, workflowId: string, count: number, timeoutMs: number): Promise<number> {
  return pollUntil(
    `${count} runs of workflow ${workflowId} to succeed`,
    async () => {
      const { rows } = await env.pool.query<{ ok: string; bad: string; last: Date | null }>(
        `SELECT count(*) FILTER (WHERE "status" = 'SUCCEEDED') AS ok,
                count(*) FILTER (WHERE "status" IN ('FAILED', 'CANCELLED')) AS bad,
                max("finishedAt") AS last
           FROM "WorkflowRun" WHERE "workflowId" = $1`,
        [workflowId],
      );
      const row = rows[0];
      if (Number(row?.bad) > 0)
        throw new Error(`${row?.bad} runs of workflow ${workflowId} did not succeed: ${await firstError(env, workflowId)}`);
      return Number(row?.ok) >= count && row?.last ? row.last.getTime() : undefined;
    },
    Math.max(timeoutMs, 1_000),
    50,
  );
}

async function firstError(env: BenchEnvironment, workflowId: string): Promise<string> {
  const { rows } = await env.pool.query<{ error: unknown }>(
    `SELECT "error" FROM "WorkflowRun" WHERE "workflowId" = $1 AND "status" <> 'SUCCEEDED' AND "error" IS NOT NULL LIMIT 1`,
    [workflowId],
  );
  return JSON.stringify(rows[0]?.error ?? null);
}

export interface Latencies {
  /** WorkflowRun.createdAt → its first StepRun.startedAt, ms. */
  firstStartMs: number[];
  /** A step's finishedAt → the next sequential step's startedAt, ms (steps named s0, s1, …). */
  handoffMs: number[];
}

/** Both latencies of one workflow's runs, from PostgreSQL's timestamps (millisecond precision). */
export async function readLatencies(env: BenchEnvironment, workflowId: string): Promise<Latencies> {
  const first = await env.pool.query<{ ms: number }>(
    `SELECT (EXTRACT(EPOCH FROM min(s."startedAt") - r."createdAt") * 1000)::float8 AS ms
       FROM "WorkflowRun" r JOIN "StepRun" s ON s."workflowRunId" = r."id"
      WHERE r."workflowId" = $1 GROUP BY r."id", r."createdAt"`,
    [workflowId],
  );
  const handoff = await env.pool.query<{ ms: number }>(
    `SELECT (EXTRACT(EPOCH FROM s."startedAt" - p."finishedAt") * 1000)::float8 AS ms
       FROM "WorkflowRun" r
       JOIN "StepRun" s ON s."workflowRunId" = r."id" AND s."stepKey" <> 's0'
       JOIN "StepRun" p ON p."workflowRunId" = r."id" AND p."stepKey" = 's' || (substr(s."stepKey", 2)::int - 1)::text
      WHERE r."workflowId" = $1`,
    [workflowId],
  );
  return { firstStartMs: first.rows.map((row) => row.ms), handoffMs: handoff.rows.map((row) => row.ms) };
}

/** Lets queues and buffers settle between measurements. */
export const settle = () => sleep(500);

/** Starts runs (of the reference workflow by default) at plan.ratePerSec for plan.rateSeconds, waits for them, reads their latencies. */
export async function atFixedRate(
  env: BenchEnvironment,
  driver: Driver,
  { ratePerSec, rateSeconds }: { ratePerSec: number; rateSeconds: number },
  definition = sequentialWorkflow(3),
): Promise<Latencies> {
  const fixture = await driver.seed(definition);
  const runs = ratePerSec * rateSeconds;
  await atRate(runs, ratePerSec, async (n) => {
    await driver.start(fixture, { n });
  });
  await waitForRuns(env, fixture.workflowId, runs, 60_000);
  return readLatencies(env, fixture.workflowId);
}

/** A new worker process first runs a few reference runs (JIT, connection pools, caches), unmeasured. */
export async function warmUp(env: BenchEnvironment, driver: Driver, runs: number): Promise<void> {
  await runBatch(env, driver, sequentialWorkflow(3), runs, { timeoutMs: 120_000 });
  await settle();
}

/**
 * Conveyor and its yardstick side by side: the same number of processes each, both alive, measured
 * round for round in turn so that load from elsewhere on the machine weighs on both alike.
 */
export interface Contenders {
  processes: number;
  conveyor: Driver;
  workers: WorkerProcess[];
  raw: Driver;
  rawPids: number[];
}
