import { hasuraRunInsertedEvent, seedWebhookTrigger, type TenantFixture } from '@conveyor/testing';
import { BENCH_HOOK_SECRET } from './api';
import type { Driver } from './drivers';
import type { BenchEnvironment } from './environment';
import { generateLoad, type LoadArgs, type LoadResult, type LoadTarget, RUN_ID_PLACEHOLDER } from './load';
import { cpuMs, type ServiceSnapshot, serviceCpuBetween, serviceSnapshot } from './processes';
import { type RunCosts, startCosts, vacuumRunTables } from './run-costs';
import { pollUntil, type Summary, sleep, summarize } from './stats';
import { type StepTimes, stepTimes } from './step-times';
import { transformChainWorkflow } from './workflows';

const WORKFLOW = transformChainWorkflow();

/** The processes of the http scenario: one api, one worker, both at their defaults. */
export interface HttpProcesses {
  apiUrl: string;
  apiPid: number;
  workerPid: number;
  logLabel: string;
}

/**
 * CPU ms per run of each process involved. `postgres`: the backends connected to the bench database at the
 * end of the round (not FerretDB's, nor other sessions'); Redis and FerretDB serve other sessions too.
 */
export type CpuPerRun = Record<'api' | 'worker' | 'postgres' | 'redis' | 'ferretdb', number>;

/** What every round measures, from the first run's start until the last run of the round has finished. */
export interface Measured {
  /** Runs the round started (all finished when it is measured). */
  runs: number;
  insertToFinishMs: Summary;
  cpuMsPerRun: CpuPerRun;
  /** Every PostgreSQL process's CPU per run: FerretDB's backends (the execution logs), other sessions' work. */
  postgresAllCpuMsPerRun: number;
  costs: RunCosts;
  steps: StepTimes;
}

export interface HttpRound extends Measured {
  target: LoadTarget;
  /** Closed loop: the callers. */
  concurrency: number;
  /** Open loop: the fixed request rate. */
  ratePerSec?: number;
  load: LoadResult;
  windowSeconds: number;
  /** Runs created in the window that had SUCCEEDED by its end, per second of window. */
  completedPerSec: number;
  /** From the window's end until the last run created in it finished, ms. */
  drainMs: number;
  /**
   * Per second of the window (by creation): runs, those slower than 100 ms insert → finish, the slowest, and
   * the slowest insert → start (the run RUNNING: dispatch, queue and slot), which tells a wait from slow steps.
   */
  bySecond: { second: number; runs: number; over100Ms: number; maxMs: number; maxToStartMs: number }[];
}

/**
 * One round of the engine path or of HTTP load, on a fresh tenant and workflow (issue 14's) with
 * the run tables vacuumed first: `produce` starts runs, then every run is waited for and measured.
 */
export async function measureRound<T>(
  env: BenchEnvironment,
  processes: HttpProcesses,
  driver: Driver,
  produce: (fixture: TenantFixture) => Promise<T>,
  { timeoutMs, extraStatementsPerRun }: { timeoutMs: number; extraStatementsPerRun: (produced: T, runs: number) => number },
): Promise<{ produced: T; measured: Measured; workflowId: string; lastFinishedAt: number }> {
  const fixture = await driver.seed(WORKFLOW);
  await vacuumRunTables(env);
  const pids = [processes.apiPid, processes.workerPid];
  const costs = await startCosts(env, pids);
  const cpuBefore = pids.map(cpuMs);
  const servicesBefore = serviceSnapshot();
  const produced = await produce(fixture);
  const { runs, lastFinishedAt } = await waitForAll(env, fixture.workflowId, timeoutMs);
  await sleep(500);
  const [api = 0, worker = 0] = pids.map((pid, i) => cpuMs(pid) - (cpuBefore[i] ?? 0));
  const servicesAfter = serviceSnapshot();
  const services = serviceCpuBetween(servicesBefore, servicesAfter);
  const postgres = await benchBackendsCpu(env, servicesBefore, servicesAfter);
  const measured: Measured = {
    runs,
    insertToFinishMs: summarize((await runTimes(env, fixture.workflowId)).map((run) => run.finished - run.created)),
    cpuMsPerRun: {
      api: api / runs,
      worker: worker / runs,
      postgres: postgres / runs,
      redis: services.redis / runs,
      ferretdb: services.mongo / runs,
    },
    postgresAllCpuMsPerRun: services.postgres / runs,
    costs: await costs.finish(runs, extraStatementsPerRun(produced, runs)),
    steps: await stepTimes(env, {
      workflowId: fixture.workflowId,
      steps: runs * WORKFLOW.steps.length,
      logLabel: processes.logLabel,
    }),
  };
  return { produced, measured, workflowId: fixture.workflowId, lastFinishedAt };
}

