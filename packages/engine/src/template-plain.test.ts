import { ConveyorError } from '@conveyor/errors';
import { describe, expect, it } from 'vitest';
import { type ActionRef, actionRefKey, compileCondition, isPlainTemplate, resolveInput, validateDefinition } from './index';

describe('isPlainTemplate: what the worker may evaluate in process', () => {
  it.each([
    ['{{ input.n }}'],
    ['{{ steps.fetch.output.body.total }}'],
    ['{{ steps.`my-step`.output[0] }}'],
    ['{{ $.input.n }}'],
    ['{{ $$.input }}'],
    ['Hello {{ input.name }}, you owe {{ input.amount * 1.2 }}'],
    ['{{ input.a = "x" and steps.b.output.ok or -input.n > 3 }}'],
    ['no expression at all'],
    [{ nested: ['{{ input.a }}', 1, { deep: '{{ "literal" }}' }] }],
  ])('is plain: %j', (template) => {
    expect(isPlainTemplate(template)).toBe(true);
  });

  it.each([
    ['{{ $pad("", 5) }}'],
    ['{{ input.items[price > 2] }}'],
    ['{{ input.items[$i] }}'],
    ['{{ [1..10] }}'],
    ['{{ ($x := 1; $x) }}'],
    ['{{ input.a ? 1 : 2 }}'],
    ['{{ $match(input.s, /a/) }}'],
    ['{{ input.items.(price * 2) }}'],
    ['{{ input.items^(price) }}'],
    ['{{ input.** }}'],
    ['{{ {"a": input.n} }}'],
    ['{{ input.n ~> $string() }}'],
    ['{{ input.s & input.s & input.s }}'],
    [{ ok: '{{ input.n }}', bad: '{{ $string(input.n) }}' }],
    ['{{ unterminated'],
  ])('is not plain: %j', (template) => {
    expect(isPlainTemplate(template)).toBe(false);
  });

  it('gives the same values in process as before', async () => {
    const context = { input: { n: 2, items: [{ p: 1 }, { p: 2 }], name: 'Ada' }, steps: { a: { output: { ok: true } } } };
    expect(await resolveInput({ n: '{{ input.n }}', p: '{{ input.items.p }}', s: 'hi {{ input.name }}' }, context)).toEqual({
      n: 2,
      p: [1, 2],
      s: 'hi Ada',
    });
    expect(compileCondition('steps.a.output.ok and input.n > 1').plain).toBe(true);
  });
});

describe('validateDefinition: regexes that can backtrack', () => {
  const known = new Set(['core@1/transform']);
  const options = { isKnownAction: (ref: ActionRef) => known.has(actionRefKey(ref)) };
  const transform = { app: 'core', version: '1', key: 'transform' };

  it.each([
    ['$match', '{{ $match(input.s, /^(a|a)*$/) }}'],
    ['$contains', '{{ $contains(input.s, /(\\w|\\d)+x/) }}'],
  ])('refuses overlapping alternation under a repetition in %s, naming the step field', (_name, value) => {
    let error: unknown;
    try {
      validateDefinition({ steps: [{ key: 'bomb', action: transform, input: { value } }] }, options);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConveyorError);
    const issues = (error as ConveyorError).details.issues as { stepKey?: string; path: string; message: string }[];
    expect(issues).toEqual([
      expect.objectContaining({
        stepKey: 'bomb',
        path: 'steps[0].input.value',
        message: expect.stringMatching(/can match the same text/),
      }),
    ]);
  });

  it('refuses the same pattern built at run time through $eval', async () => {
    const context = { input: { s: 'aaaaaaaaaaaaaaaaaaaaaaaaaaa!' }, steps: {} };
    const error = await resolveInput('{{ $eval("$match(input.s, /^(a|a)*$/)") }}', context).catch((caught: unknown) => caught);
    expect((error as ConveyorError).details.reason).toMatch(/can match the same text/);
  });
});
