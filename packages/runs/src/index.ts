export { type RunContext, runContextOf } from './after-commit';
export { createRuns, type Runs, type RunsDeps } from './runs';
export type { StartedRun } from './start';
