import { ConveyorError, isConveyorError } from '@conveyor/errors';
import type { z } from 'zod';
import { declaredBranches, isSwitchStep, switchActionRef } from './branches';
import {
  type ActionRef,
  actionRefKey,
  type StepDefinition,
  type WorkflowDefinition,
  workflowDefinitionSchema,
} from './definition.schema';
import { findCycles, transitiveDependencies } from './dependency-graph';
import { formatPath } from './field-path';
import { type CompiledTemplate, compileCondition, compileTemplate, forEachTemplateString } from './template';
import type { TemplateLimits } from './template-limits';
import type { TemplateReferences } from './template-references';

/**
 * Publish-time check of a workflow definition. Shape errors (zod) are reported alone, since the
 * other checks need a well-formed definition; otherwise every problem found (duplicate keys,
 * unknown or self dependencies, cycles, unknown actions, bad expressions, expressions reading a
 * step that is not a dependency) is collected into one VALIDATION_FAILED error whose
 * `details.issues` lists `{ stepKey?, path, message }`, `path` being absolute (`steps[1].if`).
 */
export function validateDefinition(raw: unknown, opts: ValidateOptions): WorkflowDefinition {
  const parsed = workflowDefinitionSchema.safeParse(raw);
  if (!parsed.success) throw invalidDefinition(parsed.error.issues.map((issue) => fromZodIssue(issue, raw)));
  const definition = parsed.data;
  const graph = dependencyGraph(definition);
  const issues = [
    ...definition.steps.flatMap((step, index) => checkStep(step, index, graph, opts)),
    ...checkCycles(graph),
    ...checkRunKey('rateLimit.key', definition.rateLimit?.key, opts),
    ...checkRunKey('concurrency.key', definition.concurrency?.key, opts),
  ];
  if (issues.length > 0) throw invalidDefinition(issues);
  return definition;
}

function checkStep(step: StepDefinition, index: number, graph: DependencyGraph, opts: ValidateOptions): DefinitionIssue[] {
  const issue = issueAt(step, index);
  const issues: DefinitionIssue[] = [];
  const firstIndex = graph.firstIndex.get(step.key) ?? index;
  if (firstIndex !== index) issues.push(issue('key', `duplicate step key "${step.key}" (also steps[${firstIndex}])`));
  step.dependsOn.forEach((dependency, position) => {
    const field = `dependsOn[${position}]`;
    if (dependency === step.key) issues.push(issue(field, 'a step cannot depend on itself'));
    else if (!graph.firstIndex.has(dependency)) issues.push(issue(field, `unknown step "${dependency}"`));
  });
  if (!opts.isKnownAction(step.action)) issues.push(issue('action', `unknown action "${actionRefKey(step.action)}"`));
  if (step.join === 'any' && step.dependsOn.length === 0)
    issues.push(issue('join', 'joins "any" of no dependencies (dependsOn)'));
  return [...issues, ...checkBranch(step, index, graph), ...checkExpressions(step, index, graph, opts)];
}

/** A step of a branch depends on its switch, a switch step, and names one of the branches it declares. */
function checkBranch(step: StepDefinition, index: number, graph: DependencyGraph): DefinitionIssue[] {
  const branch = step.branch;
  if (branch === undefined) return [];
  const issue = issueAt(step, index);
  const switchIndex = graph.firstIndex.get(branch.switch);
  if (switchIndex === undefined) return [issue('branch.switch', `unknown step "${branch.switch}"`)];
  if (!step.dependsOn.includes(branch.switch))
    return [issue('branch.switch', `the switch "${branch.switch}" must be among its dependencies (dependsOn)`)];
  const switchStep = graph.steps[switchIndex] as StepDefinition;
  if (!isSwitchStep(switchStep))
    return [issue('branch.switch', `step "${branch.switch}" is not a switch (${actionRefKey(switchActionRef)})`)];
  const branches = declaredBranches(switchStep);
  if (branches === null || branches.includes(branch.case)) return [];
  return [issue('branch.case', `switch "${branch.switch}" has no branch "${branch.case}" (it has ${branches.join(', ')})`)];
}

/** Every template in `input`, the `if` condition, forEach's items and the rate limit's key: syntax, limits, and which steps they read. */
function checkExpressions(step: StepDefinition, index: number, graph: DependencyGraph, opts: ValidateOptions): DefinitionIssue[] {
  const issue = issueAt(step, index);
  const upstream = transitiveDependencies(step.key, graph.dependencies);
  const issues: DefinitionIssue[] = [];
  const check = (field: string, compile: () => CompiledTemplate) => {
    let compiled: CompiledTemplate;
    try {
      compiled = compile();
    } catch (error) {
      if (!isConveyorError(error)) throw error;
      issues.push(issue(field, String(error.details.reason ?? error.message)));
      return;
    }
    for (const message of referenceProblems(compiled.references, step.key, upstream, graph)) issues.push(issue(field, message));
  };
  const options = { stepKey: step.key, limits: opts.limits };
  forEachTemplateString(step.input, 'input', (source, path) => check(path, () => compileTemplate(source, { ...options, path })));
  const condition = step.if;
  if (condition !== undefined) check('if', () => compileCondition(condition, { ...options, path: 'if' }));
  const items = step.forEach?.items;
  if (items !== undefined) check('forEach.items', () => compileTemplate(items, { ...options, path: 'forEach.items' }));
  const rateKey = step.rateLimit?.key;
  if (rateKey !== undefined) check('rateLimit.key', () => compileTemplate(rateKey, { ...options, path: 'rateLimit.key' }));
  return issues;
}

