/**
 * Idempotency keys the platform derives for runs it starts itself. Each lives under a prefix a
 * member's own key may not use (Hasura's insert check and the run-insert validation refuse it), so
 * no member can squat the key of a future webhook delivery or schedule firing.
 */
export const serverIdempotencyKey = {
  /** A webhook delivery with the caller's `Idempotency-Key`. */
  webhook: (triggerId: string, callerKey: string) => `webhook:${triggerId}:${callerKey}`,
  /** One firing of a schedule (the job id is unique per firing time). */
  schedule: (jobId: string) => `schedule:${jobId}`,
  /** The child run a runWorkflow step starts (one per step run, whatever its attempts). */
  child: (parentStepRunId: string) => `child:${parentStepRunId}`,
} as const;

/** The prefixes of `serverIdempotencyKey`: reserved for the platform. */
export const RESERVED_IDEMPOTENCY_PREFIXES = ['webhook:', 'schedule:', 'child:'] as const;

/** The longest idempotency key a member may choose. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

/** Why a member may not use `key`, or null when it may. */
export function memberIdempotencyKeyProblem(key: string): string | null {
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) return `must be 1–${MAX_IDEMPOTENCY_KEY_LENGTH} characters`;
  const reserved = RESERVED_IDEMPOTENCY_PREFIXES.find((prefix) => key.startsWith(prefix));
  return reserved ? `keys starting with "${reserved}" are reserved for runs the platform starts` : null;
}
