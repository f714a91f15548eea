import { type DebouncedCallRun, type DispatchOutcome, startDebouncedRun } from '@conveyor/db';
import type { DebounceWindow } from '@conveyor/queue';
import { type BacklogBound, backlogRefusal } from './admission';
import type { RunsDeps } from './deps';
import { dispatch, enqueue } from './dispatch';
import type { StartedRun } from './start';

/** A debounced call's window: its trigger's `windowMs` and the value of its key for this call. */
export interface CallWindow {
  windowMs: number;
  key: string;
}

export interface DebouncedRun extends StartedRun {
  /** The call was collapsed into the open run of its window (`runId`), whose input is now the call's. */
  debounced: boolean;
}

/**
 * A call of a debounced webhook trigger (trailing debounce): collapsed into the run its window holds
 * while that run has not begun (its input becomes this call's, its run job is delayed a whole window
 * again and the window restarts), else a new run, QUEUED with its run job delayed by the window, which
 * opens the window. Every call ends in a run that had not begun when the call changed it, so no call's
 * input is lost: it is either the input the run starts with or replaced by a later call's. The window
 * in Redis is a hint (a lost one costs one more run); a run whose delayed job Redis lost is started by
 * the reconciler, early. Bounded, idempotent by key and answered as `start` is otherwise.
 */
export async function debounce(
  deps: Pick<RunsDeps, 'pool' | 'producers' | 'metrics' | 'log'>,
  run: DebouncedCallRun,
  { windowMs, key }: CallWindow,
  bound?: BacklogBound,
): Promise<DebouncedRun> {
  const window: DebounceWindow = { tenantId: run.tenantId, triggerId: run.triggerId, key };
  const windows = deps.producers.debounceWindows;
  const open = await windows.find(window);
  const started = await startDebouncedRun(deps.pool, run, open, { maxBacklog: bound?.maxBacklog });
  if (started.kind === 'refused') throw backlogRefusal(deps, bound);
  const ref = { tenantId: run.tenantId, runId: started.runId };
  switch (started.kind) {
    case 'replayed':
      return { runId: ref.runId, created: false, debounced: false, outcome: await dispatch(deps, ref) };
    case 'collapsed': {
      deps.metrics.webhookCallsDebounced.inc();
      // The call is in the run already: a failure here only shortens its window (the run starts sooner).
      await Promise.all([deps.producers.postponeRun(ref, windowMs), windows.hold(window, ref.runId, windowMs)]).catch(
        (error: unknown) => notOpened(deps, ref, error),
      );
      const outcome: DispatchOutcome = { kind: 'already-dispatched', status: 'QUEUED', priority: started.priority };
      return { runId: ref.runId, created: false, debounced: true, outcome };
    }
    case 'created': {
      if (!started.queued) return { runId: ref.runId, created: true, debounced: false, outcome: await dispatch(deps, ref) };
      // The window first: should the job fail to be added (503), the caller's retry joins this run. Without
      // the window, later calls only get runs of their own.
      await windows.hold(window, ref.runId, windowMs).catch((error: unknown) => notOpened(deps, ref, error));
      await enqueue(deps, ref, { delayMs: windowMs });
      return { runId: ref.runId, created: true, debounced: false, outcome: { kind: 'queued', ...started.queued } };
    }
  }
}

function notOpened({ log }: Pick<RunsDeps, 'log'>, ref: { tenantId: string; runId: string }, error: unknown): void {
  log.warn({ error, tenantId: ref.tenantId, workflowRunId: ref.runId }, 'debounce window not opened or restarted');
}
