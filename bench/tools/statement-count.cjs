// Preloaded into the http scenario's api and worker (`--require ./bench/tools/statement-count.cjs`): counts every
// statement the process sends to PostgreSQL through `pg` (Prisma's too: it runs on the same pool), BEGIN and
// COMMIT included, and every command it sends to Redis through ioredis (each command of a pipeline or MULTI;
// a script is one EVALSHA), and keeps <tmpdir>/conveyor-bench-statements/<pid>.json ({"statements": n,
// "redisCommands": n}) up to date (at most every 100 ms), so the benchmark can read the counts between rounds
// (bench/lib/run-costs.ts).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const dir = path.join(os.tmpdir(), 'conveyor-bench-statements');
const file = path.join(dir, `${process.pid}.json`);
fs.mkdirSync(dir, { recursive: true });

let statements = 0;
let redisCommands = 0;
let written = '';
const { Client } = require('pg');
const query = Client.prototype.query;
Client.prototype.query = function (...args) {
  statements += 1;
  return query.apply(this, args);
};
const Redis = require('ioredis').default;
const sendCommand = Redis.prototype.sendCommand;
Redis.prototype.sendCommand = function (...args) {
  redisCommands += 1;
  return sendCommand.apply(this, args);
};

function write() {
  const counts = JSON.stringify({ statements, redisCommands });
  if (counts === written) return;
  written = counts;
  fs.writeFileSync(file, counts);
}
write();
setInterval(write, 100).unref();
process.on('exit', () => {
  write();
});
