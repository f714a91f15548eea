// Scenario 2 — run insert → first step started, and step finished → next step started, from
// PostgreSQL's timestamps: at a moderate fixed arrival rate, and at saturation (the first round
// of scenario 1, every run started at once). Yardsticks: the raw core loop's insert → first step,
// and the raw BullMQ hop (a job's end → the start of the job it added) for the hand-off.
import type { BenchEnvironment } from '../lib/environment';
import { atFixedRate, type Contenders, readLatencies } from '../lib/measure';
import type { Plan } from '../lib/plan';
import type { Report } from '../lib/report';
import { sequentialWorkflow } from '../lib/workflows';
import { type Baselines, type LatencySummary, summarizeLatencies } from './baselines';
import type { Throughput } from './throughput';

export interface Latency {
  conveyor: { atRate: LatencySummary; atSaturation: LatencySummary; queuedAtRate: LatencySummary };
  rawCoreLoop: { atRate: LatencySummary; atSaturation: LatencySummary };
}

const TARGETS = {
  p50: { text: 'p50 < 5 ms at moderate load', max: 5 },
  p99: { text: 'p99 < 25 ms at moderate load', max: 25 },
} as const;

export async function measureLatency(
  env: BenchEnvironment,
  plan: Plan,
  report: Report,
  { contenders, throughput, baselines }: { contenders: Contenders; throughput: Throughput; baselines: Baselines },
): Promise<Latency> {
  const saturated = async (side: Throughput['conveyor']) =>
    summarizeLatencies(await readLatencies(env, side.batches[0]?.workflowId ?? ''));
  const result: Latency = {
    rawCoreLoop: {
      atRate: summarizeLatencies(await atFixedRate(env, contenders.raw, plan)),
      atSaturation: await saturated(throughput.raw),
    },
    conveyor: {
      atRate: summarizeLatencies(await atFixedRate(env, contenders.conveyor, plan)),
      atSaturation: await saturated(throughput.conveyor),
      // Retryable steps are never carried on by the job before them: every hand-off is a queued job.
      queuedAtRate: summarizeLatencies(await atFixedRate(env, contenders.conveyor, plan, sequentialWorkflow(3, { attempts: 2 }))),
    },
  };
  report.detail('latency', result);

  const { conveyor, rawCoreLoop } = result;
  const hop = baselines.hop;
  const rate = `${plan.ratePerSec} runs/s`;
  const burst = `saturation (${plan.runsPerRound} runs at once)`;
  const handoffBaseline = 'raw BullMQ job → next job';
  const rows: LatencyRows[] = [
    {
      metric: `step hand-off, reference workflow (the job carries on) %p @ ${rate}`,
      percentiles: ALL,
      value: conveyor.atRate.handoff,
      baseline: { name: handoffBaseline, value: hop.atRate.handoff },
      targeted: true,
    },
    {
      metric: `step hand-off through a queued job (retryable steps) %p @ ${rate}`,
      percentiles: ALL,
      value: conveyor.queuedAtRate.handoff,
      baseline: { name: handoffBaseline, value: hop.atRate.handoff },
      targeted: true,
    },
    {
      metric: `insert → first step started %p @ ${rate}`,
      percentiles: ALL,
      value: conveyor.atRate.firstStart,
      baseline: { name: 'raw core loop', value: rawCoreLoop.atRate.firstStart },
    },
    {
      metric: `step hand-off, reference workflow %p @ ${burst}`,
      percentiles: TAILS,
      value: conveyor.atSaturation.handoff,
      baseline: { name: handoffBaseline, value: hop.atSaturation.handoff },
    },
    {
      metric: `insert → first step started %p @ ${burst}`,
      percentiles: TAILS,
      value: conveyor.atSaturation.firstStart,
      baseline: { name: 'raw core loop', value: rawCoreLoop.atSaturation.firstStart },
    },
  ];
  for (const row of rows) addLatencyRows(report, row);
  return result;
}

type Percentile = 'p50' | 'p95' | 'p99';
const ALL: readonly Percentile[] = ['p50', 'p95', 'p99'];
const TAILS: readonly Percentile[] = ['p50', 'p99'];

interface LatencyRows {
  /** `%p` stands for the percentile. */
  metric: string;
  percentiles: readonly Percentile[];
  value: Record<Percentile, number>;
  baseline: { name: string; value: Record<Percentile, number> };
  /** Carries issue 7's p50 and p99 targets. */
  targeted?: boolean;
}

/** One report row per percentile of a latency, against the same percentile of its baseline. */
function addLatencyRows(report: Report, rows: LatencyRows): void {
  for (const p of rows.percentiles) {
    const target = rows.targeted && p !== 'p95' ? TARGETS[p] : undefined;
    report.add({
      scenario: '2 latency',
      metric: rows.metric.replace('%p', p),
      unit: 'ms',
      value: rows.value[p],
      baseline: { name: rows.baseline.name, value: rows.baseline.value[p] },
      better: 'lower',
      ...(target ? { target: { text: target.text, met: rows.value[p] < target.max } } : {}),
    });
  }
}
