import { ConveyorError } from '@conveyor/errors';
import { describe, expect, it } from 'vitest';
import {
  compileCondition,
  compileInput,
  compileTemplate,
  defaultTemplateLimits,
  evaluateCondition,
  resolveInput,
  type TemplateContext,
  templateReferences,
} from './index';

const context: TemplateContext = {
  input: { amount: 150, customer: { name: 'Ada', tags: ['vip', 'eu'] }, 'content-type': 'json' },
  steps: {
    fetch: { output: { status: 200, items: [{ price: 2 }, { price: 3 }], body: { total: 5 } } },
    lookup: { output: 'ok' },
  },
};

/** Runs `work`, expecting a VALIDATION_FAILED ConveyorError, and returns it for closer checks. */
async function failure(work: () => Promise<unknown> | unknown): Promise<ConveyorError> {
  try {
    await work();
  } catch (error) {
    expect(error).toBeInstanceOf(ConveyorError);
    expect((error as ConveyorError).code).toBe('VALIDATION_FAILED');
    return error as ConveyorError;
  }
  throw new Error('expected a VALIDATION_FAILED error, got success');
}

describe('resolveInput', () => {
  it('gives a sole {{ expr }} its raw JSON value, whatever the type', async () => {
    const resolved = await resolveInput(
      {
        total: '{{ steps.fetch.output.body.total }}',
        items: '  {{ steps.fetch.output.items }} ',
        isBig: '{{ input.amount > 100 }}',
        nothing: '{{ null }}',
        sum: '{{ $sum(steps.fetch.output.items.price) }}',
      },
      context,
    );
    expect(resolved).toEqual({ total: 5, items: [{ price: 2 }, { price: 3 }], isBig: true, nothing: null, sum: 5 });
  });

  it('interpolates mixed text: objects as JSON, missing values as empty', async () => {
    const resolved = await resolveInput(
      {
        greeting: 'Hello {{ input.customer.name }}, you owe {{ input.amount }}!',
        json: 'tags={{ input.customer.tags }} body={{ steps.fetch.output.body }}',
        missing: '[{{ steps.fetch.output.nope }}]',
        quoted: 'key {{ input.`content-type` }}',
      },
      context,
    );
    expect(resolved).toEqual({
      greeting: 'Hello Ada, you owe 150!',
      json: 'tags=["vip","eu"] body={"total":5}',
      missing: '[]',
      quoted: 'key json',
    });
  });

  it('walks nested objects and arrays and leaves non-strings alone', async () => {
    const resolved = await resolveInput(
      {
        request: {
          headers: { 'x-status': '{{ steps.fetch.output.status }}', retries: 3, flag: false, none: null },
          lines: ['{{ input.customer.tags[0] }}', { name: 'n-{{ steps.lookup.output }}' }, 7],
        },
      },
      context,
    );
    expect(resolved).toEqual({
      request: {
        headers: { 'x-status': 200, retries: 3, flag: false, none: null },
        lines: ['vip', { name: 'n-ok' }, 7],
      },
    });
  });

  it('resolves a missing path to undefined, and a step without output to undefined', async () => {
    const resolved = (await resolveInput({ a: '{{ steps.never.output.x }}', b: '{{ input.nope }}' }, context)) as Record<
      string,
      unknown
    >;
    expect(resolved.a).toBeUndefined();
    expect(resolved.b).toBeUndefined();
    expect(Object.keys(resolved)).toEqual(['a', 'b']);
  });

  it('returns plain JSON, not JSONata sequences, and keeps a "__proto__" key as data', async () => {
    const resolved = (await resolveInput(JSON.parse('{"__proto__": "{{ steps.fetch.output.items.price }}"}'), context)) as Record<
      string,
      unknown
    >;
    expect(Object.getPrototypeOf(resolved)).toBe(Object.prototype);
    const prices = Object.getOwnPropertyDescriptor(resolved, '__proto__')?.value;
    expect(prices).toEqual([2, 3]);
    expect(Object.keys(prices as object)).toEqual(['0', '1']);
  });

  it('parses expressions that contain braces and "}}" inside strings', async () => {
    const resolved = await resolveInput(
      {
        object: '{{ {"a": {"b": input.amount}} }}',
        text: '{{ "}}" & input.customer.name }}',
        comment: '{{ /* } */ input.amount }}',
      },
      context,
    );
    expect(resolved).toEqual({ object: { a: { b: 150 } }, text: '}}Ada', comment: 150 });
  });

  it('names the field path and step of a runtime error', async () => {
    const error = await failure(() =>
      resolveInput({ body: { total: '{{ $number("abc") + $error("boom") }}' } }, context, undefined, { stepKey: 'charge' }),
    );
    expect(error.details).toMatchObject({ stepKey: 'charge', path: 'input.body.total' });
    expect(error.message).toMatch(/^step "charge" input\.body\.total: evaluation failed: /);
  });

  it('names array positions and quoted keys in paths', async () => {
    const error = await failure(() => resolveInput({ list: ['ok', { 'content-type': '{{ $error("bad") }}' }] }, context));
    expect(error.details.path).toBe('input.list[1]["content-type"]');
  });

  it('refuses an unterminated or empty expression', async () => {
    expect((await failure(() => resolveInput({ a: 'x {{ input.amount' }, context))).details).toMatchObject({
      path: 'input.a',
      reason: 'unterminated "{{" at offset 2',
    });
    expect((await failure(() => resolveInput({ a: '{{   }}' }, context))).details.reason).toMatch(/empty expression/);
  });

  it('reports a JSONata syntax error with its position', async () => {
    const error = await failure(() => resolveInput({ x: '{{ input.amount + }}' }, context));
    expect(error.details.path).toBe('input.x');
    expect(error.details.reason).toMatch(/^syntax error: .*\(S0\d{3} at position \d+\)$/);
  });

  it('refuses a result that is a function rather than JSON', async () => {
    const error = await failure(() => resolveInput({ f: '{{ function($x) { $x } }}' }, context));
    expect(error.details.reason).toBe('result contains a function, which is not a JSON value');
  });
});

