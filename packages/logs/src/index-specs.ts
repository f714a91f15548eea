import type { IndexDescription } from 'mongodb';

export const LOG_COLLECTION = 'execution_logs';

/**
 * The indexes of `execution_logs`: the seed's four (storage-architecture §2), the last being the TTL
 * index that gives retention, plus one for the paged read. Pure, so the TTL definition is unit-tested
 * even where the server (FerretDB) cannot create it.
 */
export function indexSpecs(retentionDays: number): IndexDescription[] {
  return [
    { key: { tenantId: 1, workflowRunId: 1 }, name: 'tenantId_1_workflowRunId_1' },
    { key: { tenantId: 1, workflowRunId: 1, stepRunId: 1 }, name: 'tenantId_1_workflowRunId_1_stepRunId_1' },
    { key: { tenantId: 1, level: 1 }, name: 'tenantId_1_level_1' },
    // Keyset pagination: `query()` filters on tenant + run (+ step, level) and sorts on (timestamp, _id)
    // with a `$or` keyset condition on the same pair. With this index MongoDB walks the run's lines in
    // page order and stops after `limit + 1`; with only {tenantId, workflowRunId} it would fetch and
    // sort every line of the run (a million-line run) for each page.
    { key: { tenantId: 1, workflowRunId: 1, timestamp: 1, _id: 1 }, name: 'tenantId_1_workflowRunId_1_timestamp_1__id_1' },
    ttlIndexSpec(retentionDays),
  ];
}

/**
 * Whether the server's indexes can serve the log store's reads. Not on FerretDB 1.x (PostgreSQL
 * backend): it filters with `_jsonb -> 'field' @> value`, which its own B-tree indexes on
 * `_jsonb -> 'field'` cannot serve, and pushes no range, sort or limit down — `explain` shows a
 * sequential scan with every index in place. There the indexes would only cost every insert (five
 * index entries per line), so none is created. FerretDB 2.x and MongoDB use them.
 */
export function indexesServeQueries(server: string): boolean {
  return !/^FerretDB v1\./.test(server);
}

/** `{ timestamp: 1 }` with `expireAfterSeconds`: the server deletes lines older than the retention. */
export function ttlIndexSpec(retentionDays: number): IndexDescription {
  return { key: { timestamp: 1 }, name: 'timestamp_1', expireAfterSeconds: retentionSeconds(retentionDays) };
}

/** The same key without TTL, for servers that refuse TTL indexes; `sweepExpired` does the deleting. */
export function plainTimestampIndexSpec(): IndexDescription {
  return { key: { timestamp: 1 }, name: 'timestamp_1' };
}

export function retentionSeconds(retentionDays: number): number {
  return Math.round(retentionDays * 86_400);
}

/** MongoDB error codes a server answers when it does not support an index option. */
const TTL_REFUSAL_CODES = new Set([
  238, // NotImplemented — FerretDB 1.x: 'Index option "expireAfterSeconds" is not implemented yet'
  115, // CommandNotSupported
  72, // InvalidOptions
  67, // CannotCreateIndex
]);

/** Whether `error` is a server refusing the TTL option (as opposed to an outage or a conflict). */
export function isTtlRefusal(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'number' && TTL_REFUSAL_CODES.has(code)) return true;
  return typeof message === 'string' && /expireAfterSeconds/i.test(message) && /not (implemented|supported)/i.test(message);
}

/** Existing index with the same key but other options (e.g. another retention): MongoDB codes 85 and 86. */
export function isIndexOptionsConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 85 || code === 86;
}
