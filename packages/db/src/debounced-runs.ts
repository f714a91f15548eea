import { collapseIntoRun, createRun, type NewRun } from './run-transitions';
import { execute, queryRows, type SqlExecutor, type SqlPool, sql, transaction } from './sql';

/** One call of a debounced webhook trigger: the run it would create. */
export interface DebouncedCallRun extends NewRun {
  triggerId: string;
}

/** What became of a debounced call in the database. */
export type DebouncedStart =
  /** A new run, its window open: QUEUED (`queued`) when its workflow can run, else PENDING for dispatch to fail. */
  | { kind: 'created'; runId: string; queued: { priority: number } | null }
  /** The call's input replaced the input of the open run of its window. */
  | { kind: 'collapsed'; runId: string; priority: number }
  /** The idempotency key named a call seen before: its run. */
  | { kind: 'replayed'; runId: string }
  /** The tenant's backlog is at its bound: nothing created. */
  | { kind: 'refused' };

/**
 * A call of a debounced webhook trigger: collapsed into `openRunId` (the run its window holds, known
 * from Redis) while that run still takes calls (collapseIntoRun), else a new run with its window open,
 * bounded by `maxBacklog` as createRun is. A call with an idempotency key is serialized with the other
 * calls of the same key (a transaction-scoped advisory lock): a key seen before, the key of a run or of
 * a call collapsed into one (DebouncedCall), answers that run, and a collapsed call's key is recorded.
 */
export async function startDebouncedRun(
  pool: SqlPool,
  call: DebouncedCallRun,
  openRunId: string | null,
  { maxBacklog }: { maxBacklog?: number } = {},
): Promise<DebouncedStart> {
  const { tenantId, idempotencyKey } = call;
  if (idempotencyKey === undefined) return collapseOrCreate(pool, call, openRunId, maxBacklog);
  return transaction(pool, async (tx) => {
    await execute(tx, sql`SELECT pg_advisory_xact_lock(hashtextextended(${`${tenantId}\n${idempotencyKey}`}, 0))`);
    const earlier = await findCallByIdempotencyKey(tx, tenantId, idempotencyKey);
    if (earlier !== null) return { kind: 'replayed', runId: earlier };
    const started = await collapseOrCreate(tx, call, openRunId, maxBacklog);
    if (started.kind === 'collapsed') {
      await execute(
        tx,
        sql`INSERT INTO "DebouncedCall" ("tenantId", "idempotencyKey", "runId")
            VALUES (${tenantId}::uuid, ${idempotencyKey}, ${started.runId}::uuid)`,
      );
    }
    return started;
  });
}

async function collapseOrCreate(
  db: SqlExecutor,
  call: DebouncedCallRun,
  openRunId: string | null,
  maxBacklog: number | undefined,
): Promise<DebouncedStart> {
  if (openRunId !== null) {
    const ref = { tenantId: call.tenantId, runId: openRunId, triggerId: call.triggerId };
    const collapsed = await collapseIntoRun(db, ref, call.input);
    if (collapsed) return { kind: 'collapsed', runId: openRunId, priority: collapsed.priority };
  }
  const created = await createRun(db, { ...call, debounceOpen: true }, { maxBacklog });
  if (created.refused) return { kind: 'refused' };
  if (!created.created) return { kind: 'replayed', runId: created.runId };
  return { kind: 'created', runId: created.runId, queued: created.queued };
}

/** The run a call with this idempotency key went into: the run it created, or the one it was collapsed into. */
async function findCallByIdempotencyKey(db: SqlExecutor, tenantId: string, idempotencyKey: string): Promise<string | null> {
  const [row] = await queryRows<{ runId: string }>(
    db,
    sql`
    SELECT "id"::text AS "runId" FROM "WorkflowRun" WHERE "tenantId" = ${tenantId}::uuid AND "idempotencyKey" = ${idempotencyKey}
    UNION ALL
    SELECT "runId"::text FROM "DebouncedCall" WHERE "tenantId" = ${tenantId}::uuid AND "idempotencyKey" = ${idempotencyKey}
    LIMIT 1`,
  );
  return row?.runId ?? null;
}
