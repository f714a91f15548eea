export type { BacklogBound } from './admission';
export { type RunContext, runContextOf } from './after-commit';
export { MAX_RUN_DEPTH } from './child-runs';
export type { CallWindow, DebouncedRun } from './debounce';
export type { RunsDeps } from './deps';
export { memberIdempotencyKeyProblem, RESERVED_IDEMPOTENCY_PREFIXES, serverIdempotencyKey } from './idempotency-keys';
export { createRuns, type Runs } from './runs';
export { EVENT_LIMITS, type SentEvent } from './send-event';
export type { StartedRun } from './start';
