import { dispatchRun, type PrismaClient, rerunRun, type SqlPool, stopRun } from '@conveyor/db';
import { ConveyorError } from '@conveyor/errors';
import type { Producers } from '@conveyor/queue';

export interface RunsServiceDeps {
  prisma: PrismaClient;
  pool: SqlPool;
  producers: Producers;
}

export type RunsService = ReturnType<typeof createRunsService>;

/** Run use cases the api offers: dispatch a new run, cancel one, rerun a failed one from its failure. */
export function createRunsService({ prisma, pool, producers }: RunsServiceDeps) {
  return {
    /**
     * PENDING → QUEUED and the run job, idempotently: a repeated call finds the run dispatched
     * and only makes sure its job exists (the job id is the run's, so that adds nothing twice).
     */
    async dispatch(ref: { tenantId: string; runId: string }) {
      const outcome = await dispatchRun(pool, ref);
      const needsJob = outcome.kind === 'queued' || (outcome.kind === 'already-dispatched' && outcome.status === 'QUEUED');
      if (needsJob) await producers.enqueueRun(ref);
      return outcome;
    },

    async cancel(ref: { tenantId: string; runId: string }, reason: string) {
      const stopped = await stopRun(pool, ref, { status: 'CANCELLED', code: 'CANCELLED', message: reason });
      if (!stopped.applied) throw await notChangeable(prisma, ref, 'cancelled');
      await producers.withdrawRun(ref, stopped.stepJobIds);
      return { status: 'CANCELLED' as const };
    },

    async retry(ref: { tenantId: string; runId: string }) {
      const rerun = await rerunRun(pool, ref);
      if (!rerun.applied) throw await notChangeable(prisma, ref, 'retried (only FAILED runs can be)');
      await producers.enqueueRun(ref);
      return { status: 'QUEUED' as const };
    },
  };
}

async function notChangeable(
  prisma: PrismaClient,
  ref: { tenantId: string; runId: string },
  what: string,
): Promise<ConveyorError> {
  const run = await prisma.workflowRun.findFirst({ where: { id: ref.runId, tenantId: ref.tenantId }, select: { status: true } });
  if (!run) return new ConveyorError({ code: 'NOT_FOUND', message: `run ${ref.runId} not found`, details: { runId: ref.runId } });
  return new ConveyorError({
    code: 'CONFLICT',
    message: `run ${ref.runId} is ${run.status} and cannot be ${what}`,
    details: { runId: ref.runId, status: run.status },
  });
}
