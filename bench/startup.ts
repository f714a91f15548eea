// `npm run bench:startup [-- --starts=<n>] [--runs=<n>]`: start-up time and memory of the production build
// (`node --enable-source-maps apps/<app>/dist/main.js`, what the image and `npm start` run) against the
// TypeScript source under tsx (`node --import tsx apps/<app>/src/main.ts`), in one run on this machine.
// It builds first (`npm run build`'s code), then starts the api and the worker `--starts` times (5) under
// each runtime, alternating, on a database, Redis prefix and log store of its own: spawn → /readyz 200
// in ms, CPU used until then, RSS at ready, and for the worker its RSS after `--runs` (200) runs of a
// 3-transform workflow whose middle step calls a function (so the expression processes evaluate it).
// Reports medians and the ratio dist / tsx, and writes bench/results/<timestamp>-startup.json.
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type AppRuntime, freePort, repoRoot, type ServiceProcess, startService } from '@conveyor/testing';
import { buildBundles } from '../scripts/build/bundles';
import { conveyorDriver } from './lib/drivers';
import { createBenchEnvironment } from './lib/environment';
import { childPids, cpuMs, rssMiB, startConveyorWorker } from './lib/processes';
import { mapLimit, median, pollUntil, ratio, round } from './lib/stats';

const flag = (name: string) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const STARTS = Number(flag('starts') ?? 5);
const RUNS = Number(flag('runs') ?? 200);
const CALLERS = 20;
const RUNTIMES: readonly AppRuntime[] = ['tsx', 'dist'];
/** How often readiness is polled: the resolution of the start-up times. */
const POLL_MS = 10;
/** On this shared machine a start has taken over 60 s under other sessions' load. */
const READY_TIMEOUT_MS = 180_000;

const transform = (key: string, value: string, dependsOn?: string) => ({
  key,
  action: { app: 'core', version: '1', key: 'transform' },
  input: { value },
  ...(dependsOn ? { dependsOn: [dependsOn] } : {}),
});
const WORKFLOW = {
  steps: [
    transform('s0', '{{ input.n + 1 }}'),
    transform('s1', '{{ $string(steps.s0.output * 2) }}', 's0'),
    transform('s2', '{{ steps.s1.output }}', 's1'),
  ],
};

const started = Date.now();
console.log('building (scripts/build/bundles.ts)');
await buildBundles(repoRoot);
const env = await createBenchEnvironment();
const driver = await conveyorDriver(env);
let exitCode = 0;
try {
  const samples: Sample[] = [];
  for (let round = 1; round <= STARTS; round++) {
    for (const runtime of round % 2 ? RUNTIMES : [...RUNTIMES].reverse()) {
      samples.push(await startApi(runtime));
      samples.push(await startWorker(runtime));
    }
  }
  const summary = summarize(samples);
  const file = path.join(import.meta.dirname, 'results', `${new Date(started).toISOString().replace(/[:.]/g, '-')}-startup.json`);
  await mkdir(path.dirname(file), { recursive: true });
  const commit = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  await writeFile(file, `${JSON.stringify({ commit, starts: STARTS, runs: RUNS, summary, samples }, roundAll, 2)}\n`);
  console.log(`results: ${file}`);
} catch (error) {
  console.error('failed:', error);
  exitCode = 1;
} finally {
  await driver.close();
  await env.cleanup();
}
process.exit(exitCode);

async function startApi(runtime: AppRuntime): Promise<Sample> {
  const port = await freePort();
  const begun = performance.now();
  const service = await startService(
    'api',
    {
      DATABASE_URL: env.databaseUrl,
      REDIS_URL: env.redisUrl,
      QUEUE_PREFIX: env.queuePrefix,
      MONGO_URL: env.mongoDb('logs').url,
      API_PORT: String(port),
      LOG_LEVEL: 'warn',
    },
    { readyUrl: `http://127.0.0.1:${port}/readyz`, runtime, pollMs: POLL_MS, timeoutMs: READY_TIMEOUT_MS },
  );
  return atReady('api', runtime, service, begun, async () => {
    await service.stop('SIGTERM', 15_000);
  });
}

async function startWorker(runtime: AppRuntime): Promise<Sample> {
  const begun = performance.now();
  const worker = await startConveyorWorker(env, `worker-${runtime}`, {
    runtime,
    readyPollMs: POLL_MS,
    readyTimeoutMs: READY_TIMEOUT_MS,
  });
  return atReady('worker', runtime, worker.service, begun, async (sample) => {
    const fixture = await driver.seed(WORKFLOW);
    await mapLimit(RUNS, CALLERS, (n) => driver.start(fixture, { n }).then(() => undefined));
    Object.assign(sample, await finishedRuns(fixture.workflowId));
    sample.rssAfterRunsMiB = rssMiB(worker.pid);
    sample.childrenRssAfterRunsMiB = childPids(worker.pid).reduce((sum, pid) => sum + (rssMiB(pid) || 0), 0);
    await worker.stop();
  });
}

