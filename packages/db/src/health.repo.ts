import type { PrismaClient } from './client';

/** Resolves when PostgreSQL answers a trivial query through the client's pool. */
export async function pingDatabase(prisma: PrismaClient): Promise<void> {
  await prisma.$queryRaw`SELECT 1`;
}
