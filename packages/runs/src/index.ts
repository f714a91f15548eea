export type { BacklogBound } from './admission';
export { type RunContext, runContextOf } from './after-commit';
export type { CallWindow, DebouncedRun } from './debounce';
export type { RunsDeps } from './deps';
export { memberIdempotencyKeyProblem, RESERVED_IDEMPOTENCY_PREFIXES, serverIdempotencyKey } from './idempotency-keys';
export { createRuns, type Runs } from './runs';
export type { StartedRun } from './start';
