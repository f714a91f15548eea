/** Steps that undo what a benchmark started, run once, newest first. */
export type Cleanups = (() => Promise<unknown>)[];

/**
 * Runs a benchmark's `main` under a hang guard: the cleanups it registers run once, newest first, when
 * it ends, when it fails, on SIGINT/SIGTERM (exit 130) and past `deadlineMs` (exit 1). Resolves with
 * the failure, if any, once everything is cleaned up.
 */
export async function guarded(deadlineMs: number, main: (cleanups: Cleanups) => Promise<void>): Promise<unknown> {
  const cleanups: Cleanups = [];
  let cleaning: Promise<void> | undefined;
  const cleanup = () => {
    cleaning ??= (async () => {
      for (const step of cleanups.reverse()) await step().catch((error: unknown) => console.error('cleanup failed:', error));
    })();
    return cleaning;
  };
  const watchdog = setTimeout(() => {
    console.error(`benchmark still running after ${deadlineMs / 60_000} minutes: giving up`);
    void cleanup().finally(() => process.exit(1));
  }, deadlineMs);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`${signal}: cleaning up`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  try {
    await main(cleanups);
    return undefined;
  } catch (error) {
    console.error('\nbenchmark failed:', error);
    return error;
  } finally {
    await cleanup();
    clearTimeout(watchdog);
  }
}
