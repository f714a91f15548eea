// The fuzz suite: every HTTP surface of the api and the board, on real services, with a watch on
// crashes (unhandled rejections, uncaught exceptions) and on memory.

import { approvalSurfaces } from './approval-surfaces';
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
  /** The JS heap in use after a full collection (only with --expose-gc, as `npm run fuzz` runs): what a leak grows. */
  heapAfterGcMb: { before: number; after: number } | null;
  durationMs: number;
}

const rssMb = () => Math.round(process.memoryUsage().rss / 1_048_576);
const gc = (globalThis as { gc?: () => void }).gc;
const heapAfterGcMb = () => {
  if (!gc) return null;
  gc();
  return Math.round(process.memoryUsage().heapUsed / 1_048_576);
};

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
    ];
    for (const [index, surface] of all.entries()) {
      if (options.only && !options.only.some((name) => surface.name.includes(name))) continue;
      const app = surface.target === 'api' ? world.api.app : world.board;
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
    heapAfterGcMb: heapBefore === null || heapAfter === null ? null : { before: heapBefore, after: heapAfter },
    durationMs: Date.now() - started,
  };
}
