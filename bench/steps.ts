// `npm run bench:steps [-- --runs=<n>] [--worker-node-options=<...>] [--worker-env=K=V,K=V] [--label=<name>]`: where a step's wall-clock time goes.
// One Conveyor worker at its defaults (WORKER_CONCURRENCY, DATABASE_POOL_SIZE unset) runs the 3-transform
// workflow of issue 14 (`{{ input.n + 1 }}`, `* 2`, `+ 3`), its runs inserted straight into PostgreSQL and
// dispatched (the engine path) by 50 concurrent producers, then at a fixed rate below saturation. Per step:
// span (StepRun finishedAt − startedAt), the attempt's own time (`durationMs` of its "step succeeded" log
// line), overhead = span − attempt, and the hand-off (next startedAt − finishedAt). Writes
// bench/results/<timestamp>-steps.json. See BENCHMARKS.md.
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { conveyorDriver } from './lib/drivers';
import { createBenchEnvironment } from './lib/environment';
import { waitForRuns } from './lib/measure';
import {
  cpuMs,
  type ServiceCpu,
  serviceCpuBetween,
  serviceSnapshot,
  startConveyorWorker,
  WORKER_LOG_DATABASE,
} from './lib/processes';
import { atRate, mapLimit, round, type Summary, sleep } from './lib/stats';
import { stepTimes } from './lib/step-times';
import { transformChainWorkflow } from './lib/workflows';

const flag = (name: string) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const RUNS = Number(flag('runs') ?? 1_000);
const CALLERS = 50;
const RATE = { perSec: 30, seconds: 5 };
const WARMUP_RUNS = 100;
const LABEL = flag('label') ?? 'steps';
const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8' }).trim();
/** The code the worker ran: HEAD, and whether apps/ or packages/ differed from it (e.g. an older commit checked out there). */
const SOURCE = {
  commit: git('rev-parse', 'HEAD'),
  appsAndPackagesChanged: git('status', '--porcelain', '--', 'apps', 'packages') !== '',
};

/** Issue 14's workflow: three transforms, each a plain template. */
const WORKFLOW = transformChainWorkflow();

interface StepTimes {
  runs: number;
  runsPerSec: number;
  workerCpuCores: number;
  /** CPU ms per run of each shared service (PostgreSQL includes FerretDB's backend and any other session's work). */
  serviceCpuMsPerRun: ServiceCpu;
  spanMs: Summary;
  attemptMs: Summary;
  overheadMs: Summary;
  handoffMs: Summary;
  firstStartMs: Summary;
}

const env = await createBenchEnvironment();
const driver = await conveyorDriver(env);
const worker = await startConveyorWorker(env, 'worker-1', {
  nodeOptions: flag('worker-node-options') ?? '',
  env: {
    WORKER_CONCURRENCY: undefined,
    DATABASE_POOL_SIZE: undefined,
    ...Object.fromEntries(
      (flag('worker-env') ?? '')
        .split(',')
        .filter(Boolean)
        .map((pair) => pair.split('=', 2)),
    ),
  },
});
let exitCode = 0;
try {
  await measure(
    'warm-up',
    (fixture) => mapLimit(WARMUP_RUNS, CALLERS, (n) => driver.start(fixture, { n }).then(() => undefined)),
    WARMUP_RUNS,
  );
  const saturated = await measure(
    `saturation: ${RUNS} runs by ${CALLERS} concurrent callers`,
    (fixture) => mapLimit(RUNS, CALLERS, (n) => driver.start(fixture, { n }).then(() => undefined)),
    RUNS,
  );
  const atFixedRate = await measure(
    `fixed rate: ${RATE.perSec} runs/s for ${RATE.seconds} s`,
    (fixture) => atRate(RATE.perSec * RATE.seconds, RATE.perSec, (n) => driver.start(fixture, { n }).then(() => undefined)),
    RATE.perSec * RATE.seconds,
  );
  const file = path.join(import.meta.dirname, 'results', `${new Date().toISOString().replace(/[:.]/g, '-')}-steps-${LABEL}.json`);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(
    file,
    `${JSON.stringify({ label: LABEL, source: SOURCE, runs: RUNS, callers: CALLERS, rate: RATE, saturated, atFixedRate }, roundAll, 2)}\n`,
  );
  console.log(`results: ${file}`);
} catch (error) {
  console.error('failed:', error);
  exitCode = 1;
} finally {
  await worker.stop();
  await driver.close();
  await env.cleanup();
}
process.exit(exitCode);

async function measure(
  title: string,
  produce: (fixture: Awaited<ReturnType<typeof driver.seed>>) => Promise<void>,
  runs: number,
) {
  const fixture = await driver.seed(WORKFLOW);
  const cpuBefore = cpuMs(worker.pid);
  const servicesBefore = serviceSnapshot();
  const started = Date.now();
  await produce(fixture);
  const last = await waitForRuns(env, fixture.workflowId, runs, 300_000);
  const cpu = (cpuMs(worker.pid) - cpuBefore) / (last - started);
  const services = serviceCpuBetween(servicesBefore, serviceSnapshot());
  const serviceCpuMsPerRun = { postgres: services.postgres / runs, redis: services.redis / runs, mongo: services.mongo / runs };
  const times = await stepTimes(env, {
    workflowId: fixture.workflowId,
    steps: runs * WORKFLOW.steps.length,
    logLabel: WORKER_LOG_DATABASE,
  });
  const result: StepTimes = {
    runs,
    runsPerSec: (runs * 1000) / (last - started),
    workerCpuCores: cpu,
    serviceCpuMsPerRun,
    ...times,
  };
  const line = (name: string, s: Summary) => `${name} p50 ${round(s.p50)} / p99 ${round(s.p99)} ms`;
  console.log(
    `${title}: ${round(result.runsPerSec)} runs/s, worker ${round(cpu)} cores, CPU ms/run pg ${round(serviceCpuMsPerRun.postgres)} redis ${round(serviceCpuMsPerRun.redis)} ferretdb ${round(serviceCpuMsPerRun.mongo)}; ${line('span', times.spanMs)}; ${line('attempt', times.attemptMs)}; ${line('overhead', times.overheadMs)}; ${line('hand-off', times.handoffMs)}; ${line('insert → first step', times.firstStartMs)}`,
  );
  await sleep(500);
  return result;
}

function roundAll(_key: string, value: unknown): unknown {
  return typeof value === 'number' ? round(value) : value;
}
