// Run as a process of its own by expression-pool-exit.test.ts: starts a pool, keeps one process
// busy with an endless regex, prints the pool's process ids, then exits without closing the pool.
import { createExpressionBudget } from '../src/expressions/expression-budget';
import { createExpressionPool } from '../src/expressions/expression-pool';
import { expressionProcesses } from './expression-processes';

setInterval(() => {}, 1_000); // the pool's processes do not keep a process alive: a worker's connections do
const pool = createExpressionPool({ processes: 2, maxHeapMb: 64, timeoutMs: 60_000, maxResultBytes: 1024 });
await pool.start();
const bomb = '"{{ $match($pad(\\"\\", 300, \\"a\\"), /a*a*a*a*a*a*b/) }}"';
void pool.evaluate(
  { kind: 'input', stepKey: 's', source: bomb, context: { input: {}, steps: {} } },
  createExpressionBudget(60_000, 60_000),
);
setTimeout(() => {
  const pids = expressionProcesses().map((line) => Number(line.trim().split(/\s+/)[0]));
  process.stdout.write(`${JSON.stringify(pids)}\n`, () => process.exit(1));
}, 500);
