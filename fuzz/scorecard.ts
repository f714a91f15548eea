// The full run's record: fuzz/results/<timestamp>.json (everything) and fuzz/results/SUMMARY.md (the table).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FuzzReport } from './suite';

const RESULTS = path.join(import.meta.dirname, 'results');

export function summaryTable(report: FuzzReport): string {
  const rows = report.surfaces.map(
    (s) =>
      `| ${s.surface} | ${s.requests} | ${s.viaSocket} | ${s.errors5xx} | ${s.noAnswer} | ${s.unnamed400} | ${statusList(s.statuses)} | ${(s.durationMs / 1000).toFixed(1)} |`,
  );
  const total = report.surfaces.reduce((sum, s) => sum + s.requests, 0);
  const failures = report.surfaces.reduce((sum, s) => sum + s.errors5xx + s.noAnswer, 0);
  const unnamed = report.surfaces.reduce((sum, s) => sum + s.unnamed400, 0);
  return [
    '| surface | requests | over a socket | 5xx | unanswered | 400 naming no field | statuses | seconds |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |',
    ...rows,
    `| **all** | **${total}** | | **${failures}** (5xx + unanswered) | | **${unnamed}** | | **${(report.durationMs / 1000).toFixed(0)}** |`,
  ].join('\n');
}

function statusList(statuses: Record<string, number>): string {
  return Object.entries(statuses)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([status, count]) => `${status}×${count}`)
    .join(' ');
}

/** Writes the JSON record and the summary; returns the JSON file's path. */
export function writeScorecard(report: FuzzReport, meta: { startedAt: Date; commit: string }): string {
  mkdirSync(RESULTS, { recursive: true });
  const stamp = meta.startedAt
    .toISOString()
    .replace(/:/g, '-')
    .replace(/\.\d+Z$/, 'Z');
  const file = path.join(RESULTS, `${stamp}.json`);
  writeFileSync(file, `${JSON.stringify({ ...meta, ...report }, null, 2)}\n`);
  const summary = [
    '# Fuzz scorecard (latest full run)',
    '',
    `\`npm run fuzz\` on commit ${meta.commit}, ${meta.startedAt.toISOString()}: seed **${report.seed}**, ${report.runsPerSurface} requests`,
    'per surface (one in 20 over a real socket), on real PostgreSQL, Redis and FerretDB. A request passes when it is',
    "answered below 500; the api's 400s that name no field (`fuzz/refusals.ts`) are counted apart, as findings to",
    'read rather than failures. Replay with `npm run fuzz -- --seed <seed>`; the full record is in',
    `\`${path.basename(file)}\`.`,
    '',
    summaryTable(report),
    '',
    `Unhandled rejections or uncaught exceptions: ${report.unhandled.length}. RSS: ${report.rssMb.before} MB before,`,
    `${report.rssMb.peak} MB at most, ${report.rssMb.after} MB after. JS heap in use after a full collection:`,
    `${report.heapAfterGcMb.before} MB before, ${report.heapAfterGcMb.after} MB after.`,
    '',
  ].join('\n');
  writeFileSync(path.join(RESULTS, 'SUMMARY.md'), summary);
  return file;
}