function issueAt(step: StepDefinition, index: number) {
  return (field: string, message: string): DefinitionIssue => ({ stepKey: step.key, path: `steps[${index}].${field}`, message });
}

/** An expression may only read outputs that are certain to exist when its step runs. */
function referenceProblems(
  references: TemplateReferences,
  stepKey: string,
  upstream: ReadonlySet<string>,
  graph: DependencyGraph,
) {
  const problems: string[] = [];
  for (const key of references.stepKeys) {
    if (key === stepKey) problems.push(`references its own output (steps.${key})`);
    else if (!graph.firstIndex.has(key)) problems.push(`references unknown step "${key}" (steps.${key})`);
    else if (!upstream.has(key)) problems.push(`references steps.${key}, but "${key}" is not among its dependencies (dependsOn)`);
  }
  return problems;
}

/** A workflow's rate limit and concurrency keys are read when the run starts: they may read the run input only. */
function checkRunKey(path: string, source: string | undefined, opts: ValidateOptions): DefinitionIssue[] {
  if (source === undefined) return [];
  try {
    const { references } = compileTemplate(source, { limits: opts.limits, path });
    const read = [...references.stepKeys];
    return read.length === 0 ? [] : [{ path, message: `reads steps.${read[0]}, but a run's key may read only its input` }];
  } catch (error) {
    if (!isConveyorError(error)) throw error;
    return [{ path, message: String(error.details.reason ?? error.message) }];
  }
}

function checkCycles(graph: DependencyGraph): DefinitionIssue[] {
  return findCycles([...graph.firstIndex.keys()], graph.dependencies).map((cycle) => {
    const start = cycle[0] as string;
    return {
      stepKey: start,
      path: `steps[${graph.firstIndex.get(start)}].dependsOn`,
      message: `cycle: ${cycle.join(' → ')}`,
    };
  });
}

/** Keys in definition order; a duplicated key keeps its first step (the duplicate is reported). */
function dependencyGraph(definition: WorkflowDefinition): DependencyGraph {
  const firstIndex = new Map<string, number>();
  const dependencies = new Map<string, readonly string[]>();
  definition.steps.forEach((step, index) => {
    if (firstIndex.has(step.key)) return;
    firstIndex.set(step.key, index);
    dependencies.set(step.key, step.dependsOn);
  });
  return { firstIndex, dependencies, steps: definition.steps };
}

function fromZodIssue(issue: z.core.$ZodIssue, raw: unknown): DefinitionIssue {
  const path = formatPath(issue.path) || 'definition';
  const stepKey = issue.path[0] === 'steps' && typeof issue.path[1] === 'number' ? rawStepKey(raw, issue.path[1]) : undefined;
  return stepKey === undefined ? { path, message: issue.message } : { stepKey, path, message: issue.message };
}

function rawStepKey(raw: unknown, index: number): string | undefined {
  const steps = (raw as { steps?: unknown } | null)?.steps;
  const key = Array.isArray(steps) ? (steps[index] as { key?: unknown } | null)?.key : undefined;
  return typeof key === 'string' ? key : undefined;
}

const maxIssuesInMessage = 10;

function invalidDefinition(issues: DefinitionIssue[]): ConveyorError {
  const shown = issues.slice(0, maxIssuesInMessage).map(describeIssue);
  if (issues.length > maxIssuesInMessage) shown.push(`and ${issues.length - maxIssuesInMessage} more`);
  return new ConveyorError({
    code: 'VALIDATION_FAILED',
    message: `invalid workflow definition: ${shown.join('; ')}`,
    details: { issues },
  });
}

/** `step "b" dependsOn[0]: unknown step "zz"`: the path relative to its step when the step has a name. */
function describeIssue(issue: DefinitionIssue): string {
  if (issue.stepKey === undefined) return `${issue.path}: ${issue.message}`;
  const field = issue.path.replace(/^steps\[\d+\]\.?/, '') || 'step';
  return `step "${issue.stepKey}" ${field}: ${issue.message}`;
}

export interface ValidateOptions {
  isKnownAction(ref: ActionRef): boolean;
  /** Expression limits to check sources against (length); the defaults otherwise. */
  limits?: Partial<TemplateLimits>;
}

/** One entry of `details.issues`: `path` is absolute, e.g. `steps[2].retry.attempts`. */
export interface DefinitionIssue {
  stepKey?: string;
  path: string;
  message: string;
}

interface DependencyGraph {
  firstIndex: Map<string, number>;
  steps: readonly StepDefinition[];
  dependencies: Map<string, readonly string[]>;
}
