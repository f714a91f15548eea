import { findTriggerSchedule, type PrismaClient } from '@conveyor/db';
import { isConveyorError } from '@conveyor/errors';
import type { BacklogBound, Runs } from '@conveyor/runs';
import type { FastifyReply } from 'fastify';
import { validationRefusalHandler } from '../../plugins/hasura-errors';
import { requireHookSecret } from '../../plugins/shared-secret';
import type { ConveyorApp } from '../../types';
import { sessionFrom } from '../auth/session';
import {
  MAX_VALIDATED_ROWS,
  runInsertSchema,
  type TriggerUpdate,
  triggerInsertSchema,
  triggerUpdateSchema,
  validationBodySchema,
  validationRefusalSchema,
} from './hasura-validations.schemas';
import { runInsertProblem } from './run-rules';
import { type FieldProblem, type TriggerFields, triggerInsertProblem, triggerProblem } from './trigger-rules';

export interface HasuraValidationsOptions {
  hookSecret: string;
  prisma: PrismaClient;
  runs: Runs;
  /** A member's run insert is refused (400, the message says when to retry) past the tenant's backlog bound. */
  admission: BacklogBound;
  scheduleMinIntervalMs: number;
  runInputMaxBytes: number;
  now?: () => number;
}

/** The routes Hasura's `validate_input` permissions call (hasura/metadata, Trigger insert and update). */
export const VALIDATION_ROUTES = {
  runInsert: '/hooks/hasura/validate/run-insert',
  triggerInsert: '/hooks/hasura/validate/trigger-insert',
  triggerUpdate: '/hooks/hasura/validate/trigger-update',
} as const;

/**
 * Hasura's input-validation webhooks: Hasura sends a mutation's rows here before it opens its
 * transaction; 200 lets the mutation through, 400 `{ message }` refuses it and the message reaches
 * the client. So a tenant admin's bad schedule is refused where it is written, naming the row and
 * field, instead of being found (and its trigger disabled) later by the worker's schedule sync.
 */
export async function hasuraValidationsModule(app: ConveyorApp, opts: HasuraValidationsOptions) {
  const now = opts.now ?? Date.now;
  app.addHook('onRequest', requireHookSecret(opts.hookSecret));
  app.setErrorHandler(validationRefusalHandler);
  const responses = { 200: validationRefusalSchema.partial(), 400: validationRefusalSchema };

  app.post(
    VALIDATION_ROUTES.runInsert,
    // Rows may carry inputs up to the budget each: the body may be larger than the default limit.
    {
      bodyLimit: MAX_VALIDATED_ROWS * opts.runInputMaxBytes + 65_536,
      schema: { body: validationBodySchema(runInsertSchema), response: responses },
    },
    async (request, reply) => {
      const rows = request.body.data.input;
      const problems = rows.map((row) => runInsertProblem(row, opts.runInputMaxBytes));
      if (problems.some((problem) => problem !== null)) return answer(reply, 'objects', problems);
      const { tenantId } = sessionFrom(request.body.session_variables);
      const refusal = tenantId && (await backlogRefusalOf(opts.runs, tenantId, rows.length, opts.admission));
      return refusal ? reply.status(400).send({ message: refusal }) : reply.status(200).send({});
    },
  );
  app.post(
    VALIDATION_ROUTES.triggerInsert,
    { schema: { body: validationBodySchema(triggerInsertSchema), response: responses } },
    async (request, reply) => {
      const problems = request.body.data.input.map((row) => triggerInsertProblem(row, opts.scheduleMinIntervalMs, now()));
      return answer(reply, 'objects', problems);
    },
  );
  app.post(
    VALIDATION_ROUTES.triggerUpdate,
    { schema: { body: validationBodySchema(triggerUpdateSchema), response: responses } },
    async (request, reply) => {
      const { tenantId } = sessionFrom(request.body.session_variables);
      const problems: (FieldProblem | null)[] = [];
      for (const update of request.body.data.input) {
        const fields = await fieldsAfter(opts.prisma, tenantId, update);
        problems.push(fields && triggerProblem(fields, opts.scheduleMinIntervalMs, now()));
      }
      return answer(reply, 'updates', problems);
    },
  );
}

/**
 * The trigger's fields once `update` is applied: onto its row when the update names it by key (and
 * it is the caller's tenant's), else the `_set` fields alone. Null when the update sets no schedule field.
 */
async function fieldsAfter(
  prisma: PrismaClient,
  tenantId: string | undefined,
  update: TriggerUpdate,
): Promise<TriggerFields | null> {
  const set = update._set ?? {};
  if (set.cron === undefined && set.timezone === undefined) return null;
  const triggerId = update.pk_columns?.id;
  const row = tenantId && triggerId ? await findTriggerSchedule(prisma, { tenantId, triggerId }) : null;
  return { ...(row ?? {}), ...set };
}

/**
 * Admission at the door for runs an app inserts through Hasura (which cannot answer 429 from here: a
 * validation refusal reaches the client only as a 400): the refusal's message, or null when they fit.
 */
async function backlogRefusalOf(runs: Runs, tenantId: string, adding: number, bound: BacklogBound): Promise<string | null> {
  try {
    await runs.admit(tenantId, adding, bound);
    return null;
  } catch (error) {
    if (isConveyorError(error) && error.code === 'RATE_LIMITED') return `objects: ${error.message}`;
    throw error;
  }
}

function answer(reply: FastifyReply, list: 'objects' | 'updates', problems: (FieldProblem | null)[]) {
  const index = problems.findIndex((problem) => problem !== null);
  const problem = problems[index];
  if (!problem) return reply.status(200).send({});
  return reply.status(400).send({ message: `${list}[${index}].${problem.field}: ${problem.message}` });
}