describe('evaluateCondition', () => {
  it('evaluates a {{ }} condition or a bare expression', async () => {
    expect(await evaluateCondition('{{ input.amount > 100 }}', context)).toBe(true);
    expect(await evaluateCondition('input.amount > 1000', context)).toBe(false);
    expect(await evaluateCondition(' {{ steps.fetch.output.status = 200 and steps.lookup.output = "ok" }} ', context)).toBe(true);
  });

  it('coerces non-booleans with Boolean()', async () => {
    expect(await evaluateCondition('{{ input.nope }}', context)).toBe(false);
    expect(await evaluateCondition('{{ 0 }}', context)).toBe(false);
    expect(await evaluateCondition('{{ "" }}', context)).toBe(false);
    expect(await evaluateCondition('{{ input.customer.name }}', context)).toBe(true);
    expect(await evaluateCondition('{{ {} }}', context)).toBe(true);
  });

  it('refuses text mixed with expressions, which would always be truthy', async () => {
    const error = await failure(() => evaluateCondition('amount is {{ input.amount > 100 }}', context));
    expect(error.details).toMatchObject({ path: 'if' });
    expect(error.details.reason).toMatch(/single \{\{ expression \}\}/);
    expect((await failure(() => compileCondition('  '))).details.reason).toBe('condition is empty');
  });
});

describe('compileTemplate', () => {
  it('tells literal, raw and interpolated templates apart', () => {
    expect(compileTemplate('plain text').kind).toBe('literal');
    expect(compileTemplate(' {{ input.a }} ').kind).toBe('raw');
    expect(compileTemplate('a {{ input.a }}').kind).toBe('interpolated');
    expect(compileTemplate('{{ input.a }}{{ input.b }}').kind).toBe('interpolated');
  });

  it('can be evaluated against several contexts', async () => {
    const compiled = compileTemplate('{{ input.n * 2 }}');
    expect(await compiled.evaluate({ input: { n: 2 }, steps: {} })).toBe(4);
    expect(await compiled.evaluate({ input: { n: 5 }, steps: {} })).toBe(10);
  });
});

describe('compileInput', () => {
  it('evaluates one compiled input against each attempt’s own context', async () => {
    const input = compileInput({ total: '{{ input.amount * 2 }}', who: 'to {{ input.name }}', items: ['{{ input.n }}', 3] });
    expect(await input.evaluate({ input: { amount: 1, name: 'a', n: true }, steps: {} })).toEqual({
      total: 2,
      who: 'to a',
      items: [true, 3],
    });
    expect(await input.evaluate({ input: { amount: 21, name: 'b', n: null }, steps: {} })).toEqual({
      total: 42,
      who: 'to b',
      items: [null, 3],
    });
  });

  it('reports a bad template when it is evaluated, every time, naming the field', async () => {
    const input = compileInput({ ok: '{{ 1 }}', bad: '{{ ( }}' }, undefined, { stepKey: 's' });
    for (let i = 0; i < 2; i++) {
      await expect(input.evaluate(context)).rejects.toThrow('step "s" input.bad: syntax error');
    }
  });
});

describe('templateReferences', () => {
  it('finds steps.<key> anywhere in nested templates, and input use', () => {
    const references = templateReferences({
      a: '{{ steps.fetch.output.status }}',
      b: ['x {{ $sum(steps.prices.output.items[price > 1].price) }}', { c: '{{ $$.steps.root.output }}' }],
      d: 'no expressions here, steps.ignored.output',
    });
    expect([...references.stepKeys].sort()).toEqual(['fetch', 'prices', 'root']);
    expect(references.usesInput).toBe(false);
  });

  it('sees input and references inside lambdas, conditions and predicates', () => {
    const references = templateReferences(
      '{{ input.flag ? $map(steps.list.output, function($v) { $v + steps.offset.output }) : steps.`fallback`.output }}',
    );
    expect([...references.stepKeys].sort()).toEqual(['fallback', 'list', 'offset']);
    expect(references.usesInput).toBe(true);
  });

  it('ignores names that merely end in "steps" or paths not starting with steps', () => {
    const references = templateReferences('{{ input.steps.a.output & mysteps.b & $count(steps) }}');
    expect(references.stepKeys.size).toBe(0);
    expect(references.usesInput).toBe(true);
  });

  it('throws with the field path on a bad template', () => {
    expect(() => templateReferences({ x: { y: '{{ steps. }}' } })).toThrow(/^input\.x\.y: syntax error/);
  });
});

