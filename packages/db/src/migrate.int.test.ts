import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, migrationsDir, repoRoot, testServices, uniqueSuffix, withDatabase } from '@conveyor/testing';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { applyMigrations, dropDatabase, ensureDatabase } from './index';

const created: string[] = [];
async function emptyDatabase(): Promise<string> {
  const url = withDatabase(testServices().databaseUrl, `conveyor_migrate_${uniqueSuffix()}`);
  await ensureDatabase(url);
  created.push(url);
  return url;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/**
 * The schema as pg_dump prints it, with each table's columns sorted: a column added by a later
 * migration lands at the end of its table, which is no drift.
 */
function schemaDump(url: string): string {
  const dump = execFileSync(
    'pg_dump',
    ['--schema-only', '--no-owner', '--no-privileges', '--exclude-table=_prisma_migrations', url],
    {
      encoding: 'utf8',
    },
  );
  const lines = dump.split('\n').filter((line) => !line.startsWith('--') && !line.startsWith('\\'));
  const normalized: string[] = [];
  let columns: string[] | null = null;
  for (const line of lines) {
    if (columns && line.startsWith(');')) {
      normalized.push(...columns.sort(), line);
      columns = null;
    } else if (columns) {
      columns.push(line.replace(/,$/, ''));
    } else {
      normalized.push(line);
      if (line.startsWith('CREATE TABLE')) columns = [];
    }
  }
  return normalized.join('\n');
}

afterEach(async () => {
  await Promise.all(created.splice(0).map((url) => dropDatabase(url)));
});

describe('applyMigrations', () => {
  it('applies every migration to an empty database and records it as Prisma does', async () => {
    const url = await emptyDatabase();
    const result = await applyMigrations({ databaseUrl: url, migrationsDir });
    expect(result.applied.length).toBeGreaterThan(0);
    expect(result.alreadyApplied).toEqual([]);
    const rows = await query<{ migration_name: string; finished_at: Date | null; applied_steps_count: number }>(
      url,
      'SELECT migration_name, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name',
    );
    expect(rows.map((row) => row.migration_name)).toEqual(result.applied);
    expect(rows.every((row) => row.finished_at !== null && row.applied_steps_count === 1)).toBe(true);
    const tables = await query<{ tablename: string }>(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
    expect(tables.map((t) => t.tablename)).toEqual(expect.arrayContaining(['Tenant', 'WorkflowRun', 'StepRun', 'Connection']));
  });

  it('is a no-op the second time', async () => {
    const url = await emptyDatabase();
    const first = await applyMigrations({ databaseUrl: url, migrationsDir });
    const second = await applyMigrations({ databaseUrl: url, migrationsDir });
    expect(second).toEqual({ applied: [], alreadyApplied: first.applied });
    const [{ count }] = (await query<{ count: string }>(url, 'SELECT count(*) FROM "_prisma_migrations"')) as [{ count: string }];
    expect(Number(count)).toBe(first.applied.length);
  });

  it('refuses a migration that was edited after it was applied', async () => {
    const url = await emptyDatabase();
    const copy = mkdtempSync(path.join(tmpdir(), 'conveyor-migrations-'));
    cpSync(migrationsDir, copy, { recursive: true });
    const { applied } = await applyMigrations({ databaseUrl: url, migrationsDir: copy });
    writeFileSync(path.join(copy, applied[0] as string, 'migration.sql'), '-- edited\nSELECT 1;');
    await expect(applyMigrations({ databaseUrl: url, migrationsDir: copy })).rejects.toMatchObject({
      code: 'MIGRATION_FAILED',
      message: expect.stringContaining('was edited'),
    });
  });

  it('rolls a failing migration back and names it', async () => {
    const url = await emptyDatabase();
    const copy = mkdtempSync(path.join(tmpdir(), 'conveyor-migrations-'));
    cpSync(migrationsDir, copy, { recursive: true });
    await applyMigrations({ databaseUrl: url, migrationsDir: copy });
    const broken = path.join(copy, '99999999999999_broken');
    mkdirSync(broken);
    writeFileSync(path.join(broken, 'migration.sql'), 'CREATE TABLE "Half" (id int);\nSELECT * FROM no_such_table;');
    await expect(applyMigrations({ databaseUrl: url, migrationsDir: copy })).rejects.toMatchObject({
      code: 'MIGRATION_FAILED',
      message: expect.stringContaining('99999999999999_broken'),
    });
    const half = await query(url, "SELECT 1 FROM pg_tables WHERE tablename = 'Half'");
    expect(half).toEqual([]);
  });
});

describe('schema drift', () => {
  it('the migrations build exactly the schema that schema.prisma and beyond-prisma.sql describe', async () => {
    const fromMigrations = await createTestDatabase('drift');
    const fromSchema = await emptyDatabase();
    try {
      const sql = execFileSync(
        'npx',
        ['prisma', 'migrate', 'diff', '--from-empty', '--to-schema-datamodel', 'prisma/schema.prisma', '--script'],
        { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, DATABASE_URL: fromSchema }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      await query(fromSchema, sql);
      await query(fromSchema, readFileSync(path.join(repoRoot, 'prisma', 'beyond-prisma.sql'), 'utf8'));
      expect(schemaDump(fromMigrations.url)).toEqual(schemaDump(fromSchema));
    } finally {
      await fromMigrations.drop();
    }
  });
});
