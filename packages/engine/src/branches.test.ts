import { ConveyorError } from '@conveyor/errors';
import { describe, expect, it } from 'vitest';
import {
  type ActionRef,
  actionRefKey,
  branchNotTaken,
  type DefinitionIssue,
  planRun,
  type StepStatus,
  switchActionRef,
  validateDefinition,
  workflowDefinitionSchema,
} from './index';

const noop = { app: 'core', version: '1', key: 'noop' };
const route = {
  key: 'route',
  action: switchActionRef,
  input: {
    cases: [
      { branch: 'refund', when: '{{ input.kind = "refund" }}' },
      { branch: 'charge', when: true },
    ],
    else: 'manual',
  },
};

/** route → refund | charge → join (any); refund → refund2 inside its branch. */
const raw = {
  steps: [
    route,
    { key: 'refund', action: noop, dependsOn: ['route'], branch: { switch: 'route', case: 'refund' } },
    { key: 'refund2', action: noop, dependsOn: ['refund'] },
    { key: 'charge', action: noop, dependsOn: ['route'], branch: { switch: 'route', case: 'charge' } },
    { key: 'join', action: noop, dependsOn: ['refund2', 'charge'], join: 'any' },
  ],
};
const definition = workflowDefinitionSchema.parse(raw);

function statuses(map: Record<string, StepStatus>) {
  return Object.fromEntries(Object.entries(map).map(([key, status]) => [key, { status }]));
}

describe('a join of any', () => {
  it('runs after the branch that ran, its skipped siblings not skipping it', () => {
    const afterSkip = planRun(definition, statuses({ route: 'SUCCEEDED', refund: 'SKIPPED', charge: 'RUNNING' }));
    expect(afterSkip.skip).toEqual([{ key: 'refund2', reason: 'dependency-skipped' }]);
    expect(afterSkip.ready).toEqual([]);
    const plan = planRun(
      definition,
      statuses({ route: 'SUCCEEDED', refund: 'SKIPPED', refund2: 'SKIPPED', charge: 'SUCCEEDED' }),
    );
    expect(plan.ready).toEqual(['join']);
    const done = { route: 'SUCCEEDED', refund: 'SKIPPED', refund2: 'SKIPPED', charge: 'SUCCEEDED', join: 'SUCCEEDED' } as const;
    expect(planRun(definition, statuses(done))).toMatchObject({ done: true, outcome: 'SUCCEEDED' });
  });

  it('is skipped when every dependency was, and by a failure in the branch that ran', () => {
    const none = planRun(definition, statuses({ route: 'SUCCEEDED', refund: 'SKIPPED', charge: 'SKIPPED' }));
    expect(none.skip).toEqual([
      { key: 'refund2', reason: 'dependency-skipped' },
      { key: 'join', reason: 'dependency-skipped' },
    ]);
    expect(none).toMatchObject({ done: true, outcome: 'SUCCEEDED' });
    const failed = planRun(definition, statuses({ route: 'SUCCEEDED', refund: 'SKIPPED', charge: 'FAILED' }));
    expect(failed.skip).toContainEqual({ key: 'join', reason: 'dependency-failed' });
    expect(failed).toMatchObject({ done: true, outcome: 'FAILED' });
  });

  it('waits for every dependency to end, as a join of all does', () => {
    expect(planRun(definition, statuses({ route: 'SUCCEEDED', refund: 'QUEUED', charge: 'SUCCEEDED' })).ready).toEqual([]);
  });
});

describe('branchNotTaken', () => {
  const refund = definition.steps[1] as (typeof definition.steps)[number];
  it('lets the chosen branch run and says why another does not', () => {
    expect(branchNotTaken(refund, { route: { branch: 'refund' } })).toBeNull();
    expect(branchNotTaken(refund, { route: { branch: 'charge' } })).toBe('switch "route" chose branch "charge", not "refund"');
    expect(branchNotTaken(refund, { route: { branch: null } })).toBe('switch "route" chose no branch, not "refund"');
    expect(branchNotTaken(definition.steps[2] as typeof refund, {})).toBeNull();
  });
});

describe('validateDefinition: branches', () => {
  const known = new Set([actionRefKey(switchActionRef), actionRefKey(noop)]);
  const opts = { isKnownAction: (ref: ActionRef) => known.has(actionRefKey(ref)) };
  const issuesOf = (steps: unknown[]): DefinitionIssue[] => {
    try {
      validateDefinition({ steps }, opts);
    } catch (error) {
      expect(error).toBeInstanceOf(ConveyorError);
      return (error as ConveyorError).details.issues as DefinitionIssue[];
    }
    throw new Error('expected the definition to be refused');
  };

  it('accepts a switch, its branches and their join', () => {
    expect(validateDefinition(raw, opts).steps.map((step) => step.key)).toEqual(['route', 'refund', 'refund2', 'charge', 'join']);
  });

  it('names a case the switch does not declare, a switch that is not a dependency, a step that is not a switch', () => {
    const step = (branch: unknown, dependsOn = ['route']) => ({ key: 'b', action: noop, dependsOn, branch });
    expect(issuesOf([route, step({ switch: 'route', case: 'refnd' })])).toEqual([
      {
        stepKey: 'b',
        path: 'steps[1].branch.case',
        message: 'switch "route" has no branch "refnd" (it has refund, charge, manual)',
      },
    ]);
    expect(issuesOf([route, { key: 'x', action: noop }, step({ switch: 'route', case: 'refund' }, ['x'])])).toEqual([
      { stepKey: 'b', path: 'steps[2].branch.switch', message: 'the switch "route" must be among its dependencies (dependsOn)' },
    ]);
    expect(issuesOf([{ key: 'route', action: noop }, step({ switch: 'route', case: 'refund' })])).toEqual([
      { stepKey: 'b', path: 'steps[1].branch.switch', message: 'step "route" is not a switch (core@1/switch)' },
    ]);
    expect(issuesOf([{ key: 'a', action: noop, join: 'any' }])).toEqual([
      { stepKey: 'a', path: 'steps[0].join', message: 'joins "any" of no dependencies (dependsOn)' },
    ]);
  });

  it('leaves a case unchecked when the switch names its branches with templates', () => {
    const dynamic = { ...route, input: { cases: [{ branch: '{{ input.kind }}', when: true }] } };
    const steps = [dynamic, { key: 'b', action: noop, dependsOn: ['route'], branch: { switch: 'route', case: 'anything' } }];
    expect(validateDefinition({ steps }, opts).steps).toHaveLength(2);
  });
});
