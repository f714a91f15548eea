import { findTrigger, openStoredCredentials, type SqlPool, type TriggerForRun } from '@conveyor/db';
import { resolveDebounceKey } from '@conveyor/engine';
import { ConveyorError } from '@conveyor/errors';
import { type BacklogBound, type DebouncedRun, type Runs, type StartedRun, serverIdempotencyKey } from '@conveyor/runs';
import { type Keyring, sha256Hex } from '@conveyor/secrets';
import type { z } from 'zod';
import { secretsMatch } from '../../plugins/shared-secret';
import { type SignedCall, signatureValid } from './signature';
import type { triggerReplySchema } from './triggers.schemas';

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
 * A debounced trigger's call goes to the run its window collects calls into (runs.debounce), the window
 * chosen by the key's value for this body.
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
    async fireWebhook(call: FireWebhook): Promise<z.infer<typeof triggerReplySchema>> {
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
      const run = {
        tenantId: trigger.tenantId,
        workflowId: trigger.workflowId,
        triggerId,
        input: input ?? {},
        idempotencyKey: idempotencyKey === undefined ? undefined : serverIdempotencyKey.webhook(triggerId, idempotencyKey),
      };
      if (!trigger.debounce) return answer(await runs.start(run, admission));
      const { windowMs, key } = trigger.debounce;
      // The body is the `input` a key reads; without a key, the trigger has one window.
      const window = { windowMs, key: key === null ? '' : await resolveDebounceKey(key, run.input) };
      const debounced = await runs.debounce(run, window, admission);
      return { ...answer(debounced), debounced: debounced.debounced };
    },
  };
}

function answer({ runId, created, outcome }: StartedRun | DebouncedRun) {
  const status = outcome.kind === 'queued' ? 'QUEUED' : outcome.kind === 'already-dispatched' ? outcome.status : 'FAILED';
  return { runId, status, created };
}
