// Workflow definitions for the publish action, with issue 15's control flow: forEach steps, branches of
// a core@1/switch and their join, waitForEvent and runWorkflow steps, and a workflow's concurrency.
// Each field is mostly valid (so a good share of definitions publish) and otherwise of a wrong type,
// out of range, a hostile template or a name nothing declares; some definitions are built huge instead
// (long chains, dense graphs, rings, hundreds of branches, thousands of cases), before the mutations
// every action body gets.
import fc from 'fast-check';
import { hostileString, hostileValue } from './values';

const core = (key: string) => ({ app: 'core', version: '1', key });

/** The valid value mostly, else `bad`. */
const mostlyGood = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 6, arbitrary: good }, { weight: 1, arbitrary: bad });

/**
 * Hostile strings that PostgreSQL can store (no U+0000, no lone surrogate): the JSON guard refuses the
 * others before the definition is looked at, and the other surfaces send plenty of those.
 */
const text = hostileString.map((value) =>
  value.replaceAll('\u0000', '').replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, ''),
);

/** Values of the wrong type for any field (any JSON now and then, which the guard may refuse). */
const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(null, true, '10', '', [], {}, [1], { limit: 1 }, 1.5, -1, 0, 1e308, 2 ** 53 + 1) },
  { weight: 2, arbitrary: text },
  { weight: 1, arbitrary: hostileValue },
);

/** An integer in [min, max] mostly, else just outside, fractional, huge or of another type. */
const intIn = (min: number, max: number) =>
  mostlyGood(
    fc.integer({ min, max }),
    fc.oneof(fc.constantFrom(min - 1, max + 1, min + 0.5, -max, 2 ** 31, Number.MAX_SAFE_INTEGER), wrongType),
  );

/**
 * Templates no definition should get through publish with (or that test its bounds): broken braces,
 * unknown or self references, catastrophic regexes, range and recursion bombs, sources at and past the
 * 4,096-character limit, deep parentheses, hundreds of templates in one string, prototype names.
 */
const hostileTemplate: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      '{{',
      '}}',
      '{{ }}',
      '{{ {{ input.x }} }}',
      '{{ input.x }',
      '{{ steps.nope.output }}',
      '{{ steps.each.output }}',
      '{{ steps.__proto__.output }}',
      '{{ steps.constructor }}',
      '{{ steps["route"].output }}',
      '{{ $$.steps.route.output }}',
      '{{ $eval("1 + 1") }}',
      '{{ $match(input.s, /(a+)+$/) }}',
      '{{ $replace(input.s, /(x|x)*y/, "") }}',
      '{{ [1..100000000] }}',
      '{{ $count([1..2000000]) }}',
      '{{ ($f := function($x) { $f($x) }; $f(1)) }}',
      '{{ function($x) { $x($x) }(function($x) { $x($x) }) }}',
      '{{ input ~> | $ | {"a": 1} | }}',
      '{{ item }}{{ index }}{{ input }}',
      '{{ $ }}',
      '{{ % }}',
      '{{ input.`a b` }}',
      '{{ $string(input) & $string(input) }}',
      '{{ $sum(input.items.qty) }}',
      '{{ input.amount > }}',
      '{{ null }}',
      '{{ "{{" }}',
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 4_080, max: 4_120 }).map((length) => `{{ ${'1+'.repeat(length / 2)}1 }}`) },
  { weight: 1, arbitrary: fc.integer({ min: 20, max: 2_000 }).map((depth) => `{{ ${'('.repeat(depth)}1${')'.repeat(depth)} }}`) },
  { weight: 1, arbitrary: fc.integer({ min: 50, max: 700 }).map((depth) => `{{ input${'.a'.repeat(depth)} }}`) },
  { weight: 1, arbitrary: fc.integer({ min: 10, max: 300 }).map((count) => '{{ input.x }}'.repeat(count)) },
);

/** A template: one of `sensible` mostly, else a hostile one or a hostile text. */
export function templateOf(sensible: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...sensible) },
    { weight: 3, arbitrary: hostileTemplate },
    { weight: 1, arbitrary: text },
  );
}

/** Templates over the run input, a step's output, the item or its index, or plain text. */
const template = templateOf([
  '{{ input.items }}',
  '{{ input.customerId }}',
  '{{ input.orderId }}',
  '{{ input.amount < 100 }}',
  '{{ steps.route.output.branch }}',
  '{{ item.sku }}',
  '{{ index }}',
  '{{ item.sku & "-" & $string(index) }}',
  'plain text',
]);

/** Branch names: the ones the switch declares mostly, else unknown, empty, long or of another type. */
const branchName = mostlyGood(
  fc.constantFrom('fast', 'slow'),
  fc.oneof(fc.constantFrom('', 'medium', 'FAST', 'fast ', 'x'.repeat(65), '{{ input.kind }}'), text, wrongType),
);

