// The soak's two phases: the closed-loop HTTP peak, and the open-loop soak at a fixed rate with a sample
// (backlog, worker RSS and CPU) at each minute's end.
import { rssMiB } from '../lib/processes';
import { sleep } from '../lib/stats';
import { children, cpuBetween, cpuSnapshot, type Pids } from './cpu';
import { countStatus, type LoadSecond, startLoad } from './load';
import { backlog, type ClusterSnapshot, clusterSnapshot, finishedRuns } from './measure';
import type { SoakPlatform } from './platform';

export interface Peak {
  callers: number;
  seconds: number;
  /** Runs finished inside the window ÷ its length. */
  completedPerSec: number;
  acceptedPerSec: number;
  refused: number;
  /** CPU ms used inside the window ÷ runs finished in it, by process (each with its children). */
  cpuMsPerRun: Record<string, number>;
}

/** `callers` closed-loop callers for `seconds`; then waits until no run is left open. */
export async function measurePeak(
  databaseUrl: string,
  platform: SoakPlatform,
  services: Pids,
  callers: number,
  seconds: number,
): Promise<Peak> {
  const pids = { worker: platform.workerPid, api: platform.apiPid, ...services };
  const load = startLoad({ url: platform.triggerUrl, secret: platform.secret, seconds, mode: { kind: 'closed', callers } });
  const from = await load.startedAt;
  const cpuBefore = cpuSnapshot(pids);
  await sleep(from + seconds * 1000 - Date.now());
  const cpu = cpuBetween(cpuBefore, cpuSnapshot(pids));
  const { seconds: answers } = await load.done;
  const [window] = await finishedRuns(databaseUrl, from, from + seconds * 1000, 1);
  const finished = window?.finished ?? 0;
  await drain(databaseUrl);
  return {
    callers,
    seconds,
    cpuMsPerRun: Object.fromEntries(Object.entries(cpu).map(([name, ms]) => [name, ms / finished])),
    completedPerSec: finished / seconds,
    acceptedPerSec: countStatus(answers, '202') / seconds,
    refused: countStatus(answers, '429'),
  };
}

/** Polls until every run is finished (bounded). */
export async function drain(databaseUrl: string, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await backlog(databaseUrl)).open > 0) {
    if (Date.now() > deadline) throw new Error(`runs still open after ${timeoutMs} ms`);
    await sleep(500);
  }
}

export interface MinuteSample {
  backlog: number;
  workerRssMiB: number;
  /** The worker's expression child processes, together. */
  expressionRssMiB: number;
  /** CPU ms in the minute of each process with its children (worker, api, postgres, ferretdb, redis). */
  cpuMs: Record<string, number>;
}

export interface SoakPhase {
  startedAt: number;
  endedAt: number;
  samples: MinuteSample[];
  answers: LoadSecond[];
  sent: number;
  skipped: number;
  before: ClusterSnapshot;
  after: ClusterSnapshot;
}

/** `rate` calls/s open-loop for `minutes`, sampled at each minute's end. */
export async function soak(
  databaseUrl: string,
  platform: SoakPlatform,
  services: Pids,
  rate: number,
  minutes: number,
  log: (line: string) => void,
): Promise<SoakPhase> {
  const pids = { worker: platform.workerPid, api: platform.apiPid, ...services };
  const before = await clusterSnapshot(databaseUrl);
  const load = startLoad({
    url: platform.triggerUrl,
    secret: platform.secret,
    seconds: minutes * 60,
    mode: { kind: 'open', rate },
  });
  const startedAt = await load.startedAt;
  const samples: MinuteSample[] = [];
  let cpu = cpuSnapshot(pids);
  for (let minute = 1; minute <= minutes; minute++) {
    await sleep(startedAt + minute * 60_000 - Date.now());
    const now = cpuSnapshot(pids);
    const sample: MinuteSample = {
      backlog: (await backlog(databaseUrl)).waiting,
      workerRssMiB: rssMiB(platform.workerPid),
      expressionRssMiB: children(platform.workerPid).reduce((total, pid) => total + (rssMiB(pid) || 0), 0),
      cpuMs: cpuBetween(cpu, now),
    };
    cpu = now;
    samples.push(sample);
    log(`minute ${minute}: backlog ${sample.backlog}, worker RSS ${sample.workerRssMiB.toFixed(0)} MiB`);
  }
  const after = await clusterSnapshot(databaseUrl);
  const endedAt = startedAt + minutes * 60_000;
  const { seconds: answers, sent, skipped } = await load.done;
  return { startedAt, endedAt, samples, answers, sent, skipped, before, after };
}
