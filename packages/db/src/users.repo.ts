import type { PrismaClient } from './client';

/** The user's email as stored, or null when there is no such user. */
export async function findUserEmail(prisma: PrismaClient, userId: string): Promise<string | null> {
  const user = await prisma.user.findUnique({ where: { id: userId }, select: { email: true } });
  return user?.email ?? null;
}
