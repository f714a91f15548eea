import type { PrismaClient } from './client';

export interface BuiltinApp {
  key: string;
  name: string;
  version: string;
  actions: { key: string; name: string; description: string; inputSchema: unknown }[];
}

/**
 * Records a built-in app (no tenant: every tenant may use it), its version and its actions,
 * idempotently, so Hasura and the UI can list what steps may call.
 */
export async function upsertBuiltinApp(prisma: PrismaClient, app: BuiltinApp): Promise<void> {
  await prisma.$transaction(async (tx) => {
    const [row] = await tx.$queryRaw<{ id: string }[]>`
      WITH existing AS (SELECT "id" FROM "App" WHERE "tenantId" IS NULL AND "key" = ${app.key}),
           inserted AS (
             INSERT INTO "App" ("key", "name") SELECT ${app.key}, ${app.name} WHERE NOT EXISTS (SELECT 1 FROM existing)
             RETURNING "id")
      SELECT "id"::text AS "id" FROM existing UNION ALL SELECT "id"::text FROM inserted`;
    const appId = row?.id as string;
    await tx.$executeRaw`UPDATE "App" SET "name" = ${app.name}, "updatedAt" = now() WHERE "id" = ${appId}::uuid`;
    const [version] = await tx.$queryRaw<{ id: string }[]>`
      INSERT INTO "AppVersion" ("appId", "version") VALUES (${appId}::uuid, ${app.version})
      ON CONFLICT ("appId", "version") DO UPDATE SET "version" = EXCLUDED."version"
      RETURNING "id"::text AS "id"`;
    for (const action of app.actions) {
      await tx.$executeRaw`
        INSERT INTO "Action" ("appVersionId", "key", "name", "description", "inputSchema")
        VALUES (${version?.id}::uuid, ${action.key}, ${action.name}, ${action.description}, ${JSON.stringify(action.inputSchema)}::jsonb)
        ON CONFLICT ("appVersionId", "key") DO UPDATE
           SET "name" = EXCLUDED."name", "description" = EXCLUDED."description", "inputSchema" = EXCLUDED."inputSchema"`;
    }
  });
}

/** `app@version/key` of every action a tenant's steps may call: the built-ins and the tenant's own apps. */
export async function listActionRefs(prisma: PrismaClient, tenantId: string): Promise<Set<string>> {
  const rows = await prisma.$queryRaw<{ ref: string }[]>`
    SELECT a."key" || '@' || v."version" || '/' || x."key" AS "ref"
      FROM "Action" AS x
      JOIN "AppVersion" AS v ON v."id" = x."appVersionId"
      JOIN "App" AS a ON a."id" = v."appId"
     WHERE a."tenantId" IS NULL OR a."tenantId" = ${tenantId}::uuid`;
  return new Set(rows.map((row) => row.ref));
}
