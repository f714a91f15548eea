// The http scenario's load generator, in a process of its own so that its CPU is not the api's or the bench's.
// POSTs to one target for a fixed window, closed loop (N callers) or open loop (a fixed rate), over undici
// keep-alive connections. A 429 with Retry-After makes that caller wait as long before its next request.
// Hasura target: it inserts the PENDING WorkflowRun rows first, in batches just ahead of their events (as an
// app's insert through Hasura precedes the event), each batch after the api's run-insert validation let it
// through, as Hasura asks it before every member's insert (a refusal past the tenant's backlog bound makes the
// generator wait as long as it says, as a refused app would); it deletes the rows it inserted but never
// announced. Each event is the given template with the run id and a fresh event id put in.
// Started by bench/lib/load.ts with LoadArgs as argv[2]; reports one `done` message over IPC.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Pool } from 'undici';
import type { z } from 'zod';
import type { LoadArgs, loadResultSchema } from '../lib/load';
import { percentile, sleep } from '../lib/stats';

const args = JSON.parse(process.argv[2] ?? '{}') as LoadArgs;
const url = new URL(args.url);
const http = new Pool(url.origin, { connections: args.concurrency, pipelining: 1 });
const headers = { 'content-type': 'application/json', ...args.headers };
const WEBHOOK_BODY = JSON.stringify({ n: 1 });
const ERROR_SAMPLES = 5;

const statuses: Record<string, number> = {};
const latencies: number[] = [];
const errorSamples: string[] = [];
let sent = 0;
let errors = 0;
let refusedWithRetryAfter = 0;

// Rows inserted about one request per caller ahead (closed loop), or each just before its event (open loop), so
// that createdAt → event stays short: insert → finish measures the platform, not the generator's stock.
const rows = args.rows ? createRowSupply(args.rows, args.ratePerSec ? 1 : args.concurrency) : undefined;
const startedAt = Date.now();
const deadline = startedAt + args.seconds * 1000;
if (args.ratePerSec) await openLoop(args.ratePerSec);
else await Promise.all(Array.from({ length: args.concurrency }, closedLoopCaller));
const endedAt = Date.now();
await rows?.close();
await http.close();

const result: z.infer<typeof loadResultSchema> = {
  type: 'done',
  startedAt,
  endedAt,
  sent,
  statuses,
  refusedWithRetryAfter,
  errors,
  errorSamples,
  latencyMs: {
    p50: percentile(
      latencies.sort((a, b) => a - b),
      50,
    ),
    p99: percentile(latencies, 99),
  },
  rowsInserted: rows?.inserted() ?? 0,
  insertStatements: rows?.statements() ?? 0,
  insertsRefused: rows?.refused() ?? 0,
};
process.send?.(result, () => process.exit(0));

async function closedLoopCaller(): Promise<void> {
  while (Date.now() < deadline) {
    const waitMs = await post();
    if (waitMs > 0) await sleep(Math.min(waitMs, deadline - Date.now()));
  }
}

async function openLoop(perSec: number): Promise<void> {
  const pending: Promise<number>[] = [];
  for (let i = 0; ; i++) {
    const due = startedAt + (i * 1000) / perSec;
    if (due >= deadline) break;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    pending.push(post());
  }
  await Promise.all(pending);
}

/** One request; returns how long the caller should wait before the next (Retry-After of a 429), ms. */
async function post(): Promise<number> {
  const body = rows ? await hasuraEvent(rows) : WEBHOOK_BODY;
  // The window ended while the caller's insert waited out a refusal: nothing to announce.
  if (body === undefined) return 0;
  const start = performance.now();
  sent += 1;
  try {
    const response = await http.request({ path: url.pathname, method: 'POST', headers, body });
    await response.body.dump();
    latencies.push(performance.now() - start);
    statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
    const retryAfter = Number(response.headers['retry-after']);
    if (response.statusCode === 429 && retryAfter > 0) {
      refusedWithRetryAfter += 1;
      return retryAfter * 1000;
    }
  } catch (error) {
    errors += 1;
    if (errorSamples.length < ERROR_SAMPLES) errorSamples.push(error instanceof Error ? error.message : String(error));
  }
  return 0;
}

