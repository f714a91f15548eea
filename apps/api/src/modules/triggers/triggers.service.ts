import { findTrigger, openStoredCredentials, type SqlPool, type TriggerForRun } from '@conveyor/db';
import { ConveyorError } from '@conveyor/errors';
import { type BacklogBound, type Runs, serverIdempotencyKey } from '@conveyor/runs';
import { type Keyring, sha256Hex } from '@conveyor/secrets';
import { secretsMatch } from '../../plugins/shared-secret';
import { type SignedCall, signatureValid } from './signature';

export interface FireWebhook extends SignedCall {
  triggerId: string;
  secret: string | undefined;
  idempotencyKey: string | undefined;
  input: unknown;
}

interface TriggersDeps {
  pool: SqlPool;
  runs: Runs;
  keyring: Keyring;
  admission: BacklogBound;
  now?: () => number;
}

/**
 * Webhook triggers: a caller holding the trigger's secret starts a run of its workflow; for a trigger
 * that requires signatures, a caller that signs the call with it (the secret itself is then not enough).
 */
export function createTriggersService({ pool, runs, keyring, admission, now = Date.now }: TriggersDeps) {
  const authentic = (trigger: TriggerForRun, call: FireWebhook): boolean => {
    if (!trigger.requireSignature) {
      const given = call.secret === undefined ? undefined : sha256Hex(call.secret);
      return trigger.secretHash !== null && secretsMatch(given, trigger.secretHash);
    }
    if (!trigger.signingSecret) return false;
    const secret = openStoredCredentials(keyring, trigger.tenantId, trigger.signingSecret);
    return typeof secret === 'string' && signatureValid(secret, call, now());
  };
  return {
    async fireWebhook(call: FireWebhook) {
      const { triggerId, idempotencyKey, input } = call;
      const trigger = await findTrigger(pool, triggerId);
      // An unknown, inactive or non-webhook trigger, a wrong secret or signature, all look alike to the caller.
      const valid = trigger?.type === 'WEBHOOK' && trigger.isActive && authentic(trigger, call);
      if (!trigger || !valid) {
        throw new ConveyorError({
          code: 'NOT_FOUND',
          message: `no active webhook trigger ${triggerId} for this secret or signature`,
        });
      }
      const { runId, created, outcome } = await runs.start(
        {
          tenantId: trigger.tenantId,
          workflowId: trigger.workflowId,
          triggerId,
          input: input ?? {},
          idempotencyKey: idempotencyKey === undefined ? undefined : serverIdempotencyKey.webhook(triggerId, idempotencyKey),
        },
        admission,
      );
      const status = outcome.kind === 'queued' ? 'QUEUED' : outcome.kind === 'already-dispatched' ? outcome.status : 'FAILED';
      return { runId, status, created };
    },
  };
}
