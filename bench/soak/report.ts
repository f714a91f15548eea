// The soak's result: per-minute rows and end figures, as bench/results/<timestamp>-soak.json and a table.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ratio, round, summarize } from '../lib/stats';
import { countStatus } from './load';
import type { ClusterSnapshot, RelationSize, TableStats, Wal, WindowRuns } from './measure';
import type { Peak, SoakPhase } from './phases';
import type { Prefill } from './prefill';

export interface SoakInput {
  commit: string;
  startedAt: string;
  durationSec: number;
  postgresSettings: string;
  minutes: number;
  prefill: Prefill;
  peak: Peak;
  rate: number;
  /** Worker RSS after the warm-up and the peak (the processes' JIT and pools are warm), MiB. */
  warmWorkerRssMiB: number;
  phase: SoakPhase;
  windows: WindowRuns[];
  wal: Wal;
  runTables: RelationSize[];
  logStore: RelationSize[];
}

export function buildReport(input: SoakInput) {
  const { phase, windows } = input;
  const perMinute = windows.map((window, i) => {
    const answers = phase.answers.filter((s) => Math.min(Math.floor(s.second / 60), input.minutes - 1) === i);
    const sample = phase.samples[i];
    return {
      minute: i + 1,
      completedPerSec: window.finished / 60,
      failed: window.failed,
      insertToFinishP50Ms: window.p50Ms,
      insertToFinishP99Ms: window.p99Ms,
      accepted: countStatus(answers, '202'),
      refused429: countStatus(answers, '429'),
      otherAnswers:
        answers.reduce((n, s) => n + Object.values(s.statuses).reduce((a, b) => a + b, 0), 0) -
        countStatus(answers, '202') -
        countStatus(answers, '429'),
      answerP99Ms: summarize(answers.flatMap((s) => s.latencyMs)).p99,
      backlogAtEnd: sample?.backlog ?? Number.NaN,
      workerRssMiB: sample?.workerRssMiB ?? Number.NaN,
      expressionRssMiB: sample?.expressionRssMiB ?? Number.NaN,
      /** Cores used in the minute, by process (each with its children). */
      cpuCores: mapValues(sample?.cpuMs ?? {}, (ms) => ms / 60_000),
      /** CPU ms per run finished in the minute, by process. */
      cpuMsPerRun: mapValues(sample?.cpuMs ?? {}, (ms) => ms / window.finished),
    };
  });
  const finished = windows.reduce((n, w) => n + w.finished, 0);
  const first = perMinute[0];
  const last = perMinute.at(-1);
  const logBytes = input.logStore.reduce((n, t) => n + t.totalBytes, 0);
  const logLines = input.logStore.reduce((n, t) => n + (t.table.startsWith('_ferretdb') ? 0 : t.rows), 0);
  return {
    kind: 'soak',
    commit: input.commit,
    startedAt: input.startedAt,
    /** The whole run: services, prefill, warm-up, peak, soak and the end figures. */
    durationSec: input.durationSec,
    postgresSettings: input.postgresSettings,
    minutes: input.minutes,
    prefill: input.prefill,
    peak: input.peak,
    ratePerSec: input.rate,
    sent: phase.sent,
    skippedByLoadGenerator: phase.skipped,
    perMinute,
    end: {
      completedPerSec: finished / (input.minutes * 60),
      lastVsFirstMinute: ratio(last?.completedPerSec ?? Number.NaN, first?.completedPerSec ?? Number.NaN),
      /** CPU ms per run, last minute ÷ first, by process: growth here is the cost of bloat or of a growing store. */
      cpuPerRunLastVsFirst: mapValues(last?.cpuMsPerRun ?? {}, (ms, name) => ratio(ms, first?.cpuMsPerRun[name] ?? Number.NaN)),
      workerRssMiB: { afterWarmUp: input.warmWorkerRssMiB, afterSoak: last?.workerRssMiB ?? Number.NaN },
      workerRssGrowth: ratio(last?.workerRssMiB ?? Number.NaN, input.warmWorkerRssMiB) - 1,
      tables: {
        WorkflowRun: tableEnd(phase.before, phase.after, 'WorkflowRun'),
        StepRun: tableEnd(phase.before, phase.after, 'StepRun'),
      },
      /** WAL per finished run: the whole cluster's, and by database (FerretDB's is the log store's). */
      walBytesPerRun: {
        total: input.wal.totalBytes / finished,
        ...Object.fromEntries(Object.entries(input.wal.byDatabase).map(([name, bytes]) => [name, bytes / finished])),
      },
      runTables: input.runTables,
      logStore: { tables: input.logStore, bytes: logBytes, lines: logLines, bytesPerLine: logBytes / logLines },
    },
  };
}

