import type { TemplateContext } from '@conveyor/engine';
import type { ConveyorError } from '@conveyor/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressionProcesses } from '../../test/expression-processes';
import { createExpressionBudget } from './expression-budget';
import { createExpressionPool, type ExpressionPool } from './expression-pool';

const budgetMs = 1_000;
const context: TemplateContext = {
  input: { n: 2, s: 'aaaaaaaaaaaaaaaaaaaaaaaaaaa!' },
  steps: { a: { output: { items: [1, 2, 3] } } },
};
let pool: ExpressionPool;

const input = (template: unknown, budget = createExpressionBudget(budgetMs, 30_000)) =>
  pool.evaluate({ kind: 'input', stepKey: 'bomb', source: JSON.stringify(template), context }, budget);
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the evaluation to fail');
    },
    (error: unknown) => error as ConveyorError,
  );

/**
 * While `work` runs: the longest gap between ticks of a 10 ms interval (how long the event loop was
 * blocked, or starved of CPU on a busy machine) and the CPU time this process used (the work itself
 * would show there, whatever the machine's load).
 */
async function longestStall<T>(
  work: () => Promise<T>,
): Promise<{ result: T; stallMs: number; elapsedMs: number; cpuMs: number }> {
  let last = performance.now();
  let stallMs = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  }, 10);
  const started = performance.now();
  const cpu = process.cpuUsage();
  try {
    const result = await work();
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1_000;
    return { result, stallMs: Math.max(stallMs, performance.now() - last), elapsedMs: performance.now() - started, cpuMs };
  } finally {
    clearInterval(ticker);
  }
}

/** Both processes started (a killed one is replaced), so a timing is the evaluation's, not a process start's. */
const warm = () => pool.start();

beforeAll(async () => {
  pool = createExpressionPool({ processes: 2, maxHeapMb: 128, timeoutMs: budgetMs, maxResultBytes: 64 * 1024 });
  await warm();
});
afterAll(() => pool.close());

describe('expression pool', () => {
  it('evaluates a step input in a child process, with the values the engine gives in process', async () => {
    const template = {
      sum: '{{ $sum(steps.a.output.items) }}',
      text: 'n={{ $string(input.n) }}',
      list: ['{{ $count(input.s) }}'],
    };
    expect(await input(template)).toEqual({ sum: 6, text: 'n=2', list: [1] });
    const condition = { kind: 'condition' as const, stepKey: 'c', source: '$count(steps.a.output.items) > 2', context };
    expect(await pool.evaluate(condition, createExpressionBudget(budgetMs, 30_000))).toBe(true);
  });

  it('reports a template problem from the child as VALIDATION_FAILED naming the field', async () => {
    const error = await failure(input({ ok: '{{ $string(1) }}', bad: '{{ $nope( }}' }));
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', details: { stepKey: 'bomb', path: 'input.bad' } });
    expect(error.message).toMatch(/^step "bomb" input\.bad: syntax error/);
  });

  it.each([
    ['string doubling', '{{ ($f := function($s, $n){ $n = 0 ? $s : $f($s & $s, $n - 1) }; $length($f("ab", 27))) }}'],
    ['$pad to 5e8 characters', '{{ $length($pad("", 500000000)) }}'],
    ['$split of a 2e8-character string', '{{ $count($split($pad("", 200000000), "")) }}'],
    ['an endless tail-recursive function', '{{ ($f := function($n){ $f($n + 1) }; $f(0)) }}'],
    ['a polynomially backtracking regex the check lets through', '{{ $match($pad("", 300, "a"), /a*a*a*a*a*a*b/) }}'],
  ])('fails %s within the budget, naming the field, while the event loop stays free', async (_name, bomb) => {
    const { result, stallMs, elapsedMs, cpuMs } = await longestStall(() => failure(input({ fine: '{{ $string(1) }}', bomb })));
    expect(result.code).toBe('VALIDATION_FAILED');
    expect(result.details).toMatchObject({ stepKey: 'bomb', path: 'input.bomb' });
    expect(result.details.timedOut === true || result.details.outOfMemory === true).toBe(true);
    // The deadline fires at the budget; the rest is the kill and its notice on a busy machine.
    expect(elapsedMs).toBeLessThan(budgetMs + 500);
    expect(cpuMs).toBeLessThan(100);
    expect(stallMs).toBeLessThan(250);
    // The killed process is replaced: the next step evaluates as usual.
    expect(await input({ n: '{{ input.n + 1 }}' })).toEqual({ n: 3 });
  });

  it("runs another step's expressions while a bomb holds a process, delayed less than the budget", async () => {
    await warm();
    const bomb = failure(input({ loop: '{{ ($f := function($n){ $f($n + 1) }; $f(0)) }}' }));
    const started = performance.now();
    expect(await input({ n: '{{ $string(input.n) }}' })).toEqual({ n: '2' });
    expect(performance.now() - started).toBeLessThan(budgetMs);
    expect((await bomb).details.timedOut).toBe(true);
  });

  it('charges every evaluation of a step to one budget', async () => {
    const budget = createExpressionBudget(300, 30_000);
    // The bomb ends at the budget, or sooner at the heap bound when the machine is fast (EXPRESSION_LIMIT):
    // bombs are evaluated until the budget is spent, each charged to it.
    const bomb = { a: '{{ ($f := function($n){ $f($n + 1) }; $f(0)) }}' };
    let first = await failure(input(bomb, budget));
    for (let tries = 0; !first.details.timedOut && tries < 20; tries++) first = await failure(input(bomb, budget));
    expect(first.details.timedOut).toBe(true);
    expect(budget.leftMs()).toBeLessThanOrEqual(0);
    expect(budget.leftMs()).toBeGreaterThan(-100);
    const started = performance.now();
    const second = await failure(input({ b: '{{ $string(1) }}' }, budget));
    expect(second.message).toBe(`step "bomb" input: expressions ran past the step's expression budget (300 ms)`);
    expect(second.details.timedOut).toBe(true);
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('never gives a step more than its timeout', () => {
    expect(createExpressionBudget(1_000, 200).totalMs).toBe(200);
  });

  it('refuses results larger than the limit when they come back', async () => {
    const error = await failure(input({ a: '{{ $pad("", 40000, "x") }}', b: '{{ $pad("", 40000, "y") }}' }));
    expect(error.message).toMatch(/results are larger than 65536 bytes of JSON/);
  });

  it('refuses work once closed, and its processes are gone', async () => {
    const own = createExpressionPool({ processes: 1, maxHeapMb: 64, timeoutMs: 200, maxResultBytes: 1024 });
    const before = expressionProcesses().length;
    await own.start();
    expect(expressionProcesses()).toHaveLength(before + 1);
    const evaluate = (source: string) =>
      own.evaluate({ kind: 'input', stepKey: 's', source, context }, createExpressionBudget(200, 1_000));
    // One running, one waiting for the process.
    const refused = ['"{{ ($f := function($n){ $f($n + 1) }; $f(0)) }}"', '"{{ $string(1) }}"'].map((source) =>
      expect(evaluate(source)).rejects.toMatchObject({ code: 'INTERNAL', message: 'the worker is shutting down' }),
    );
    await own.close();
    await Promise.all(refused);
    await expect(
      own.evaluate({ kind: 'input', stepKey: 's', source: '1', context }, createExpressionBudget(200, 1_000)),
    ).rejects.toMatchObject({
      code: 'INTERNAL',
    });
    expect(expressionProcesses()).toHaveLength(before);
  });
});
