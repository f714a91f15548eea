import { coreActions, createActionRegistry } from '@conveyor/actions';
import type { Progress } from '@conveyor/db';
import { workflowDefinitionSchema } from '@conveyor/engine';
import { describe, expect, it } from 'vitest';
import { splitContinuation } from './continuation';

const actions = createActionRegistry(coreActions);
const core = (key: string) => ({ app: 'core', version: '1', key });
const definition = workflowDefinitionSchema.parse({
  steps: [
    { key: 'first', action: core('transform'), input: { value: 1 } },
    { key: 'inline', action: core('transform'), input: { value: 2 }, dependsOn: ['first'] },
    { key: 'retried', action: core('transform'), input: { value: 3 }, dependsOn: ['first'], retry: { attempts: 3 } },
    { key: 'http', action: core('http.request'), input: { url: 'https://example.com' }, dependsOn: ['first'] },
  ],
});
const queued = (...keys: string[]) =>
  keys.map((stepKey, index) => ({ stepRunId: `id-${index}`, stepKey, jobId: `job-${index}` }));
const progress = (...keys: string[]): Progress => ({ applied: true, queued: queued(...keys), finished: null });

describe('splitContinuation', () => {
  it('carries on with a lone next step whose action is inline and that is never retried', () => {
    const split = splitContinuation(actions, definition, progress('inline'));
    expect(split.carryOn?.stepKey).toBe('inline');
    expect(split.rest.queued).toEqual([]);
  });

  it('queues a job for a step that may retry, whose action is not inline, or that has siblings', () => {
    for (const keys of [['retried'], ['http'], ['inline', 'http'], []]) {
      const split = splitContinuation(actions, definition, progress(...keys));
      expect(split.carryOn).toBeUndefined();
      expect(split.rest.queued.map((step) => step.stepKey)).toEqual(keys);
    }
  });
});
