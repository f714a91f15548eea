// The soak's own services, started with chaos's starters: a PostgreSQL 15 cluster at initdb's stock settings
// (autovacuum on, unlike the machine's cluster), a stock redis-server and FerretDB on that cluster, each on a
// free port, stopped and removed by PID on exit, failure, SIGINT and SIGTERM (chaos/cleanup.ts).
import { applyMigrations } from '@conveyor/db';
import { migrationsDir } from '@conveyor/testing';
import { type FerretDB, type Postgres, type Redis, sql, startFerretDB, startPostgres, startRedis } from '../../chaos/services';

/** The database the api and worker use, and the MongoDB database (a schema in FerretDB's) of the log store. */
const DATABASE = 'conveyor_soak';
export const LOG_DATABASE = 'soak_logs';

export interface SoakServices {
  postgres: Postgres;
  redis: Redis;
  ferret: FerretDB;
  databaseUrl: string;
  /** FerretDB's own database on the cluster, where the log store's tables live. */
  ferretDatabaseUrl: string;
  mongoUrl: string;
  /** The cluster's settings that matter here, `name=value, …`. */
  postgresSettings: string;
}

export async function startSoakServices(log: (line: string) => void): Promise<SoakServices> {
  const postgres = await startPostgres({ settings: '', label: 'soak' });
  const settings = await sql(
    postgres.url('postgres'),
    `SELECT string_agg(name || '=' || setting, ', ' ORDER BY name) AS s FROM pg_settings
      WHERE name IN ('autovacuum', 'fsync', 'synchronous_commit', 'shared_buffers', 'max_connections', 'full_page_writes',
                     'checkpoint_timeout', 'max_wal_size')`,
  );
  const postgresSettings = String(settings.rows[0].s);
  log(`postgres on :${postgres.port} (${postgresSettings})`);
  const redis = await startRedis({ args: [], label: 'soak' });
  log(`redis on :${redis.port}`);
  const ferret = await startFerretDB(postgres, { label: 'soak' });
  log(`ferretdb on :${ferret.port}`);
  await sql(postgres.url('postgres'), `CREATE DATABASE ${DATABASE}`);
  await applyMigrations({ databaseUrl: postgres.url(DATABASE), migrationsDir });
  log(`${DATABASE} migrated`);
  return {
    postgres,
    redis,
    ferret,
    databaseUrl: postgres.url(DATABASE),
    ferretDatabaseUrl: postgres.url('ferretdb'),
    mongoUrl: ferret.url(LOG_DATABASE),
    postgresSettings,
  };
}
