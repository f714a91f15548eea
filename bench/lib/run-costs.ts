import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchEnvironment } from './environment';
import { sleep } from './stats';

/** The preload that counts each process's `pg` statements (see the file). */
export const STATEMENT_COUNT_PRELOAD = path.resolve(import.meta.dirname, '..', 'tools', 'statement-count.cjs');
const STATEMENT_COUNT_DIR = path.join(os.tmpdir(), 'conveyor-bench-statements');

/** Tables whose HOT-update ratio is reported. */
const TABLES = ['WorkflowRun', 'StepRun'] as const;
type Table = (typeof TABLES)[number];

/** Counters read before and after a round; their deltas, divided by the round's runs, are its per-run costs. */
interface Counters {
  /** pg_current_wal_flush_lsn() (pg_walinspect reads only flushed WAL): the whole cluster's position. */
  walLsn: string;
  /** pg_stat_database xact_commit + xact_rollback of the bench database. */
  transactions: number;
  /** n_tup_upd and n_tup_hot_upd of each table, bench database. */
  updates: Record<Table, { all: number; hot: number }>;
  /** INFO commandstats: calls of every command, the whole Redis server (other sessions included). */
  redisCommands: number;
  /** What the processes counted with the preload sent, summed over them. */
  sent: ClientCounts;
}

/** Counted in the process by the preload. */
interface ClientCounts {
  statements: number;
  redisCommands: number;
}

export interface RunCosts {
  runs: number;
  /**
   * WAL of the bench database (pg_walinspect): records that touch its relations, and every record of the
   * transactions that wrote them (their commit records). FerretDB's log inserts (another database) are not in it.
   */
  walBytesPerRun: number;
  /** The WAL position's delta: the whole cluster, other sessions and FerretDB's log inserts included. */
  clusterWalBytesPerRun: number;
  /** Committed or rolled-back transactions in the bench database per run (server side; includes the bench's own polling). */
  transactionsPerRun: number;
  /** `pg` statements per run sent by the counted processes (client side), plus `extraStatementsPerRun`. */
  statementsPerRun: number;
  /** Redis commands per run sent by the counted processes (client side). */
  sentRedisCommandsPerRun: number;
  /** n_tup_hot_upd / n_tup_upd over the round, per table; NaN when nothing was updated. */
  hotRatio: Record<Table, number>;
  updatesPerRun: Record<Table, number>;
  /** Commands the Redis server executed per run (INFO commandstats: every client, other sessions' too; script calls included). */
  redisCommandsPerRun: number;
}

/**
 * Per-run database and Redis costs of one round: `start()` before it, `finish(runs)` after its
 * runs have finished. `pids` are processes started with STATEMENT_COUNT_PRELOAD.
 */
export async function startCosts(env: BenchEnvironment, pids: number[]) {
  await env.pool.query('CREATE EXTENSION IF NOT EXISTS pg_walinspect');
  const before = await readCounters(env, pids);
  const wal = readDatabaseWal(env, before.walLsn);
  return {
    async finish(runs: number, extraStatementsPerRun = 0): Promise<RunCosts> {
      await flushStats(env);
      const after = await readCounters(env, pids);
      const { rows } = await env.pool.query<{ bytes: string }>('SELECT pg_wal_lsn_diff($1, $2)::text AS bytes', [
        after.walLsn,
        before.walLsn,
      ]);
      const databaseWal = await wal.until(after.walLsn);
      const per = (value: number) => value / runs;
      const delta = (table: Table) => ({
        all: after.updates[table].all - before.updates[table].all,
        hot: after.updates[table].hot - before.updates[table].hot,
      });
      const tables = Object.fromEntries(TABLES.map((table) => [table, delta(table)])) as Record<
        Table,
        { all: number; hot: number }
      >;
      return {
        runs,
        walBytesPerRun: per(databaseWal),
        clusterWalBytesPerRun: per(Number(rows[0]?.bytes)),
        transactionsPerRun: per(after.transactions - before.transactions),
        statementsPerRun: per(after.sent.statements - before.sent.statements) + extraStatementsPerRun,
        sentRedisCommandsPerRun: per(after.sent.redisCommands - before.sent.redisCommands),
        hotRatio: mapTables((table) => (tables[table].all > 0 ? tables[table].hot / tables[table].all : Number.NaN)),
        updatesPerRun: mapTables((table) => per(tables[table].all)),
        redisCommandsPerRun: per(after.redisCommands - before.redisCommands),
      };
    },
  };
}

/** VACUUM ANALYZE of the run tables (autovacuum is off on this machine's PostgreSQL). */
export async function vacuumRunTables(env: BenchEnvironment): Promise<void> {
  await env.pool.query('VACUUM ANALYZE "WorkflowRun", "StepRun"');
}

/** Removes the statement counts of processes that have exited. */
export function forgetStatementCounts(pids: number[]): void {
  for (const pid of pids) rmSync(path.join(STATEMENT_COUNT_DIR, `${pid}.json`), { force: true });
}

/**
 * The bench database's WAL bytes from `from` on, read every WAL_READ_EVERY_MS while the round runs: other
 * sessions' checkpoints recycle WAL segments, and a long round's first segments may be gone by its end.
 */
