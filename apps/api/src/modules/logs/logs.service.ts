import { setTimeout as sleep } from 'node:timers/promises';
import { getRunStatus, type SqlPool } from '@conveyor/db';
import { isTerminalRunStatus, type RunStatus } from '@conveyor/engine';
import { ConveyorError } from '@conveyor/errors';
import { cursorOf, type LogPage, type LogStore, type StoredLogLine } from '@conveyor/logs';
import type { LogsQuery, TailQuery } from './logs.schemas';

/** Lines may still be in a worker's log buffer this long after its run finished. */
const SETTLE_AFTER_FINISH_MS = 2_000;
const TAIL_BATCH = 500;

export type LogsService = ReturnType<typeof createLogsService>;

/** Reads execution logs of one run, always within the caller's tenant: another tenant's run is "not found". */
export function createLogsService({ pool, logStore }: { pool: SqlPool; logStore: LogStore }) {
  const runOf = async (tenantId: string, runId: string) => {
    const run = await getRunStatus(pool, { tenantId, runId });
    if (!run) throw new ConveyorError({ code: 'NOT_FOUND', message: `run ${runId} not found`, details: { runId } });
    return run;
  };

  return {
    async page(tenantId: string, runId: string, query: LogsQuery): Promise<LogPage> {
      await runOf(tenantId, runId);
      return logStore.query({
        tenantId,
        workflowRunId: runId,
        limit: query.limit,
        order: query.order,
        ...(query.stepRunId ? { stepRunId: query.stepRunId } : {}),
        ...(query.level ? { minLevel: query.level } : {}),
        ...(query.since ? { since: query.since } : {}),
        ...(query.until ? { until: query.until } : {}),
        ...(query.cursor ? { cursor: query.cursor } : {}),
      });
    },

    /**
     * Every line from `cursor` on, oldest first, then new lines as they are written; ends once the
     * run is finished and its workers have had time to flush their last lines.
     */
    async *tail(
      tenantId: string,
      runId: string,
      query: TailQuery,
      { pollMs, signal }: { pollMs: number; signal: AbortSignal },
    ): AsyncGenerator<{ line: StoredLogLine; cursor: string }> {
      await runOf(tenantId, runId);
      let cursor = query.cursor;
      while (!signal.aborted) {
        const run = await runOf(tenantId, runId);
        const page = await logStore.query({
          tenantId,
          workflowRunId: runId,
          limit: TAIL_BATCH,
          order: 'asc',
          ...(query.stepRunId ? { stepRunId: query.stepRunId } : {}),
          ...(query.level ? { minLevel: query.level } : {}),
          ...(cursor ? { cursor } : {}),
        });
        for (const line of page.lines) {
          cursor = cursorOf(line);
          yield { line, cursor };
        }
        if (page.lines.length === TAIL_BATCH) continue;
        const settled = isTerminalRunStatus(run.status) && Date.now() - (run.finishedAt?.getTime() ?? 0) > SETTLE_AFTER_FINISH_MS;
        if (settled && page.lines.length === 0) return;
        await sleep(pollMs, undefined, { signal }).catch(() => undefined);
      }
    },

    async runStatus(tenantId: string, runId: string): Promise<RunStatus> {
      return (await runOf(tenantId, runId)).status;
    },
  };
}
