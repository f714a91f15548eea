// Preloaded into a Conveyor worker with `npm run bench -- --worker-node-options="--require ./bench/tools/cpu-profile.cjs"`:
// V8's CPU profiler (what --cpu-prof runs, which NODE_OPTIONS does not accept) from start to exit, written to
// <tmpdir>/conveyor-bench-profiles/worker-<pid>.cpuprofile. Open it in Chrome DevTools or speedscope.
const fs = require('node:fs');
const inspector = require('node:inspector');
const os = require('node:os');
const path = require('node:path');

const dir = path.join(os.tmpdir(), 'conveyor-bench-profiles');
const session = new inspector.Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 500 });
session.post('Profiler.start');

let written = false;
function write() {
  if (written) return;
  written = true;
  // The in-process session answers synchronously, so this also works inside process.exit().
  session.post('Profiler.stop', (error, result) => {
    if (error) return;
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `worker-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
  });
}
const exit = process.exit.bind(process);
process.exit = (code) => {
  write();
  return exit(code);
};
process.on('exit', write);