/** Waits until every run of the workflow has ended; a failed one is counted, with the first step error, not thrown. */
async function finishedRuns(workflowId: string): Promise<Pick<Sample, 'failedRuns' | 'firstStepError'>> {
  const failedRuns = await pollUntil(
    `${RUNS} runs of workflow ${workflowId} to end`,
    async () => {
      const { rows } = await env.pool.query<{ ended: string; failed: string }>(
        `SELECT count(*) FILTER (WHERE "status" IN ('SUCCEEDED', 'FAILED', 'CANCELLED')) AS ended,
                count(*) FILTER (WHERE "status" <> 'SUCCEEDED') AS failed
           FROM "WorkflowRun" WHERE "workflowId" = $1`,
        [workflowId],
      );
      return Number(rows[0]?.ended) >= RUNS ? Number(rows[0]?.failed) : undefined;
    },
    180_000,
    50,
  );
  if (failedRuns === 0) return { failedRuns };
  const { rows } = await env.pool.query<{ error: string }>(
    `SELECT s."error"::text AS error FROM "StepRun" s JOIN "WorkflowRun" r ON r."id" = s."workflowRunId"
      WHERE r."workflowId" = $1 AND s."status" = 'FAILED' LIMIT 1`,
    [workflowId],
  );
  return { failedRuns, firstStepError: rows[0]?.error ?? 'none recorded' };
}

/** The sample at ready (time, CPU, RSS), completed by `then` before the process is stopped. */
async function atReady(
  app: Sample['app'],
  runtime: AppRuntime,
  service: ServiceProcess,
  begun: number,
  then: (sample: Sample) => Promise<void>,
): Promise<Sample> {
  const readyMs = performance.now() - begun;
  const pid = service.child.pid ?? -1;
  const sample: Sample = { app, runtime, readyMs, cpuMsToReady: cpuMs(pid), rssAtReadyMiB: rssMiB(pid) };
  try {
    await then(sample);
  } finally {
    await service.stop('SIGKILL');
  }
  console.log(
    `  ${app} (${runtime}): ${Object.entries(sample)
      .slice(2)
      .map(([key, value]) => `${key} ${typeof value === 'number' ? round(value) : value}`)
      .join(', ')}`,
  );
  return sample;
}

/** Per app and runtime, the median of each figure; and per app, dist's median ÷ tsx's. */
function summarize(samples: Sample[]) {
  const figures = ['readyMs', 'cpuMsToReady', 'rssAtReadyMiB', 'rssAfterRunsMiB', 'childrenRssAfterRunsMiB'] as const;
  const medians = (app: Sample['app'], runtime: AppRuntime) => {
    const mine = samples.filter((sample) => sample.app === app && sample.runtime === runtime);
    const entries = figures.map((figure) => [figure, median(mine.flatMap((sample) => sample[figure] ?? []))] as const);
    return Object.fromEntries(entries.filter(([, value]) => Number.isFinite(value)));
  };
  const summary = Object.fromEntries(
    (['api', 'worker'] as const).map((app) => {
      const tsx = medians(app, 'tsx');
      const dist = medians(app, 'dist');
      const ratios = Object.fromEntries(
        Object.keys(dist).map((figure) => [figure, ratio(dist[figure] ?? Number.NaN, tsx[figure] ?? Number.NaN)]),
      );
      return [app, { tsx, dist, distOverTsx: ratios }];
    }),
  );
  console.table(
    Object.entries(summary).flatMap(([app, { tsx, dist, distOverTsx }]) =>
      Object.keys(tsx).map((figure) => ({
        app,
        figure,
        tsx: round(tsx[figure] ?? Number.NaN),
        dist: round(dist[figure] ?? Number.NaN),
        'dist/tsx': round(distOverTsx[figure] ?? Number.NaN),
      })),
    ),
  );
  return summary;
}

function roundAll(_key: string, value: unknown): unknown {
  return typeof value === 'number' ? round(value) : value;
}

interface Sample {
  app: 'api' | 'worker';
  runtime: AppRuntime;
  /** Spawn → /readyz answered 200. */
  readyMs: number;
  /** CPU (user + system) the process used until then. */
  cpuMsToReady: number;
  rssAtReadyMiB: number;
  /** The worker's own RSS after RUNS runs. */
  rssAfterRunsMiB?: number;
  /** Its expression processes' RSS, summed, after those runs. */
  childrenRssAfterRunsMiB?: number;
  /** Runs of those that did not succeed (each start is measured all the same), and why the first step failed. */
  failedRuns?: number;
  firstStepError?: string;
}
