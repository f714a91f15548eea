import type { TemplateContext } from '@conveyor/engine';
import { ConveyorError } from '@conveyor/errors';
import type { RateBucket } from '@conveyor/queue';
import type { WorkerDeps } from '../deps/worker-deps';
import type { ExpressionBudget } from '../expressions/expression-budget';
import { resolveRateKey } from './prepared-step';
import type { StepInFlight } from './step-in-flight';

/**
 * How long the attempt must wait for its step's rate limit (ms, with up to a tenth more as jitter, so
 * that attempts held together do not come back together); 0 when it may run now, its token taken. Redis
 * unreachable fails the attempt as DEPENDENCY_UNAVAILABLE, retried by the step's policy.
 */
export async function rateLimitWait(
  deps: Pick<WorkerDeps, 'expressions' | 'rateLimits'>,
  step: StepInFlight,
  context: TemplateContext,
  budget: ExpressionBudget,
): Promise<number> {
  const limit = step.prepared.step.rateLimit;
  if (!limit) return 0;
  const key = await resolveRateKey(deps.expressions, step.prepared, context, budget);
  const bucket: RateBucket =
    key === undefined
      ? { tenantId: step.ref.tenantId, step: `${step.run.workflowVersionId}/${step.ref.stepKey}` }
      : { tenantId: step.ref.tenantId, key };
  const wait = await deps.rateLimits.take(bucket, limit).catch((error: unknown) => {
    throw new ConveyorError({ code: 'DEPENDENCY_UNAVAILABLE', message: 'rate limits unavailable (Redis)', cause: error });
  });
  return wait === 0 ? 0 : wait + Math.floor(Math.random() * (wait / 10));
}
