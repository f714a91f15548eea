import { z } from 'zod';
import { defineAction } from './action';
import { ActionError } from './action-error';
import { MAX_DELAY_MS } from './delay.action';

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

export const runWorkflowInputSchema = z.strictObject({
  workflowId: z.uuid().describe('a workflow of the same tenant'),
  version: z.int().min(1).optional().describe('the version to run (pinned); without it, the workflow’s current version'),
  input: z.unknown().optional().describe('the child run’s input, usually built with templates'),
  timeoutMs: z
    .int()
    .min(1_000)
    .max(MAX_DELAY_MS)
    .default(WEEK_MS)
    .describe('how long to wait for the child run, at most 30 days'),
});

export type RunWorkflowInput = z.infer<typeof runWorkflowInputSchema>;

/** A child run's end, as the parent's step receives it. */
const childEndSchema = z.object({
  runId: z.string(),
  status: z.string(),
  output: z.unknown().optional(),
  error: z.object({ code: z.string().optional(), message: z.string().optional() }).nullish(),
});

/**
 * `core@1/runWorkflow`: starts a run of another workflow of the tenant (a child run, one per step) and
 * waits for it without holding a worker; outputs the child's output when it succeeds, fails with its
 * error otherwise (or when it has not ended within `timeoutMs`).
 */
export const runWorkflowAction = defineAction<RunWorkflowInput>({
  ref: { app: 'core', version: '1', key: 'runWorkflow' },
  name: 'Run a workflow',
  description: 'Starts a run of another workflow of the tenant and waits for it; outputs its output.',
  inputSchema: runWorkflowInputSchema,
  async execute(input, ctx) {
    const resume = ctx.resume;
    if (resume?.event) {
      const ended = childEndSchema.parse(resume.event.payload);
      if (ended.status === 'SUCCEEDED') return { kind: 'output', output: ended.output ?? null };
      throw new ActionError({
        kind: 'failed',
        code: 'CONFLICT',
        retryable: false,
        message: `child run ${ended.runId} ${ended.status}${ended.error?.message ? `: ${ended.error.message}` : ''}`,
        details: { childRunId: ended.runId, childStatus: ended.status, childError: ended.error ?? null },
      });
    }
    if (resume?.expired) {
      throw new ActionError({
        kind: 'failed',
        code: 'CONFLICT',
        retryable: false,
        message: `the child run did not end within ${input.timeoutMs} ms`,
      });
    }
    const untilEpochMs = resume ? resume.waitedUntil : ctx.now() + input.timeoutMs;
    return { kind: 'runWorkflow', workflowId: input.workflowId, version: input.version, input: input.input ?? {}, untilEpochMs };
  },
});