export type SoakReport = ReturnType<typeof buildReport>;

function mapValues(record: Record<string, number>, map: (value: number, key: string) => number): Record<string, number> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value, key)]));
}

function tableEnd(before: ClusterSnapshot, after: ClusterSnapshot, table: keyof ClusterSnapshot['tables']) {
  const a: TableStats = after.tables[table];
  const b: TableStats = before.tables[table];
  return {
    liveTuples: a.live,
    deadTuples: a.dead,
    autovacuumsDuringSoak: a.autovacuums - b.autovacuums,
    autoanalyzesDuringSoak: a.autoanalyzes - b.autoanalyzes,
    hotRatioDuringSoak: ratio(a.hotUpdates - b.hotUpdates, a.updates - b.updates),
  };
}

export async function writeReport(report: SoakReport): Promise<string> {
  const file = path.join(import.meta.dirname, '..', 'results', `${new Date().toISOString().replace(/[:.]/g, '-')}-soak.json`);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(report, (_key, value) => (typeof value === 'number' ? round(value) : value), 2)}\n`);
  return file;
}

export function printReport(report: SoakReport): void {
  const r = (value: number) => String(round(value));
  const mib = (bytes: number) => `${r(bytes / 1024 / 1024)} MiB`;
  const perRun = (cpu: Record<string, number>) =>
    Object.entries(cpu)
      .map(([name, ms]) => `${name} ${r(ms)}`)
      .join(', ');
  console.log(
    `\npeak: ${r(report.peak.completedPerSec)} completed/s (${report.peak.callers} callers, ${report.peak.seconds} s; CPU ms per run: ${perRun(report.peak.cpuMsPerRun)}); soak at ${r(report.ratePerSec)}/s`,
  );
  console.table(
    report.perMinute.map((m) => ({
      min: m.minute,
      'done/s': r(m.completedPerSec),
      'p50 ms': r(m.insertToFinishP50Ms),
      'p99 ms': r(m.insertToFinishP99Ms),
      refused: m.refused429,
      backlog: m.backlogAtEnd,
      'worker MiB': r(m.workerRssMiB),
      ...Object.fromEntries(Object.entries(m.cpuMsPerRun).map(([name, ms]) => [`${name} ms/run`, r(ms)])),
    })),
  );
  const { end } = report;
  const table = (name: 'WorkflowRun' | 'StepRun') => {
    const t = end.tables[name];
    const size = end.runTables.find((s) => s.table === name);
    return `${name}: ${t.liveTuples} live, ${t.deadTuples} dead, ${t.autovacuumsDuringSoak} autovacuums, HOT ${r(t.hotRatioDuringSoak)}, ${mib(size?.totalBytes ?? 0)} (indexes ${mib(size?.indexBytes ?? 0)})`;
  };
  console.log(
    [
      `last ÷ first minute completed/s: ${r(end.lastVsFirstMinute)} (target 0.9–1.1)`,
      `CPU per run, last ÷ first minute: ${Object.entries(end.cpuPerRunLastVsFirst)
        .map(([name, value]) => `${name} ${r(value)}`)
        .join(', ')}`,
      `worker RSS: ${r(end.workerRssMiB.afterWarmUp)} → ${r(end.workerRssMiB.afterSoak)} MiB (${r(end.workerRssGrowth * 100)} %, target ≤ +10 %)`,
      table('WorkflowRun'),
      table('StepRun'),
      `log store: ${end.logStore.lines} lines, ${mib(end.logStore.bytes)} (indexes ${mib(end.logStore.tables.reduce((n, t) => n + t.indexBytes, 0))}), ${r(end.logStore.bytesPerLine)} bytes/line`,
      `WAL bytes per run: ${Object.entries(end.walBytesPerRun)
        .map(([name, bytes]) => `${name} ${r(bytes)}`)
        .join(', ')}`,
      `prefill: ${report.prefill.lines} lines in ${r(report.prefill.ms / 1000)} s (${r(report.prefill.linesPerSec)} lines/s)`,
    ].join('\n'),
  );
}