function readDatabaseWal(env: BenchEnvironment, from: string) {
  let bytes = 0;
  let last = from;
  let stopped = false;
  const readUpTo = async (to: string) => {
    bytes += await databaseWalBytes(env, last, to);
    if (lsnValue(to) > lsnValue(last)) last = to;
  };
  const loop = (async () => {
    while (!stopped) {
      await sleep(WAL_READ_EVERY_MS);
      if (stopped) break;
      await readUpTo(await flushedWal(env));
    }
  })();
  return {
    /** Stops the reads and returns the bytes up to `to`. */
    async until(to: string): Promise<number> {
      stopped = true;
      await loop;
      await readUpTo(to);
      return bytes;
    },
  };
}

const WAL_READ_EVERY_MS = 2_000;

/** A WAL position (`X/Y`, hex) as a number. */
const lsnValue = (lsn: string) => {
  const [high = '0', low = '0'] = lsn.split('/');
  return (BigInt(`0x${high}`) << 32n) | BigInt(`0x${low}`);
};

/** The WAL flushed so far (pg_walinspect refuses a position beyond it). */
async function flushedWal(env: BenchEnvironment): Promise<string> {
  const { rows } = await env.pool.query<{ lsn: string }>('SELECT pg_current_wal_flush_lsn()::text AS lsn');
  return rows[0]?.lsn ?? '0/0';
}

/** WAL bytes between two LSNs that belong to the bench database (see RunCosts.walBytesPerRun); NaN if the WAL is gone. */
async function databaseWalBytes(env: BenchEnvironment, from: string, to: string): Promise<number> {
  if (lsnValue(from) >= lsnValue(to)) return 0;
  try {
    const { rows } = await env.pool.query<{ bytes: string | null }>(
      `WITH records AS (
         SELECT xid::text AS xid, record_length, block_ref LIKE '%/' || d.oid || '/%' AS ours
           FROM pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn), pg_database d WHERE d.datname = current_database()),
       writers AS (SELECT DISTINCT xid FROM records WHERE ours AND xid <> '0')
       SELECT sum(record_length)::text AS bytes FROM records WHERE ours OR xid IN (SELECT xid FROM writers)`,
      [from, to],
    );
    return Number(rows[0]?.bytes ?? 0);
  } catch (error) {
    console.error('WAL of the bench database:', error instanceof Error ? error.message : error);
    return Number.NaN;
  }
}

const mapTables = (value: (table: Table) => number) =>
  Object.fromEntries(TABLES.map((table) => [table, value(table)])) as Record<Table, number>;

/**
 * Table statistics reach the shared view when each backend flushes them: about a second after it goes
 * idle (PostgreSQL 15), up to 10 s when the stats lock is contended. Waits until the run tables' update
 * counts hold still for STATS_STILL_MS (at most STATS_WAIT_MS). The preloads write their counts every 100 ms.
 */
async function flushStats(env: BenchEnvironment): Promise<void> {
  await sleep(1_500);
  await env.pool.query('SELECT pg_stat_force_next_flush()');
  const updates = async () => {
    const { rows } = await env.pool.query<{ n: string }>(
      'SELECT sum(n_tup_upd)::text AS n FROM pg_stat_user_tables WHERE relname = ANY($1)',
      [TABLES],
    );
    return rows[0]?.n ?? '';
  };
  const deadline = Date.now() + STATS_WAIT_MS;
  let last = await updates();
  while (Date.now() < deadline) {
    await sleep(STATS_STILL_MS);
    const now = await updates();
    if (now === last) return;
    last = now;
  }
}

const STATS_STILL_MS = 1_000;
const STATS_WAIT_MS = 12_000;

async function readCounters(env: BenchEnvironment, pids: number[]): Promise<Counters> {
  const walLsn = await flushedWal(env);
  const database = await env.pool.query<{ xacts: string }>(
    'SELECT (xact_commit + xact_rollback)::text AS xacts FROM pg_stat_database WHERE datname = current_database()',
  );
  const tables = await env.pool.query<{ relname: Table; upd: string; hot: string }>(
    'SELECT relname, n_tup_upd::text AS upd, n_tup_hot_upd::text AS hot FROM pg_stat_user_tables WHERE relname = ANY($1)',
    [TABLES],
  );
  const row = (table: Table) => tables.rows.find((r) => r.relname === table);
  return {
    walLsn,
    transactions: Number(database.rows[0]?.xacts ?? 0),
    updates: Object.fromEntries(
      TABLES.map((table) => [table, { all: Number(row(table)?.upd ?? 0), hot: Number(row(table)?.hot ?? 0) }]),
    ) as Counters['updates'],
    redisCommands: totalCalls(await env.redis.info('commandstats')),
    sent: pids.map(clientCounts).reduce(
      (total, counts) => ({
        statements: total.statements + counts.statements,
        redisCommands: total.redisCommands + counts.redisCommands,
      }),
      { statements: 0, redisCommands: 0 },
    ),
  };
}

/** The sum of `calls=` over INFO commandstats. */
function totalCalls(info: string): number {
  let total = 0;
  for (const match of info.matchAll(/calls=(\d+)/g)) total += Number(match[1]);
  return total;
}

function clientCounts(pid: number): ClientCounts {
  try {
    const counts = JSON.parse(readFileSync(path.join(STATEMENT_COUNT_DIR, `${pid}.json`), 'utf8')) as Partial<ClientCounts>;
    return { statements: Number(counts.statements), redisCommands: Number(counts.redisCommands) };
  } catch {
    return { statements: Number.NaN, redisCommands: Number.NaN };
  }
}
