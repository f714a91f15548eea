let started = false;

/** Whether this process exports traces (`startTracing` ran with tracing configured). */
export function tracingStarted(): boolean {
  return started;
}

/** Set once by `startTracing`; kept apart from it so that reading it loads no part of the SDK. */
export function markTracingStarted(): void {
  started = true;
}
