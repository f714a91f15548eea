// Scenario 8 (second half) — issue 15's waiting runs: what `plan.waitingRuns` runs parked in a
// `waitForEvent` step cost in Redis and PostgreSQL, whether they slow the reference workflow (runs/s, and
// insert → finish at a fixed rate; measured before them, next to them and after them, in this run) or
// the reconciler's pass, and how fast events then finish them.
import type { Driver } from '../lib/drivers';
import type { BenchEnvironment } from '../lib/environment';
import type { FlowClients } from '../lib/flow-clients';
import {
  liveRowBytes,
  type PgFootprint,
  pgFootprint,
  pgGrowth,
  type RedisFootprint,
  redisFootprint,
  redisGrowth,
  vacuumRunTables,
} from '../lib/footprint';
import { PRODUCER_CONCURRENCY, runBatch, settle, waitForRuns, warmUp } from '../lib/measure';
import type { Plan } from '../lib/plan';
import { cpuMs, type ServiceCpu, serviceCpuBetween, serviceSnapshot } from '../lib/processes';
import type { Report } from '../lib/report';
import { atRate, mapLimit, pollUntil, type Summary, sleep, summarize } from '../lib/stats';
import { sequentialWorkflow, WAIT_EVENT, waitingWorkflow, waitKey } from '../lib/workflows';
import { reportWaiting, withoutSamples } from './waiting-report';

/** Reference runs started per second in the fixed-rate window (about a sixth of one worker's capacity here). */
const RATE_PER_SEC = 50;
/** The worker's RECONCILER_STALE_AFTER_MS (its default): a wait younger than this is not yet in the reconciler's scan. */
const STALE_AFTER_MS = 5_000;

/** The reference workflow measured under one condition (without waiting runs, or next to them). */
export interface Condition {
  runs: number;
  runsPerSec: number;
  /** CPU (user + system) of the worker process, and of the services' processes (other sessions' included), per run of the saturated rounds, ms. */
  workerCpuMsPerRun: number;
  serviceCpuMsPerRun: ServiceCpu;
  ratePerSec: number;
  /** Insert → finish of the runs started at RATE_PER_SEC (open loop), ms. */
  atRate: Summary;
  atRateSamples: number[];
}

export interface WaitingResult {
  waitingRuns: number;
  before: Condition;
  next: Condition;
  after: Condition;
  reconcileMs: { without: number[]; with: number[] };
  reconcileRepairs: unknown[];
  /** The repairs that read open runs and steps, timed one by one after the passes. */
  repairMs: { without: Record<string, number>; with: Record<string, number> };
  /** Runs started into their wait per second (first insert → the last StepWait row). */
  startedPerSec: number;
  redis: ReturnType<typeof redisGrowth>;
  pg: ReturnType<typeof pgGrowth>;
  liveBytes: Awaited<ReturnType<typeof liveRowBytes>>;
  /** Live bytes of one finished reference run, for scale. */
  referenceLiveBytes: number;
  events: { sent: number; delivered: number; sendMs: number; finishMs: number; eventsPerSec: number };
}

export async function measureWaitingRuns(
  env: BenchEnvironment,
  plan: Plan,
  report: Report,
  { driver, clients, workerPid }: { driver: Driver; clients: FlowClients; workerPid: number },
): Promise<WaitingResult> {
  const n = plan.waitingRuns;
  // The rounds before the waiting runs follow other work (the maps): a warm-up first, as for a new worker.
  await warmUp(env, driver, plan.warmupRuns);
  const before = await referenceRuns(env, plan, driver, workerPid);
  const reconcileWithout = await reconcilePasses(clients, plan.reconcilePasses);
  const snapshot = async () => {
    await vacuumRunTables(env);
    return { pg: await pgFootprint(env), redis: await redisFootprint(env) };
  };
  const empty = await snapshot();
  const fixture = await driver.seed(waitingWorkflow());
  const startedPerSec = await startWaiting(env, driver, fixture, n);
  await sleep(STALE_AFTER_MS + 1_000); // settled, and old enough for the reconciler's scan of waiting steps
  const full = await snapshot();
  const liveBytes = await liveRowBytes(env, fixture.workflowId);
  const reconcileWith = await reconcilePasses(clients, plan.reconcilePasses);
  const next = await referenceRuns(env, plan, driver, workerPid);
  const events = await sendEvents(env, clients, fixture, n);
  const after = await referenceRuns(env, plan, driver, workerPid);
  const result: WaitingResult = {
    waitingRuns: n,
    before,
    next,
    after,
    reconcileMs: { without: reconcileWithout.ms, with: reconcileWith.ms },
    reconcileRepairs: [...reconcileWithout.repairs, ...reconcileWith.repairs],
    repairMs: { without: reconcileWithout.repairMs, with: reconcileWith.repairMs },
    startedPerSec,
    ...growth(empty, full),
    liveBytes,
    referenceLiveBytes: await referenceLiveBytes(env, before.workflowIds[0] ?? ''),
    events,
  };
  report.detail('waiting', {
    ...result,
    before: withoutSamples(before),
    next: withoutSamples(next),
    after: withoutSamples(after),
  });
  reportWaiting(report, result);
  return result;
}

