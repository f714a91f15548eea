// The soak's load generator, in its own process (forked by load.ts): POSTs {"n":1} to the webhook trigger,
// either closed-loop (`callers` in a loop) or open-loop at a fixed `rate` (a timer fires what is due whatever
// the answers; nothing waits for an answer). Reports each second's answers by status over IPC.
import { Pool } from 'undici';
import { z } from 'zod';

const argsSchema = z.object({
  url: z.string().url(),
  secret: z.string(),
  seconds: z.number().positive(),
  mode: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('closed'), callers: z.number().int().positive() }),
    z.object({ kind: z.literal('open'), rate: z.number().positive() }),
  ]),
});
export type LoadArgs = z.infer<typeof argsSchema>;

/** What the child sends: `second` counts from the start of the load (0 = the first second). */
export type LoadMessage =
  | { type: 'started'; at: number }
  | { type: 'second'; second: number; statuses: Record<string, number>; latencyMs: number[] }
  | { type: 'done'; sent: number; skipped: number };

/** Open loop: past this many unanswered calls a due call is skipped (counted), so a hung api cannot exhaust memory. */
const MAX_IN_FLIGHT = 2_000;
const TICK_MS = 5;
const ANSWER_TIMEOUT_MS = 30_000;

const args = argsSchema.parse(JSON.parse(process.argv[2] ?? '{}'));
const target = new URL(args.url);
const pool = new Pool(target.origin, {
  connections: args.mode.kind === 'closed' ? args.mode.callers : 256,
  headersTimeout: ANSWER_TIMEOUT_MS,
  bodyTimeout: ANSWER_TIMEOUT_MS,
});
const body = JSON.stringify({ n: 1 });
const headers = { 'content-type': 'application/json', 'x-conveyor-trigger-secret': args.secret };
const startedAt = Date.now();
let second = { statuses: {} as Record<string, number>, latencyMs: [] as number[] };
let sent = 0;
let skipped = 0;
let inFlight = 0;

const send = (message: LoadMessage) => process.send?.(message);
send({ type: 'started', at: startedAt });
let reported = 0;
const reporter = setInterval(() => flush(Math.floor((Date.now() - startedAt) / 1000)), 100);
if (args.mode.kind === 'closed') await closedLoop(args.mode.callers);
else await openLoop(args.mode.rate);
while (inFlight > 0) await sleep(50);
clearInterval(reporter);
flush(Number.POSITIVE_INFINITY);
send({ type: 'done', sent, skipped });
await pool.close();
process.disconnect?.();

/** Sends every full second gathered so far (a call is counted in the second its answer came). */
function flush(upTo: number): void {
  while (reported < upTo && (reported < Math.ceil(args.seconds) || second.latencyMs.length > 0)) {
    send({ type: 'second', second: reported, ...second });
    second = { statuses: {}, latencyMs: [] };
    reported++;
  }
}

async function call(): Promise<void> {
  sent++;
  inFlight++;
  const begun = performance.now();
  let status: string;
  try {
    const answer = await pool.request({ path: target.pathname, method: 'POST', headers, body });
    await answer.body.dump();
    status = String(answer.statusCode);
  } catch (error) {
    status = (error as { code?: string }).code ?? 'error';
  }
  inFlight--;
  second.statuses[status] = (second.statuses[status] ?? 0) + 1;
  second.latencyMs.push(performance.now() - begun);
}

async function closedLoop(callers: number): Promise<void> {
  const deadline = startedAt + args.seconds * 1000;
  const lane = async () => {
    while (Date.now() < deadline) await call();
  };
  await Promise.all(Array.from({ length: callers }, lane));
}

async function openLoop(rate: number): Promise<void> {
  const durationMs = args.seconds * 1000;
  for (;;) {
    const elapsed = Date.now() - startedAt;
    const due = Math.floor((Math.min(elapsed, durationMs) * rate) / 1000);
    while (sent + skipped < due) {
      if (inFlight >= MAX_IN_FLIGHT) skipped++;
      else void call();
    }
    if (elapsed >= durationMs) return;
    await sleep(TICK_MS);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
