import { createDatabase, dropDatabase, ensureDatabase, type PrismaClient, type SqlPool } from '@conveyor/db';
import { templateDatabase, testServices, uniqueSuffix, withDatabase } from './services';

export interface TestDatabase {
  url: string;
  prisma: PrismaClient;
  /** The pool Prisma runs on, for the state transitions. */
  pool: SqlPool;
  drop(): Promise<void>;
}

/** A fresh, migrated database of this test file's own, cloned from the template. */
export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const url = withDatabase(testServices().databaseUrl, `conveyor_${label}_${uniqueSuffix()}`);
  await ensureDatabase(url, templateDatabase());
  const database = createDatabase({ url, poolSize: 4 });
  return {
    url,
    prisma: database.prisma,
    pool: database.pool,
    async drop() {
      await database.close();
      await dropDatabase(url);
    },
  };
}
