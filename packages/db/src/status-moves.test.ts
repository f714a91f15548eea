import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  initialRunStatuses,
  initialStepStatuses,
  runStatuses,
  runTransitions,
  stepStatuses,
  stepTransitions,
} from '@conveyor/engine';
import { describe, expect, it } from 'vitest';
import './run-transitions';
import './step-transitions';
import { declaredMoves } from './status-moves';

const edges = (table: Readonly<Record<string, readonly string[]>>) =>
  Object.entries(table).flatMap(([from, targets]) => targets.map((to) => `${from} → ${to}`));

function declaredEdges(table: 'WorkflowRun' | 'StepRun'): string[] {
  const moves = declaredMoves.filter((move) => move.table === table);
  return [
    ...new Set(moves.flatMap((move) => move.from.filter((from) => from !== move.to).map((from) => `${from} → ${move.to}`))),
  ];
}

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const STATE_MODULES = ['packages/db/src/run-transitions.ts', 'packages/db/src/step-transitions.ts'];

function productFiles(): string[] {
  const roots = ['apps', 'packages'].flatMap((top) =>
    readdirSync(path.join(repoRoot, top)).map((name) => path.join(top, name, 'src')),
  );
  return roots.flatMap((root) =>
    (readdirSync(path.join(repoRoot, root), { recursive: true }) as string[])
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.includes('generated'))
      .map((file) => path.join(root, file)),
  );
}

describe('the state statements and the engine’s legal-move tables', () => {
  it('move runs exactly along the run table', () => {
    expect(declaredEdges('WorkflowRun').sort()).toEqual(edges(runTransitions).sort());
  });

  it('move steps exactly along the step table, and create step rows only in its initial statuses', () => {
    expect(declaredEdges('StepRun').sort()).toEqual(edges(stepTransitions).sort());
    const created = declaredMoves.filter((move) => move.table === 'StepRun' && move.from.length === 0).map((move) => move.to);
    expect([...new Set(created)].sort()).toEqual([...initialStepStatuses].sort());
  });

  it('create runs only in the initial run statuses', () => {
    const created = declaredMoves.filter((move) => move.table === 'WorkflowRun' && move.from.length === 0).map((move) => move.to);
    expect([...new Set(created)].sort()).toEqual([...initialRunStatuses].sort());
  });

  it('re-enter a state only where a statement is idempotent by design', () => {
    const reentries = declaredMoves.filter((move) => move.from.includes(move.to)).map((move) => `${move.table} ${move.name}`);
    expect(reentries.sort()).toEqual(['StepRun reclaim', 'WorkflowRun start']);
  });

  it('are the only SQL that writes a run or step row, and write no status by hand', () => {
    const writes =
      /UPDATE\s+"(WorkflowRun|StepRun)"|INSERT\s+INTO\s+"(WorkflowRun|StepRun)"|\.(workflowRun|stepRun)\.(update|updateMany|upsert)\(/;
    const writers = productFiles().filter((file) => writes.test(readFileSync(path.join(repoRoot, file), 'utf8')));
    expect(writers.sort()).toEqual(STATE_MODULES);
    for (const file of STATE_MODULES) {
      const statements = readFileSync(path.join(repoRoot, file), 'utf8').match(/sql`[^`]*`/g) ?? [];
      expect(statements.length, file).toBeGreaterThan(3);
      const handWritten = statements.flatMap(
        (text) => text.match(/'(PENDING|QUEUED|RUNNING|SUCCEEDED|FAILED|SKIPPED|CANCELLED)'/g) ?? [],
      );
      expect(handWritten, file).toEqual([]);
    }
  });
});

describe('docs/architecture.md', () => {
  it('shows the state machine as the engine’s tables, with the statements that make each move', () => {
    const doc = path.join(repoRoot, 'docs', 'architecture.md');
    const text = readFileSync(doc, 'utf8');
    const begin = '<!-- states:begin (packages/db/src/status-moves.test.ts) -->';
    const end = '<!-- states:end -->';
    const block = text.slice(text.indexOf(begin) + begin.length, text.indexOf(end)).trim();
    const expected = renderStates();
    // UPDATE_DOCS=1 npx vitest run packages/db/src/status-moves.test.ts rewrites the block.
    if (process.env.UPDATE_DOCS === '1')
      writeFileSync(doc, text.replace(/<!-- states:begin[\s\S]*?<!-- states:end -->/, `${begin}\n${expected}\n${end}`));
    else expect(block).toBe(expected);
  });
});

function renderStates(): string {
  const render = (
    table: 'WorkflowRun' | 'StepRun',
    statuses: readonly string[],
    edges: Readonly<Record<string, readonly string[]>>,
  ) => {
    const moves = declaredMoves.filter((move) => move.table === table);
    const by = (from: string | null, to: string) =>
      moves
        .filter((move) => move.to === to && (from === null ? move.from.length === 0 : move.from.includes(from)))
        .map((move) => move.name)
        .join(', ');
    const created = [...new Set(moves.filter((move) => move.from.length === 0).map((move) => move.to))];
    const rows = [
      ...created.map((to) => `| (new row) | ${to} | ${by(null, to)} |`),
      ...statuses.flatMap((from) => [
        ...(edges[from] ?? []).map((to) => `| ${from} | ${to} | ${by(from, to)} |`),
        ...(moves.some((move) => move.to === from && move.from.includes(from))
          ? [`| ${from} | ${from} | ${by(from, from)} |`]
          : []),
      ]),
    ];
    return [`**${table}**`, '', '| from | to | statements (moves) |', '|---|---|---|', ...rows].join('\n');
  };
  return [render('WorkflowRun', runStatuses, runTransitions), '', render('StepRun', stepStatuses, stepTransitions)].join('\n');
}
