// `npm run fuzz [-- --runs 10000] [--seed N] [--only "action,logs"] [--no-write]`: every HTTP surface of the
// api and the board, fuzzed on real services; writes fuzz/results/<timestamp>.json and SUMMARY.md.
// Exits 1 when any request got a 5xx or no answer, something crashed, or memory grew past the bound.
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { repoRoot } from '@conveyor/testing';
import setupTemplateDatabase from '../packages/testing/src/global-setup';
import { summaryTable, writeScorecard } from './scorecard';
import { memoryBounded, runFuzz } from './suite';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10000' },
    seed: { type: 'string' },
    only: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
});
const log = (line: string) => process.stdout.write(`[fuzz ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const startedAt = new Date();
const seed = values.seed === undefined ? startedAt.getTime() % 2 ** 31 : Number(values.seed);
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot }).toString().trim();

log(`seed ${seed}, ${values.runs} requests per surface`);
await setupTemplateDatabase();
const report = await runFuzz({ runs: Number(values.runs), seed, ...(values.only ? { only: values.only.split(',') } : {}), log });
process.stdout.write(`\n${summaryTable(report)}\n\n`);
for (const surface of report.surfaces.filter((s) => s.examples.length > 0))
  log(`${surface.surface}: ${JSON.stringify(surface.examples)}`);
for (const surface of report.surfaces.filter((s) => s.unnamedExamples.length > 0))
  log(`${surface.surface}, 400 naming no field: ${JSON.stringify(surface.unnamedExamples)}`);
for (const crash of report.unhandled) log(`unhandled: ${crash}`);
if (!values['no-write']) log(`scorecard written: ${writeScorecard(report, { startedAt, commit })}`);
const failed =
  report.surfaces.some((s) => s.errors5xx > 0 || s.noAnswer > 0) || report.unhandled.length > 0 || !memoryBounded(report);
log(failed ? 'FAILED' : 'passed: no 5xx, every request answered, nothing crashed, memory bounded');
process.exit(failed ? 1 : 0);
