export { type RunContext, runContextOf } from './after-commit';
export type { RunsDeps } from './deps';
export { createRuns, type Runs } from './runs';
export type { StartedRun } from './start';
