// Scenario 7 — runs entered over HTTP (issue 14): one api and one worker at their defaults, a load generator
// in its own process against a webhook trigger and against Hasura's event hook, closed loop at 10 and 50
// callers, then open loop at half the peak; the engine path (insert + dispatch + enqueue from the bench, as
// scenario 1) with the same worker in the same run is the yardstick. Per round: accepted/s, completed/s inside
// the window, drain, insert → finish, CPU per run by process, and per-run database and Redis costs.
import { startConveyorApi } from '../lib/api';
import { conveyorDriver } from '../lib/drivers';
import type { BenchEnvironment } from '../lib/environment';
import { type HttpProcesses, type HttpRound, type Measured, measureHttpRound, measureRound } from '../lib/http-round';
import type { LoadTarget } from '../lib/load';
import { PRODUCER_CONCURRENCY } from '../lib/measure';
import type { Plan } from '../lib/plan';
import { startConveyorWorker } from '../lib/processes';
import type { Report } from '../lib/report';
import { forgetStatementCounts, STATEMENT_COUNT_PRELOAD } from '../lib/run-costs';
import { mapLimit } from '../lib/stats';
import { reportHttp } from './http-report';

/** The log store label of the scenario's api and worker: a fresh one, so earlier scenarios' lines do not weigh. */
const LOG_LABEL = 'http-logs';
const TARGETS: LoadTarget[] = ['webhook', 'hasura'];
/** Statements the bench itself sends per engine-path run: the INSERT and the dispatch UPDATE. */
const PRODUCER_STATEMENTS_PER_RUN = 2;
const WARMUP = { runs: 200, seconds: 3, concurrency: 10 };

export interface EnginePath extends Measured {
  runsPerSec: number;
}

export interface HttpResults {
  engine: EnginePath;
  rounds: HttpRound[];
  /** Open loop at half of each target's best completed/s. */
  halfPeak: HttpRound[];
}

export async function measureHttp(
  env: BenchEnvironment,
  plan: Plan,
  report: Report,
  options: { logLevel: string; nodeOptions: string },
  /** The caller's cleanups (run on SIGINT or by its hang guard): the scenario adds the stop of its processes. */
  cleanups: (() => Promise<unknown>)[],
): Promise<HttpResults> {
  const nodeOptions = `${options.nodeOptions} --require ${STATEMENT_COUNT_PRELOAD}`.trim();
  const driver = await conveyorDriver(env);
  const stops: (() => Promise<void>)[] = [() => driver.close()];
  let stopping: Promise<void> | undefined;
  const stopAll = () => {
    stopping ??= (async () => {
      for (const stop of stops) await stop().catch((error: unknown) => console.error('http scenario cleanup:', error));
    })();
    return stopping;
  };
  cleanups.push(stopAll);
  try {
    const api = await startConveyorApi(env, { logLabel: LOG_LABEL, logLevel: options.logLevel, nodeOptions });
    stops.unshift(() => api.stop());
    const worker = await startConveyorWorker(env, 'http-worker', {
      logLevel: options.logLevel,
      nodeOptions,
      // The worker's defaults: no concurrency, pool size or private-network setting of the benchmark's.
      env: {
        WORKER_CONCURRENCY: undefined,
        DATABASE_POOL_SIZE: undefined,
        HTTP_ALLOW_PRIVATE_NETWORKS: undefined,
        MONGO_URL: env.mongoDb(LOG_LABEL).url,
      },
    });
    stops.unshift(() => worker.stop());
    const processes: HttpProcesses = { apiUrl: api.url, apiPid: api.pid, workerPid: worker.pid, logLabel: LOG_LABEL };
    stops.push(async () => forgetStatementCounts([api.pid, worker.pid]));

    await engineRound(env, processes, driver, WARMUP.runs);
    await measureHttpRound(env, processes, driver, {
      target: 'webhook',
      concurrency: WARMUP.concurrency,
      seconds: WARMUP.seconds,
    });
    const engine = await engineRound(env, processes, driver, plan.httpEngineRuns);
    console.log(`  engine path: ${engine.runsPerSec.toFixed(1)} runs/s`);
    const rounds: HttpRound[] = [];
    for (const target of TARGETS) {
      for (const concurrency of plan.httpConcurrencies) {
        rounds.push(await measureHttpRound(env, processes, driver, { target, concurrency, seconds: plan.httpWindowSeconds }));
        console.log(`  ${describe(rounds.at(-1))}`);
      }
    }
    const halfPeak: HttpRound[] = [];
    for (const target of TARGETS) {
      const peak = Math.max(...rounds.filter((round) => round.target === target).map((round) => round.completedPerSec));
      const ratePerSec = Math.max(1, Math.round(peak / 2));
      const concurrency = Math.max(...plan.httpConcurrencies);
      halfPeak.push(
        await measureHttpRound(env, processes, driver, { target, concurrency, ratePerSec, seconds: plan.httpWindowSeconds }),
      );
      console.log(`  ${describe(halfPeak.at(-1))}`);
      const slow = halfPeak
        .at(-1)
        ?.bySecond.map((s) => `${s.second}:${s.over100Ms}/${s.runs} ≤${s.maxMs}ms (start ≤${s.maxToStartMs})`);
      console.log(`    runs over 100 ms by second of the window: ${slow?.join(', ')}`);
    }
    const results: HttpResults = { engine, rounds, halfPeak };
    report.detail('http', results);
    reportHttp(report, results);
    return results;
  } finally {
    await stopAll();
  }
}

/** The engine path: `runs` runs inserted, dispatched and enqueued from the bench (PRODUCER_CONCURRENCY at once). */
async function engineRound(
  env: BenchEnvironment,
  processes: HttpProcesses,
  driver: Awaited<ReturnType<typeof conveyorDriver>>,
  runs: number,
): Promise<EnginePath> {
  const {
    produced: startedAt,
    measured,
    lastFinishedAt,
  } = await measureRound(
    env,
    processes,
    driver,
    async (fixture) => {
      const started = Date.now();
      await mapLimit(runs, PRODUCER_CONCURRENCY, async (n) => {
        await driver.start(fixture, { n });
      });
      return started;
    },
    { timeoutMs: 300_000, extraStatementsPerRun: () => PRODUCER_STATEMENTS_PER_RUN },
  );
  return { ...measured, runsPerSec: (measured.runs * 1000) / (lastFinishedAt - startedAt) };
}

function describe(round: HttpRound | undefined): string {
  if (!round) return '';
  const how = round.ratePerSec ? `${round.ratePerSec} req/s open loop` : `${round.concurrency} callers`;
  const ok = Object.entries(round.load.statuses)
    .map(([status, count]) => `${status}: ${count}`)
    .join(', ');
  return `${round.target}, ${how}: ${round.completedPerSec.toFixed(1)} completed/s in the window (${ok}; errors ${round.load.errors}), drain ${(round.drainMs / 1000).toFixed(1)} s, insert → finish p50 ${Math.round(round.insertToFinishMs.p50)} ms`;
}