describe('template limits', () => {
  const limits = { timeoutMs: 100 };

  it('stops infinite (tail) recursion with the timeout', async () => {
    const started = performance.now();
    const error = await failure(() =>
      resolveInput({ loop: '{{ ($f := function($x){ $f($x) }; $f(1)) }}' }, context, limits, { stepKey: 's' }),
    );
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(error.message).toBe('step "s" input.loop: expression timed out after 100 ms');
  });

  it('stops a long loop with the timeout', async () => {
    const started = performance.now();
    const error = await failure(() => resolveInput({ sum: '{{ $sum([1..1000000].($ * 2)) }}' }, context, limits));
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(error.details.reason).toBe('expression timed out after 100 ms');
  });

  it('stops deep, non-tail recursion with the depth limit, before the timeout', async () => {
    const started = performance.now();
    const error = await failure(() => resolveInput('{{ ($f := function($x){ $f($x) + 1 }; $f(1)) }}', context));
    expect(performance.now() - started).toBeLessThan(defaultTemplateLimits.timeoutMs);
    expect(error.details).toMatchObject({ path: 'input' });
    expect(error.details.reason).toBe('expression exceeded the maximum evaluation depth of 200 (runaway recursion?)');
  });

  it('allows honest recursion within the depth limit', async () => {
    const factorial = '{{ ($f := function($n){ $n <= 1 ? 1 : $n * $f($n - 1) }; $f(10)) }}';
    expect(await resolveInput(factorial, context)).toBe(3628800);
  });

  it('keeps the limits when the runaway code hides in $eval', async () => {
    const error = await failure(() => resolveInput('{{ $eval("($f := function($x){ $f($x) }; $f(1))") }}', context, limits));
    expect(error.details.reason).toBe('expression timed out after 100 ms');
  });

  it('refuses sequences over the size limit before allocating them', async () => {
    const error = await failure(() => resolveInput('{{ $count([1..10000000]) }}', context));
    expect(error.details.reason).toBe('expression built a sequence longer than 1000000 items');
    expect(await resolveInput('{{ $count([1..1000]) }}', context, { maxSequenceLength: 1000 })).toBe(1000);
  });

  it('refuses results larger than the size limit, raw or interpolated', async () => {
    const big = '{{ $pad("", 2000, "é") }}';
    expect(((await resolveInput(big, context)) as string).length).toBe(2000);
    const raw = await failure(() => resolveInput({ big }, context, { maxResultBytes: 3000 }));
    expect(raw.details).toMatchObject({ path: 'input.big', reason: 'result is larger than 3000 bytes of JSON' });
    const mixed = '{{ $pad("", 900, "x") }}{{ $pad("", 900, "y") }}';
    expect(((await resolveInput(mixed, context, { maxResultBytes: 2000 })) as string).length).toBe(1800);
    // Each part fits in 1000 bytes; the interpolated whole does not.
    const whole = await failure(() => resolveInput(mixed, context, { maxResultBytes: 1000 }));
    expect(whole.details.reason).toBe('result is larger than 1000 bytes of JSON');
  });

  it('refuses an expression longer than the length limit', async () => {
    const long = `{{ "${'x'.repeat(4095)}" }}`;
    const error = await failure(() => resolveInput({ n: long }, context));
    expect(error.details).toMatchObject({ path: 'input.n', reason: 'expression is 4097 characters long; the limit is 4096' });
    expect(await resolveInput({ n: long }, context, { maxExpressionLength: 8192 })).toEqual({ n: 'x'.repeat(4095) });
  });

  it('refuses regexes with nested repetition, literal or built through $eval', async () => {
    const literal = await failure(() => compileTemplate('{{ $match(input.s, /(a+)+$/) }}'));
    expect(literal.details.reason).toMatch(/nested repetition in \/\(a\+\)\+\$\//);
    const viaEval = await failure(() => resolveInput(`{{ $eval('$contains("aaaa", /(\\\\w+\\\\s?)*$/)') }}`, context));
    expect(viaEval.details.reason).toMatch(/nested repetition/);
    expect(await resolveInput('{{ $contains(input.customer.name, /^(Ad|Bo)a{1}[a-z]*$/) }}', context)).toBe(true);
    expect(await resolveInput('{{ $replace("a-b-c", /-/, "+") }}', context)).toBe('a+b+c');
  });
});
