// The soak's two phases: the closed-loop HTTP peak, and the open-loop soak at a fixed rate with a sample
// (backlog, worker RSS and CPU) at each minute's end.
import { readFileSync } from 'node:fs';
import { cpuMs, rssMiB } from '../lib/processes';
import { sleep } from '../lib/stats';
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
}

/** `callers` closed-loop callers for `seconds`; then waits until no run is left open. */
export async function measurePeak(databaseUrl: string, platform: SoakPlatform, callers: number, seconds: number): Promise<Peak> {
  const load = startLoad({ url: platform.triggerUrl, secret: platform.secret, seconds, mode: { kind: 'closed', callers } });
  const from = await load.startedAt;
  const { seconds: answers } = await load.done;
  const [window] = await finishedRuns(databaseUrl, from, from + seconds * 1000, 1);
  await drain(databaseUrl);
  return {
    callers,
    seconds,
    completedPerSec: (window?.finished ?? 0) / seconds,
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
  workerCpuCores: number;
  apiCpuCores: number;
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
  rate: number,
  minutes: number,
  log: (line: string) => void,
): Promise<SoakPhase> {
  const before = await clusterSnapshot(databaseUrl);
  const load = startLoad({
    url: platform.triggerUrl,
    secret: platform.secret,
    seconds: minutes * 60,
    mode: { kind: 'open', rate },
  });
  const startedAt = await load.startedAt;
  const samples: MinuteSample[] = [];
  let cpu = { worker: cpuMs(platform.workerPid), api: cpuMs(platform.apiPid), at: Date.now() };
  for (let minute = 1; minute <= minutes; minute++) {
    await sleep(startedAt + minute * 60_000 - Date.now());
    const now = { worker: cpuMs(platform.workerPid), api: cpuMs(platform.apiPid), at: Date.now() };
    const sample: MinuteSample = {
      backlog: (await backlog(databaseUrl)).waiting,
      workerRssMiB: rssMiB(platform.workerPid),
      expressionRssMiB: childPids(platform.workerPid).reduce((total, pid) => total + (rssMiB(pid) || 0), 0),
      workerCpuCores: (now.worker - cpu.worker) / (now.at - cpu.at),
      apiCpuCores: (now.api - cpu.api) / (now.at - cpu.at),
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

/** The direct children of `pid` (none when it is gone). */
function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
