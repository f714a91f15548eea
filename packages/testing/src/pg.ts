import { createPrismaClient, dropDatabase, ensureDatabase, type PrismaClient } from '@conveyor/db';
import { TEMPLATE_DATABASE } from './paths';
import { testServices, uniqueSuffix, withDatabase } from './services';

export interface TestDatabase {
  url: string;
  prisma: PrismaClient;
  drop(): Promise<void>;
}

/** A fresh, migrated database of this test file's own, cloned from the template. */
export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const url = withDatabase(testServices().databaseUrl, `conveyor_${label}_${uniqueSuffix()}`);
  await ensureDatabase(url, TEMPLATE_DATABASE);
  const prisma = createPrismaClient({ url, poolSize: 4 });
  return {
    url,
    prisma,
    async drop() {
      await prisma.$disconnect();
      await dropDatabase(url);
    },
  };
}
