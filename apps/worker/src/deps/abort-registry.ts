/**
 * The AbortControllers of the steps this process is executing, by run, so a cancellation
 * announced on Redis pub/sub reaches the running action within moments.
 */
export function createAbortRegistry() {
  const byRun = new Map<string, Set<AbortController>>();
  return {
    register(runId: string, controller: AbortController): () => void {
      const set = byRun.get(runId) ?? new Set();
      set.add(controller);
      byRun.set(runId, set);
      return () => {
        set.delete(controller);
        if (set.size === 0) byRun.delete(runId);
      };
    },
    abortRun(runId: string, reason: string): number {
      const set = byRun.get(runId);
      for (const controller of set ?? []) controller.abort(new RunCancelledReason(reason));
      return set?.size ?? 0;
    },
  };
}

export type AbortRegistry = ReturnType<typeof createAbortRegistry>;

/** The abort reason of a cancellation, told apart from a step timeout. */
export class RunCancelledReason extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunCancelledReason';
  }
}
