export { afterSuccess, type SuccessShortcut } from './after-success';
export { branchNotTaken, declaredBranches, isSwitchStep, switchActionRef } from './branches';
export {
  type Debounce,
  debounceKeyProblem,
  debounceLimits,
  debounceSchema,
  resolveDebounceKey,
} from './debounce';
export {
  type ActionRef,
  actionRefKey,
  actionRefSchema,
  type Branch,
  branchNameSchema,
  branchSchema,
  type Concurrency,
  concurrencySchema,
  defaultRetryPolicy,
  type ForEach,
  forEachSchema,
  type RateLimit,
  type RetryPolicy,
  rateLimitSchema,
  retryPolicySchema,
  type StepDefinition,
  stepDefinitionSchema,
  type WorkflowDefinition,
  workflowDefinitionSchema,
} from './definition.schema';
export { transitiveDependencies } from './dependency-graph';
export { type ExpressionErrorFlags, type ExpressionLocation, expressionError } from './expression';
export { formatPath } from './field-path';
export { fieldOfProblem, jsonProblem, stringProblem } from './json-safety';
export { jsonBytes, sizeProblem } from './json-size';
export { planRun, type RunOutcome, type RunPlan, type SkipReason, type StepSkip } from './plan';
export { eventNameProblem, PLATFORM_EVENT_PREFIX, platformEvents } from './platform-events';
export { retryDelayMs } from './retry';
export {
  canTransitionRun,
  initialRunStatuses,
  isTerminalRunStatus,
  type RunStatus,
  runStatuses,
  runTransitions,
  terminalRunStatuses,
} from './run-state';
export { DEFAULT_SCHEDULE_TIMEZONE, scheduleProblem, timezoneProblem } from './schedule';
export {
  canTransitionStep,
  initialStepStatuses,
  isTerminalStepStatus,
  type StepStatus,
  stepStatuses,
  stepTransitions,
  terminalStepStatuses,
} from './step-state';
export {
  type CompiledInput,
  type CompiledTemplate,
  type CompileOptions,
  compileCondition,
  compileInput,
  compileTemplate,
  evaluateCondition,
  type FieldObserver,
  isPlainTemplate,
  resolveInput,
  type TemplateContext,
  templateReferences,
} from './template';
export { defaultTemplateLimits, type TemplateLimits } from './template-limits';
export type { TemplateReferences } from './template-references';
export { type DefinitionIssue, type ValidateOptions, validateDefinition } from './validate';
