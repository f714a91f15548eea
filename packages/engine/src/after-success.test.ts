import { describe, expect, it } from 'vitest';
import { afterSuccess, planRun, type StepStatus, type WorkflowDefinition, workflowDefinitionSchema } from './index';

type StepSpec = { key: string; dependsOn?: string[]; continueOnError?: boolean };

function definition(...steps: StepSpec[]): WorkflowDefinition {
  return workflowDefinitionSchema.parse({
    steps: steps.map((s) => ({ action: { app: 'core', version: '1', key: 'noop' }, ...s })),
  });
}

const chain = definition({ key: 'a' }, { key: 'b', dependsOn: ['a'] }, { key: 'c', dependsOn: ['b'] });
const diamond = definition(
  { key: 'a' },
  { key: 'b', dependsOn: ['a'] },
  { key: 'c', dependsOn: ['a'] },
  { key: 'd', dependsOn: ['b', 'c'] },
);

describe('afterSuccess', () => {
  it('queues the sole dependents of a step in a chain and finishes the run after its last step', () => {
    expect(afterSuccess(chain, 'a')).toEqual({ kind: 'queue', steps: ['b'] });
    expect(afterSuccess(chain, 'b')).toEqual({ kind: 'queue', steps: ['c'] });
    expect(afterSuccess(chain, 'c')).toEqual({ kind: 'finish' });
  });

  it('fans out to every dependent that waits for this step alone', () => {
    expect(afterSuccess(diamond, 'a')).toEqual({ kind: 'queue', steps: ['b', 'c'] });
    expect(afterSuccess(diamond, 'd')).toEqual({ kind: 'finish' });
  });

  it('leaves joins and parallel leaves to planRun', () => {
    expect(afterSuccess(diamond, 'b')).toBeNull(); // d also waits for c
    const twoLeaves = definition({ key: 'a' }, { key: 'b', dependsOn: ['a'] }, { key: 'c', dependsOn: ['a'] });
    expect(afterSuccess(twoLeaves, 'b')).toBeNull(); // c may still be running
    expect(afterSuccess(definition({ key: 'x' }, { key: 'y' }), 'x')).toBeNull();
    expect(afterSuccess(chain, 'missing')).toBeNull();
  });

  it('agrees with planRun on every step of a chain and a diamond', () => {
    for (const def of [chain, diamond]) {
      const order = def.steps.map((step) => step.key);
      for (const [index, key] of order.entries()) {
        const shortcut = afterSuccess(def, key);
        if (!shortcut) continue;
        // Everything before `key` in a valid order has succeeded; nothing after it has started.
        const statuses: Record<string, { status: StepStatus }> = {};
        for (const done of order.slice(0, index + 1)) statuses[done] = { status: 'SUCCEEDED' };
        const plan = planRun(def, statuses);
        if (shortcut.kind === 'queue') expect(plan.ready).toEqual(expect.arrayContaining(shortcut.steps));
        else expect(plan).toMatchObject({ done: true, outcome: 'SUCCEEDED' });
      }
    }
  });
});
