// `npm run chaos [-- --runs 300] [--only a,b] [--drain-timeout 120]`: every scenario on the suite's own services,
// then CHAOS.md's scorecard and chaos/results/<timestamp>.json. Cleans up everything it started, also on failure.
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { repoRoot } from '@conveyor/testing';
import type { Scorecard } from './checks';
import { cleanupAll } from './cleanup';
import { scenarios } from './scenarios';
import { writeScorecard } from './scorecard';
import { runScenario, startServices } from './suite';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '300' },
    only: { type: 'string' },
    'drain-timeout': { type: 'string', default: '120' },
    'no-write': { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const drainTimeoutMs = Number(values['drain-timeout']) * 1000;
const only = values.only?.split(',');
const log = (line: string) => process.stdout.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const startedAt = new Date();
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot }).toString().trim();
const cards: Scorecard[] = [];
const skipped: { scenario: string; reason: string }[] = [];
// A whole session is bounded: each scenario's load, fault and drain are bounded, and so is the sum.
const watchdog = setTimeout(() => {
  log('the session ran past 60 minutes: stopping');
  void cleanupAll().finally(() => process.exit(2));
}, 60 * 60_000);

try {
  const services = await startServices(log);
  let linesPerRun: number | null = null;
  for (const scenario of scenarios) {
    if (only && !only.includes(scenario.name)) continue;
    log(`scenario ${scenario.name}: ${scenario.description}`);
    try {
      const card = await runScenario(services, scenario, { runs, drainTimeoutMs, log }, linesPerRun);
      if (scenario.name === 'none' && card.accepted > 0 && card.logLinesStored > 0) {
        linesPerRun = card.logLinesStored / card.accepted;
        card.logLinesExpected = card.logLinesStored;
        card.note = `${linesPerRun} log lines per run. ${card.note}`;
      }
      cards.push(card);
    } catch (error) {
      log(`scenario ${scenario.name} failed to run: ${(error as Error).stack ?? String(error)}`);
      skipped.push({ scenario: scenario.name, reason: `the scenario itself failed: ${String(error).split('\n')[0]}` });
    }
  }
} finally {
  clearTimeout(watchdog);
  await cleanupAll();
}
if (!values['no-write']) log(`scorecard written: ${writeScorecard(cards, { startedAt, commit, runs, skipped })}`);
for (const card of cards)
  log(
    `${card.scenario}: ${JSON.stringify({ lost: card.lost, notTerminal: card.notTerminal, failed: card.failedByCode, dup: card.duplicateCalls, api5xx: card.api5xx, drainMs: card.drainMs, exits: card.workerExits.map((e) => e.code) })}`,
  );
