// Writes chaos/results/<timestamp>.json and regenerates the scorecard table in CHAOS.md.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@conveyor/testing';
import type { Scorecard } from './checks';

const BEGIN = '<!-- scorecard:begin (npm run chaos) -->';
const END = '<!-- scorecard:end -->';

export interface SessionInfo {
  startedAt: Date;
  commit: string;
  runs: number;
  skipped: { scenario: string; reason: string }[];
}

export function writeScorecard(cards: Scorecard[], info: SessionInfo): string {
  const file = writeResultFile(path.join(repoRoot, 'chaos', 'results'), info.startedAt, { ...info, cards });
  const chaosMd = path.join(repoRoot, 'CHAOS.md');
  const table = renderTable(cards, info, path.relative(repoRoot, file));
  const text = existsSync(chaosMd) ? readFileSync(chaosMd, 'utf8') : `# Chaos\n\n${BEGIN}\n${END}\n`;
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start >= 0 && end > start) writeFileSync(chaosMd, `${text.slice(0, start + BEGIN.length)}\n${table}\n${text.slice(end)}`);
  return file;
}

/** Writes `data` to `<dir>/<startedAt as 2026-01-31T12-00-00Z>.json`; returns the file's path. */
export function writeResultFile(dir: string, startedAt: Date, data: unknown): string {
  mkdirSync(dir, { recursive: true });
  const stamp = startedAt
    .toISOString()
    .replaceAll(':', '-')
    .replace(/\.\d+Z$/, 'Z');
  const file = path.join(dir, `${stamp}.json`);
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}

const fmt = (record: Record<string, number>) =>
  Object.entries(record)
    .map(([key, n]) => `${n} × ${key}`)
    .join(', ') || '0';

export function renderTable(cards: Scorecard[], info: SessionInfo, resultFile: string): string {
  const header = [
    'scenario',
    'accepted / in db',
    'lost',
    'not terminal',
    'FAILED (codes)',
    'steps SUCCEEDED ≠ 1',
    '"step succeeded" twice',
    'dup. external calls',
    'api 5xx',
    'drain',
    'peak worker RSS',
    'worker exits',
    'log lines stored / expected',
    'notes',
  ];
  const rows = cards.map((c) => [
    `\`${c.scenario}\``,
    `${c.accepted} / ${c.inDatabase}`,
    bold(c.lost),
    c.notTerminal ? `**${c.notTerminal}** (${fmt(c.notTerminalByStatus)}; ${c.stepsNotTerminal} steps)` : '0',
    c.failed ? `${c.failed} (${fmt(c.failedByCode)})` : '0',
    bold(c.stepsSucceededNot1),
    c.succeededLoggedTwice < 0 ? 'n/a' : bold(c.succeededLoggedTwice),
    c.duplicateCalls ? `${c.duplicateCalls} (${c.workerDied ? 'a worker died' : '**no worker died**'})` : '0',
    fmt(c.api5xx),
    c.drainMs === null ? '**not drained**' : `${(c.drainMs / 1000).toFixed(1)} s`,
    `${c.peakWorkerRssMiB} MiB`,
    exitsSummary(c),
    `${c.logLinesStored} / ${c.logLinesExpected ?? '?'}`,
    c.note.replaceAll('|', '/'),
  ]);
  const lines = [
    `Run of ${info.startedAt.toISOString()} against \`${info.commit}\`, ${info.runs} runs per scenario; raw results: \`${resultFile}\`.`,
    '',
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
  for (const skip of info.skipped) lines.push('', `Skipped \`${skip.scenario}\`: ${skip.reason}`);
  return lines.join('\n');
}

function bold(n: number): string {
  return n ? `**${n}**` : '0';
}

function exitsSummary(card: Scorecard): string {
  if (card.workerExits.length === 0) return '—';
  const byCode: Record<string, number> = {};
  for (const exit of card.workerExits) {
    const key = exit.code === 137 ? 'SIGKILL' : `code ${exit.code}`;
    byCode[key] = (byCode[key] ?? 0) + 1;
  }
  return fmt(byCode);
}
