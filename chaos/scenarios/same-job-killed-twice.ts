import { sleep } from '../cleanup';
import { pidOfLocalPort } from '../load';
import { sql } from '../services';
import type { Scenario, ScenarioContext } from '../suite';

/**
 * A marked run (`slow: true`) makes the target answer after 8 s. The worker whose connection the target sees is
 * SIGKILLed; when the same step (same Idempotency-Key) calls again from another worker, that one is killed too.
 */
export const sameJobKilledTwice: Scenario = {
  name: 'same-job-killed-twice',
  description:
    'A marked run whose http call takes 8 s: the worker holding it is SIGKILLed, then the worker that picks the same job up again is SIGKILLed too (both replaced at once).',
  perSecond: (runs) => Math.max(1, runs / 30),
  async fault(ctx) {
    await sleep(3_000);
    const runId = await ctx.fireRun({ n: -1, slow: true });
    ctx.details.markedRunId = runId;
    const first = await ctx.target.nextSlowCall(30_000);
    const firstPid = await killHolder(ctx, first.remotePort);
    const second = await ctx.target.nextSlowCall(45_000, first.at).catch(() => undefined);
    if (!second) {
      ctx.note('The marked step was not called again within 45 s after the first kill.');
      return;
    }
    const secondPid = await killHolder(ctx, second.remotePort);
    ctx.details.kills = {
      key: first.key,
      sameKey: first.key === second.key,
      firstPid,
      secondPid,
      redeliveredAfterMs: second.at - first.at,
    };
    await sleep(20_000);
    const row = runId
      ? (await sql(ctx.endpoints.databaseUrl, `SELECT status::text AS status FROM "WorkflowRun" WHERE id = $1`, [runId])).rows[0]
      : undefined;
    ctx.details.markedRunStatus20sLater = row?.status;
    ctx.note(
      `Marked step redelivered ${((second.at - first.at) / 1000).toFixed(1)} s after the first kill (same key: ${first.key === second.key}); its run was ${row?.status ?? '?'} 20 s after the second kill.`,
    );
  },
};

async function killHolder(ctx: ScenarioContext, remotePort: number): Promise<number | undefined> {
  const workers = ctx.platform.workers.filter((w) => w.alive());
  const pid = pidOfLocalPort(
    remotePort,
    workers.map((w) => w.pid),
  );
  const worker = workers.find((w) => w.pid === pid);
  if (!worker) {
    ctx.note(`The worker holding port ${remotePort} was not found.`);
    return undefined;
  }
  void ctx.platform.replace(worker, 'SIGKILL');
  await worker.exited;
  return pid;
}
