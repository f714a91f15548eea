import { z } from 'zod';

/** Which action a step runs: an app, pinned to a version, and one of its actions. */
export const actionRefSchema = z.object({
  app: z.string().min(1),
  version: z.string().min(1),
  key: z.string().min(1),
});

export const defaultRetryPolicy = { attempts: 1, backoff: 'exponential', delayMs: 1000, maxDelayMs: 300_000, jitter: 0 } as const;

/** `attempts` counts every attempt, the first included: 1 means "never retry". */
export const retryPolicySchema = z.object({
  attempts: z.number().int().min(1).max(25).default(defaultRetryPolicy.attempts),
  backoff: z.enum(['fixed', 'exponential']).default(defaultRetryPolicy.backoff),
  delayMs: z.number().int().min(0).default(defaultRetryPolicy.delayMs),
  maxDelayMs: z.number().int().min(0).default(defaultRetryPolicy.maxDelayMs),
  jitter: z.number().min(0).max(1).default(defaultRetryPolicy.jitter),
});

/**
 * At most `limit` attempts per `perMs` (a token bucket in Redis, across every worker); an attempt over
 * it waits (its job delayed, its attempt not spent), never fails.
 */
export const rateLimitSchema = z.strictObject({
  limit: z.number().int().min(1).max(100_000),
  perMs: z.number().int().min(100).max(86_400_000),
  /**
   * A template over what the step reads (`{{ input.customerId }}`): one budget per value, shared by the
   * tenant's steps that give the same key. Without one, the step has a budget of its own.
   */
  key: z.string().min(1).max(1_000).optional(),
});

/**
 * At most `limit` runs of the workflow executing at once (across every worker and version), per value of
 * `key`, a template over the run input (`{{ input.customerId }}`): one group per value, or one for the
 * whole workflow without a key. A run over it waits QUEUED, in order within its group.
 */
export const concurrencySchema = z.strictObject({
  limit: z.number().int().min(1).max(10_000),
  key: z.string().min(1).max(1_000).optional(),
});

/**
 * Runs the step's action once per item of an array: `items` is a template giving it, and the step's
 * input templates read the item as `item` and its position as `index`. The step's output is the items'
 * outputs, in item order.
 */
export const forEachSchema = z.strictObject({
  items: z.string().min(1).max(1_000),
  /** Items running at once, in the step's one job. */
  concurrency: z.number().int().min(1).max(100).default(10),
  /** More items than this fail the step (VALIDATION_FAILED naming forEach.items). */
  maxItems: z.number().int().min(1).max(10_000).default(1_000),
  /**
   * `failFast`: the first item that fails for good fails the step (items still running are stopped);
   * `continue`: every item runs, and a failed item's place in the output holds `{ error: { code, message } }`.
   */
  onItemError: z.enum(['failFast', 'continue']).default('failFast'),
});

/** Identifier-shaped so that a template can say `steps.<key>.output` without quoting. */
const stepKeySchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must start with a letter or _ and contain only letters, digits and _')
  .max(64);

/** A branch's name, as a switch step's cases and `else` give it. */
export const branchNameSchema = z.string().min(1).max(64);

/**
 * The step belongs to one branch of a switch (a `core@1/switch` step among its dependencies): it runs
 * only when the switch chose `case`, and is SKIPPED otherwise, as are the steps after it.
 */
export const branchSchema = z.strictObject({
  switch: stepKeySchema,
  case: branchNameSchema,
});

export const stepDefinitionSchema = z.object({
  key: stepKeySchema,
  action: actionRefSchema,
  /** Any JSON; strings may hold `{{ expr }}` templates (see template.ts). */
  input: z.record(z.string(), z.unknown()).default(() => ({})),
  dependsOn: z.array(z.string()).default(() => []),
  /** A template expression such as `{{ input.amount > 100 }}`; false → the step is SKIPPED. */
  if: z.string().optional(),
  // A factory, so no two parsed definitions share (and could mutate) one default object.
  retry: retryPolicySchema.default(() => ({ ...defaultRetryPolicy })),
  timeoutMs: z.number().int().positive().max(3600_000).default(30_000),
  branch: branchSchema.optional(),
  forEach: forEachSchema.optional(),
  /**
   * How the step waits for its dependencies. `all` (the default): each must succeed (or fail with
   * continueOnError), and a skipped one skips this step. `any`: once each has ended, the step runs if
   * at least one succeeded; skipped ones do not skip it (the step where a switch's branches meet).
   */
  join: z.enum(['all', 'any']).optional(),
  /** When true a FAILED step still satisfies its dependents and does not fail the run. */
  continueOnError: z.boolean().default(false),
  connectionId: z.uuid().optional(),
  rateLimit: rateLimitSchema.optional(),
});

/**
 * The JSON a WorkflowVersion stores. Parsed once at publish time (`validateDefinition`) and again,
 * cheaply, wherever a stored definition is read back, so every default below is filled in.
 */
export const workflowDefinitionSchema = z.object({
  /** Run-level timeout; at most a week. */
  timeoutMs: z
    .number()
    .int()
    .positive()
    .max(7 * 24 * 3600_000)
    .optional(),
  steps: z.array(stepDefinitionSchema).min(1).max(500),
  /** Runs started per `perMs` (its key a template over the run input): a run over it waits QUEUED. */
  rateLimit: rateLimitSchema.optional(),
  concurrency: concurrencySchema.optional(),
});

/** `"app@version/key"`: the registry's lookup key and the form used in messages. */
export function actionRefKey(ref: ActionRef): string {
  return `${ref.app}@${ref.version}/${ref.key}`;
}

export type WorkflowDefinition = z.infer<typeof workflowDefinitionSchema>;
export type StepDefinition = z.infer<typeof stepDefinitionSchema>;
export type ActionRef = z.infer<typeof actionRefSchema>;
export type RetryPolicy = z.infer<typeof retryPolicySchema>;
export type RateLimit = z.infer<typeof rateLimitSchema>;
export type Branch = z.infer<typeof branchSchema>;
export type Concurrency = z.infer<typeof concurrencySchema>;
export type ForEach = z.infer<typeof forEachSchema>;
