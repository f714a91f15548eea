// A raw BullMQ worker in its own process: the yardsticks Conveyor is compared with.
//   core-loop  per job: N × (INSERT a StepRun, UPDATE it to SUCCEEDED with a ~500-byte output), UPDATE the run
//   noop       per job: nothing; reports when `expected` jobs have completed
//   chain      per job: records its start, then adds the chain's next job (the raw queue hop)
// Started by bench/lib/processes.ts with the options as argv[2]; talks over IPC.
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { ChildMessage, RawWorkerArgs } from '../lib/processes';
import { STEP_OUTPUT } from '../lib/workflows';

const options = JSON.parse(process.argv[2] ?? '{}') as RawWorkerArgs;
const prefix = options.prefix;
const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize });
const queue = new Queue(options.queue, { connection, prefix });
const send = (message: ChildMessage) => process.send?.(message);
const now = () => performance.timeOrigin + performance.now();
const output = JSON.stringify(STEP_OUTPUT);

interface CoreLoopJob {
  tenantId: string;
  runId: string;
  steps: number;
}
interface ChainJob {
  index: number;
  length: number;
  sentAt: number;
}

const firstStartMs: number[] = [];
const handoffMs: number[] = [];

async function coreLoop({ tenantId, runId, steps }: CoreLoopJob): Promise<void> {
  for (let i = 0; i < steps; i++) {
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO "StepRun" ("tenantId", "workflowRunId", "stepKey", "status", "attempt", "startedAt")
       VALUES ($1, $2, $3, 'RUNNING', 1, now()) RETURNING "id"`,
      [tenantId, runId, `s${i}`],
    );
    await pool.query(
      `UPDATE "StepRun" SET "status" = 'SUCCEEDED', "output" = $2::jsonb, "finishedAt" = now(), "updatedAt" = now() WHERE "id" = $1`,
      [rows[0]?.id, output],
    );
  }
  await pool.query(`UPDATE "WorkflowRun" SET "status" = 'SUCCEEDED', "finishedAt" = now(), "updatedAt" = now() WHERE "id" = $1`, [
    runId,
  ]);
}

async function chain(job: ChainJob): Promise<void> {
  const startedAt = now();
  (job.index === 0 ? firstStartMs : handoffMs).push(startedAt - job.sentAt);
  if (job.index + 1 < job.length) {
    await queue.add('hop', { ...job, index: job.index + 1, sentAt: now() }, { removeOnComplete: true });
  }
}

const worker = new Worker(
  options.queue,
  async (job) => {
    if (options.mode === 'core-loop') return coreLoop(job.data as CoreLoopJob);
    if (options.mode === 'chain') return chain(job.data as ChainJob);
  },
  { connection, prefix, concurrency: options.concurrency, autorun: false },
);
worker.on('error', (error) => console.error('raw worker error', error));

let expected = Number.POSITIVE_INFINITY;
let completed = 0;
let startedAt = 0;
worker.on('completed', () => {
  completed++;
  if (completed === expected) send({ type: 'done', processed: completed, elapsedMs: performance.now() - startedAt });
});

process.on('message', (raw) => {
  const message = raw as { type: 'start'; expected?: number } | { type: 'report' };
  if (message.type === 'start') {
    expected = message.expected ?? Number.POSITIVE_INFINITY;
    completed = 0;
    startedAt = performance.now();
    if (!worker.isRunning()) void worker.run();
  } else if (message.type === 'report') {
    send({ type: 'report', firstStartMs: firstStartMs.splice(0), handoffMs: handoffMs.splice(0) });
  }
});

let stopping = false;
process.once('SIGTERM', async () => {
  if (stopping) return;
  stopping = true;
  await worker.close();
  await queue.close();
  await pool.end();
  connection.disconnect();
  process.exit(0);
});
// The parent died without telling us: do not linger.
process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));

await worker.waitUntilReady();
send({ type: 'ready' });