function growth(empty: { pg: PgFootprint; redis: RedisFootprint }, full: { pg: PgFootprint; redis: RedisFootprint }) {
  return { redis: redisGrowth(empty.redis, full.redis), pg: pgGrowth(empty.pg, full.pg) };
}

/** Saturated rounds of the reference workflow, then a window at a fixed rate; the run tables vacuumed before each. */
async function referenceRuns(
  env: BenchEnvironment,
  plan: Plan,
  driver: Driver,
  workerPid: number,
): Promise<Condition & { workflowIds: string[] }> {
  let runs = 0;
  let ms = 0;
  let workerCpu = 0;
  const serviceCpu: ServiceCpu = { postgres: 0, redis: 0, mongo: 0 };
  const workflowIds: string[] = [];
  for (let i = 0; i < plan.waitingRounds; i++) {
    await vacuumRunTables(env);
    const cpuBefore = cpuMs(workerPid);
    const servicesBefore = serviceSnapshot();
    const batch = await runBatch(env, driver, sequentialWorkflow(3), plan.waitingRefRuns, { timeoutMs: 300_000 });
    runs += batch.runs;
    ms += batch.ms;
    workflowIds.push(batch.workflowId);
    workerCpu += cpuMs(workerPid) - cpuBefore;
    const used = serviceCpuBetween(servicesBefore, serviceSnapshot());
    for (const service of ['postgres', 'redis', 'mongo'] as const) serviceCpu[service] += used[service];
    await settle();
  }
  await vacuumRunTables(env);
  const fixture = await driver.seed(sequentialWorkflow(3));
  const count = RATE_PER_SEC * plan.rateSeconds;
  await atRate(count, RATE_PER_SEC, async (i) => {
    await driver.start(fixture, { n: i });
  });
  await waitForRuns(env, fixture.workflowId, count, 120_000);
  const { rows } = await env.pool.query<{ ms: number }>(
    `SELECT (extract(epoch FROM "finishedAt" - "createdAt") * 1000)::float8 AS ms FROM "WorkflowRun" WHERE "workflowId" = $1`,
    [fixture.workflowId],
  );
  const samples = rows.map((row) => row.ms);
  await settle();
  return {
    runs,
    runsPerSec: (runs * 1000) / ms,
    workerCpuMsPerRun: workerCpu / runs,
    serviceCpuMsPerRun: { postgres: serviceCpu.postgres / runs, redis: serviceCpu.redis / runs, mongo: serviceCpu.mongo / runs },
    ratePerSec: RATE_PER_SEC,
    atRate: summarize(samples),
    atRateSamples: samples,
    workflowIds,
  };
}

async function reconcilePasses(clients: FlowClients, passes: number) {
  const ms: number[] = [];
  const repairs: unknown[] = [];
  for (let i = 0; i < passes; i++) {
    const pass = await clients.reconcilePass();
    ms.push(pass.ms);
    repairs.push(pass.repairs);
  }
  return { ms, repairs, repairMs: await clients.repairTimes() };
}

/** Starts `count` runs of the waiting workflow and waits until each one's step waits; runs/s. */
async function startWaiting(env: BenchEnvironment, driver: Driver, fixture: Awaited<ReturnType<Driver['seed']>>, count: number) {
  const started = Date.now();
  await mapLimit(count, PRODUCER_CONCURRENCY, async (n) => {
    await driver.start(fixture, { n });
  });
  const lastWait = await pollUntil(
    `${count} steps to wait`,
    async () => {
      const { rows } = await env.pool.query<{ waits: string; last: Date | null }>(
        `SELECT count(*) AS waits, max("createdAt") AS last FROM "StepWait" WHERE "tenantId" = $1`,
        [fixture.tenantId],
      );
      return Number(rows[0]?.waits) >= count ? rows[0]?.last?.getTime() : undefined;
    },
    900_000,
    200,
  );
  return (count * 1000) / (lastWait - started);
}

/** One event per waiting run, sent as POST /v1/events does (`runs.sendEvent`), then every run waited for. */
async function sendEvents(
  env: BenchEnvironment,
  clients: FlowClients,
  fixture: { tenantId: string; workflowId: string },
  count: number,
) {
  let delivered = 0;
  const started = Date.now();
  await mapLimit(count, PRODUCER_CONCURRENCY, async (n) => {
    const sent = await clients.runs.sendEvent(
      { tenantId: fixture.tenantId, event: WAIT_EVENT, key: waitKey(n) },
      { payload: { n } },
    );
    delivered += Number(sent.delivered);
  });
  const sendMs = Date.now() - started;
  const finishedAt = await waitForRuns(env, fixture.workflowId, count, 900_000);
  const finishMs = finishedAt - started;
  return { sent: count, delivered, sendMs, finishMs, eventsPerSec: (count * 1000) / finishMs };
}

/** Live bytes of one finished run of a workflow (its rows in every table, averaged over its runs). */
async function referenceLiveBytes(env: BenchEnvironment, workflowId: string): Promise<number> {
  const live = await liveRowBytes(env, workflowId);
  const runs = live.WorkflowRun?.rows ?? 0;
  return runs === 0 ? Number.NaN : Object.values(live).reduce((sum, table) => sum + table.bytes, 0) / runs;
}
