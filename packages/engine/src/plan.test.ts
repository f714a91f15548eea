import { ConveyorError } from '@conveyor/errors';
import { describe, expect, it } from 'vitest';
import { planRun, type StepStatus, type WorkflowDefinition, workflowDefinitionSchema } from './index';

type StepSpec = { key: string; dependsOn?: string[]; continueOnError?: boolean };

function definition(...steps: StepSpec[]): WorkflowDefinition {
  return workflowDefinitionSchema.parse({
    steps: steps.map((s) => ({ action: { app: 'core', version: '1', key: 'noop' }, ...s })),
  });
}

function statuses(map: Record<string, StepStatus>): Record<string, { status: StepStatus }> {
  return Object.fromEntries(Object.entries(map).map(([key, status]) => [key, { status }]));
}

describe('planRun', () => {
  const diamond = definition(
    { key: 'a' },
    { key: 'b', dependsOn: ['a'] },
    { key: 'c', dependsOn: ['a'] },
    { key: 'd', dependsOn: ['b', 'c'] },
  );

  it('walks a diamond step by step', () => {
    expect(planRun(diamond, {})).toEqual({ ready: ['a'], skip: [], done: false, outcome: null });
    expect(planRun(diamond, statuses({ a: 'RUNNING' })).ready).toEqual([]);
    expect(planRun(diamond, statuses({ a: 'SUCCEEDED' })).ready).toEqual(['b', 'c']);
    // Queued steps are not offered again; d still waits for c.
    expect(planRun(diamond, statuses({ a: 'SUCCEEDED', b: 'QUEUED', c: 'PENDING' })).ready).toEqual(['c']);
    expect(planRun(diamond, statuses({ a: 'SUCCEEDED', b: 'SUCCEEDED', c: 'RUNNING' })).ready).toEqual([]);
    expect(planRun(diamond, statuses({ a: 'SUCCEEDED', b: 'SUCCEEDED', c: 'SUCCEEDED' })).ready).toEqual(['d']);
    expect(planRun(diamond, statuses({ a: 'SUCCEEDED', b: 'SUCCEEDED', c: 'SUCCEEDED', d: 'SUCCEEDED' }))).toEqual({
      ready: [],
      skip: [],
      done: true,
      outcome: 'SUCCEEDED',
    });
  });

  it('starts every root at once, in definition order', () => {
    const roots = definition({ key: 'z' }, { key: 'join', dependsOn: ['z', 'm'] }, { key: 'm' });
    expect(planRun(roots, {}).ready).toEqual(['z', 'm']);
    expect(planRun(roots, statuses({ z: 'SUCCEEDED', m: 'SUCCEEDED' })).ready).toEqual(['join']);
  });

  it('skips a whole chain after a skipped step, in one call', () => {
    const chain = definition(
      { key: 'a' },
      { key: 'd', dependsOn: ['c'] },
      { key: 'c', dependsOn: ['b'] },
      { key: 'b', dependsOn: ['a'] },
    );
    const plan = planRun(chain, statuses({ a: 'SKIPPED' }));
    expect(plan.skip).toEqual([
      { key: 'b', reason: 'dependency-skipped' },
      { key: 'c', reason: 'dependency-skipped' },
      { key: 'd', reason: 'dependency-skipped' },
    ]);
    expect(plan).toMatchObject({ ready: [], done: true, outcome: 'SUCCEEDED' });
  });

  it('skips dependents of a failure and fails the run, letting independent branches finish', () => {
    const flow = definition(
      { key: 'a' },
      { key: 'b', dependsOn: ['a'] },
      { key: 'c', dependsOn: ['b'] },
      { key: 'side' },
      { key: 'after', dependsOn: ['side'] },
    );
    const midway = planRun(flow, statuses({ a: 'FAILED', side: 'SUCCEEDED' }));
    expect(midway.skip).toEqual([
      { key: 'b', reason: 'dependency-failed' },
      { key: 'c', reason: 'dependency-skipped' },
    ]);
    expect(midway).toMatchObject({ ready: ['after'], done: false, outcome: null });
    const end = planRun(flow, statuses({ a: 'FAILED', b: 'SKIPPED', c: 'SKIPPED', side: 'SUCCEEDED', after: 'SUCCEEDED' }));
    expect(end).toEqual({ ready: [], skip: [], done: true, outcome: 'FAILED' });
  });

  it('treats a failure with continueOnError as satisfied, and the run as succeeded', () => {
    const flow = definition({ key: 'a', continueOnError: true }, { key: 'b', dependsOn: ['a'] });
    expect(planRun(flow, statuses({ a: 'FAILED' }))).toMatchObject({ ready: ['b'], skip: [] });
    expect(planRun(flow, statuses({ a: 'FAILED', b: 'SUCCEEDED' }))).toMatchObject({ done: true, outcome: 'SUCCEEDED' });
  });

  it('gives the strongest reason when several dependencies block a step', () => {
    const flow = definition({ key: 'x' }, { key: 'y' }, { key: 'z' }, { key: 'join', dependsOn: ['x', 'y', 'z'] });
    expect(planRun(flow, statuses({ x: 'SKIPPED', y: 'CANCELLED', z: 'RUNNING' })).skip).toEqual([
      { key: 'join', reason: 'dependency-cancelled' },
    ]);
    expect(planRun(flow, statuses({ x: 'SKIPPED', y: 'CANCELLED', z: 'FAILED' })).skip).toEqual([
      { key: 'join', reason: 'dependency-failed' },
    ]);
  });

  it('skips dependents of a cancelled step and ends CANCELLED, but FAILED wins over CANCELLED', () => {
    const flow = definition({ key: 'a' }, { key: 'b', dependsOn: ['a'] }, { key: 'c' });
    const cancelled = planRun(flow, statuses({ a: 'CANCELLED', c: 'CANCELLED' }));
    expect(cancelled).toEqual({
      ready: [],
      skip: [{ key: 'b', reason: 'dependency-cancelled' }],
      done: true,
      outcome: 'CANCELLED',
    });
    expect(planRun(flow, statuses({ a: 'CANCELLED', b: 'SKIPPED', c: 'FAILED' })).outcome).toBe('FAILED');
  });

  it('does not skip steps that already started, and waits for them', () => {
    const flow = definition({ key: 'a' }, { key: 'b', dependsOn: ['a'] });
    // b was queued by an earlier plan before a was rerun and failed: b is not PENDING, so it is left alone.
    expect(planRun(flow, statuses({ a: 'FAILED', b: 'RUNNING' }))).toEqual({ ready: [], skip: [], done: false, outcome: null });
  });

  it('ignores statuses of keys that are not in the definition, and survives keys like "constructor"', () => {
    const flow = definition({ key: 'constructor' }, { key: 'toString', dependsOn: ['constructor'] });
    expect(planRun(flow, statuses({ ghost: 'FAILED' }))).toMatchObject({ ready: ['constructor'], done: false });
    expect(planRun(flow, { constructor: { status: 'SUCCEEDED' } } as Record<string, { status: StepStatus }>).ready).toEqual([
      'toString',
    ]);
  });

  it('refuses an unvalidated definition with a dangling dependency instead of stalling', () => {
    const flow = definition({ key: 'a', dependsOn: ['ghost'] });
    expect(() => planRun(flow, {})).toThrow(ConveyorError);
    expect(() => planRun(flow, {})).toThrow(/step "a" depends on unknown step "ghost"/);
  });
});
