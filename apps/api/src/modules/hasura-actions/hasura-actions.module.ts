import type { PrismaClient } from '@conveyor/db';
import type { Runs } from '@conveyor/runs';
import type { Keyring } from '@conveyor/secrets';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { actionErrorHandler } from '../../plugins/hasura-errors';
import { requireHookSecret } from '../../plugins/shared-secret';
import type { ConveyorApp } from '../../types';
import { type ActionSession, requireTenantCaller, requireUser, sessionFrom } from '../auth/session';
import { createConnectionsService } from '../connections/connections.service';
import { sendTenantEvent } from '../events/events.module';
import { sendEventInputSchema, sentEventSchema } from '../events/events.schemas';
import { createMembersService } from '../members/members.service';
import { DEFAULT_CANCEL_REASON, runActionOutputSchema } from '../run-commands/run-commands.schemas';
import { createWorkflowsService } from '../workflows/workflows.service';
import { registerApiKeyActions } from './api-key-actions';
import {
  acceptInvitationInputSchema,
  acceptInvitationOutputSchema,
  actionBodySchema,
  actionErrorSchema,
  cancelRunInputSchema,
  createConnectionInputSchema,
  createConnectionOutputSchema,
  inviteMemberInputSchema,
  inviteMemberOutputSchema,
  publishVersionInputSchema,
  publishVersionOutputSchema,
  retryRunInputSchema,
} from './hasura-actions.schemas';
import { registerTriggerActions } from './trigger-actions';

export interface HasuraActionsOptions {
  hookSecret: string;
  prisma: PrismaClient;
  keyring: Keyring;
  runs: Runs;
  definitionMaxBytes: number;
}

/**
 * `POST /hooks/hasura/actions/<action>`: Hasura action handlers. Each checks the caller's role in
 * the tenant itself. Errors use Hasura's action error shape, and a client's mistake is always a
 * 4xx: Hasura turns a 5xx into an opaque "internal error".
 */
export async function hasuraActionsModule(app: ConveyorApp, opts: HasuraActionsOptions) {
  const { prisma, runs } = opts;
  const workflows = createWorkflowsService({ prisma, definitionMaxBytes: opts.definitionMaxBytes });
  const connections = createConnectionsService({ prisma, keyring: opts.keyring });
  const members = createMembersService({ prisma });
  app.addHook('onRequest', requireHookSecret(opts.hookSecret));
  app.setErrorHandler(actionErrorHandler);

  // One shape for every action route; the generic body is typed by `input` below, so the route
  // is declared on the untyped instance (the zod compilers still validate and serialize it).
  const plain = app as unknown as FastifyInstance;
  const action = <I extends z.ZodType, O extends z.ZodType>(
    path: string,
    input: I,
    output: O,
    handle: (input: z.infer<I>, session: ActionSession) => Promise<z.infer<O>>,
  ) =>
    plain.post(
      `/hooks/hasura/actions/${path}`,
      { schema: { body: actionBodySchema(input), response: { 200: output, '4xx': actionErrorSchema } } },
      async (request) => {
        const body = request.body as { input: z.infer<I>; session_variables: Record<string, string> };
        return handle(body.input, sessionFrom(body.session_variables));
      },
    );

  action('cancel-workflow-run', cancelRunInputSchema, runActionOutputSchema, async ({ runId, reason }, session) => {
    const { tenantId } = await requireTenantCaller(prisma, session);
    return { ok: true, ...(await runs.cancel({ tenantId, runId }, reason ?? DEFAULT_CANCEL_REASON)) };
  });
  action('send-workflow-event', sendEventInputSchema, sentEventSchema, async (input, session) => {
    const { tenantId } = await requireTenantCaller(prisma, session);
    return sendTenantEvent(runs, tenantId, input);
  });
  action('retry-workflow-run', retryRunInputSchema, runActionOutputSchema, async ({ runId }, session) => {
    const { tenantId } = await requireTenantCaller(prisma, session);
    return { ok: true, ...(await runs.retry({ tenantId, runId })) };
  });
  action(
    'publish-workflow-version',
    publishVersionInputSchema,
    publishVersionOutputSchema,
    async ({ workflowId, definition }, session) => {
      const caller = await requireTenantCaller(prisma, session, { admin: true });
      return { ok: true, ...(await workflows.publish(caller, workflowId, definition)) };
    },
  );
  action('create-connection', createConnectionInputSchema, createConnectionOutputSchema, async (input, session) => {
    const caller = await requireTenantCaller(prisma, session, { admin: true });
    return {
      ok: true,
      ...(await connections.create(caller, {
        name: input.name,
        appKey: input.appKey ?? undefined,
        credentials: input.credentials,
      })),
    };
  });
  action('invite-member', inviteMemberInputSchema, inviteMemberOutputSchema, async (input, session) => {
    const caller = await requireTenantCaller(prisma, session, { admin: true });
    return { ok: true, ...(await members.invite(caller, input)) };
  });
  registerTriggerActions(action, { prisma, keyring: opts.keyring });
  registerApiKeyActions(action, { prisma });
  action('accept-invitation', acceptInvitationInputSchema, acceptInvitationOutputSchema, async ({ token }, session) => ({
    ok: true,
    ...(await members.accept(requireUser(session), token)),
  }));
}
