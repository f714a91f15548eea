// CPU time of the soak's processes, each with its children: a worker's expression processes, a postmaster's
// backends (live ones read directly, exited ones through the postmaster's cutime/cstime once it reaped them).
import { readFileSync } from 'node:fs';

/** USER_HZ: 100 on every Linux this runs on. */
const TICKS_PER_SEC = 100;

/** The processes whose CPU the soak reports, by name → pid (undefined when not running). */
export type Pids = Record<string, number | undefined>;

/** CPU ms used so far by each process and its children (NaN when the process is gone). */
export function cpuSnapshot(pids: Pids): Record<string, number> {
  return Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, pid ? treeCpuMs(pid) : Number.NaN]));
}

/** `after − before`, by name. */
export function cpuBetween(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([name, ms]) => [name, ms - (before[name] ?? Number.NaN)]));
}

function treeCpuMs(pid: number): number {
  const own = statFields(pid);
  if (!own) return Number.NaN;
  // utime, stime, cutime, cstime: [11]..[14] after the command name.
  let ticks = own.slice(11, 15).reduce((total, field) => total + Number(field), 0);
  for (const child of children(pid)) {
    const fields = statFields(child);
    if (fields) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks * 1000) / TICKS_PER_SEC;
}

function statFields(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ');
  } catch {
    return undefined;
  }
}

/** The direct children of `pid` (none when it is gone). */
export function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