/** Step keys a field may name: known ones, unknown, ill-formed or the step's own. */
const stepRef = mostlyGood(
  fc.constantFrom('route', 'fast', 'slow', 'meet', 'each'),
  fc.oneof(fc.constantFrom('nope', '', '1abc', 'a-b', 'a'.repeat(65), '__proto__', 'constructor'), text, wrongType),
);

const forEach = fc.record(
  {
    items: mostlyGood(template, wrongType),
    concurrency: intIn(1, 100),
    maxItems: intIn(1, 10_000),
    onItemError: mostlyGood(fc.constantFrom('failFast', 'continue'), wrongType),
  },
  { requiredKeys: ['items'] },
);

/** The switch: cases (up to 60 of them, the action takes 50) naming branches, with conditions. */
const switchStep = fc.record({
  key: fc.constant('route'),
  action: fc.constant(core('switch')),
  input: fc.record(
    {
      cases: mostlyGood(
        fc.array(fc.record({ branch: branchName, when: mostlyGood(template, wrongType) }, { requiredKeys: ['branch'] }), {
          minLength: 1,
          maxLength: 60,
        }),
        wrongType,
      ),
      else: branchName,
    },
    { requiredKeys: ['cases'] },
  ),
});

const branchStep = (key: string, action: fc.Arbitrary<unknown>, input: fc.Arbitrary<unknown>) =>
  fc.record({
    key: fc.constant(key),
    action,
    input,
    dependsOn: mostlyGood(fc.constant(['route']), fc.oneof(fc.array(stepRef, { maxLength: 3 }), wrongType)),
    branch: mostlyGood(
      fc.record({ switch: stepRef, case: branchName }, { requiredKeys: ['switch', 'case'] }),
      fc.oneof(fc.constant({ switch: 'route' }), fc.constant({ switch: 'route', case: 'fast', extra: 1 }), wrongType),
    ),
  });

/** core@1/waitForEvent's input, as publish sees it (the action judges it when it runs). */
const waitInput = fc.record(
  {
    event: mostlyGood(fc.constantFrom('order.approved', 'paid'), fc.oneof(fc.constantFrom('conveyor.run.ended', ''), text)),
    key: template,
    timeoutMs: intIn(1_000, 30 * 24 * 3_600_000),
    onTimeout: mostlyGood(fc.constantFrom('fail', 'continue'), wrongType),
    default: wrongType,
  },
  { requiredKeys: ['event', 'key'] },
);

/** core@1/runWorkflow's input: a workflow of the tenant (or another's, or none), pinned or not. */
const childInput = (workflowIds: string[]) =>
  fc.record(
    {
      workflowId: mostlyGood(fc.constantFrom(...workflowIds), fc.oneof(fc.uuid(), wrongType)),
      version: intIn(1, 5),
      input: fc.oneof(fc.constant({ items: '{{ steps.each.output }}' }), fc.constant('{{ input }}'), wrongType),
      timeoutMs: intIn(1_000, 7 * 24 * 3_600_000),
    },
    { requiredKeys: ['workflowId'] },
  );

/** A definition using every new field, most of each field valid. */
function flowDefinition(workflowIds: string[]): fc.Arbitrary<unknown> {
  const steps = fc.tuple(
    switchStep,
    branchStep('fast', fc.constant(core('noop')), fc.constant({})),
    branchStep('slow', fc.constant(core('waitForEvent')), waitInput),
    fc.record({
      key: fc.constant('meet'),
      action: fc.constant(core('transform')),
      input: fc.record({ value: template }),
      dependsOn: mostlyGood(fc.constant(['fast', 'slow']), fc.oneof(fc.constant([]), fc.array(stepRef, { maxLength: 3 }))),
      join: mostlyGood(fc.constantFrom('any', 'all'), fc.oneof(fc.constantFrom('ANY', 'none', ''), wrongType)),
    }),
    fc.record(
      {
        key: fc.constant('each'),
        action: mostlyGood(fc.constantFrom(core('transform'), core('noop')), fc.constant(core('forEach'))),
        input: fc.record({ value: template, at: fc.constant('{{ index }}') }),
        dependsOn: fc.constant(['meet']),
        forEach: mostlyGood(forEach, wrongType),
        if: template,
      },
      { requiredKeys: ['key', 'action', 'input', 'dependsOn', 'forEach'] },
    ),
    fc.record({
      key: fc.constant('child'),
      action: fc.constant(core('runWorkflow')),
      input: childInput(workflowIds),
      dependsOn: fc.constant(['each']),
    }),
  );
  return fc.record(
    {
      steps,
      concurrency: mostlyGood(
        fc.record({ limit: intIn(1, 10_000), key: mostlyGood(template, wrongType) }, { requiredKeys: ['limit'] }),
        wrongType,
      ),
      timeoutMs: intIn(1, 7 * 24 * 3_600_000),
    },
    { requiredKeys: ['steps'] },
  );
}

