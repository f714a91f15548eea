// What the soak reads from its cluster: runs finished per window, the backlog, table statistics, WAL position,
// relation sizes of the runs' tables and of the log store's tables in FerretDB's schema.
import { sql } from '../../chaos/services';

export interface WindowRuns {
  /** Runs that finished in the window (any terminal status), and how many of them FAILED. */
  finished: number;
  failed: number;
  /** insert → finish (WorkflowRun createdAt → finishedAt) of those runs, ms. */
  p50Ms: number;
  p99Ms: number;
}

/** Runs that finished in [from, to), split in `buckets` equal windows (index 0 first). */
export async function finishedRuns(databaseUrl: string, from: number, to: number, buckets: number): Promise<WindowRuns[]> {
  const { rows } = await sql(
    databaseUrl,
    `SELECT width_bucket(extract(epoch FROM "finishedAt") * 1000, $1::float8, $2::float8, $3::int) - 1 AS bucket,
            count(*)::int AS finished, count(*) FILTER (WHERE status = 'FAILED')::int AS failed,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM "finishedAt" - "createdAt") * 1000) AS p50,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM "finishedAt" - "createdAt") * 1000) AS p99
       FROM "WorkflowRun" WHERE "finishedAt" >= to_timestamp($1::float8 / 1000) AND "finishedAt" < to_timestamp($2::float8 / 1000)
      GROUP BY 1 ORDER BY 1`,
    [from, to, buckets],
  );
  const byBucket = new Map(rows.map((row) => [Number(row.bucket), row]));
  return Array.from({ length: buckets }, (_, i) => {
    const row = byBucket.get(i);
    return row
      ? { finished: row.finished, failed: row.failed, p50Ms: Number(row.p50), p99Ms: Number(row.p99) }
      : { finished: 0, failed: 0, p50Ms: Number.NaN, p99Ms: Number.NaN };
  });
}

/** Runs waiting to start (PENDING + QUEUED), and those not finished at all. */
export async function backlog(databaseUrl: string): Promise<{ waiting: number; open: number }> {
  const { rows } = await sql(
    databaseUrl,
    `SELECT count(*) FILTER (WHERE status IN ('PENDING', 'QUEUED'))::int AS waiting,
            count(*) FILTER (WHERE status IN ('PENDING', 'QUEUED', 'RUNNING'))::int AS open
       FROM "WorkflowRun"`,
  );
  return { waiting: rows[0].waiting, open: rows[0].open };
}

const RUN_TABLES = ['WorkflowRun', 'StepRun'] as const;

export interface TableStats {
  live: number;
  dead: number;
  updates: number;
  hotUpdates: number;
  autovacuums: number;
  autoanalyzes: number;
}

export interface ClusterSnapshot {
  walLsn: string;
  tables: Record<(typeof RUN_TABLES)[number], TableStats>;
}

/** The WAL position and the runs' tables' cumulative statistics (after flushing this backend's). */
export async function clusterSnapshot(databaseUrl: string): Promise<ClusterSnapshot> {
  const { rows } = await sql(
    databaseUrl,
    `SELECT relname, n_live_tup::int8 AS live, n_dead_tup::int8 AS dead, n_tup_upd::int8 AS updates,
            n_tup_hot_upd::int8 AS hot, autovacuum_count::int8 AS autovacuums, autoanalyze_count::int8 AS autoanalyzes,
            pg_current_wal_lsn()::text AS lsn
       FROM pg_stat_user_tables WHERE relname = ANY($1::text[])`,
    [RUN_TABLES],
  );
  const tables = Object.fromEntries(
    rows.map((row) => [
      row.relname,
      {
        live: Number(row.live),
        dead: Number(row.dead),
        updates: Number(row.updates),
        hotUpdates: Number(row.hot),
        autovacuums: Number(row.autovacuums),
        autoanalyzes: Number(row.autoanalyzes),
      },
    ]),
  ) as ClusterSnapshot['tables'];
  return { walLsn: rows[0]?.lsn ?? '0/0', tables };
}

const WAL_SLOT = 'soak_wal';

/**
 * Keeps the WAL from now on (a physical replication slot reserving it; no setting changes), so that
 * `walByDatabase` can read it after the soak, whatever the checkpoints recycled meanwhile.
 */
export async function reserveWal(databaseUrl: string): Promise<void> {
  await sql(databaseUrl, 'CREATE EXTENSION IF NOT EXISTS pg_walinspect');
  await sql(databaseUrl, 'SELECT pg_create_physical_replication_slot($1, true)', [WAL_SLOT]);
}

export async function releaseWal(databaseUrl: string): Promise<void> {
  await sql(databaseUrl, 'SELECT pg_drop_replication_slot($1)', [WAL_SLOT]);
}

export interface Wal {
  /** Everything the cluster wrote between the two LSNs. */
  totalBytes: number;
  /** Bytes of the records that touch a block of each database (by name); `(none)`: commits and other records without one. */
  byDatabase: Record<string, number>;
}

/** The WAL between two LSNs, split by the database of each record's first block (pg_walinspect). */
export async function walByDatabase(databaseUrl: string, from: string, to: string): Promise<Wal> {
  const total = await sql(databaseUrl, 'SELECT pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn)::float8 AS bytes', [to, from]);
  const { rows } = await sql(
    databaseUrl,
    `SELECT coalesce(d.datname, '(none)') AS database, sum(w.bytes)::float8 AS bytes
       FROM (SELECT substring(block_ref FROM 'rel \\d+/(\\d+)/')::oid AS oid, record_length AS bytes
               FROM pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn)) w
       LEFT JOIN pg_database d ON d.oid = w.oid
      GROUP BY 1 ORDER BY 2 DESC`,
    [from, to],
  );
  return {
    totalBytes: Number(total.rows[0].bytes),
    byDatabase: Object.fromEntries(rows.map((row) => [row.database, Number(row.bytes)])),
  };
}

export interface RelationSize {
  table: string;
  totalBytes: number;
  indexBytes: number;
  rows: number;
}

/** Sizes of the runs' tables, rows counted exactly. */
export async function runTableSizes(databaseUrl: string): Promise<RelationSize[]> {
  const { rows } = await sql(
    databaseUrl,
    `SELECT relname AS table, pg_total_relation_size(oid)::float8 AS total, pg_indexes_size(oid)::float8 AS indexes,
            (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I', relname), false, true, '')))[1]::text::float8 AS rows
       FROM pg_class WHERE relname = ANY($1::text[]) AND relkind = 'r' AND relnamespace = 'public'::regnamespace ORDER BY relname`,
    [RUN_TABLES],
  );
  return rows.map(toSize);
}

/** Sizes of every table FerretDB keeps for `database` (a schema of its PostgreSQL database), rows counted exactly. */
export async function logStoreSizes(ferretDatabaseUrl: string, database: string): Promise<RelationSize[]> {
  const { rows } = await sql(
    ferretDatabaseUrl,
    `SELECT c.relname AS table, pg_total_relation_size(c.oid)::float8 AS total, pg_indexes_size(c.oid)::float8 AS indexes,
            (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text::float8 AS rows
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind = 'r' ORDER BY c.relname`,
    [database],
  );
  return rows.map(toSize);
}

function toSize(row: { table: string; total: number; indexes: number; rows: number }): RelationSize {
  return { table: row.table, totalBytes: Number(row.total), indexBytes: Number(row.indexes), rows: Number(row.rows) };
}
