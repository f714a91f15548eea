import { ConveyorError } from '@conveyor/errors';
import { describe, expect, it } from 'vitest';
import { type ActionRef, actionRefKey, type DefinitionIssue, validateDefinition } from './index';

const known = new Set(['http@1/request', 'core@1/transform']);
const opts = { isKnownAction: (ref: ActionRef) => known.has(actionRefKey(ref)) };
const http = { app: 'http', version: '1', key: 'request' };

function step(key: string, extra: Record<string, unknown> = {}) {
  return { key, action: http, ...extra };
}

/** The issues of the VALIDATION_FAILED error `raw` must produce. */
function issuesOf(raw: unknown): { issues: DefinitionIssue[]; message: string } {
  try {
    validateDefinition(raw, opts);
  } catch (error) {
    expect(error).toBeInstanceOf(ConveyorError);
    expect((error as ConveyorError).code).toBe('VALIDATION_FAILED');
    return { issues: (error as ConveyorError).details.issues as DefinitionIssue[], message: (error as ConveyorError).message };
  }
  throw new Error('expected the definition to be refused');
}

describe('validateDefinition: shape', () => {
  it('fills every default of a minimal definition', () => {
    const definition = validateDefinition({ steps: [step('a')] }, opts);
    expect(definition.steps[0]).toEqual({
      key: 'a',
      action: http,
      input: {},
      dependsOn: [],
      retry: { attempts: 1, backoff: 'exponential', delayMs: 1000, maxDelayMs: 300_000, jitter: 0 },
      timeoutMs: 30_000,
      continueOnError: false,
    });
    expect(definition.timeoutMs).toBeUndefined();
  });

  it('does not share default objects between parsed definitions', () => {
    const first = validateDefinition({ steps: [step('a')] }, opts);
    const second = validateDefinition({ steps: [step('a')] }, opts);
    expect(first.steps[0]?.retry).not.toBe(second.steps[0]?.retry);
    expect(first.steps[0]?.input).not.toBe(second.steps[0]?.input);
  });

  it('turns zod issues into absolute paths, naming the step when its key can be read', () => {
    const { issues, message } = issuesOf({
      timeoutMs: -1,
      steps: [step('a'), step('b'), step('c', { retry: { attempts: 26 }, connectionId: 'not-a-uuid' }), { key: 7, action: http }],
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'timeoutMs', message: expect.any(String) },
        { stepKey: 'c', path: 'steps[2].retry.attempts', message: expect.stringMatching(/25/) },
        { stepKey: 'c', path: 'steps[2].connectionId', message: expect.any(String) },
        { path: 'steps[3].key', message: expect.any(String) },
      ]),
    );
    expect(issues).toHaveLength(4);
    expect(message).toMatch(/^invalid workflow definition: /);
    expect(message).toContain('step "c" retry.attempts: ');
  });

  it('refuses a badly shaped key, an empty step list and a non-object', () => {
    expect(issuesOf({ steps: [step('1st')] }).issues).toEqual([
      { stepKey: '1st', path: 'steps[0].key', message: 'must start with a letter or _ and contain only letters, digits and _' },
    ]);
    expect(issuesOf({ steps: [] }).issues[0]?.path).toBe('steps');
    expect(issuesOf('nope').issues[0]?.path).toBe('definition');
  });
});

