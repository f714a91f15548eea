import { setTimeout as sleep } from 'node:timers/promises';
import { loadCommonConfig } from '@conveyor/config';
import { type PrismaClient, scopeToTenant } from '@conveyor/db';
import { isTerminalRunStatus, isTerminalStepStatus, type RunStatus, type StepStatus } from '@conveyor/engine';
import { ConveyorError } from '@conveyor/errors';
import { z } from 'zod';
import { type Command, parseCommand, positiveInt, uuidArgument } from '../args';
import { createOutput, eraseLines, formatDuration, type Output, progressBar } from '../output';
import { DEFAULT_TENANT, findTenant, withDatabase } from '../resources';

const DEFAULT_INTERVAL_MS = 500;

const spec = {
  positionals: ['runId'],
  options: {
    tenant: { type: 'string', default: DEFAULT_TENANT },
    interval: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
} as const;

/**
 * `conveyor runs watch`: polls a run and its StepRuns (within the tenant) until the run is
 * terminal. On a terminal it redraws a progress bar and a line per step; otherwise (or with
 * `--json`) it prints one JSON snapshot per change.
 */
export const runsWatchCommand: Command = {
  name: 'runs watch',
  usage: `Usage: conveyor runs watch <runId> [--tenant <slug>] [--interval <ms>] [--json]

Polls the run and its steps until the run is SUCCEEDED, FAILED or CANCELLED. On a terminal it
redraws a progress bar (finished steps / steps of the pinned definition) and one line per step with
its status, start → finish (ms after the run was created) and attempt. With --json, or when stdout
is not a terminal, it prints one JSON snapshot per change instead (NDJSON).

Options:
  --tenant <slug>   tenant of the run (default: ${DEFAULT_TENANT})
  --interval <ms>   how often to poll (default: ${DEFAULT_INTERVAL_MS})
  --json            NDJSON snapshots: {"runId","status","progress":{"done","total"},"steps":[…]}

Exit codes: 0 the run SUCCEEDED, 1 it FAILED or was CANCELLED (or could not be read), 2 bad arguments.`,

  async run(argv) {
    const { values, positionals } = parseCommand(argv, spec);
    const runId = uuidArgument('runId', positionals.runId);
    const intervalMs = positiveInt('--interval', values.interval) ?? DEFAULT_INTERVAL_MS;
    const out = createOutput({ json: values.json });
    const config = loadCommonConfig();

    const final = await withDatabase(config, async ({ prisma }) => {
      const tenant = await findTenant(prisma, values.tenant);
      const read = createSnapshotReader(prisma, tenant.id, runId);
      const view = out.json || !out.isTty ? ndjsonView(out) : terminalView(out);
      for (;;) {
        const snapshot = await read();
        if (!snapshot) {
          throw new ConveyorError({ code: 'NOT_FOUND', message: `run ${runId} not found in tenant "${tenant.slug}"` });
        }
        view.show(snapshot);
        if (isTerminalRunStatus(snapshot.status)) return snapshot;
        await sleep(intervalMs);
      }
    });
    if (!out.json && out.isTty)
      out.text(`run ${final.runId} ${final.status}${final.durationMs === null ? '' : ` in ${formatDuration(final.durationMs)}`}`);
    return final.status === 'SUCCEEDED' ? 0 : 1;
  },
};

/** What one poll saw. `steps` follows the definition's order; a step without a StepRun yet has status null. */
interface Snapshot {
  runId: string;
  workflow: string;
  status: RunStatus;
  progress: { done: number; total: number };
  durationMs: number | null;
  error: unknown;
  steps: StepView[];
}

interface StepView {
  key: string;
  status: StepStatus | null;
  attempt: number;
  startedAt: string | null;
  finishedAt: string | null;
  /** Start and finish in ms after the run was created. */
  startedAfterMs: number | null;
  finishedAfterMs: number | null;
  durationMs: number | null;
}

const definitionStepsSchema = z.object({ steps: z.array(z.object({ key: z.string() })) });

function createSnapshotReader(prisma: PrismaClient, tenantId: string, runId: string) {
  const db = scopeToTenant(prisma, tenantId);
  let stepKeys: { versionId: string; keys: string[] } | null = null;

  const keysOf = async (versionId: string | null): Promise<string[]> => {
    if (!versionId) return [];
    if (stepKeys?.versionId !== versionId) {
      const version = await db.workflowVersion.findFirst({ where: { id: versionId }, select: { definition: true } });
      const parsed = definitionStepsSchema.safeParse(version?.definition);
      stepKeys = { versionId, keys: parsed.success ? parsed.data.steps.map((step) => step.key) : [] };
    }
    return stepKeys.keys;
  };

  return async (): Promise<Snapshot | null> => {
    const run = await db.workflowRun.findFirst({
      where: { id: runId },
      select: {
        id: true,
        status: true,
        workflowVersionId: true,
        error: true,
        createdAt: true,
        finishedAt: true,
        workflow: { select: { name: true } },
      },
    });
    if (!run) return null;
    const [keys, stepRuns] = await Promise.all([
      keysOf(run.workflowVersionId),
      db.stepRun.findMany({
        where: { workflowRunId: runId },
        orderBy: { createdAt: 'asc' },
        select: { stepKey: true, status: true, attempt: true, startedAt: true, finishedAt: true },
      }),
    ]);
    const byKey = new Map(stepRuns.map((step) => [step.stepKey, step]));
    const allKeys = [...keys, ...stepRuns.map((step) => step.stepKey).filter((key) => !keys.includes(key))];
    const since = (at: Date | null) => (at ? at.getTime() - run.createdAt.getTime() : null);
    const steps = allKeys.map((key): StepView => {
      const step = byKey.get(key);
      const startedAt = step?.startedAt ?? null;
      const finishedAt = step?.finishedAt ?? null;
      return {
        key,
        status: step?.status ?? null,
        attempt: step?.attempt ?? 0,
        startedAt: startedAt?.toISOString() ?? null,
        finishedAt: finishedAt?.toISOString() ?? null,
        startedAfterMs: since(startedAt),
        finishedAfterMs: since(finishedAt),
        durationMs: startedAt && finishedAt ? finishedAt.getTime() - startedAt.getTime() : null,
      };
    });
    return {
      runId: run.id,
      workflow: run.workflow.name,
      status: run.status,
      progress: { done: steps.filter((step) => step.status && isTerminalStepStatus(step.status)).length, total: steps.length },
      durationMs: since(run.finishedAt),
      error: run.error,
      steps,
    };
  };
}

/** One JSON line per snapshot that differs from the previous one. */
function ndjsonView(out: Output) {
  let previous = '';
  return {
    show(snapshot: Snapshot) {
      const line = JSON.stringify(snapshot);
      if (line === previous) return;
      previous = line;
      out.raw(`${line}\n`);
    },
  };
}

/** Redraws the whole view in place on every poll (running steps' timers move). */
function terminalView(out: Output) {
  let drawn = 0;
  return {
    show(snapshot: Snapshot) {
      const width = Math.max(20, out.columns - 1);
      const lines = render(snapshot, Date.now()).map((line) => (line.length > width ? `${line.slice(0, width - 1)}…` : line));
      out.raw(`${eraseLines(drawn)}${lines.join('\n')}\n`);
      drawn = lines.length;
    },
  };
}

const STATUS_MARK: Record<StepStatus | 'NONE', string> = {
  NONE: '·',
  PENDING: '·',
  QUEUED: '…',
  RUNNING: '▶',
  SUCCEEDED: '✔',
  FAILED: '✖',
  SKIPPED: '↷',
  CANCELLED: '■',
};

function render(snapshot: Snapshot, now: number): string[] {
  const keyWidth = Math.max(4, ...snapshot.steps.map((step) => step.key.length));
  const header = `${snapshot.workflow} · run ${snapshot.runId} · ${snapshot.status}`;
  const bar = progressBar(snapshot.progress.done, snapshot.progress.total);
  const steps = snapshot.steps.map((step) => {
    const status = (step.status ?? 'not started').padEnd(11);
    const started = step.startedAfterMs === null ? '' : `+${step.startedAfterMs} ms`;
    const finished = step.finishedAfterMs === null ? '' : `+${step.finishedAfterMs} ms`;
    const timing = started ? `${started} → ${finished || '…'}`.padEnd(24) : ''.padEnd(24);
    const elapsed =
      step.durationMs !== null
        ? formatDuration(step.durationMs)
        : step.status === 'RUNNING' && step.startedAt
          ? `${formatDuration(now - Date.parse(step.startedAt))}…`
          : '';
    const attempt = step.attempt > 0 ? `attempt ${step.attempt}` : '';
    return `  ${STATUS_MARK[step.status ?? 'NONE']} ${step.key.padEnd(keyWidth)}  ${status} ${timing} ${elapsed.padStart(9)}  ${attempt}`.trimEnd();
  });
  const error = snapshot.error ? [`  error: ${JSON.stringify(snapshot.error)}`] : [];
  return [header, bar, ...steps, ...error];
}
