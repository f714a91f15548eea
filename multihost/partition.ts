// The fault phase: w1's host is cut off the network for 30 s and restored, while the run watches for the first
// lost attempt reclaimed elsewhere and for w1's recovery (its /readyz again, or its restart if it died).
import { sleep } from '../chaos/cleanup';
import type { Target } from '../chaos/load';
import type { AppProcess, Platform } from '../chaos/platform';
import { sql } from '../chaos/services';
import { type Host, setLink } from './topology';

export interface Timeline {
  t0: number;
  events: { atMs: number; event: string }[];
  mark(event: string): void;
}

export function startTimeline(log: (line: string) => void): Timeline {
  const t0 = Date.now();
  const events: { atMs: number; event: string }[] = [];
  return {
    t0,
    events,
    mark(event) {
      const atMs = Date.now() - t0;
      events.push({ atMs, event });
      log(`t+${(atMs / 1000).toFixed(1)} s  ${event}`);
    },
  };
}

export interface CutResult {
  cutAt: number;
  restoredAt: number;
  /** The steps RUNNING when the link went down (any worker's: w1's are those reclaimed later). */
  runningAtCut: { id: string; stepKey: string; attempt: number }[];
  /** Target calls made from w1's address while it was cut off (expected 0). */
  callsFromCutHostDuringCut: number;
  w1: AppProcess;
  w1Restarted: boolean;
  w1ReadyAgainMs: number | null;
}

const LOST = `"attemptErrors" @> '[{"code":"WORKER_LOST"}]'`;

export async function readyz(host: string, port: number): Promise<number | string> {
  return fetch(`http://${host}:${port}/readyz`, { signal: AbortSignal.timeout(2_000) })
    .then((r) => r.status)
    .catch((error: Error) => error.name);
}

/**
 * Cuts `host` (w1's) for `cutMs`, restores it; meanwhile polls the database for the first WORKER_LOST
 * reclaim and the target for the first call of a w1-held step made from another address.
 */
export async function cutAndRestore(opts: {
  host: Host;
  worker: AppProcess;
  platform: Platform;
  target: Target;
  databaseUrl: string;
  cutMs: number;
  timeline: Timeline;
}): Promise<CutResult> {
  const { host, target, timeline, databaseUrl } = opts;
  const runningAtCut = (
    await sql(databaseUrl, `SELECT id, "stepKey", attempt FROM "StepRun" WHERE status = 'RUNNING' AND NOT ${LOST}`)
  ).rows as CutResult['runningAtCut'];
  const callsFromW1 = new Set(target.calls.filter((c) => c.remoteAddress.endsWith(host.ip)).map((c) => c.key));
  setLink(host, false);
  const cutAt = Date.now();
  timeline.mark(`w1 cut off (ip link set ${host.vethHost} down); ${runningAtCut.length} steps RUNNING across both workers`);
  let reclaimSeen = false;
  let rerunSeen = false;
  let diedSeen = false;
  while (Date.now() - cutAt < opts.cutMs) {
    if (!reclaimSeen) {
      const n = (await sql(databaseUrl, `SELECT count(*)::int AS n FROM "StepRun" WHERE ${LOST}`)).rows[0].n as number;
      if (n > 0) {
        reclaimSeen = true;
        timeline.mark(`first lost attempt reclaimed (WORKER_LOST recorded on ${n} step(s)): w1's job locks expired`);
      }
    }
    if (!rerunSeen) {
      const rerun = target.calls.find((c) => c.at > cutAt && callsFromW1.has(c.key) && !c.remoteAddress.endsWith(host.ip));
      if (rerun) {
        rerunSeen = true;
        timeline.mark(`first external call of a step w1 held, made again from ${rerun.remoteAddress.replace('::ffff:', '')}`);
      }
    }
    if (!diedSeen && !opts.worker.alive()) {
      diedSeen = true;
      timeline.mark(`w1's process exited (${opts.worker.exit()}) while cut off`);
    }
    await sleep(250);
  }
  const callsFromCutHostDuringCut = target.calls.filter((c) => c.at > cutAt && c.remoteAddress.endsWith(host.ip)).length;
  setLink(host, true);
  const restoredAt = Date.now();
  timeline.mark(`w1 restored (ip link set ${host.vethHost} up)`);
  const recovery = await recoverW1(opts, restoredAt);
  return { cutAt, restoredAt, runningAtCut, callsFromCutHostDuringCut, ...recovery };
}

