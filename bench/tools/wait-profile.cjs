// Preloaded into a Conveyor worker (`--worker-node-options="--require ./bench/tools/wait-profile.cjs"`, with
// `npm run bench` or `npm run bench:steps`): where the worker *waits*, which a CPU profile does not show. It times
// every PostgreSQL pool checkout (the wait for a free connection), every statement (by prepared name, else its
// first words), every Redis command (by name) and the event loop's delay, and at exit writes
// <tmpdir>/conveyor-bench-profiles/waits-<pid>.json: count, total, p50, p99 and max in ms for each.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { monitorEventLoopDelay } = require('node:perf_hooks');

const samples = new Map();
function record(kind, key, ms) {
  const name = `${kind} ${key}`;
  const list = samples.get(name) ?? [];
  if (list.length === 0) samples.set(name, list);
  list.push(ms);
}

/** Wraps a callback-or-promise call so that `done(ms)` runs when it settles. */
function timed(call, args, done) {
  const start = performance.now();
  const last = args.length - 1;
  if (typeof args[last] === 'function') {
    const callback = args[last];
    args[last] = function (...results) {
      done(performance.now() - start);
      return callback.apply(this, results);
    };
    return call(args);
  }
  const result = call(args);
  if (result && typeof result.then === 'function')
    result.then(
      () => done(performance.now() - start),
      () => done(performance.now() - start),
    );
  return result;
}

const Pool = require('pg-pool');
const connect = Pool.prototype.connect;
Pool.prototype.connect = function (...args) {
  return timed(
    (a) => connect.apply(this, a),
    args,
    (ms) => record('pg', 'checkout (wait for a connection)', ms),
  );
};
const { Client } = require('pg');
const query = Client.prototype.query;
Client.prototype.query = function (...args) {
  const [config] = args;
  const text = typeof config === 'string' ? config : (config?.text ?? '');
  const key = config?.name ?? text.trim().replace(/\s+/g, ' ').slice(0, 48);
  return timed(
    (a) => query.apply(this, a),
    args,
    (ms) => record('pg', key, ms),
  );
};

const Redis = require('ioredis').default;
const sendCommand = Redis.prototype.sendCommand;
Redis.prototype.sendCommand = function (command, stream) {
  const start = performance.now();
  const result = sendCommand.call(this, command, stream);
  // Blocking reads wait for jobs by design: counted under their own name.
  command.promise?.then(
    () => record('redis', command.name, performance.now() - start),
    () => record('redis', command.name, performance.now() - start),
  );
  return result;
};

const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();

let written = false;
function write() {
  if (written) return;
  written = true;
  const summary = {};
  for (const [name, list] of [...samples].sort((a, b) => sum(b[1]) - sum(a[1]))) {
    const sorted = [...list].sort((a, b) => a - b);
    const at = (p) => round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);
    summary[name] = { count: sorted.length, totalMs: round(sum(sorted)), p50: at(50), p99: at(99), max: round(sorted.at(-1)) };
  }
  summary['event loop delay'] = {
    p50: round(loop.percentile(50) / 1e6),
    p99: round(loop.percentile(99) / 1e6),
    max: round(loop.max / 1e6),
  };
  const dir = path.join(os.tmpdir(), 'conveyor-bench-profiles');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `waits-${process.pid}.json`), JSON.stringify(summary, null, 2));
}
const sum = (list) => list.reduce((total, value) => total + value, 0);
const round = (value) => Math.round(value * 100) / 100;
const exit = process.exit.bind(process);
process.exit = (code) => {
  write();
  return exit(code);
};
process.on('exit', write);
