/**
 * Starts one run of the demo workflow the way an app and Hasura would — insert the row, then
 * deliver the event trigger's POST to the api — and prints its steps when it is done.
 */
import { loadApiConfig } from '@conveyor/config';
import { createDatabase } from '@conveyor/db';
import { DEMO } from './demo';

const config = loadApiConfig();
const database = createDatabase({ url: config.database.url, poolSize: 2 });
const { prisma } = database;
const apiUrl = `http://127.0.0.1:${config.http.port}`;

const workflow = await prisma.workflow.findFirstOrThrow({
  where: { name: DEMO.workflowName, tenant: { slug: DEMO.tenantSlug } },
});
const run = await prisma.workflowRun.create({
  data: { tenantId: workflow.tenantId, workflowId: workflow.id, input: { name: 'Conveyor' } },
});
console.log(`\n[demo] run ${run.id} of "${DEMO.workflowName}" inserted; delivering its event to ${apiUrl}/hooks/hasura/events`);

const response = await fetch(`${apiUrl}/hooks/hasura/events`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-conveyor-hook-secret': config.hasura.hookSecret },
  body: JSON.stringify({
    id: crypto.randomUUID(),
    created_at: new Date().toISOString(),
    delivery_info: { current_retry: 0, max_retries: 5 },
    trigger: { name: 'workflow_run_created' },
    table: { schema: 'public', name: 'WorkflowRun' },
    event: {
      op: 'INSERT',
      data: { old: null, new: { id: run.id, tenantId: run.tenantId } },
      session_variables: null,
      trace_context: null,
    },
  }),
});
console.log(`[demo] api answered ${response.status} ${await response.text()}`);

const deadline = Date.now() + 30_000;
let finished = await prisma.workflowRun.findUniqueOrThrow({
  where: { id: run.id },
  include: { stepRuns: { orderBy: { createdAt: 'asc' } } },
});
while (!['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(finished.status) && Date.now() < deadline) {
  await new Promise((resolve) => setTimeout(resolve, 100));
  finished = await prisma.workflowRun.findUniqueOrThrow({
    where: { id: run.id },
    include: { stepRuns: { orderBy: { createdAt: 'asc' } } },
  });
}
console.log(`[demo] run ${run.id}: ${finished.status}`);
for (const step of finished.stepRuns) {
  const ms = step.startedAt && step.finishedAt ? `${step.finishedAt.getTime() - step.startedAt.getTime()} ms` : '-';
  console.log(
    `[demo]   ${step.stepKey.padEnd(8)} ${step.status.padEnd(10)} ${ms.padStart(7)}  output: ${JSON.stringify(step.output)}`,
  );
}
await database.close();
process.exit(finished.status === 'SUCCEEDED' ? 0 : 1);
