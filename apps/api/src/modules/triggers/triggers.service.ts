import { findTrigger, type PrismaClient } from '@conveyor/db';
import { ConveyorError } from '@conveyor/errors';
import { type Runs, serverIdempotencyKey } from '@conveyor/runs';
import { sha256Hex } from '@conveyor/secrets';
import { secretsMatch } from '../../plugins/shared-secret';

export interface FireWebhook {
  triggerId: string;
  secret: string | undefined;
  idempotencyKey: string | undefined;
  input: unknown;
}

/** Webhook triggers: a caller holding the trigger's secret starts a run of its workflow. */
export function createTriggersService({ prisma, runs }: { prisma: PrismaClient; runs: Runs }) {
  return {
    async fireWebhook({ triggerId, secret, idempotencyKey, input }: FireWebhook) {
      const trigger = await findTrigger(prisma, triggerId);
      // An unknown, inactive or non-webhook trigger, or a wrong secret, all look alike to the caller.
      const valid =
        trigger?.type === 'WEBHOOK' &&
        trigger.isActive &&
        trigger.secretHash !== null &&
        secretsMatch(secret === undefined ? undefined : sha256Hex(secret), trigger.secretHash);
      if (!trigger || !valid) {
        throw new ConveyorError({ code: 'NOT_FOUND', message: `no active webhook trigger ${triggerId} for this secret` });
      }
      const { runId, created, outcome } = await runs.start({
        tenantId: trigger.tenantId,
        workflowId: trigger.workflowId,
        triggerId,
        input: input ?? {},
        idempotencyKey: idempotencyKey === undefined ? undefined : serverIdempotencyKey.webhook(triggerId, idempotencyKey),
      });
      const status = outcome.kind === 'queued' ? 'QUEUED' : outcome.kind === 'already-dispatched' ? outcome.status : 'FAILED';
      return { runId, status, created };
    },
  };
}
