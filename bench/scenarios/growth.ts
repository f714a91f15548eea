// Scenario 5 (first half) — how cost grows with work: runs per second of workflows of 1, 3, 10 and
// 30 sequential transform steps, each size executing about the same number of steps, against the
// raw core loop doing the same number of steps per run.
import type { BenchEnvironment } from '../lib/environment';
import { type Batch, type Contenders, runBatch, settle } from '../lib/measure';
import type { Plan } from '../lib/plan';
import type { Report } from '../lib/report';
import { sequentialWorkflow } from '../lib/workflows';

export async function measureGrowth(
  env: BenchEnvironment,
  plan: Plan,
  report: Report,
  contenders: Contenders,
): Promise<Record<number, { conveyor: Batch; raw: Batch }>> {
  const result: Record<number, { conveyor: Batch; raw: Batch }> = {};
  for (const size of plan.growthSizes) {
    const runs = Math.max(plan.growthMinRuns, Math.round(plan.growthSteps / size));
    const batch = async (driver: Contenders['raw']) => {
      const measured = await runBatch(env, driver, sequentialWorkflow(size), runs, { timeoutMs: 300_000 });
      await settle();
      return measured;
    };
    const raw = await batch(contenders.raw);
    const conveyor = await batch(contenders.conveyor);
    result[size] = { conveyor, raw };
    const steps = `${size} sequential step${size === 1 ? '' : 's'}`;
    report.add({
      scenario: '5 growth',
      metric: `${steps} (${runs} runs, ${Math.round(conveyor.stepsPerSec)} steps/s), 1 worker`,
      unit: 'runs/s',
      value: conveyor.runsPerSec,
      baseline: { name: `raw loop, ${steps}`, value: raw.runsPerSec },
      better: 'higher',
    });
  }
  report.detail('growth', result);
  return result;
}
