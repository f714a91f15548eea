import { createTestDatabase, type TestDatabase } from '@conveyor/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from './index';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('client');
});
afterAll(async () => {
  await db.drop();
});

describe('the database pool', () => {
  it('survives its idle connections being terminated by the server (a restart, a failover), and reconnects', async () => {
    const warnings: unknown[] = [];
    const database = createDatabase({ url: db.url, poolSize: 3, log: { warn: (fields: object) => warnings.push(fields) } });
    try {
      // Three connections in use at once, then idle in the pool.
      await Promise.all([1, 2, 3].map(() => database.pool.query('SELECT pg_sleep(0.05)')));
      expect(database.pool.idleCount).toBe(3);
      const admin = new pg.Client({ connectionString: db.url });
      await admin.connect();
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
      );
      await admin.end();
      await new Promise((resolve) => setTimeout(resolve, 200)); // the terminations reach the idle clients
      expect(warnings.length).toBeGreaterThan(0);
      const { rows } = await database.pool.query<{ one: number }>('SELECT 1 AS one');
      expect(rows[0]?.one).toBe(1);
    } finally {
      await database.close();
    }
  });

  it('keeps its connections while idle (their backends and prepared statements), past the 10 s after which node-postgres closes them', async () => {
    const database = createDatabase({ url: db.url, poolSize: 3 });
    try {
      const backends = async () =>
        new Set(
          (
            await Promise.all(
              [1, 2, 3].map(() => database.pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid, pg_sleep(0.05)')),
            )
          ).map((result) => result.rows[0]?.pid),
        );
      const before = await backends();
      expect(before.size).toBe(3);
      await new Promise((resolve) => setTimeout(resolve, 11_000));
      expect(database.pool.idleCount).toBe(3);
      expect(await backends()).toEqual(before);
    } finally {
      await database.close();
    }
  }, 30_000);
});
