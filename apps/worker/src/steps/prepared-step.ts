import {
  type CompiledInput,
  type CompiledTemplate,
  compileCondition,
  compileInput,
  isPlainTemplate,
  type StepDefinition,
  type TemplateContext,
  transitiveDependencies,
  type WorkflowDefinition,
} from '@conveyor/engine';
import { charged, type ExpressionBudget } from '../expressions/expression-budget';
import type { ExpressionPool } from '../expressions/expression-pool';

/** What every attempt of one step shares: its templates compiled and what they may read. */
export interface PreparedStep {
  step: StepDefinition;
  /** The steps whose outputs the templates may read: the step's transitive dependencies. */
  visibleSteps: string[];
  input: CompiledInput;
  /** The input template as JSON: what an expression process compiles. */
  inputSource: string;
  /** Only field reads and operators: evaluated in process. Anything else goes to an expression process. */
  inputPlain: boolean;
  conditionPlain: boolean;
  /** The step's `if`, compiled on first use (a bad condition fails the attempt, not the lookup). */
  condition(): CompiledTemplate | undefined;
  /** The rate limit's key template, compiled. */
  rateKey?: KeyTemplate | undefined;
  /** A forEach step's items template, compiled. */
  items?: KeyTemplate | undefined;
}

// Keyed by the cached definition object: when DefinitionCache forgets a version, its steps go too.
const preparedByDefinition = new WeakMap<WorkflowDefinition, Map<string, PreparedStep>>();

/** The step of `definition` named `key`, prepared once per definition; undefined when there is none. */
export function prepareStep(definition: WorkflowDefinition, key: string): PreparedStep | undefined {
  let steps = preparedByDefinition.get(definition);
  if (!steps) {
    steps = new Map();
    preparedByDefinition.set(definition, steps);
  }
  const known = steps.get(key);
  if (known) return known;
  const step = definition.steps.find((candidate) => candidate.key === key);
  if (!step) return undefined;
  const prepared = prepare(definition, step);
  steps.set(key, prepared);
  return prepared;
}

function prepare(definition: WorkflowDefinition, step: StepDefinition): PreparedStep {
  const dependencies = new Map(definition.steps.map((candidate) => [candidate.key, candidate.dependsOn]));
  let condition: CompiledTemplate | undefined;
  return {
    step,
    visibleSteps: [...transitiveDependencies(step.key, dependencies)],
    input: compileInput(step.input, undefined, { stepKey: step.key }),
    inputSource: JSON.stringify(step.input ?? null),
    inputPlain: isPlainTemplate(step.input, { stepKey: step.key }),
    conditionPlain: step.if === undefined || isPlainCondition(step.if),
    condition() {
      if (step.if !== undefined) condition ??= compileCondition(step.if, { stepKey: step.key });
      return condition;
    },
    rateKey: step.rateLimit?.key === undefined ? undefined : compileKeyTemplate(step.key, step.rateLimit.key),
    items: step.forEach === undefined ? undefined : compileKeyTemplate(step.key, step.forEach.items, 'items'),
  };
}

/**
 * A template of one field (a rate limit's or a concurrency group's key, a forEach step's items) as the
 * input `{ <field>: source }`: resolved like an input, in process when plain.
 */
export interface KeyTemplate {
  field: string;
  /** The step it belongs to, or `(workflow)` for a workflow's: how errors name it. */
  owner: string;
  input: CompiledInput;
  source: string;
  plain: boolean;
}

export function compileKeyTemplate(owner: string, source: string, field = 'key'): KeyTemplate {
  const template = { [field]: source };
  return {
    field,
    owner,
    input: compileInput(template, undefined, { stepKey: owner }),
    source: JSON.stringify(template),
    plain: isPlainTemplate(template, { stepKey: owner }),
  };
}

function isPlainCondition(source: string): boolean {
  try {
    return compileCondition(source).plain;
  } catch {
    return false; // its problem is reported where it is evaluated
  }
}

/** Whether the step runs: its `if` (true without one), in process when plain, else in an expression process. */
export async function evaluateStepCondition(
  pool: ExpressionPool,
  prepared: PreparedStep,
  context: TemplateContext,
  budget: ExpressionBudget,
): Promise<boolean> {
  const source = prepared.step.if;
  if (source === undefined) return true;
  if (!prepared.conditionPlain) {
    return Boolean(await pool.evaluate({ kind: 'condition', stepKey: prepared.step.key, source, context }, budget));
  }
  const condition = prepared.condition() as CompiledTemplate;
  return Boolean(await charged(budget, () => condition.evaluate(context)));
}

/** The step's input resolved from `context`, in process when plain, else in an expression process. */
export function resolveStepInput(
  pool: ExpressionPool,
  prepared: PreparedStep,
  context: TemplateContext,
  budget: ExpressionBudget,
): Promise<unknown> {
  if (prepared.inputPlain) return charged(budget, () => prepared.input.evaluate(context));
  return pool.evaluate({ kind: 'input', stepKey: prepared.step.key, source: prepared.inputSource, context }, budget);
}

/** A key resolved from `context` (a string; other values as JSON). */
export async function resolveKeyTemplate(
  pool: ExpressionPool,
  key: KeyTemplate,
  context: TemplateContext,
  budget: ExpressionBudget,
): Promise<string> {
  const value = await resolveFieldTemplate(pool, key, context, budget);
  return typeof value === 'string' ? value : JSON.stringify(value ?? null);
}

/** The value of a one-field template resolved from `context`. */
export async function resolveFieldTemplate(
  pool: ExpressionPool,
  template: KeyTemplate,
  context: TemplateContext,
  budget: ExpressionBudget,
): Promise<unknown> {
  const resolved = template.plain
    ? await charged(budget, () => template.input.evaluate(context))
    : await pool.evaluate({ kind: 'input', stepKey: template.owner, source: template.source, context }, budget);
  return (resolved as Record<string, unknown> | null)?.[template.field];
}

/** The run input and the outputs of the step's visible steps: what its templates may read. */
export function templateContextOf(prepared: PreparedStep, runInput: unknown, outputs: Record<string, unknown>): TemplateContext {
  const visible = prepared.visibleSteps.filter((key) => Object.hasOwn(outputs, key));
  return { input: runInput, steps: Object.fromEntries(visible.map((key) => [key, { output: outputs[key] }])) };
}
