import { type EventAddress, sendEvent as sendToWaitingStep } from '@conveyor/db';
import type { RunsDeps } from './deps';

/** How long an event no step waits for is kept by default, and at most; how many a tenant may have kept. */
export const EVENT_LIMITS = {
  defaultTtlMs: 24 * 3600_000,
  maxTtlMs: 7 * 24 * 3600_000,
  maxKept: 10_000,
} as const;

export interface SentEvent {
  /** True when a waiting step took it (`stepRunId`, `runId`); false when it is kept until `expiresAt`. */
  delivered: boolean;
  stepRunId?: string;
  runId?: string;
  expiresAt?: string;
}

/**
 * An event for the tenant's steps waiting for its name and key: the one that has waited longest takes
 * it, and its delayed job is woken; with none waiting, it is kept (up to `ttlMs`) for the next, unless
 * `keep` is false (an approval's decision: it goes to its waiting step or nowhere). A wake
 * that Redis misses is not lost: the step is due in PostgreSQL, and the reconciler re-arms it.
 */
export async function sendEvent(
  deps: RunsDeps,
  address: EventAddress,
  {
    payload,
    ttlMs = EVENT_LIMITS.defaultTtlMs,
    keep = true,
  }: { payload: unknown; ttlMs?: number | undefined; keep?: boolean | undefined },
): Promise<SentEvent> {
  const sent = await sendToWaitingStep(deps.pool, address, { payload, ttlMs, maxKept: EVENT_LIMITS.maxKept, keep });
  if ('missed' in sent) return { delivered: false };
  if ('kept' in sent) return { delivered: false, expiresAt: sent.kept.expiresAt.toISOString() };
  const { stepRunId, runId, jobId } = sent.delivered;
  if (jobId) {
    const woken = await deps.producers.wakeStep(jobId).catch(() => false);
    if (!woken)
      deps.log.info(
        { tenantId: address.tenantId, stepRunId, jobId },
        'event delivered; its step’s job not woken (the reconciler will)',
      );
  }
  return { delivered: true, stepRunId, runId };
}
