import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConveyorError } from '@conveyor/errors';
import type { Logger } from '@conveyor/observability';
import pg from 'pg';

export interface MigrateOptions {
  databaseUrl: string;
  /** Prisma's layout: one folder per migration holding migration.sql. */
  migrationsDir: string;
  log?: Pick<Logger, 'info'>;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: string[];
}

// The key Prisma Migrate itself locks with, so our runner and `prisma migrate deploy` never overlap.
const MIGRATE_LOCK_KEY = 72707369;

const CREATE_MIGRATIONS_TABLE = `
  CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"            VARCHAR(64) NOT NULL,
    "finished_at"         TIMESTAMPTZ,
    "migration_name"      VARCHAR(255) NOT NULL,
    "logs"                TEXT,
    "rolled_back_at"      TIMESTAMPTZ,
    "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0
  )`;

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
}

/**
 * Applies the pending migrations in order, each in its own transaction, and records them in
 * Prisma's `_prisma_migrations` table exactly as `prisma migrate deploy` would (which cannot run
 * on machines without Prisma's Rust engines). Running it again is a no-op.
 */
export async function applyMigrations({ databaseUrl, migrationsDir, log }: MigrateOptions): Promise<MigrateResult> {
  const migrations = await readMigrations(migrationsDir);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATE_LOCK_KEY]);
    await client.query(CREATE_MIGRATIONS_TABLE);
    const { rows } = await client.query<AppliedRow>(
      'SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL',
    );
    const applied = new Map(rows.map((row) => [row.migration_name, row]));
    const result: MigrateResult = { applied: [], alreadyApplied: [] };
    for (const migration of migrations) {
      const previous = applied.get(migration.name);
      if (previous) {
        assertUnchanged(migration, previous);
        result.alreadyApplied.push(migration.name);
        continue;
      }
      await applyOne(client, migration);
      log?.info({ migration: migration.name }, 'migration applied');
      result.applied.push(migration.name);
    }
    return result;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATE_LOCK_KEY]).catch(() => undefined);
    await client.end();
  }
}

interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

async function readMigrations(migrationsDir: string): Promise<Migration[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(migrationsDir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

function assertUnchanged(migration: Migration, previous: AppliedRow): void {
  if (previous.finished_at === null) {
    throw new ConveyorError({
      code: 'MIGRATION_FAILED',
      message: `migration ${migration.name} started but never finished; repair the database, then mark it rolled back`,
      details: { migration: migration.name },
    });
  }
  if (previous.checksum !== migration.checksum) {
    throw new ConveyorError({
      code: 'MIGRATION_FAILED',
      message: `migration ${migration.name} was edited after it was applied; write a new migration instead`,
      details: { migration: migration.name },
    });
  }
}

async function applyOne(client: pg.Client, migration: Migration): Promise<void> {
  const id = randomUUID();
  await client.query('INSERT INTO "_prisma_migrations" (id, checksum, migration_name) VALUES ($1, $2, $3)', [
    id,
    migration.checksum,
    migration.name,
  ]);
  try {
    await client.query('BEGIN');
    await client.query(migration.sql);
    await client.query('COMMIT');
  } catch (cause) {
    await client.query('ROLLBACK');
    const message = cause instanceof Error ? cause.message : String(cause);
    await client.query('UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1', [id, message]);
    throw new ConveyorError({
      code: 'MIGRATION_FAILED',
      message: `migration ${migration.name} failed: ${message}`,
      cause,
      details: { migration: migration.name },
    });
  }
  await client.query('UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1', [id]);
}
