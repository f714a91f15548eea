// `npm run bench [-- --quick]`: Conveyor's end-to-end benchmark against raw baselines, in one run,
// on the real PostgreSQL, Redis and MongoDB wire server. See BENCHMARKS.md.
//   --quick                      the short plan (about six minutes)
//   --worker-log-level=<level>   LOG_LEVEL of the Conveyor workers (default warn)
//   --worker-node-options=<...>  NODE_OPTIONS of the Conveyor workers, e.g. "--require ./bench/tools/cpu-profile.cjs"
//                                (a CPU profile per worker; --cpu-prof itself is not allowed in NODE_OPTIONS)
//   --worker-runtime=dist|tsx    what runs the Conveyor workers: the production build (default; the bench
//                                builds the current source first) or the source under tsx
import { LOG_COLLECTION } from '@conveyor/logs';
import { conveyorDriver, coreLoopDriver, type Driver } from './lib/drivers';
import { type BenchEnvironment, createBenchEnvironment, type Versions } from './lib/environment';
import { type Cleanups, guarded } from './lib/guarded';
import { type Contenders, warmUp } from './lib/measure';
import { plans } from './lib/plan';
import {
  parseRuntime,
  type RawWorker,
  rssMiB,
  startConveyorWorker,
  startRawWorker,
  WORKER_LOG_DATABASE,
  type WorkerProcess,
} from './lib/processes';
import { createReport } from './lib/report';
import { CORE_LOOP_QUEUE, measureBaselines } from './scenarios/baselines';
import { measureFanOut } from './scenarios/fan-out';
import { measureFlow } from './scenarios/flow';
import { measureGrowth } from './scenarios/growth';
import { measureHttp } from './scenarios/http';
import { measureLatency } from './scenarios/latency';
import { measureLogIngestion } from './scenarios/log-ingestion';
import { measureLogQuery } from './scenarios/log-query';
import { measureIoBound, reportScaling, startSlowServer } from './scenarios/scaling';
import { measureDefaultTenantCap, measureThroughput, reportRssGrowth } from './scenarios/throughput';

const flag = (name: string) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const plan = plans[process.argv.includes('--quick') ? 'quick' : 'full'];
const workerOptions = {
  logLevel: flag('worker-log-level') ?? 'warn',
  nodeOptions: flag('worker-node-options') ?? '',
  runtime: parseRuntime(flag('worker-runtime')),
};
const report = createReport(plan);
// A hang guard far above the expected duration; every wait inside has its own timeout too.
const DEADLINE_MS = plan.mode === 'quick' ? 20 * 60_000 : 120 * 60_000;

let versions: Versions | undefined;
const started = performance.now();
const phase = (title: string) => console.log(`\n[${((performance.now() - started) / 1000).toFixed(1)} s] ${title}`);

