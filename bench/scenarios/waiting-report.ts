// The rows of scenario 8's waiting runs (see waiting.ts).
import type { Report } from '../lib/report';
import { median, summarize } from '../lib/stats';
import type { Condition, WaitingResult } from './waiting';

export function reportWaiting(report: Report, result: WaitingResult): void {
  const n = result.waitingRuns;
  const count = n.toLocaleString('en-US');
  const per = (bytes: number) => bytes / n;
  const redisKinds = Object.entries(result.redis.byKind)
    .sort((a, b) => b[1].bytes - a[1].bytes)
    .slice(0, 4)
    .map(([kind, grown]) => `${kind} ${Math.round(per(grown.bytes))}`)
    .join(', ');
  report.add({
    scenario: '8 waiting',
    metric: `Redis bytes per waiting run, ${count} waiting (MEMORY USAGE of the bench's keys: ${redisKinds}; used_memory Δ ${Math.round(per(result.redis.usedMemory))})`,
    unit: 'B',
    value: per(result.redis.bytes),
    better: 'lower',
  });
  const tables = Object.entries(result.pg.byTable)
    .sort((a, b) => b[1].total - a[1].total)
    .map(([table, grown]) => `${table} ${Math.round(per(grown.total))} (indexes ${Math.round(per(grown.indexes))})`)
    .join(', ');
  report.add({
    scenario: '8 waiting',
    metric: `PostgreSQL bytes per waiting run, on disk after VACUUM (${tables})`,
    unit: 'B',
    value: per(result.pg.total),
    better: 'lower',
  });
  const live = Object.entries(result.liveBytes)
    .map(([table, rows]) => `${table} ${Math.round(per(rows.bytes))}`)
    .join(', ');
  report.add({
    scenario: '8 waiting',
    metric: `PostgreSQL live row bytes per waiting run, without indexes (${live})`,
    unit: 'B',
    value: per(Object.values(result.liveBytes).reduce((sum, table) => sum + table.bytes, 0)),
    baseline: { name: 'a finished reference run (3 steps)', value: result.referenceLiveBytes },
    better: 'lower',
  });
  const without = {
    runsPerSec: (result.before.runsPerSec + result.after.runsPerSec) / 2,
    atRate: summarize([...result.before.atRateSamples, ...result.after.atRateSamples]),
  };
  const next = result.next;
  report.add({
    scenario: '8 waiting',
    metric: `reference workflow next to ${count} waiting runs (without: ${Math.round(result.before.runsPerSec)} before, ${Math.round(result.after.runsPerSec)} after)`,
    unit: 'runs/s',
    value: next.runsPerSec,
    baseline: { name: 'without waiting runs, mean of before and after', value: without.runsPerSec },
    better: 'higher',
    target: { text: 'not slower (≥ 0.9 × without)', met: next.runsPerSec >= 0.9 * without.runsPerSec },
  });
  const mean = (pick: (condition: Condition) => number) => (pick(result.before) + pick(result.after)) / 2;
  report.add({
    scenario: '8 waiting',
    metric: `worker process CPU per reference run next to ${count} waiting runs (its reconciler's passes included)`,
    unit: 'ms',
    value: next.workerCpuMsPerRun,
    baseline: { name: 'without waiting runs, mean of before and after', value: mean((c) => c.workerCpuMsPerRun) },
    better: 'lower',
  });
  report.add({
    scenario: '8 waiting',
    metric: `PostgreSQL CPU per reference run next to ${count} waiting runs (every backend: other sessions' too)`,
    unit: 'ms',
    value: next.serviceCpuMsPerRun.postgres,
    baseline: { name: 'without waiting runs, mean of before and after', value: mean((c) => c.serviceCpuMsPerRun.postgres) },
    better: 'lower',
  });
  for (const p of ['p50', 'p99'] as const) {
    report.add({
      scenario: '8 waiting',
      metric: `reference run insert → finish ${p}, ${next.atRate.count} runs at ${next.ratePerSec}/s (open loop), next to ${count} waiting runs`,
      unit: 'ms',
      value: next.atRate[p],
      baseline: { name: 'without waiting runs, before and after', value: without.atRate[p] },
      better: 'lower',
    });
  }
  report.add({
    scenario: '8 waiting',
    metric: `reconciler pass with ${count} waiting runs (median of ${result.reconcileMs.with.length}; reconcileOnce in the bench's process, log sweep left out)`,
    unit: 'ms',
    value: median(result.reconcileMs.with),
    baseline: { name: 'without waiting runs', value: median(result.reconcileMs.without) },
    better: 'lower',
  });
  const events = result.events;
  report.add({
    scenario: '8 waiting',
    metric: `${count} events sent (runs.sendEvent, 16 callers; ${events.delivered} delivered) → their runs finished`,
    unit: 'events/s',
    value: events.eventsPerSec,
    baseline: { name: 'the same runs started into their wait, runs/s', value: result.startedPerSec },
    better: 'higher',
  });
}

/** A condition without its samples, for the results file. */
export function withoutSamples(condition: Condition): Omit<Condition, 'atRateSamples'> {
  const { atRateSamples: _samples, ...rest } = condition;
  return rest;
}
