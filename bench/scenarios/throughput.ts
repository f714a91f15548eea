// Scenario 1 — runs per second of the reference workflow (three sequential transforms), Conveyor's
// workers against the raw core loop with as many processes, in alternating rounds; the RSS of
// every process is sampled throughout.
import type { BenchEnvironment } from '../lib/environment';
import { type Batch, type Contenders, runBatch, settle } from '../lib/measure';
import type { Plan } from '../lib/plan';
import { cpuMs, rssMiB, type ServiceCpu, sampleRss, serviceCpuBetween, serviceSnapshot } from '../lib/processes';
import type { Report } from '../lib/report';
import { type RunCosts, startCosts } from '../lib/run-costs';
import { sequentialWorkflow } from '../lib/workflows';

export interface Side {
  batches: Batch[];
  /** All runs over the sum of the rounds' wall times. */
  runsPerSec: number;
  /** CPU time (user + system) the side's worker processes used per run, ms: robust to load from elsewhere. */
  cpuMsPerRun: number;
  /** CPU time the shared services' processes used per run during the side's rounds, ms. */
  serviceCpuMsPerRun: ServiceCpu;
  /** Peak RSS of each process during the rounds, MiB. */
  peakRssMiB: number[];
  /** RSS of each process after each of its rounds, MiB (index: round). */
  rssAfterRoundMiB: number[][];
  /** Conveyor only: each worker's V8 heap in use after each round, MiB (index: round). */
  heapAfterRoundMiB: number[][];
  /** Per-run WAL, transactions, HOT ratio and Redis commands of each round (no client-side counts here). */
  costs: RunCosts[];
}

export interface Throughput {
  processes: number;
  conveyor: Side;
  raw: Side;
}

