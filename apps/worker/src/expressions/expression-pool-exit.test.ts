import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('../../test/exit-with-busy-pool.ts', import.meta.url));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** Running, or stopped: not gone, and not a zombie waiting for whoever adopted it to reap it. */
function isAlive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    return state !== undefined && state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

it('kills its processes, a busy one too, when the worker exits without closing the pool', async () => {
  const output = await new Promise<string>((resolve) => {
    execFile(process.execPath, ['--import', tsx, fixture], { timeout: 20_000 }, (_error, stdout) => resolve(stdout));
  });
  const pids = JSON.parse(output.trim()) as number[];
  expect(pids).toHaveLength(2);
  const deadline = Date.now() + 2_000;
  while (pids.some(isAlive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(pids.filter(isAlive)).toEqual([]);
}, 30_000);
