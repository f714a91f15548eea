import { eventNameProblem } from '@conveyor/engine';
import { z } from 'zod';
import { defineAction } from './action';
import { MAX_DELAY_MS } from './delay.action';
import { waitTimedOut, waitTimeoutFields } from './wait-timeout';

const DAY_MS = 24 * 60 * 60 * 1000;

export const waitForEventInputSchema = z.strictObject({
  event: z
    .string()
    .min(1)
    .max(200)
    .refine((name) => eventNameProblem(name) === null, { error: (issue) => eventNameProblem(String(issue.input)) ?? 'invalid' })
    .describe('the event’s name, e.g. `order.approved`'),
  key: z.string().min(1).max(500).describe('the correlation key, usually a template: `{{ input.orderId }}`'),
  timeoutMs: z.int().min(1_000).max(MAX_DELAY_MS).default(DAY_MS).describe('how long to wait, at most 30 days (default a day)'),
  ...waitTimeoutFields,
});

export type WaitForEventInput = z.infer<typeof waitForEventInputSchema>;

/**
 * `core@1/waitForEvent`: never sleeps. Its first execution asks the worker to wait for an event of
 * `event` and `key` (a delayed job, no worker held); the worker re-enters it when one comes, its payload
 * then the output, or when the wait's time is up: then it fails, or outputs `default`.
 */
export const waitForEventAction = defineAction<WaitForEventInput>({
  ref: { app: 'core', version: '1', key: 'waitForEvent' },
  name: 'Wait for an event',
  description: 'Waits, without holding a worker, for an event with a name and correlation key; outputs its payload.',
  inputSchema: waitForEventInputSchema,
  async execute(input, ctx) {
    const resume = ctx.resume;
    if (resume?.event) return { kind: 'output', output: resume.event.payload };
    if (resume?.expired) {
      const message = `no event "${input.event}" with key "${input.key}" came within ${input.timeoutMs} ms`;
      return waitTimedOut(input, message, { event: input.event, key: input.key });
    }
    const untilEpochMs = resume ? resume.waitedUntil : ctx.now() + input.timeoutMs;
    return { kind: 'waitForEvent', event: input.event, key: input.key, untilEpochMs };
  },
});
