import {
  type CompiledInput,
  type CompiledTemplate,
  compileCondition,
  compileInput,
  type StepDefinition,
  type TemplateContext,
  transitiveDependencies,
  type WorkflowDefinition,
} from '@conveyor/engine';

/** What every attempt of one step shares: its templates compiled and what they may read. */
export interface PreparedStep {
  step: StepDefinition;
  /** The steps whose outputs the templates may read: the step's transitive dependencies. */
  visibleSteps: string[];
  input: CompiledInput;
  /** The step's `if`, compiled on first use (a bad condition fails the attempt, not the lookup). */
  condition(): CompiledTemplate | undefined;
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
    condition() {
      if (step.if !== undefined) condition ??= compileCondition(step.if, { stepKey: step.key });
      return condition;
    },
  };
}

/** The run input and the outputs of the step's visible steps: what its templates may read. */
export function templateContextOf(prepared: PreparedStep, runInput: unknown, outputs: Record<string, unknown>): TemplateContext {
  const visible = prepared.visibleSteps.filter((key) => Object.hasOwn(outputs, key));
  return { input: runInput, steps: Object.fromEntries(visible.map((key) => [key, { output: outputs[key] }])) };
}
