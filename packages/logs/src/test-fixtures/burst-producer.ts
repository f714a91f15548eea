/**
 * Test fixture (not part of the package surface): writes `argv[2]` log lines (default 20,000) as fast
 * as the writer's backpressure allows, to the MongoDB named by MONGO_URL (read through config). On
 * SIGTERM it stops producing, drains the writer and prints `RESULT {"accepted":N,…}` on stdout, then
 * exits 0. batching-writer.sigterm.int.test.ts counts the lines in the database against `accepted`.
 */
import { loadCommonConfig } from '@conveyor/config';
import { createLogger } from '@conveyor/observability';
import { createBatchingWriter, createMongoLogStore } from '../index';

const total = Number(process.argv[2] ?? 20_000);
const runId = process.argv[3] ?? 'burst-run';
const config = loadCommonConfig();
const log = createLogger({ service: 'burst-producer', level: config.logLevel, destination: process.stderr });
const store = createMongoLogStore({ url: config.mongo.url, retentionDays: config.logRetentionDays, log });
await store.init();
// A small soft limit, so production is paced by the flushes and the signal lands mid-burst.
const writer = createBatchingWriter({ store, log, softLimitLines: 2_000, batchSize: 500 });

let accepted = 0;
let stopping = false;
process.once('SIGTERM', () => {
  stopping = true;
  void (async () => {
    await writer.close();
    await store.close();
    process.stdout.write(`RESULT ${JSON.stringify({ accepted, ...writer.stats() })}\n`);
    process.exit(0);
  })();
});

process.stdout.write('READY\n');
for (let i = 0; i < total && !stopping; i++) {
  await writer.waitForCapacity();
  if (stopping) break;
  const ok = writer.write({
    tenantId: 'tenant-burst',
    workflowRunId: runId,
    stepRunId: `step-${i % 4}`,
    level: 'INFO',
    message: `burst ${i}`,
    context: { i },
    timestamp: new Date(),
  });
  if (ok) accepted++;
}
process.stdout.write(`PRODUCED ${accepted}\n`);
// Keep running until the signal: the test decides when the process ends.
setInterval(() => undefined, 1_000);