export async function measureThroughput(env: BenchEnvironment, plan: Plan, report: Report, c: Contenders): Promise<Throughput> {
  const conveyorPids = c.workers.map((worker) => worker.pid);
  const sampler = sampleRss([...conveyorPids, ...c.rawPids]);
  const sides = { conveyor: emptySide(), raw: emptySide() };
  const cpu: Record<'conveyor' | 'raw', number> = { conveyor: 0, raw: 0 };
  const services: Record<'conveyor' | 'raw', ServiceCpu> = { conveyor: noServiceCpu(), raw: noServiceCpu() };
  const round = async (name: 'conveyor' | 'raw', driver: Contenders['conveyor'], pids: number[]) => {
    const side = sides[name];
    const before = sum(pids.map(cpuMs));
    const servicesBefore = serviceSnapshot();
    const costs = await startCosts(env, []);
    side.batches.push(await runBatch(env, driver, sequentialWorkflow(3), plan.runsPerRound, { timeoutMs: 300_000 }));
    await settle();
    side.costs.push(await costs.finish(plan.runsPerRound));
    cpu[name] += sum(pids.map(cpuMs)) - before;
    const used = serviceCpuBetween(servicesBefore, serviceSnapshot());
    for (const service of serviceNames) services[name][service] += used[service];
    side.rssAfterRoundMiB.push(pids.map(rssMiB));
    if (name === 'conveyor') side.heapAfterRoundMiB.push(await Promise.all(c.workers.map((worker) => worker.heapUsedMiB())));
  };
  for (let i = 0; i < plan.rounds; i++) {
    await round('raw', c.raw, c.rawPids);
    await round('conveyor', c.conveyor, conveyorPids);
  }
  const peaks = sampler.stop();
  for (const [name, pids] of [
    ['conveyor', conveyorPids],
    ['raw', c.rawPids],
  ] as const) {
    const side = sides[name];
    const runs = sum(side.batches.map((batch) => batch.runs));
    side.runsPerSec = (runs * 1000) / sum(side.batches.map((batch) => batch.ms));
    side.cpuMsPerRun = cpu[name] / runs;
    side.serviceCpuMsPerRun = mapServices((service) => services[name][service] / runs);
    side.peakRssMiB = pids.map((pid) => peaks.get(pid) ?? Number.NaN);
  }
  const result: Throughput = { processes: c.processes, ...sides };
  report.detail(`throughput.${c.processes}process`, result);

  const one = c.processes === 1;
  const label = one ? '1 worker' : `${c.processes} workers`;
  const row = report.add({
    scenario: '1 throughput',
    metric: `reference workflow, ${label} (${plan.rounds}×${plan.runsPerRound} runs)`,
    unit: 'runs/s',
    value: result.conveyor.runsPerSec,
    baseline: { name: `raw core loop, ${c.processes} process${one ? '' : 'es'}`, value: result.raw.runsPerSec },
    better: 'higher',
  });
  if (one) row.target = { text: '≥ 0.5 × raw core loop', met: (row.ratio ?? 0) >= 0.5 };
  report.add({
    scenario: '1 throughput',
    metric: `worker process CPU per run, ${label}`,
    unit: 'ms',
    value: result.conveyor.cpuMsPerRun,
    baseline: { name: `raw core loop process${one ? '' : 'es'}`, value: result.raw.cpuMsPerRun },
    better: 'lower',
  });
  const servicesPerRun = (s: Side) => sum(serviceNames.map((service) => s.serviceCpuMsPerRun[service]));
  const split = (s: Side) => serviceNames.map((service) => `${service} ${s.serviceCpuMsPerRun[service].toFixed(1)}`).join(', ');
  report.add({
    scenario: '1 throughput',
    metric: `service CPU per run, ${label} (Conveyor: ${split(result.conveyor)}; raw: ${split(result.raw)} ms)`,
    unit: 'ms',
    value: servicesPerRun(result.conveyor),
    baseline: { name: 'during the raw core loop rounds', value: servicesPerRun(result.raw) },
    better: 'lower',
  });
  if (one) reportRunCosts(report, result);
  report.add({
    scenario: '1 memory',
    metric: `peak worker RSS, ${label}`,
    unit: 'MiB',
    value: Math.max(...result.conveyor.peakRssMiB),
    baseline: { name: 'raw core loop process', value: Math.max(...result.raw.peakRssMiB) },
    better: 'lower',
  });
  return result;
}

/**
 * One tenant left at the default `Tenant.maxConcurrentRuns` (the per-tenant fairness cap): its
 * runs/s with one worker, against the raw core loop's from the rounds just measured.
 */
export async function measureDefaultTenantCap(
  env: BenchEnvironment,
  plan: Plan,
  report: Report,
  c: Contenders,
  throughput: Throughput,
): Promise<Batch> {
  const definition = sequentialWorkflow(3);
  const { rows } = await env.pool.query<{ cap: number }>(
    `SELECT (column_default)::int AS cap FROM information_schema.columns WHERE table_name = 'Tenant' AND column_name = 'maxConcurrentRuns'`,
  );
  const cap = rows[0]?.cap ?? Number.NaN;
  const fixture = await c.conveyor.seed(definition, { maxConcurrentRuns: cap });
  const batch = await runBatch(env, c.conveyor, definition, plan.cappedRuns, { timeoutMs: 300_000, fixture });
  await settle();
  report.detail('throughput.defaultTenantCap', { cap, batch });
  report.add({
    scenario: '1 throughput',
    metric: `one tenant at the default cap of ${cap} running runs, 1 worker (${plan.cappedRuns} runs)`,
    unit: 'runs/s',
    value: batch.runsPerSec,
    baseline: { name: 'raw core loop, 1 process', value: throughput.raw.runsPerSec },
    better: 'higher',
  });
  return batch;
}

