// Scenario 6 — the yardsticks that need no Conveyor worker, measured first with raw BullMQ workers
// in processes of their own: the raw core loop's best concurrency, raw BullMQ no-op jobs/s, and
// the raw queue hop (a job adding the next one). The raw core loop itself runs next to Conveyor's
// workers, round for round, in scenarios 1, 2 and 5.
import { Queue } from 'bullmq';
import type { Driver } from '../lib/drivers';
import type { BenchEnvironment } from '../lib/environment';
import { type Latencies, runBatch, warmUp } from '../lib/measure';
import type { Plan } from '../lib/plan';
import { startRawWorker, WORKER_CONCURRENCY } from '../lib/processes';
import type { Report } from '../lib/report';
import { atRate, type Summary, summarize } from '../lib/stats';
import { sequentialWorkflow } from '../lib/workflows';

export interface Baselines {
  coreLoopSweep: { concurrency: number; runsPerSec: number }[];
  coreLoopConcurrency: number;
  noopJobsPerSec: number;
  hop: { atRate: LatencySummary; atSaturation: LatencySummary };
}

export interface LatencySummary {
  firstStart: Summary;
  handoff: Summary;
}

export const summarizeLatencies = (latencies: Latencies): LatencySummary => ({
  firstStart: summarize(latencies.firstStartMs),
  handoff: summarize(latencies.handoffMs),
});

/** The queue the raw core loop's producer and workers use. */
export const CORE_LOOP_QUEUE = 'bench-core-loop';

export async function measureBaselines(env: BenchEnvironment, plan: Plan, report: Report, coreLoop: Driver): Promise<Baselines> {
  const sweep = await sweepCoreLoop(env, plan, coreLoop);
  const best = sweep.reduce((a, b) => (b.runsPerSec > a.runsPerSec ? b : a));
  const noopJobsPerSec = await measureNoop(env, plan);
  const hop = await measureHops(env, plan);
  const baselines: Baselines = { coreLoopSweep: sweep, coreLoopConcurrency: best.concurrency, noopJobsPerSec, hop };
  report.detail('baselines', baselines);
  report.add({
    scenario: '6 baseline',
    metric: `raw core loop concurrency sweep (${sweep.map((s) => `${s.concurrency}: ${Math.round(s.runsPerSec)}`).join(', ')}): best`,
    unit: 'runs/s',
    value: best.runsPerSec,
    better: 'higher',
  });
  report.add({
    scenario: '6 baseline',
    metric: `raw BullMQ no-op jobs, concurrency ${WORKER_CONCURRENCY}`,
    unit: 'jobs/s',
    value: noopJobsPerSec,
    better: 'higher',
  });
  return baselines;
}

/** One round of reference-shaped runs per concurrency, each in a fresh process after a warm-up. */
async function sweepCoreLoop(env: BenchEnvironment, plan: Plan, driver: Driver) {
  const sweep: { concurrency: number; runsPerSec: number }[] = [];
  for (const concurrency of plan.coreLoopConcurrencies) {
    const worker = await startRawWorker(env, { mode: 'core-loop', queue: CORE_LOOP_QUEUE, concurrency });
    try {
      worker.send({ type: 'start' });
      await warmUp(env, driver, plan.warmupRuns);
      const batch = await runBatch(env, driver, sequentialWorkflow(3), plan.runsPerRound, { timeoutMs: 120_000 });
      sweep.push({ concurrency, runsPerSec: batch.runsPerSec });
    } finally {
      await worker.stop();
    }
  }
  return sweep;
}

async function measureNoop(env: BenchEnvironment, plan: Plan): Promise<number> {
  const name = 'bench-noop';
  const queue = new Queue(name, { connection: { url: env.redisUrl }, prefix: env.queuePrefix });
  const worker = await startRawWorker(env, { mode: 'noop', queue: name, concurrency: WORKER_CONCURRENCY });
  try {
    for (let added = 0; added < plan.noopJobs; added += 1_000) {
      const size = Math.min(1_000, plan.noopJobs - added);
      await queue.addBulk(
        Array.from({ length: size }, (_, i) => ({ name: 'noop', data: { i: added + i }, opts: { removeOnComplete: true } })),
      );
    }
    worker.send({ type: 'start', expected: plan.noopJobs });
    const done = await worker.next('done', 120_000);
    return (done.processed * 1000) / done.elapsedMs;
  } finally {
    await worker.stop();
    await queue.close();
  }
}

/** Chains of three jobs, each adding the next: enqueue → start of the first, and job end → start of the next. */
async function measureHops(env: BenchEnvironment, plan: Plan): Promise<Baselines['hop']> {
  const name = 'bench-chain';
  const queue = new Queue(name, { connection: { url: env.redisUrl }, prefix: env.queuePrefix });
  const worker = await startRawWorker(env, { mode: 'chain', queue: name, concurrency: WORKER_CONCURRENCY });
  const now = () => performance.timeOrigin + performance.now();
  const head = () => ({ name: 'hop', data: { index: 0, length: 3, sentAt: now() }, opts: { removeOnComplete: true } });
  const collect = async (chains: number): Promise<Latencies> => {
    const all: Latencies = { firstStartMs: [], handoffMs: [] };
    const deadline = Date.now() + 60_000;
    while (all.handoffMs.length < chains * 2) {
      if (Date.now() > deadline) throw new Error('raw chain jobs did not finish within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
      worker.send({ type: 'report' });
      const report = await worker.next('report', 10_000);
      all.firstStartMs.push(...report.firstStartMs);
      all.handoffMs.push(...report.handoffMs);
    }
    return all;
  };
  try {
    worker.send({ type: 'start' });
    const chains = plan.ratePerSec * plan.rateSeconds;
    await atRate(chains, plan.ratePerSec, async () => {
      const { name: jobName, data, opts } = head();
      await queue.add(jobName, data, opts);
    });
    const atRateLatencies = summarizeLatencies(await collect(chains));
    await queue.addBulk(Array.from({ length: plan.runsPerRound }, head));
    const atSaturation = summarizeLatencies(await collect(plan.runsPerRound));
    return { atRate: atRateLatencies, atSaturation };
  } finally {
    await worker.stop();
    await queue.close();
  }
}
