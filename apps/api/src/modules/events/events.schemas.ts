import { eventNameProblem, jsonBytes } from '@conveyor/engine';
import { EVENT_LIMITS } from '@conveyor/runs';
import { z } from 'zod';

/** An event's payload, at most this many bytes of JSON. */
export const EVENT_PAYLOAD_MAX_BYTES = 64 * 1024;

/** An event for the tenant's waiting steps: `POST /v1/events` and the `sendWorkflowEvent` action. */
export const sendEventInputSchema = z.strictObject({
  event: z
    .string()
    .min(1)
    .max(200)
    .refine((name) => eventNameProblem(name) === null, { error: (issue) => eventNameProblem(String(issue.input)) ?? 'invalid' }),
  key: z.string().min(1).max(500),
  payload: z
    .unknown()
    .refine((payload) => jsonBytes(payload ?? null, EVENT_PAYLOAD_MAX_BYTES + 1) <= EVENT_PAYLOAD_MAX_BYTES, {
      message: `at most ${EVENT_PAYLOAD_MAX_BYTES} bytes of JSON`,
    })
    .optional(),
  /** How long to keep it for a step that waits later, when none waits now. */
  ttlMs: z.int().min(1_000).max(EVENT_LIMITS.maxTtlMs).nullish(),
});

export const sentEventSchema = z.object({
  ok: z.boolean(),
  delivered: z.boolean(),
  stepRunId: z.string().optional(),
  runId: z.string().optional(),
  expiresAt: z.string().optional(),
});

export type SendEventInput = z.infer<typeof sendEventInputSchema>;
