// Hasura-style load: the run row is inserted first (as an app's GraphQL insert does), then its event is
// delivered to POST /hooks/hasura/events. Hasura delivers at least once: a delivery that failed is retried
// with the same event id, and a delivery whose answer was lost may arrive again; `replay` does both.
import type { PrismaClient } from '@conveyor/db';
import { hasuraRunInsertedEvent, insertRun, type TenantFixture } from '@conveyor/testing';
import { sleep } from '../chaos/cleanup';

export interface Delivery {
  i: number;
  runId: string;
  eventId: string;
  /** HTTP status, `network` or `timeout`, per attempt in order. */
  attempts: string[];
  /** The reply's outcome per attempt (`queued`, `already-dispatched`, …), `-` when there was no reply. */
  outcomes: string[];
  at: number;
}

export interface HasuraLoad {
  deliveries: Delivery[];
  done: Promise<void>;
}

export async function deliver(apiUrl: string, secret: string, delivery: Delivery, tenantId: string): Promise<void> {
  const retry = delivery.attempts.length;
  const body = hasuraRunInsertedEvent({ id: delivery.runId, tenantId }, { eventId: delivery.eventId, retry });
  let status = 'network';
  let outcome = '-';
  try {
    const response = await fetch(`${apiUrl}/hooks/hasura/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-conveyor-hook-secret': secret },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    status = String(response.status);
    outcome = ((await response.json().catch(() => ({}))) as { outcome?: string }).outcome ?? '-';
  } catch (error) {
    status = (error as Error).name === 'TimeoutError' ? 'timeout' : 'network';
  }
  delivery.attempts.push(status);
  delivery.outcomes.push(outcome);
}

/** Inserts `runs` rows at `perSecond` and delivers each one's event once (failures are kept for `replay`). */
export function driveHasuraLoad(opts: {
  prisma: PrismaClient;
  fixture: TenantFixture;
  apiUrl: string;
  secret: string;
  runs: number;
  perSecond: number;
}): HasuraLoad {
  const deliveries: Delivery[] = [];
  const run = async () => {
    const startedAt = Date.now();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < opts.runs; i++) {
      const due = startedAt + (i * 1_000) / opts.perSecond;
      if (due > Date.now()) await sleep(due - Date.now());
      const runId = await insertRun(opts.prisma, opts.fixture, { n: 100_000 + i, slow: false });
      const delivery: Delivery = { i, runId, eventId: crypto.randomUUID(), attempts: [], outcomes: [], at: Date.now() };
      deliveries.push(delivery);
      pending.push(deliver(opts.apiUrl, opts.secret, delivery, opts.fixture.tenantId));
    }
    await Promise.all(pending);
  };
  return { deliveries, done: run() };
}

/**
 * What Hasura's retries do after the api came back: every delivery that got no 200 is delivered again
 * (same event id, current_retry + 1) until it does (bounded), and `alreadyDelivered` deliveries that got a
 * 200 are delivered once more (a retry whose first answer was lost in the restart).
 */
export async function replay(
  apiUrl: string,
  secret: string,
  tenantId: string,
  deliveries: Delivery[],
  alreadyDelivered: number,
): Promise<{
  failedRetried: number;
  retriedOutcomes: Record<string, number>;
  replayedDelivered: number;
  stillFailing: number;
  replayOutcomes: Record<string, number>;
}> {
  const failed = deliveries.filter((d) => d.attempts.at(-1) !== '200');
  const delivered = deliveries.filter((d) => d.attempts.at(-1) === '200').slice(-alreadyDelivered);
  for (let round = 0; round < 5; round++) {
    const open = failed.filter((d) => d.attempts.at(-1) !== '200');
    if (open.length === 0) break;
    await Promise.all(open.map((d) => deliver(apiUrl, secret, d, tenantId)));
    if (open.some((d) => d.attempts.at(-1) !== '200')) await sleep(2_000);
  }
  await Promise.all(delivered.map((d) => deliver(apiUrl, secret, d, tenantId)));
  const lastAnswers = (list: Delivery[]) => {
    const counts: Record<string, number> = {};
    for (const d of list) {
      const key = `${d.attempts.at(-1)} ${d.outcomes.at(-1)}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  };
  const replayOutcomes = lastAnswers(delivered);
  return {
    failedRetried: failed.length,
    retriedOutcomes: lastAnswers(failed),
    replayedDelivered: delivered.length,
    stillFailing: failed.filter((d) => d.attempts.at(-1) !== '200').length,
    replayOutcomes,
  };
}