/** Per-run database and Redis costs of the reference workflow, averaged over the rounds, against the raw core loop's. */
function reportRunCosts(report: Report, { conveyor, raw }: Throughput): void {
  const mean = (side: Side, value: (costs: RunCosts) => number) => sum(side.costs.map(value)) / side.costs.length;
  const rows: { metric: string; unit: string; value: (costs: RunCosts) => number; better: 'higher' | 'lower' }[] = [
    { metric: 'PostgreSQL WAL per run, bench database', unit: 'bytes', value: (c) => c.walBytesPerRun, better: 'lower' },
    { metric: 'PostgreSQL WAL per run, whole cluster', unit: 'bytes', value: (c) => c.clusterWalBytesPerRun, better: 'lower' },
    { metric: 'transactions per run in the bench database', unit: 'xacts', value: (c) => c.transactionsPerRun, better: 'lower' },
    { metric: 'HOT-update ratio of WorkflowRun', unit: '', value: (c) => c.hotRatio.WorkflowRun, better: 'higher' },
    { metric: 'HOT-update ratio of StepRun', unit: '', value: (c) => c.hotRatio.StepRun, better: 'higher' },
    { metric: 'Redis commands per run (whole server)', unit: 'commands', value: (c) => c.redisCommandsPerRun, better: 'lower' },
  ];
  for (const row of rows) {
    report.add({
      scenario: '1 throughput',
      metric: `reference workflow, 1 worker: ${row.metric}`,
      unit: row.unit,
      value: mean(conveyor, row.value),
      baseline: { name: 'raw core loop', value: mean(raw, row.value) },
      better: row.better,
    });
  }
}

const serviceNames = ['postgres', 'redis', 'mongo'] as const;
const mapServices = (value: (service: keyof ServiceCpu) => number): ServiceCpu =>
  Object.fromEntries(serviceNames.map((service) => [service, value(service)])) as ServiceCpu;
const noServiceCpu = () => mapServices(() => 0);

function emptySide(): Side {
  return {
    batches: [],
    runsPerSec: Number.NaN,
    cpuMsPerRun: Number.NaN,
    serviceCpuMsPerRun: noServiceCpu(),
    peakRssMiB: [],
    rssAfterRoundMiB: [],
    heapAfterRoundMiB: [],
    costs: [],
  };
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

/**
 * "No growth": the first worker's RSS (and V8 heap in use) after its last round of scenario 1
 * against after its first, across every phase (one worker, then two, then three) and the
 * scenarios run in between; the first raw core loop process over the same rounds for comparison.
 */
export function reportRssGrowth(report: Report, phases: Throughput[]): void {
  const first = (rounds: number[][]) => rounds.map((values) => values[0] ?? Number.NaN);
  const rss = first(phases.flatMap((phase) => phase.conveyor.rssAfterRoundMiB));
  const heap = first(phases.flatMap((phase) => phase.conveyor.heapAfterRoundMiB));
  const raw = first(phases.flatMap((phase) => phase.raw.rssAfterRoundMiB));
  report.detail('memory.afterRounds', { worker1RssMiB: rss, worker1HeapUsedMiB: heap, rawProcess1RssMiB: raw });
  const growth = (values: number[]) => ((values.at(-1) ?? Number.NaN) - (values[0] ?? Number.NaN)) / (values[0] ?? Number.NaN);
  const span = (values: number[]) => `${Math.round(values[0] ?? Number.NaN)} → ${Math.round(values.at(-1) ?? Number.NaN)} MiB`;
  report.add({
    scenario: '1 memory',
    metric: `worker-1 RSS growth over its ${rss.length} rounds (${span(rss)}; raw process ${Math.round(growth(raw) * 100)}%)`,
    unit: '%',
    value: growth(rss) * 100,
    better: 'lower',
    target: { text: 'bounded: ≤ 10% growth across rounds', met: growth(rss) <= 0.1 },
  });
  report.add({
    scenario: '1 memory',
    metric: `worker-1 V8 heap in use growth, same rounds (${span(heap)})`,
    unit: '%',
    value: growth(heap) * 100,
    better: 'lower',
  });
}
