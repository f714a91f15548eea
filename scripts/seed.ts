/**
 * `npm run db:seed`: the built-in `core` app and its actions, plus a demo tenant, user and
 * workflow for local runs. Idempotent: running it again changes nothing.
 */
import { actionCatalogue, coreActions, coreApp, createActionRegistry } from '@conveyor/actions';
import { loadCommonConfig } from '@conveyor/config';
import { createDatabase, upsertBuiltinApp } from '@conveyor/db';
import { validateDefinition } from '@conveyor/engine';
import { DEMO } from './demo';

/** Three sequential transforms, each writing log lines: the reference workflow of the demo. */
const demoDefinition = {
  steps: [
    { key: 'greet', action: { app: 'core', version: '1', key: 'transform' }, input: { value: "{{ 'Hello, ' & input.name }}" } },
    {
      key: 'shout',
      action: { app: 'core', version: '1', key: 'transform' },
      input: { value: '{{ $uppercase(steps.greet.output) }}' },
      dependsOn: ['greet'],
    },
    {
      key: 'record',
      action: { app: 'core', version: '1', key: 'log' },
      input: { message: '{{ steps.shout.output }}', context: { length: '{{ $length(steps.shout.output) }}' } },
      dependsOn: ['shout'],
    },
  ],
};

const config = loadCommonConfig();
const database = createDatabase({ url: config.database.url, poolSize: 2 });
const { prisma } = database;
const registry = createActionRegistry(coreActions);

await upsertBuiltinApp(prisma, {
  key: coreApp.key,
  name: coreApp.name,
  version: coreApp.version,
  actions: actionCatalogue().map((entry) => ({
    key: entry.ref.key,
    name: entry.name,
    description: entry.description,
    inputSchema: entry.inputJsonSchema,
  })),
});

const definition = validateDefinition(demoDefinition, { isKnownAction: (ref) => registry.has(ref) });
const tenant = await prisma.tenant.upsert({
  where: { slug: DEMO.tenantSlug },
  create: { slug: DEMO.tenantSlug, name: 'Demo' },
  update: {},
});
const user = await prisma.user.upsert({
  where: { email: DEMO.userEmail },
  create: { email: DEMO.userEmail, name: 'Demo' },
  update: {},
});
await prisma.membership.upsert({
  where: { tenantId_userId: { tenantId: tenant.id, userId: user.id } },
  create: { tenantId: tenant.id, userId: user.id, role: 'ADMIN' },
  update: {},
});
const workflow = await prisma.workflow.upsert({
  where: { tenantId_name: { tenantId: tenant.id, name: DEMO.workflowName } },
  create: { tenantId: tenant.id, name: DEMO.workflowName, createdById: user.id },
  update: {},
});
const version = await prisma.workflowVersion.upsert({
  where: { workflowId_version: { workflowId: workflow.id, version: 1 } },
  create: { tenantId: tenant.id, workflowId: workflow.id, version: 1, definition: definition as object, createdById: user.id },
  update: {},
});
await prisma.workflow.update({ where: { id: workflow.id }, data: { currentVersionId: version.id } });
await database.close();
console.log(
  `[seed] core app with ${coreActions.length} actions; tenant "${DEMO.tenantSlug}" (${tenant.id}), workflow "${DEMO.workflowName}" (${workflow.id})`,
);