/** Polls w1's /readyz for 30 s after the restore; if its process died (or it never answers), starts a new one. */
async function recoverW1(
  opts: { host: Host; worker: AppProcess; platform: Platform; timeline: Timeline },
  restoredAt: number,
): Promise<{ w1: AppProcess; w1Restarted: boolean; w1ReadyAgainMs: number | null }> {
  const { host, worker, platform, timeline } = opts;
  while (Date.now() - restoredAt < 30_000 && worker.alive()) {
    const status = await readyz(host.ip, worker.port);
    if (status === 200) {
      const ms = Date.now() - restoredAt;
      timeline.mark(`w1 ready again (/readyz 200, ${(ms / 1000).toFixed(1)} s after the restore), same process`);
      return { w1: worker, w1Restarted: false, w1ReadyAgainMs: ms };
    }
    await sleep(500);
  }
  timeline.mark(worker.alive() ? 'w1 not ready 30 s after the restore: killed, restarting' : 'w1 had died: restarting');
  if (worker.alive()) await platform.signalWorker(worker, 'SIGKILL');
  platform.workers = platform.workers.filter((w) => w !== worker);
  const replacement = await platform.startWorker({ netns: host.netns, host: host.ip });
  platform.workers.push(replacement);
  const ms = Date.now() - restoredAt;
  timeline.mark(`w1 restarted in its namespace and ready (${(ms / 1000).toFixed(1)} s after the restore)`);
  return { w1: replacement, w1Restarted: true, w1ReadyAgainMs: ms };
}

/**
 * After the drain: the steps w1 held at the cut — every step with a WORKER_LOST attempt (only w1 lost any) —
 * whether the RUNNING snapshot taken just before the cut had them, and where and when they finished.
 */
export async function cutStepsOutcome(databaseUrl: string, cut: CutResult, target: Target, w1Ip: string) {
  const snapshot = new Set(cut.runningAtCut.map((s) => s.id));
  const rows = (
    await sql(
      databaseUrl,
      `SELECT id, "stepKey", status::text AS status, attempt, "attemptErrors", "finishedAt" FROM "StepRun"
        WHERE ${LOST}`,
    )
  ).rows as { id: string; stepKey: string; status: string; attempt: number; finishedAt: Date | null }[];
  const counts = target.counts();
  const steps = rows.map((r) => {
    const calls = target.calls.filter((c) => c.key === r.id);
    return {
      id: r.id,
      stepKey: r.stepKey,
      status: r.status,
      attempt: r.attempt,
      runningAtCut: snapshot.has(r.id),
      finishedMsAfterCut: r.finishedAt ? r.finishedAt.getTime() - cut.cutAt : null,
      /** Finished before w1 came back: another worker finished it. */
      finishedWhileCut: r.finishedAt !== null && r.finishedAt.getTime() < cut.restoredAt,
      externalCalls: counts.get(r.id) ?? 0,
      callers: calls.map((c) => (c.remoteAddress.endsWith(w1Ip) ? 'w1' : 'w2')),
    };
  });
  return {
    heldByW1: steps.length,
    inCutSnapshot: steps.filter((s) => s.runningAtCut).length,
    succeeded: steps.filter((s) => s.status === 'SUCCEEDED').length,
    finishedElsewhereWhileCut: steps.filter((s) => s.finishedWhileCut).length,
    repeatedExternalCalls: steps.filter((s) => s.externalCalls > 1).length,
    steps,
  };
}
