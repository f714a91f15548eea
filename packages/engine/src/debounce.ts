import { isConveyorError } from '@conveyor/errors';
import { z } from 'zod';
import { expressionError } from './expression';
import { type CompiledTemplate, compileTemplate } from './template';
import type { TemplateLimits } from './template-limits';

/** Where a debounce key's problems are reported. */
const KEY_PATH = 'debounce.key';

/** The bounds of a debounce window: 100 ms to one hour. */
export const debounceLimits = { minWindowMs: 100, maxWindowMs: 3_600_000, keyLength: 1_000 } as const;

/**
 * A webhook trigger's debounce: calls within `windowMs` of the previous one (trailing: each call
 * restarts the window) with the same value of `key` collapse into one run with the last call's input.
 * `key` is a template over the request body (`input`); without one, the trigger has one window.
 */
export const debounceSchema = z.object({
  windowMs: z.number().int().min(debounceLimits.minWindowMs).max(debounceLimits.maxWindowMs),
  key: z.string().min(1).max(debounceLimits.keyLength).nullish(),
});

export type Debounce = z.infer<typeof debounceSchema>;

/**
 * Why `source` cannot be a debounce key, or null when it can. The key is resolved by the api for
 * every call, in process, before any run exists, so it must be plain (field paths, literals and
 * operators: linear in its length and its data, see isPlainTemplate) and read the request body
 * (`input`) only: a key that reads nothing of it (`{{ customerId }}` for `{{ input.customerId }}`)
 * would put every call in one window, and there are no `steps` yet.
 */
export function debounceKeyProblem(source: string, limits?: Partial<TemplateLimits>): string | null {
  const checked = checkedKey(source, limits);
  return typeof checked === 'string' ? checked : null;
}

/**
 * The key's value for one call, whose body is `input`: a string as it is, any other value as JSON,
 * a missing one as `null`. Throws VALIDATION_FAILED naming `debounce.key` when the key does not
 * evaluate over this body, or is not a key `debounceKeyProblem` accepts.
 */
export async function resolveDebounceKey(source: string, input: unknown, limits?: Partial<TemplateLimits>): Promise<string> {
  const checked = checkedKey(source, limits);
  if (typeof checked === 'string') throw expressionError({ path: KEY_PATH }, checked);
  const value = await checked.evaluate({ input, steps: {} });
  return typeof value === 'string' ? value : JSON.stringify(value ?? null);
}

/** The key compiled, or why it cannot be one. */
function checkedKey(source: string, limits: Partial<TemplateLimits> | undefined): CompiledTemplate | string {
  let compiled: CompiledTemplate;
  try {
    compiled = compileTemplate(source, { limits, path: KEY_PATH });
  } catch (error) {
    if (!isConveyorError(error)) throw error;
    return String(error.details.reason ?? error.message);
  }
  const [step] = compiled.references.stepKeys;
  if (step !== undefined) return `reads steps.${step}, but a debounce key may read only the request body (input)`;
  if (!compiled.references.usesInput) {
    return 'reads nothing of the request body: name its fields under input, e.g. {{ input.customerId }}';
  }
  if (!compiled.plain) {
    return 'must be plain (field paths, literals and operators, no functions): the api resolves it for every call';
  }
  return compiled;
}