/** Shapes built big from a number: what a careless generator or a hostile admin would publish. */
const hugeDefinition: fc.Arbitrary<unknown> = fc.oneof(
  // A chain: each step waits for the one before (past 500 steps, the schema's limit).
  {
    weight: 15,
    arbitrary: fc.integer({ min: 2, max: 520 }).map((count) => ({
      steps: keys(count).map((key, i) => ({ ...noop(key), ...(i > 0 ? { dependsOn: [`s${i - 1}`] } : {}) })),
    })),
  },
  // Dense: each step depends on every step before it (as many as fit the definition's byte budget).
  {
    weight: 15,
    arbitrary: fc
      .integer({ min: 10, max: 300 })
      .map((count) => ({ steps: keys(count).map((key, i) => ({ ...noop(key), dependsOn: keys(i) })) })),
  },
  // A ring: every step in one cycle.
  {
    weight: 15,
    arbitrary: fc
      .integer({ min: 2, max: 500 })
      .map((count) => ({ steps: keys(count).map((key, i) => ({ ...noop(key), dependsOn: [`s${(i + 1) % count}`] })) })),
  },
  // A switch with hundreds of branches, a step on each, and one step joining them all.
  {
    weight: 15,
    arbitrary: fc.integer({ min: 2, max: 498 }).map((count) => ({
      steps: [
        {
          key: 'route',
          action: core('switch'),
          input: { cases: keys(count).map((branch) => ({ branch, when: `{{ input.k = "${branch}" }}` })) },
        },
        ...keys(count).map((key) => ({ ...noop(`b_${key}`), dependsOn: ['route'], branch: { switch: 'route', case: key } })),
        { ...noop('meet'), dependsOn: keys(count).map((key) => `b_${key}`), join: 'any' },
      ],
    })),
  },
  // Thousands of cases (the action takes 50) and a step on a branch none of them names.
  {
    weight: 15,
    arbitrary: fc.integer({ min: 51, max: 6_000 }).map((count) => ({
      steps: [
        {
          key: 'route',
          action: core('switch'),
          input: { cases: keys(count).map((branch) => ({ branch, when: true })), else: 'z' },
        },
        { ...noop('on'), dependsOn: ['route'], branch: { switch: 'route', case: 'missing' } },
      ],
    })),
  },
  // Hundreds of forEach steps with templates everywhere.
  {
    weight: 15,
    arbitrary: fc.integer({ min: 1, max: 500 }).map((count) => ({
      steps: keys(count).map((key) => ({
        key,
        action: core('transform'),
        input: { value: '{{ item.sku & "-" & $string(index) & input.customerId }}' },
        forEach: { items: '{{ input.items }}', concurrency: 100, maxItems: 10_000, onItemError: 'continue' },
        if: '{{ input.amount > 1 }}',
      })),
      concurrency: { limit: 1, key: '{{ input.customerId }}' },
    })),
  },
  // An input nested to just under the JSON guard's depth, a template at the bottom.
  {
    weight: 15,
    arbitrary: fc.integer({ min: 50, max: 62 }).map((depth) => ({
      steps: [{ ...noop('deep'), input: nested(depth, '{{ input.x }}') }],
    })),
  },
  // Templates up to the definition's byte budget (about 19,000 of them, 2.5 s of compiling at most): rare, as each costs.
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1_000, max: 19_000 }).map((count) => ({
      steps: [{ ...noop('many'), input: { a: '{{ input.x }}'.repeat(count) } }],
    })),
  },
);

/**
 * A definition for the publish action: the control-flow one mostly, else the plain one, or (`huge`) a
 * huge one now and then. Huge ones cost most of the publish surface's time: where the definition is
 * rarely judged (the action surface, whose envelope is mutated), they are left out.
 */
export function definitionValue(workflowIds: string[], { huge }: { huge: boolean }): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 6, arbitrary: flowDefinition(workflowIds) },
    { weight: 1, arbitrary: fc.constant({ steps: [{ ...noop('a'), input: { x: '{{ input.x }}' } }] }) },
    ...(huge ? [{ weight: 2, arbitrary: hugeDefinition }] : []),
  );
}

/** `s0` … `s<count - 1>`. */
function keys(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `s${i}`);
}

function noop(key: string) {
  return { key, action: core('noop') };
}

function nested(depth: number, leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i += 1) value = { a: value };
  return value;
}
