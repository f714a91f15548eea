// The fuzz suite: every HTTP surface of the api, the board and the console's server, on real services, with a watch on
// crashes (unhandled rejections, uncaught exceptions) and on memory.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { approvalSurfaces } from './approval-surfaces';
import { consoleAppSurface } from './console-app-surface';
import { consoleSurfaces } from './console-surfaces';
import { flowSurfaces } from './flow-surfaces';
import { fuzzSurface, type SurfaceResult } from './harness';
import { hookSurfaces } from './hook-surfaces';
import { readSurfaces } from './read-surfaces';
import { createWorld } from './world';

export interface FuzzReport {
  seed: number;
  runsPerSurface: number;
  surfaces: SurfaceResult[];
  unhandled: string[];
  rssMb: { before: number; peak: number; after: number };
  /** The JS heap in use after a full collection: what a leak grows. */
  heapAfterGcMb: { before: number; after: number };
  durationMs: number;
}

/** Peak RSS over the start: V8 keeps the pages that 1 MB bodies needed, so this bounds, it does not find leaks. */
export const MAX_RSS_GROWTH_MB = 600;
/** The heap in use after a full collection, end over start: what a leak would grow. */
export const MAX_HEAP_GROWTH_MB = 100;

/** Whether a run stayed within both memory bounds. */
export function memoryBounded(report: Pick<FuzzReport, 'rssMb' | 'heapAfterGcMb'>): boolean {
  return (
    report.rssMb.peak - report.rssMb.before <= MAX_RSS_GROWTH_MB &&
    report.heapAfterGcMb.after - report.heapAfterGcMb.before <= MAX_HEAP_GROWTH_MB
  );
}

const rssMb = () => Math.round(process.memoryUsage().rss / 1_048_576);
/** A full collection, with or without --expose-gc (the flag can be set at run time; a new context then sees `gc`). */
const gc = (globalThis as { gc?: () => void }).gc ?? exposedGc();
const heapAfterGcMb = () => {
  gc();
  return Math.round(process.memoryUsage().heapUsed / 1_048_576);
};

function exposedGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Fuzzes every surface with `runs` requests each (one in `socketEvery` over a real socket). */
export async function runFuzz(options: {
  runs: number;
  seed: number;
  socketEvery?: number;
  only?: string[];
  log?: (line: string) => void;
}): Promise<FuzzReport> {
  const started = Date.now();
  const unhandled: string[] = [];
  const onUnhandled = (error: unknown) => unhandled.push(String((error as Error)?.stack ?? error).slice(0, 500));
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
  const world = await createWorld(`s${options.seed}`);
  const before = rssMb();
  const heapBefore = heapAfterGcMb();
  let peak = before;
  const surfaces: SurfaceResult[] = [];
  try {
    const all = [
      ...hookSurfaces(world),
      ...readSurfaces(world),
      ...flowSurfaces(world),
      ...approvalSurfaces(world),
      ...consoleSurfaces(world),
      consoleAppSurface(world),
    ];
    for (const [index, surface] of all.entries()) {
      if (options.only && !options.only.some((name) => surface.name.includes(name))) continue;
      const app = { api: world.api.app, board: world.board, console: world.console }[surface.target];
      const result = await fuzzSurface(surface, app, {
        runs: options.runs,
        seed: options.seed + index,
        socketEvery: options.socketEvery ?? 20,
      });
      surfaces.push(result);
      peak = Math.max(peak, rssMb());
      options.log?.(
        `${surface.name}: ${result.requests} requests, ${result.errors5xx} 5xx, ${result.noAnswer} unanswered, ${result.durationMs} ms`,
      );
    }
  } finally {
    await world.close();
    process.off('unhandledRejection', onUnhandled);
    process.off('uncaughtException', onUnhandled);
  }
  const heapAfter = heapAfterGcMb();
  return {
    seed: options.seed,
    runsPerSurface: options.runs,
    surfaces,
    unhandled,
    rssMb: { before, peak, after: rssMb() },
    heapAfterGcMb: { before: heapBefore, after: heapAfter },
    durationMs: Date.now() - started,
  };
}