describe('validateDefinition: graph and references', () => {
  it('accepts a diamond whose expressions read only upstream steps', () => {
    const definition = validateDefinition(
      {
        steps: [
          step('a', { input: { url: '{{ input.url }}' } }),
          step('b', { dependsOn: ['a'], input: { v: '{{ steps.a.output }}' } }),
          step('c', { dependsOn: ['a'] }),
          step('d', { dependsOn: ['b', 'c'], input: { all: ['{{ steps.a.output }}', 'x {{ steps.b.output }}'] } }),
        ],
      },
      opts,
    );
    expect(definition.steps.map((s) => s.key)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('reports duplicate keys at the later step', () => {
    const { issues } = issuesOf({ steps: [step('a'), step('b'), step('a')] });
    expect(issues).toEqual([{ stepKey: 'a', path: 'steps[2].key', message: 'duplicate step key "a" (also steps[0])' }]);
  });

  it('reports unknown and self dependencies with their dependsOn index', () => {
    const { issues, message } = issuesOf({ steps: [step('a'), step('b', { dependsOn: ['a', 'zz', 'b'] })] });
    expect(issues).toEqual([
      { stepKey: 'b', path: 'steps[1].dependsOn[1]', message: 'unknown step "zz"' },
      { stepKey: 'b', path: 'steps[1].dependsOn[2]', message: 'a step cannot depend on itself' },
    ]);
    expect(message).toBe(
      'invalid workflow definition: step "b" dependsOn[1]: unknown step "zz"; step "b" dependsOn[2]: a step cannot depend on itself',
    );
  });

  it('names a cycle in execution order, starting at its earliest step', () => {
    const { issues } = issuesOf({
      steps: [
        step('root'),
        step('b', { dependsOn: ['a'] }),
        step('a', { dependsOn: ['c', 'root'] }),
        step('c', { dependsOn: ['b'] }),
        step('x', { dependsOn: ['y'] }),
        step('y', { dependsOn: ['x'] }),
      ],
    });
    expect(issues).toEqual([
      { stepKey: 'b', path: 'steps[1].dependsOn', message: 'cycle: b → c → a → b' },
      { stepKey: 'x', path: 'steps[4].dependsOn', message: 'cycle: x → y → x' },
    ]);
  });

  it('reports unknown actions by their full reference', () => {
    const { issues } = issuesOf({ steps: [step('a', { action: { app: 'http', version: '2', key: 'request' } })] });
    expect(issues).toEqual([{ stepKey: 'a', path: 'steps[0].action', message: 'unknown action "http@2/request"' }]);
  });

  it('reports expression syntax errors in input fields and in if', () => {
    const { issues } = issuesOf({
      steps: [step('a', { input: { body: { x: '{{ input.amount + }}' }, ok: '{{ 1 }}' }, if: '{{ input.( }}' })],
    });
    expect(issues.map(({ stepKey, path }) => ({ stepKey, path }))).toEqual([
      { stepKey: 'a', path: 'steps[0].input.body.x' },
      { stepKey: 'a', path: 'steps[0].if' },
    ]);
    expect(issues[0]?.message).toMatch(/^syntax error: /);
  });

  it('checks a rate limit: its bounds, its fields, and its key template like any other', () => {
    const shape = issuesOf({
      steps: [step('a', { rateLimit: { limit: 0, perMs: 1000 } }), step('b', { rateLimit: { limit: 5, perMs: 1000, every: 1 } })],
    });
    expect(shape.issues.map(({ stepKey, path }) => ({ stepKey, path }))).toEqual([
      { stepKey: 'a', path: 'steps[0].rateLimit.limit' },
      { stepKey: 'b', path: 'steps[1].rateLimit' },
    ]);
    const keys = issuesOf({
      steps: [
        step('b'),
        step('c', { rateLimit: { limit: 5, perMs: 1000, key: '{{ steps.b.output.id }}' } }),
        step('d', { rateLimit: { limit: 5, perMs: 1000, key: '{{ input.( }}' } }),
      ],
    });
    expect(keys.issues.map(({ stepKey, path }) => ({ stepKey, path }))).toEqual([
      { stepKey: 'c', path: 'steps[1].rateLimit.key' },
      { stepKey: 'd', path: 'steps[2].rateLimit.key' },
    ]);
    expect(keys.issues[0]?.message).toContain('not among its dependencies');
    const run = issuesOf({
      rateLimit: { limit: 5, perMs: 1000, key: '{{ steps.b.output }}' },
      steps: [step('b')],
    });
    expect(run.issues).toEqual([{ path: 'rateLimit.key', message: "reads steps.b, but a run's key may read only its input" }]);
    const valid = validateDefinition(
      { steps: [step('a', { rateLimit: { limit: 5, perMs: 1000, key: '{{ input.customer }}' } })] },
      opts,
    );
    expect(valid.steps[0]?.rateLimit).toEqual({ limit: 5, perMs: 1000, key: '{{ input.customer }}' });
  });

  it("checks a workflow's concurrency: its limit, and a key that reads the run input only", () => {
    const shape = issuesOf({ concurrency: { limit: 0 }, steps: [step('a')] });
    expect(shape.issues.map(({ path }) => path)).toEqual(['concurrency.limit']);
    const key = issuesOf({ concurrency: { limit: 2, key: '{{ steps.a.output }}' }, steps: [step('a')] });
    expect(key.issues).toEqual([{ path: 'concurrency.key', message: "reads steps.a, but a run's key may read only its input" }]);
    const bad = issuesOf({ concurrency: { limit: 2, key: '{{ input.( }}' }, steps: [step('a')] });
    expect(bad.issues.map(({ path }) => path)).toEqual(['concurrency.key']);
    const valid = validateDefinition({ concurrency: { limit: 1, key: '{{ input.customer }}' }, steps: [step('a')] }, opts);
    expect(valid.concurrency).toEqual({ limit: 1, key: '{{ input.customer }}' });
  });

  it('checks a forEach: its items template reads only upstream steps, its bounds', () => {
    const { issues } = issuesOf({
      steps: [
        step('a'),
        step('b', { forEach: { items: '{{ steps.a.output }}' } }),
        step('c', { forEach: { items: 'x', concurrency: 0 } }),
      ],
    });
    expect(issues.map(({ stepKey, path }) => ({ stepKey, path }))).toEqual([
      { stepKey: 'c', path: 'steps[2].forEach.concurrency' },
    ]);
    const reads = issuesOf({ steps: [step('a'), step('b', { forEach: { items: '{{ steps.a.output }}' } })] });
    expect(reads.issues).toEqual([
      {
        stepKey: 'b',
        path: 'steps[1].forEach.items',
        message: 'references steps.a, but "a" is not among its dependencies (dependsOn)',
      },
    ]);
    const valid = validateDefinition({ steps: [step('b', { forEach: { items: '{{ input.list }}' } })] }, opts);
    expect(valid.steps[0]?.forEach).toEqual({
      items: '{{ input.list }}',
      concurrency: 10,
      maxItems: 1000,
      onItemError: 'failFast',
    });
  });

  it('refuses reading a step that is not upstream, unknown, or itself', () => {
    const { issues } = issuesOf({
      steps: [
        step('a'),
        step('b', { dependsOn: ['a'] }),
        step('c', { dependsOn: ['a'] }),
        step('d', {
          dependsOn: ['b'],
          input: { fromA: '{{ steps.a.output }}', fromC: '{{ steps.c.output }}', list: ['{{ steps.nope.output }}'] },
          if: '{{ steps.d.output.done }}',
        }),
      ],
    });
    expect(issues).toEqual([
      {
        stepKey: 'd',
        path: 'steps[3].input.fromC',
        message: 'references steps.c, but "c" is not among its dependencies (dependsOn)',
      },
      { stepKey: 'd', path: 'steps[3].input.list[0]', message: 'references unknown step "nope" (steps.nope)' },
      { stepKey: 'd', path: 'steps[3].if', message: 'references its own output (steps.d)' },
    ]);
  });

  it('collects every kind of problem into one error', () => {
    const { issues, message } = issuesOf({
      steps: [
        step('a', { dependsOn: ['c'] }),
        step('a', { action: { app: 'nope', version: '1', key: 'x' } }),
        step('c', { dependsOn: ['a', 'ghost'], input: { v: '{{ steps.c2.output' } }),
      ],
    });
    expect(issues.map((issue) => issue.path)).toEqual([
      'steps[1].key',
      'steps[1].action',
      'steps[2].dependsOn[1]',
      'steps[2].input.v',
      'steps[0].dependsOn',
    ]);
    expect(issues.at(-1)?.message).toBe('cycle: a → c → a');
    expect(message.split('; ')).toHaveLength(5);
  });
});