/** A round of HTTP load: closed loop at `concurrency` callers, or open loop at `ratePerSec`. */
export async function measureHttpRound(
  env: BenchEnvironment,
  processes: HttpProcesses,
  driver: Driver,
  { target, concurrency, ratePerSec, seconds }: { target: LoadTarget; concurrency: number; ratePerSec?: number; seconds: number },
): Promise<HttpRound> {
  const {
    produced: load,
    measured,
    workflowId,
  } = await measureRound(
    env,
    processes,
    driver,
    async (fixture) =>
      generateLoad(
        {
          target,
          concurrency,
          ...(ratePerSec ? { ratePerSec } : {}),
          seconds,
          ...(await targetOf(env, processes.apiUrl, target, fixture)),
        },
        seconds * 1000 + 60_000,
      ),
    // The generator's batched INSERTs of the Hasura rows: an app's inserts, counted with the run.
    { timeoutMs: 600_000, extraStatementsPerRun: (result, runs) => result.insertStatements / runs },
  );
  const windowMs = load.endedAt - load.startedAt;
  const runs = await runTimes(env, workflowId);
  const completed = runs.filter((run) => run.created >= load.startedAt && run.finished <= load.endedAt).length;
  const lastFinished = Math.max(...runs.map((run) => run.finished));
  return {
    target,
    concurrency,
    ...(ratePerSec ? { ratePerSec } : {}),
    load,
    windowSeconds: windowMs / 1000,
    completedPerSec: (completed * 1000) / windowMs,
    drainMs: Math.max(0, lastFinished - load.endedAt),
    bySecond: bySecond(runs, load.startedAt),
    ...measured,
  };
}

function bySecond(runs: RunTimes[], startedAt: number): HttpRound['bySecond'] {
  const seconds = new Map<number, HttpRound['bySecond'][number]>();
  for (const run of runs) {
    const second = Math.floor((run.created - startedAt) / 1000);
    const entry = seconds.get(second) ?? { second, runs: 0, over100Ms: 0, maxMs: 0, maxToStartMs: 0 };
    const ms = run.finished - run.created;
    entry.runs++;
    if (ms > 100) entry.over100Ms++;
    entry.maxMs = Math.max(entry.maxMs, Math.round(ms));
    entry.maxToStartMs = Math.max(entry.maxToStartMs, Math.round(run.started - run.created));
    seconds.set(second, entry);
  }
  return [...seconds.values()].sort((a, b) => a.second - b.second);
}

async function targetOf(
  env: BenchEnvironment,
  apiUrl: string,
  target: LoadTarget,
  fixture: TenantFixture,
): Promise<Pick<LoadArgs, 'url' | 'headers' | 'rows'>> {
  if (target === 'hasura') {
    return {
      url: `${apiUrl}/hooks/hasura/events`,
      headers: { 'x-conveyor-hook-secret': BENCH_HOOK_SECRET },
      rows: {
        databaseUrl: env.databaseUrl,
        tenantId: fixture.tenantId,
        workflowId: fixture.workflowId,
        validateUrl: `${apiUrl}/hooks/hasura/validate/run-insert`,
        eventTemplate: JSON.stringify(
          hasuraRunInsertedEvent({
            id: RUN_ID_PLACEHOLDER,
            tenantId: fixture.tenantId,
            workflowId: fixture.workflowId,
            input: { n: 1 },
          }),
        ),
      },
    };
  }
  const trigger = await seedWebhookTrigger(env.prisma, fixture);
  return { url: `${apiUrl}/hooks/triggers/${trigger.triggerId}`, headers: { 'x-conveyor-trigger-secret': trigger.secret } };
}

/**
 * CPU of the PostgreSQL backends connected to the bench database now (the api's, the worker's and the
 * bench's pools), between the snapshots. A backend that exited in between (the generator's) is missing.
 */
async function benchBackendsCpu(env: BenchEnvironment, before: ServiceSnapshot, after: ServiceSnapshot): Promise<number> {
  const { rows } = await env.pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()');
  return rows.reduce((total, { pid }) => total + (after.get(pid)?.cpuMs ?? 0) - (before.get(pid)?.cpuMs ?? 0), 0);
}

/** Waits until no run of the workflow is unfinished; a FAILED or CANCELLED run aborts the benchmark. */
async function waitForAll(env: BenchEnvironment, workflowId: string, timeoutMs: number) {
  return pollUntil(
    `every run of workflow ${workflowId} to finish`,
    async () => {
      const { rows } = await env.pool.query<{ runs: string; open: string; bad: string; last: Date | null }>(
        `SELECT count(*) AS runs,
                count(*) FILTER (WHERE "status" NOT IN ('SUCCEEDED', 'FAILED', 'CANCELLED')) AS open,
                count(*) FILTER (WHERE "status" IN ('FAILED', 'CANCELLED')) AS bad,
                max("finishedAt") AS last
           FROM "WorkflowRun" WHERE "workflowId" = $1`,
        [workflowId],
      );
      const row = rows[0];
      if (Number(row?.bad) > 0) throw new Error(`${row?.bad} runs of workflow ${workflowId} did not succeed`);
      return Number(row?.open) === 0 && row?.last ? { runs: Number(row.runs), lastFinishedAt: row.last.getTime() } : undefined;
    },
    timeoutMs,
    100,
  );
}

/** createdAt and finishedAt (epoch ms) of every run of the workflow. */
interface RunTimes {
  created: number;
  started: number;
  finished: number;
}

async function runTimes(env: BenchEnvironment, workflowId: string): Promise<RunTimes[]> {
  const { rows } = await env.pool.query<RunTimes>(
    `SELECT (EXTRACT(EPOCH FROM "createdAt") * 1000)::float8 AS created, (EXTRACT(EPOCH FROM "startedAt") * 1000)::float8 AS started,
            (EXTRACT(EPOCH FROM "finishedAt") * 1000)::float8 AS finished
       FROM "WorkflowRun" WHERE "workflowId" = $1`,
    [workflowId],
  );
  return rows;
}
