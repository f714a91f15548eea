import { coreActions, createActionRegistry } from '@conveyor/actions';
import { workflowDefinitionSchema } from '@conveyor/engine';
import { describe, expect, it } from 'vitest';
import { carryOnAfter, carryOnAtStart } from './carry-on';

const actions = createActionRegistry(coreActions);
const core = (key: string) => ({ app: 'core', version: '1', key });
const step = (key: string, action: string, dependsOn: string[], extra: object = {}) => ({
  key,
  action: core(action),
  input: { value: key, url: 'https://example.com' },
  dependsOn,
  ...extra,
});
const definition = workflowDefinitionSchema.parse({
  steps: [
    step('first', 'transform', []),
    step('inline', 'transform', ['first']),
    step('retried', 'transform', ['inline'], { retry: { attempts: 3 } }),
    step('http', 'http.request', ['retried']),
    step('fork_a', 'noop', ['http']),
    step('fork_b', 'noop', ['http']),
    step('join', 'log', ['fork_a', 'fork_b'], { input: { message: 'done' } }),
  ],
});

describe('carryOnAfter', () => {
  it('carries on with the one step a success unblocks when its action is inline and it is never retried', () => {
    expect(carryOnAfter(actions, definition, 'first')).toEqual({ stepKey: 'inline' });
  });

  it('leaves to a job of its own a step that may retry, that is not inline, or that is not the only one unblocked', () => {
    expect(carryOnAfter(actions, definition, 'inline')).toBeUndefined(); // retried
    expect(carryOnAfter(actions, definition, 'retried')).toBeUndefined(); // http.request is not inline
    expect(carryOnAfter(actions, definition, 'http')).toBeUndefined(); // two steps unblocked
    expect(carryOnAfter(actions, definition, 'fork_a')).toBeUndefined(); // the join waits for fork_b too
    expect(carryOnAfter(actions, definition, 'join')).toBeUndefined(); // the end of the run
  });
});

describe('carryOnAtStart', () => {
  const parse = (steps: unknown[]) => workflowDefinitionSchema.parse({ steps });

  it("carries the run job on with the run's only first step when it is inline and never retried", () => {
    expect(carryOnAtStart(actions, definition)).toEqual({ stepKey: 'first' });
  });

  it('queues the first steps when there are several, or the only one may retry or is not inline', () => {
    expect(carryOnAtStart(actions, parse([step('a', 'transform', []), step('b', 'transform', [])]))).toBeUndefined();
    expect(carryOnAtStart(actions, parse([step('a', 'transform', [], { retry: { attempts: 2 } })]))).toBeUndefined();
    expect(carryOnAtStart(actions, parse([step('a', 'http.request', [])]))).toBeUndefined();
    expect(carryOnAtStart(actions, parse([step('a', 'delay', [], { input: { ms: 10 } })]))).toBeUndefined();
  });

  it('queues a rate-limited step, whose wait needs a delayed job of its own', () => {
    const limited = { rateLimit: { limit: 1, perMs: 1000 } };
    expect(carryOnAtStart(actions, parse([step('a', 'transform', [], limited)]))).toBeUndefined();
    expect(carryOnAfter(actions, parse([step('a', 'noop', []), step('b', 'transform', ['a'], limited)]), 'a')).toBeUndefined();
  });
});
