import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Redis } from './connection';

/** One debounce window: a trigger of a tenant and one value of its key ('' for a trigger without a key). */
export interface DebounceWindow {
  tenantId: string;
  triggerId: string;
  key: string;
}

const runIdSchema = z.string().uuid();

/**
 * The open windows of debounced webhook triggers, in Redis: `<prefix>:debounce:<tenant>:<trigger>:<sha256(key)>`
 * holds the id of the run collecting the window's calls, and expires `windowMs` after the last call.
 * Only a hint: the run's own row decides whether a call may still change it (the database's
 * `collapseIntoRun`), so a lost or stale entry costs at most one more run, never a call.
 */
export function createDebounceWindows(connection: Redis, prefix: string) {
  const keyOf = ({ tenantId, triggerId, key }: DebounceWindow) =>
    `${prefix}:debounce:${tenantId}:${triggerId}:${createHash('sha256').update(key).digest('hex')}`;
  return {
    /** The run the window holds; null when no window is open (or it holds something other than a run id). */
    async find(window: DebounceWindow): Promise<string | null> {
      const runId = await connection.get(keyOf(window));
      return runIdSchema.safeParse(runId).success ? runId : null;
    },
    /** Opens the window for `runId`, or restarts it: it closes `windowMs` from now. */
    async hold(window: DebounceWindow, runId: string, windowMs: number): Promise<void> {
      await connection.set(keyOf(window), runId, 'PX', windowMs);
    },
  };
}

export type DebounceWindows = ReturnType<typeof createDebounceWindows>;
