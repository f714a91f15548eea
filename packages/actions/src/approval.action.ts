import { platformEvents } from '@conveyor/engine';
import { z } from 'zod';
import { defineAction } from './action';
import { ActionError } from './action-error';
import { MAX_DELAY_MS } from './delay.action';
import { waitTimedOut, waitTimeoutFields } from './wait-timeout';

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

export const approvalInputSchema = z.strictObject({
  timeoutMs: z.int().min(1_000).max(MAX_DELAY_MS).default(WEEK_MS).describe('how long to wait for a decision, at most 30 days'),
  ...waitTimeoutFields,
  onReject: z
    .enum(['fail', 'continue'])
    .default('fail')
    .describe('`fail` the step when rejected, or `continue` with the decision'),
});

export type ApprovalInput = z.infer<typeof approvalInputSchema>;

const decisionSchema = z.object({ approved: z.boolean(), comment: z.string().nullish(), decidedAt: z.string() });

/**
 * `core@1/approval`: waits (no worker held) for a person's decision, made with a single-use signed link
 * (`POST /v1/runs/:runId/approvals` makes the links; `POST /v1/approvals/:token` decides). Outputs
 * `{ approved, comment, decidedAt }`; a rejection fails the step unless `onReject` is `continue`.
 */
export const approvalAction = defineAction<ApprovalInput>({
  ref: { app: 'core', version: '1', key: 'approval' },
  name: 'Approval',
  description: 'Waits for a person to approve or reject through a single-use signed link.',
  inputSchema: approvalInputSchema,
  async execute(input, ctx) {
    const resume = ctx.resume;
    if (resume?.event) {
      const decision = decisionSchema.parse(resume.event.payload);
      if (decision.approved || input.onReject === 'continue') return { kind: 'output', output: decision };
      const reason = decision.comment ? `: ${decision.comment}` : '';
      throw new ActionError({ kind: 'failed', code: 'CONFLICT', retryable: false, message: `rejected${reason}` });
    }
    if (resume?.expired) return waitTimedOut(input, `no decision within ${input.timeoutMs} ms`);
    // One approval per step run: its id (the action's idempotency key) is the decision's correlation key.
    const untilEpochMs = resume ? resume.waitedUntil : ctx.now() + input.timeoutMs;
    return { kind: 'waitForEvent', event: platformEvents.approval, key: ctx.idempotencyKey, untilEpochMs };
  },
});
