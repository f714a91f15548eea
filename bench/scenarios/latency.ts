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
  for (const p of ['p50', 'p95', 'p99'] as const) {
    const target = p === 'p95' ? undefined : TARGETS[p];
    report.add({
      scenario: '2 latency',
      metric: `step hand-off, reference workflow (the job carries on) ${p} @ ${rate}`,
      unit: 'ms',
      value: conveyor.atRate.handoff[p],
      baseline: { name: 'raw BullMQ job → next job', value: hop.atRate.handoff[p] },
      better: 'lower',
      ...(target ? { target: { text: target.text, met: conveyor.atRate.handoff[p] < target.max } } : {}),
    });
  }
  for (const p of ['p50', 'p95', 'p99'] as const) {
    const target = p === 'p95' ? undefined : TARGETS[p];
    report.add({
      scenario: '2 latency',
      metric: `step hand-off through a queued job (retryable steps) ${p} @ ${rate}`,
      unit: 'ms',
      value: conveyor.queuedAtRate.handoff[p],
      baseline: { name: 'raw BullMQ job → next job', value: hop.atRate.handoff[p] },
      better: 'lower',
      ...(target ? { target: { text: target.text, met: conveyor.queuedAtRate.handoff[p] < target.max } } : {}),
    });
  }
  for (const p of ['p50', 'p95', 'p99'] as const) {
    report.add({
      scenario: '2 latency',
      metric: `insert → first step started ${p} @ ${rate}`,
      unit: 'ms',
      value: conveyor.atRate.firstStart[p],
      baseline: { name: 'raw core loop', value: rawCoreLoop.atRate.firstStart[p] },
      better: 'lower',
    });
  }
  for (const p of ['p50', 'p99'] as const) {
    report.add({
      scenario: '2 latency',
      metric: `step hand-off, reference workflow ${p} @ ${burst}`,
      unit: 'ms',
      value: conveyor.atSaturation.handoff[p],
      baseline: { name: 'raw BullMQ job → next job', value: hop.atSaturation.handoff[p] },
      better: 'lower',
    });
  }
  for (const p of ['p50', 'p99'] as const) {
    report.add({
      scenario: '2 latency',
      metric: `insert → first step started ${p} @ ${burst}`,
      unit: 'ms',
      value: conveyor.atSaturation.firstStart[p],
      baseline: { name: 'raw core loop', value: rawCoreLoop.atSaturation.firstStart[p] },
      better: 'lower',
    });
  }
  return result;
}
