import { z } from 'zod';
import { defineAction } from './action';
import { ActionError } from './action-error';

export const MAX_DELAY_MS = 30 * 24 * 60 * 60 * 1000;
/** A resume this much earlier than the target (clock skew between workers) waits again. */
const EARLY_RESUME_TOLERANCE_MS = 1000;

export const delayInputSchema = z
  .strictObject({
    ms: z.int().min(0).max(MAX_DELAY_MS).optional().describe('milliseconds to wait, at most 30 days'),
    until: z.iso.datetime({ offset: true }).optional().describe('ISO 8601 instant to wait for, at most 30 days ahead'),
  })
  .refine((input) => (input.ms === undefined) !== (input.until === undefined), { message: 'give exactly one of ms or until' });

export type DelayInput = z.infer<typeof delayInputSchema>;

/**
 * `core@1/delay`: never sleeps. The first execution returns `wait` and the worker re-runs the step
 * from a delayed job with `ctx.resume` set; that execution outputs `{ waitedMs, resumedAt }`.
 * `waitedMs` is exact for `ms`; for `until` it needs `ctx.resume.waitStartedAt` (otherwise it is the
 * time elapsed past the target). A zero or past delay outputs at once.
 */
export const delayAction = defineAction<DelayInput>({
  ref: { app: 'core', version: '1', key: 'delay' },
  name: 'Delay',
  description: 'Pauses the workflow branch for a duration or until an instant (at most 30 days), without holding a worker.',
  inputSchema: delayInputSchema,
  async execute(input, ctx) {
    const now = ctx.now();
    if (ctx.resume) {
      const { waitedUntil, waitStartedAt } = ctx.resume;
      if (now < waitedUntil - EARLY_RESUME_TOLERANCE_MS) return { kind: 'wait', untilEpochMs: waitedUntil };
      const startedAt = waitStartedAt ?? (input.ms === undefined ? waitedUntil : waitedUntil - input.ms);
      return waited(Math.max(0, now - startedAt), now);
    }
    const until = input.ms === undefined ? Date.parse(input.until ?? '') : now + input.ms;
    if (until - now > MAX_DELAY_MS) {
      throw new ActionError({
        kind: 'input',
        retryable: false,
        message: 'input.until: more than 30 days ahead',
        details: { until: input.until, maxDelayMs: MAX_DELAY_MS },
      });
    }
    if (until <= now) return waited(0, now);
    return { kind: 'wait', untilEpochMs: until };
  },
});

function waited(waitedMs: number, now: number) {
  return { kind: 'output', output: { waitedMs, resumedAt: new Date(now).toISOString() } } as const;
}
