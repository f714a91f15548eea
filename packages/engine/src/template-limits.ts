/**
 * Bounds on every template expression. JSONata runs in-process, so these are what stand between a
 * careless or hostile definition and a stuck worker: the defaults suit a step input, and callers
 * may tighten or loosen them per call.
 */
export const defaultTemplateLimits: Readonly<TemplateLimits> = Object.freeze({
  maxExpressionLength: 4096,
  timeoutMs: 250,
  maxDepth: 200,
  maxResultBytes: 256 * 1024,
  maxSequenceLength: 1_000_000,
});

export function withDefaultLimits(limits: Partial<TemplateLimits> | undefined): TemplateLimits {
  return { ...defaultTemplateLimits, ...limits };
}

export interface TemplateLimits {
  /** Characters of JSONata source in one `{{ }}`. */
  maxExpressionLength: number;
  /** Wall-clock budget of one expression, checked by JSONata at every evaluation step. */
  timeoutMs: number;
  /** Nested evaluation frames; a user-defined recursive function uses about three per call. */
  maxDepth: number;
  /** UTF-8 bytes of one expression's result (or of an interpolated string) as JSON. */
  maxResultBytes: number;
  /** Items in any sequence JSONata builds, `[1..n]` ranges included; bounds memory, not just time. */
  maxSequenceLength: number;
}
