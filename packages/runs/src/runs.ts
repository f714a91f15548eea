import { admit } from './admission';
import { afterCommit } from './after-commit';
import { cancel, cancelChildren } from './cancel';
import { startChild } from './child-runs';
import { debounce } from './debounce';
import type { RunsDeps } from './deps';
import { dispatch } from './dispatch';
import { retry } from './retry';
import { sendEvent } from './send-event';
import { start } from './start';
import { timeOut } from './time-out';

/**
 * The run use cases, in one place for the api, the worker and the cli: each pairs a state change
 * in the database with what must follow it in Redis (a job added, withdrawn, a slot freed).
 */
export function createRuns(deps: RunsDeps) {
  return {
    /** Creates a PENDING run (idempotent by key) and dispatches it: webhook triggers (bounded by backlog), schedules, the cli. */
    start: start.bind(null, deps),
    /** A call of a debounced webhook trigger: collapsed into the open run of its window, or a new run that opens one. */
    debounce: debounce.bind(null, deps),
    /** Refuses (RATE_LIMITED) runs an app is about to insert through Hasura past the tenant's backlog bound. */
    admit: admit.bind(null, deps),
    /** PENDING → QUEUED and the run job: a Hasura event, or the reconciler for a run nobody dispatched. */
    dispatch: dispatch.bind(null, deps),
    /** A user's cancel: the run and its unfinished steps CANCELLED, their jobs withdrawn, running steps aborted. */
    cancel: cancel.bind(null, deps),
    /** A user's retry of a FAILED run from its failure. */
    retry: retry.bind(null, deps),
    /** A run past its `timeoutMs`: FAILED, its unfinished steps cancelled. */
    timeOut: timeOut.bind(null, deps),
    /** The child run of a runWorkflow step (idempotent by the step), bounded in depth. */
    startChild: startChild.bind(null, deps),
    /** A finished run's child runs still going, cancelled: the reconciler's repair of a cascade a crash cut short. */
    cancelChildren: cancelChildren.bind(null, deps),
    /** An event for the tenant's steps waiting for its name and key (the longest-waiting takes it), or kept for the next. */
    sendEvent: sendEvent.bind(null, deps),
    /** After a state statement: the jobs of the steps it queued; once the run finished, its slot and timeout job. */
    afterCommit: afterCommit.bind(null, deps),
  };
}

export type Runs = ReturnType<typeof createRuns>;
