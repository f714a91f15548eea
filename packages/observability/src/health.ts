export type HealthCheck = () => Promise<unknown>;

export interface HealthReport {
  ok: boolean;
  /** Optional dependencies that failed: reported, but the process stays ready. */
  degraded: string[];
  checks: Record<string, { ok: boolean; durationMs: number; error?: string }>;
}

/**
 * Runs readiness checks side by side, each bounded by `timeoutMs`, so one hung dependency makes
 * the process "not ready" quickly instead of hanging the probe. A failing `optional` check (a
 * dependency off the run path, such as the log store) leaves the process ready and is named in `degraded`.
 */
export async function runHealthChecks(
  checks: Record<string, HealthCheck>,
  timeoutMs = 2_000,
  optional: Record<string, HealthCheck> = {},
): Promise<HealthReport> {
  const entries = await Promise.all(
    Object.entries({ ...checks, ...optional }).map(async ([name, check]) => {
      const started = performance.now();
      try {
        await withTimeout(check(), timeoutMs, name);
        return [name, { ok: true, durationMs: elapsed(started) }] as const;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return [name, { ok: false, durationMs: elapsed(started), error: message }] as const;
      }
    }),
  );
  const failed = entries.filter(([, result]) => !result.ok).map(([name]) => name);
  const degraded = failed.filter((name) => Object.hasOwn(optional, name));
  return { ok: failed.length === degraded.length, degraded, checks: Object.fromEntries(entries) };
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, name: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name} did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
