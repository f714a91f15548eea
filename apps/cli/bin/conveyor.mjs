#!/usr/bin/env node
// The `conveyor` bin: runs the cli in a child node process, passing the arguments, stdio and
// environment through and exiting with its code. Where tsx is installed (a development checkout) it
// runs src/main.ts under tsx's loader; where it is not (the image: production dependencies only) it
// runs the build, dist/main.js (`npm run build`).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const child = spawn(process.execPath, [...entry(), ...process.argv.slice(2)], { stdio: 'inherit' });

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});

/** Node's arguments that start the cli. Paths are resolved from this file, so the command works from any directory. */
function entry() {
  let tsx;
  try {
    tsx = import.meta.resolve('tsx');
  } catch {
    return ['--enable-source-maps', fileURLToPath(new URL('../dist/main.js', import.meta.url))];
  }
  return ['--import', tsx, fileURLToPath(new URL('../src/main.ts', import.meta.url))];
}
