import type { RateLimit, TemplateContext } from '@conveyor/engine';
import { ConveyorError } from '@conveyor/errors';
import type { RateBucket } from '@conveyor/queue';
import type { WorkerDeps } from '../deps/worker-deps';
import type { ExpressionBudget } from '../expressions/expression-budget';
import { type KeyTemplate, resolveKeyTemplate } from './prepared-step';

/** What a rate limit applies to: a step's attempts or a workflow's runs, of one tenant. */
export interface RateLimited {
  tenantId: string;
  limit: RateLimit;
  /** Its key template; without one, the budget is the owner's own. */
  key: KeyTemplate | undefined;
  /** Names the budget of its own: the step or the workflow, in its version. */
  owner: string;
}

/**
 * How long to wait for the rate limit (ms, with up to a tenth more as jitter, so that what was held
 * together does not come back together); 0 when it may go now, its token taken. Redis unreachable
 * throws DEPENDENCY_UNAVAILABLE.
 */
export async function rateLimitWait(
  deps: Pick<WorkerDeps, 'expressions' | 'rateLimits'>,
  limited: RateLimited,
  context: TemplateContext,
  budget: ExpressionBudget,
): Promise<number> {
  const bucket: RateBucket = limited.key
    ? { tenantId: limited.tenantId, key: await resolveKeyTemplate(deps.expressions, limited.key, context, budget) }
    : { tenantId: limited.tenantId, owner: limited.owner };
  const wait = await deps.rateLimits.take(bucket, limited.limit).catch((error: unknown) => {
    throw new ConveyorError({ code: 'DEPENDENCY_UNAVAILABLE', message: 'rate limits unavailable (Redis)', cause: error });
  });
  return wait === 0 ? 0 : wait + Math.floor(Math.random() * (wait / 10));
}