async function main(cleanups: Cleanups): Promise<void> {
  console.log(`Conveyor benchmark (${plan.mode})`);
  const env = await createBenchEnvironment();
  cleanups.push(() => env.cleanup());
  versions = await env.versions();
  report.detail('workerOptions', workerOptions);
  console.log(`  database ${new URL(env.databaseUrl).pathname.slice(1)}, queue prefix ${env.queuePrefix}`);

  const slowServer = await startSlowServer();
  cleanups.push(() => slowServer.close());
  const conveyor = await conveyorDriver(env);
  const raw = coreLoopDriver(env, CORE_LOOP_QUEUE);
  cleanups.push(() => Promise.all([conveyor.close(), raw.close()]));
  const workers: WorkerProcess[] = [];
  const rawWorkers: RawWorker[] = [];
  cleanups.push(() => Promise.all([...workers, ...rawWorkers].map((worker) => worker.stop())));

  phase('[6] baselines without Conveyor: raw core loop concurrency, raw BullMQ no-op, raw queue hop');
  const baselines = await measureBaselines(env, plan, report, raw);

  /** One more Conveyor worker and one more raw core loop process, both warmed up. */
  const addProcessPair = async (): Promise<Contenders> => {
    const name = `worker-${workers.length + 1}`;
    workers.push(await startConveyorWorker(env, name, workerOptions));
    const rawWorker = await startRawWorker(env, {
      mode: 'core-loop',
      queue: CORE_LOOP_QUEUE,
      concurrency: baselines.coreLoopConcurrency,
    });
    rawWorkers.push(rawWorker);
    rawWorker.send({ type: 'start' });
    await warmUp(env, raw, plan.warmupRuns);
    await warmUp(env, conveyor, plan.warmupRuns);
    return {
      processes: workers.length,
      conveyor,
      workers: [...workers],
      raw,
      rawPids: rawWorkers.map((worker) => worker.pid),
    };
  };

  phase('[1, 2, 5, 4] one Conveyor worker, next to one raw core loop process');
  const single = await addProcessPair();
  const one = await measureThroughput(env, plan, report, single);
  await measureDefaultTenantCap(env, plan, report, single, one);
  await measureLatency(env, plan, report, { contenders: single, throughput: one, baselines });
  await measureGrowth(env, plan, report, single);
  await measureFanOut(env, plan, report, { driver: conveyor, workers: 1, throughput: one });
  const ioOne = await measureIoBound(env, plan, single, slowServer.url);

  phase('[1, 4] two Conveyor workers, next to two raw core loop processes');
  const pair = await addProcessPair();
  const two = await measureThroughput(env, plan, report, pair);
  await measureFanOut(env, plan, report, { driver: conveyor, workers: 2, throughput: two });

  phase('[1] three Conveyor workers, next to three raw core loop processes');
  const trio = await addProcessPair();
  const three = await measureThroughput(env, plan, report, trio);
  reportScaling(report, { one, many: three }, { one: ioOne, many: await measureIoBound(env, plan, trio, slowServer.url) });
  reportRssGrowth(report, [one, two, three]);
  report.detail('memory.worker1FinalRssMiB', rssMiB(workers[0]?.pid ?? -1));

  await Promise.all([...workers.splice(0), ...rawWorkers.splice(0)].map((worker) => worker.stop())); // drains the log writers
  await reportLogLinesPerStep(env, conveyor);

  phase('[7] runs entered over HTTP: one api and one worker at their defaults, against the engine path');
  await measureHttp(env, plan, report, workerOptions, cleanups);

  phase('[3, 5] execution logs: batching writer vs raw insertMany; queries by store size');
  await measureLogIngestion(env, plan, report);
  await measureLogQuery(env, plan, report);

  phase("[8] issue 15: a map's items/s, and what waiting runs cost (a worker of its own)");
  await measureFlow(env, plan, report, workerOptions, cleanups);
}

/** How many execution log lines the workers wrote per step (the reference workflow wants two). */
async function reportLogLinesPerStep(env: BenchEnvironment, driver: Driver): Promise<void> {
  const { rows } = await env.pool.query<{ steps: string }>(
    `SELECT count(*) AS steps FROM "StepRun" WHERE "tenantId" = ANY($1::uuid[])`,
    [driver.tenantIds],
  );
  const lines = await env.mongoDb(WORKER_LOG_DATABASE).db.collection(LOG_COLLECTION).countDocuments({});
  const steps = Number(rows[0]?.steps ?? 0);
  report.detail('executionLogs', { lines, steps });
  report.add({
    scenario: '1 logs',
    metric: 'execution log lines written per step',
    unit: 'lines',
    value: lines / steps,
    better: 'higher',
  });
}

const failure = await guarded(DEADLINE_MS, main);
console.log(`\n${report.table()}\n`);
const file = await report.write(versions, failure);
console.log(`results: ${file}`);
if (!failure && versions && plan.mode === 'full') await report.updateMarkdown(versions, file);
process.exit(failure ? 1 : 0);
