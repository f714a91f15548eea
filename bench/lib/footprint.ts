// What state the platform keeps, measured from the outside: the bytes of the benchmark's Redis keys (by kind
// of key) and of its PostgreSQL tables, and the live bytes of one workflow's rows. Scenario 8 takes these
// before and after it leaves runs waiting, and divides the growth by their number.
import type { BenchEnvironment } from './environment';

/** Bytes of the benchmark's Redis keys (MEMORY USAGE … SAMPLES 0: exact), by kind of key, and the server's used_memory. */
export interface RedisFootprint {
  keys: number;
  bytes: number;
  byKind: Record<string, { keys: number; bytes: number }>;
  /** INFO memory used_memory: the whole server, other sessions' keys included. */
  usedMemory: number;
}

/** Sizes of the tables of the benchmark's database that hold anything, in bytes (after a VACUUM ANALYZE by the caller). */
export type PgFootprint = Record<string, { total: number; heap: number; indexes: number; toast: number }>;

/** The tables a run writes (the ones autovacuum would look after: it is off on this machine's PostgreSQL). */
export const RUN_TABLES = ['WorkflowRun', 'StepRun', 'StepItem', 'StepWait', 'OpenRun', 'WorkflowEvent'] as const;

/** VACUUM ANALYZE of every table a run writes. */
export async function vacuumRunTables(env: BenchEnvironment): Promise<void> {
  await env.pool.query(`VACUUM ANALYZE ${RUN_TABLES.map((table) => `"${table}"`).join(', ')}`);
}

export async function redisFootprint(env: BenchEnvironment): Promise<RedisFootprint> {
  const byKind: RedisFootprint['byKind'] = {};
  let keys = 0;
  let bytes = 0;
  let cursor = '0';
  do {
    const [next, found] = await env.redis.scan(cursor, 'MATCH', `${env.queuePrefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (found.length === 0) continue;
    const pipeline = env.redis.pipeline();
    for (const key of found) pipeline.call('MEMORY', 'USAGE', key, 'SAMPLES', '0');
    const sizes = (await pipeline.exec()) ?? [];
    found.forEach((key, i) => {
      const size = Number(sizes[i]?.[1] ?? 0); // null: the key went away meanwhile
      const kind = keyKind(env.queuePrefix, key);
      const entry = byKind[kind] ?? { keys: 0, bytes: 0 };
      byKind[kind] = { keys: entry.keys + 1, bytes: entry.bytes + size };
      keys += 1;
      bytes += size;
    });
  } while (cursor !== '0');
  const info = await env.redis.info('memory');
  return { keys, bytes, byKind, usedMemory: Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN) };
}

/** A key without the prefix, its ids (uuids, numbers) replaced: `steps:step-<uuid>-<n>`, `tenant:<uuid>:running`. */
function keyKind(prefix: string, key: string): string {
  return key
    .slice(prefix.length + 1)
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>')
    .replace(/\d+/g, '<n>');
}

/** What grew between two Redis footprints, by kind (kinds that did not change are left out). */
export function redisGrowth(before: RedisFootprint, after: RedisFootprint) {
  const kinds = new Set([...Object.keys(before.byKind), ...Object.keys(after.byKind)]);
  const byKind: Record<string, { keys: number; bytes: number }> = {};
  for (const kind of kinds) {
    const keys = (after.byKind[kind]?.keys ?? 0) - (before.byKind[kind]?.keys ?? 0);
    const bytes = (after.byKind[kind]?.bytes ?? 0) - (before.byKind[kind]?.bytes ?? 0);
    if (keys !== 0 || bytes !== 0) byKind[kind] = { keys, bytes };
  }
  return {
    keys: after.keys - before.keys,
    bytes: after.bytes - before.bytes,
    usedMemory: after.usedMemory - before.usedMemory,
    byKind,
  };
}

export async function pgFootprint(env: BenchEnvironment): Promise<PgFootprint> {
  const { rows } = await env.pool.query<{ name: string; total: string; heap: string; indexes: string; toast: string }>(
    `SELECT c.relname AS name, pg_total_relation_size(c.oid) AS total, pg_relation_size(c.oid) AS heap,
            pg_indexes_size(c.oid) AS indexes,
            CASE WHEN c.reltoastrelid = 0 THEN 0 ELSE pg_total_relation_size(c.reltoastrelid) END AS toast
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')`,
  );
  return Object.fromEntries(
    rows.map((row) => [
      row.name,
      { total: Number(row.total), heap: Number(row.heap), indexes: Number(row.indexes), toast: Number(row.toast) },
    ]),
  );
}

/** What grew between two PostgreSQL footprints, by table (tables that did not change are left out). */
export function pgGrowth(before: PgFootprint, after: PgFootprint) {
  const byTable: PgFootprint = {};
  let total = 0;
  for (const [table, now] of Object.entries(after)) {
    const was = before[table] ?? { total: 0, heap: 0, indexes: 0, toast: 0 };
    const grown = {
      total: now.total - was.total,
      heap: now.heap - was.heap,
      indexes: now.indexes - was.indexes,
      toast: now.toast - was.toast,
    };
    if (grown.total !== 0) byTable[table] = grown;
    total += grown.total;
  }
  return { total, byTable };
}

/**
 * The live bytes of one workflow's runs in each table that holds them (pg_column_size of each row: the
 * tuple, without page overhead, free space or indexes), and how many rows.
 */
export async function liveRowBytes(
  env: BenchEnvironment,
  workflowId: string,
): Promise<Record<string, { rows: number; bytes: number }>> {
  const runs = `SELECT "id", "tenantId" FROM "WorkflowRun" WHERE "workflowId" = $1`;
  const queries: Record<string, string> = {
    WorkflowRun: `SELECT count(*) AS rows, coalesce(sum(pg_column_size(t.*)), 0) AS bytes FROM "WorkflowRun" t WHERE t."workflowId" = $1`,
    StepRun: `SELECT count(*) AS rows, coalesce(sum(pg_column_size(t.*)), 0) AS bytes FROM "StepRun" t JOIN (${runs}) r ON t."workflowRunId" = r."id" AND t."tenantId" = r."tenantId"`,
    StepWait: `SELECT count(*) AS rows, coalesce(sum(pg_column_size(t.*)), 0) AS bytes FROM "StepWait" t JOIN (${runs}) r ON t."workflowRunId" = r."id" AND t."tenantId" = r."tenantId"`,
    OpenRun: `SELECT count(*) AS rows, coalesce(sum(pg_column_size(t.*)), 0) AS bytes FROM "OpenRun" t JOIN (${runs}) r ON t."runId" = r."id" AND t."tenantId" = r."tenantId"`,
  };
  const result: Record<string, { rows: number; bytes: number }> = {};
  for (const [table, query] of Object.entries(queries)) {
    const { rows } = await env.pool.query<{ rows: string; bytes: string }>(query, [workflowId]);
    result[table] = { rows: Number(rows[0]?.rows ?? 0), bytes: Number(rows[0]?.bytes ?? 0) };
  }
  return result;
}