/** The event template with the next row's id and a fresh event id; none when the window ended first. */
async function hasuraEvent(supply: RowSupply): Promise<string | undefined> {
  const event = JSON.parse(args.rows?.eventTemplate ?? '{}') as { id: string; event: { data: { new: { id: string } } } };
  const id = await supply.take();
  if (id === undefined) return undefined;
  event.id = randomUUID();
  event.event.data.new.id = id;
  return JSON.stringify(event);
}

type RowSupply = ReturnType<typeof createRowSupply>;

/**
 * Hasura's question before a member's insert of `count` runs: 0 when the api lets it through, else how long
 * its refusal says to wait, ms (past the tenant's backlog bound: "… retry in N s").
 */
async function validate(target: NonNullable<LoadArgs['rows']>, count: number): Promise<number> {
  const body = JSON.stringify({
    version: 1,
    role: 'member',
    session_variables: { 'x-hasura-role': 'member', 'x-hasura-tenant-id': target.tenantId },
    data: { input: Array.from({ length: count }, () => ({ workflowId: target.workflowId, input: { n: 1 } })) },
  });
  const response = await http.request({ path: new URL(target.validateUrl).pathname, method: 'POST', headers, body });
  const text = await response.body.text();
  if (response.statusCode === 200) return 0;
  const retryIn = /retry in (\d+) s/.exec(text)?.[1];
  if (response.statusCode === 400 && retryIn) return Number(retryIn) * 1000;
  throw new Error(`run-insert validation answered ${response.statusCode}: ${text.slice(0, 200)}`);
}

/** PENDING rows of the workflow, inserted `batch` at a time whenever fewer than half a batch are left (or none). */
function createRowSupply(target: NonNullable<LoadArgs['rows']>, batch: number) {
  const db = new pg.Pool({ connectionString: target.databaseUrl, max: 1 });
  const ready: string[] = [];
  let refill: Promise<void> | undefined;
  let inserted = 0;
  let deleted = 0;
  let statements = 0;
  let refused = 0;
  const insertBatch = async () => {
    for (let waitMs = await validate(target, batch); waitMs > 0; waitMs = await validate(target, batch)) {
      refused += 1;
      await sleep(Math.min(waitMs, Math.max(0, deadline - Date.now())));
      if (Date.now() >= deadline) return;
    }
    const { rows: created } = await db.query<{ id: string }>(
      `INSERT INTO "WorkflowRun" ("tenantId", "workflowId", "input")
       SELECT $1, $2, $3::jsonb FROM generate_series(1, $4) RETURNING "id"::text AS id`,
      [target.tenantId, target.workflowId, WEBHOOK_BODY, batch],
    );
    statements += 1;
    inserted += created.length;
    ready.push(...created.map((row) => row.id));
  };
  const top = () => {
    refill ??= insertBatch().finally(() => {
      refill = undefined;
    });
    return refill;
  };
  return {
    async take(): Promise<string | undefined> {
      for (;;) {
        if (ready.length < batch / 2) void top();
        const id = ready.shift();
        if (id) return id;
        if (Date.now() >= deadline) return undefined;
        await top();
      }
    },
    inserted: () => inserted - deleted - ready.length,
    statements: () => statements,
    /** Inserts the run-insert validation refused (each retried after the wait it named). */
    refused: () => refused,
    /** Deletes the rows never announced: no event, so no run (the reconciler would start them otherwise). */
    async close(): Promise<void> {
      await refill;
      const unannounced = ready.splice(0);
      deleted += unannounced.length;
      if (unannounced.length > 0) await db.query(`DELETE FROM "WorkflowRun" WHERE "id" = ANY($1::uuid[])`, [unannounced]);
      await db.end();
    },
  };
}
