import { execFileSync } from 'node:child_process';

/** The live expression processes this test process started (zombies awaiting their reaping excluded). */
export function expressionProcesses(): string[] {
  const lines = execFileSync('ps', ['-o', 'pid=,stat=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' }).split('\n');
  return lines.filter((line) => line.includes('expression-child') && !/^\s*\d+\s+Z/.test(line));
}
