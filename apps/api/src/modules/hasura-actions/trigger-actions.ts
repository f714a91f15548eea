import { randomBytes } from 'node:crypto';
import { insertWebhookTrigger, type PrismaClient, replaceWebhookTriggerSecret } from '@conveyor/db';
import { ConveyorError } from '@conveyor/errors';
import { sha256Hex } from '@conveyor/secrets';
import type { z } from 'zod';
import { type ActionSession, requireTenantCaller } from '../auth/session';
import {
  createWebhookTriggerInputSchema,
  rotateWebhookTriggerSecretInputSchema,
  webhookTriggerSecretOutputSchema,
} from './trigger-actions.schemas';

/** How the actions module declares one action route (its `action` helper). */
export type ActionRoute = <I extends z.ZodType, O extends z.ZodType>(
  path: string,
  input: I,
  output: O,
  handle: (input: z.infer<I>, session: ActionSession) => Promise<z.infer<O>>,
) => unknown;

/**
 * Webhook trigger secrets are minted by the server, never chosen by a client: tenant admins get one
 * from `POST /hooks/hasura/actions/create-webhook-trigger` (a new WEBHOOK trigger of a workflow) or
 * `POST /hooks/hasura/actions/rotate-webhook-trigger-secret` (the old secret stops working at once).
 * The secret is answered once; only its SHA-256 is stored.
 */
export function registerTriggerActions(action: ActionRoute, { prisma }: { prisma: PrismaClient }): void {
  action('create-webhook-trigger', createWebhookTriggerInputSchema, webhookTriggerSecretOutputSchema, async (input, session) => {
    const { tenantId } = await requireTenantCaller(prisma, session, { admin: true });
    const secret = mintSecret();
    const created = await insertWebhookTrigger(prisma, { tenantId, workflowId: input.workflowId, secretHash: sha256Hex(secret) });
    if (created.kind === 'no-workflow') {
      throw new ConveyorError({
        code: 'NOT_FOUND',
        message: `input.workflowId: no workflow ${input.workflowId} in this tenant`,
        details: { field: 'input.workflowId' },
      });
    }
    return { ok: true, triggerId: created.triggerId, secret };
  });
  action(
    'rotate-webhook-trigger-secret',
    rotateWebhookTriggerSecretInputSchema,
    webhookTriggerSecretOutputSchema,
    async ({ triggerId }, session) => {
      const { tenantId } = await requireTenantCaller(prisma, session, { admin: true });
      const secret = mintSecret();
      if (!(await replaceWebhookTriggerSecret(prisma, { tenantId, triggerId, secretHash: sha256Hex(secret) }))) {
        throw new ConveyorError({
          code: 'NOT_FOUND',
          message: `input.triggerId: no webhook trigger ${triggerId} in this tenant`,
          details: { field: 'input.triggerId' },
        });
      }
      return { ok: true, triggerId, secret };
    },
  );
}

/** 256 bits from the system's CSPRNG, URL-safe. */
function mintSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}
