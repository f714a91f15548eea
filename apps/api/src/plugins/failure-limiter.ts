import { ConveyorError } from '@conveyor/errors';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /** Counts failed authentications per client address (wrong hook secret, invalid bearer token). */
    authFailures: FailureLimiter;
  }
}

export interface FailureLimits {
  /** Failures one address may make in a window before it is refused outright. */
  maxFailures: number;
  windowMs: number;
  /** Addresses remembered at once; the oldest is forgotten first. */
  maxTracked?: number;
}

export interface FailureLimiter {
  /** Throws RATE_LIMITED (429) while `key` has used up its failures for the window. */
  assertAllowed(key: string): void;
  recordFailure(key: string): void;
}

/**
 * A fixed-window count of failures per key, so guessing a secret or a token costs one window per
 * `maxFailures` tries. Only failures count: a well-behaved caller is never limited.
 */
export function createFailureLimiter(limits: FailureLimits, now: () => number = Date.now): FailureLimiter {
  const maxTracked = limits.maxTracked ?? 10_000;
  const windows = new Map<string, { failures: number; resetAt: number }>();
  const current = (key: string) => {
    const entry = windows.get(key);
    if (entry && entry.resetAt > now()) return entry;
    windows.delete(key);
    return undefined;
  };
  return {
    assertAllowed(key) {
      const entry = current(key);
      if (entry && entry.failures >= limits.maxFailures) {
        const retryAfterSeconds = Math.ceil((entry.resetAt - now()) / 1_000);
        throw new ConveyorError({
          code: 'RATE_LIMITED',
          message: `too many failed authentications from this address; retry in ${retryAfterSeconds} s`,
          details: { retryAfterSeconds },
        });
      }
    },
    recordFailure(key) {
      const entry = current(key);
      if (entry) {
        entry.failures += 1;
        return;
      }
      if (windows.size >= maxTracked) windows.delete(windows.keys().next().value as string);
      windows.set(key, { failures: 1, resetAt: now() + limits.windowMs });
    },
  };
}

/** Decorates the app with one failure limiter shared by every authenticating route. */
export const failureLimiterPlugin = fp(async (app: FastifyInstance, limits: FailureLimits) => {
  app.decorate('authFailures', createFailureLimiter(limits));
});
