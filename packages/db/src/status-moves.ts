import {
  canTransitionRun,
  canTransitionStep,
  initialRunStatuses,
  initialStepStatuses,
  type RunStatus,
  type StepStatus,
} from '@conveyor/engine';
import { ConveyorError } from '@conveyor/errors';
import { raw, type Statement } from './sql';

/**
 * The status moves the state statements make, each generated from the engine's legal-move tables:
 * a move names the statuses it leaves and the one it enters, and gives the statement its guard
 * (`"status" IN (…)`) and its assignment. Declaring a move the table forbids throws when the module
 * loads, so SQL and table cannot drift; `declaredMoves` lets a test compare the two as wholes.
 */
export interface Move<S extends string> {
  name: string;
  from: readonly S[];
  to: S;
  /** `<column> IN ('A', 'B')` for the statuses the move leaves. */
  guard(column?: string): Statement;
  /** `"status" = 'TO'::<enum>`, for an UPDATE's SET list. */
  set: Statement;
  /** `'TO'::<enum>`, for an INSERT's values or a CASE. */
  value: Statement;
}

export interface DeclaredMove {
  table: 'WorkflowRun' | 'StepRun';
  name: string;
  /** Empty for a row created in `to`. */
  from: readonly string[];
  to: string;
}

/** Every move declared by the state modules, for the test that compares them with the engine's tables. */
export const declaredMoves: DeclaredMove[] = [];

/** A WorkflowRun move; `from` may hold `to` itself for a statement that re-enters its state (idempotent). */
export function runMove(name: string, from: readonly RunStatus[], to: RunStatus): Move<RunStatus> {
  return declare('WorkflowRun', 'run_status', name, from, to, (source) => source === to || canTransitionRun(source, to));
}

/** A StepRun move; see {@link runMove}. */
export function stepMove(name: string, from: readonly StepStatus[], to: StepStatus): Move<StepStatus> {
  return declare('StepRun', 'step_status', name, from, to, (source) => source === to || canTransitionStep(source, to));
}

/** A WorkflowRun row created in `status`: only the engine's initial run statuses. */
export function runCreation(name: string, status: RunStatus): Move<RunStatus> {
  if (!initialRunStatuses.includes(status)) throw illegal('WorkflowRun', name, `a run cannot be created ${status}`);
  return declare('WorkflowRun', 'run_status', name, [], status, () => true);
}

/** A StepRun row created in `status` (planning reached its step); only the engine's initial statuses. */
export function stepCreation(name: string, status: StepStatus): Move<StepStatus> {
  if (!initialStepStatuses.includes(status)) throw illegal('StepRun', name, `a step row cannot be created ${status}`);
  return declare('StepRun', 'step_status', name, [], status, () => true);
}

/** `<column> IN (…)` for a status read that is no move: the state another row must be in. */
export function statusIn(statuses: readonly string[], column = '"status"'): Statement {
  return raw(`${column} IN (${statuses.map(literal).join(', ')})`);
}

function declare<S extends string>(
  table: DeclaredMove['table'],
  enumType: string,
  name: string,
  from: readonly S[],
  to: S,
  legal: (source: S) => boolean,
): Move<S> {
  const forbidden = from.filter((source) => !legal(source));
  if (forbidden.length > 0) throw illegal(table, name, `${forbidden.join(', ')} → ${to} is not in the engine's table`);
  declaredMoves.push({ table, name, from, to });
  return {
    name,
    from,
    to,
    guard: (column = '"status"') => statusIn(from, column),
    set: raw(`"status" = ${literal(to)}::${enumType}`),
    value: raw(`${literal(to)}::${enumType}`),
  };
}

function literal(status: string): string {
  if (!/^[A-Z_]+$/.test(status)) throw new ConveyorError({ code: 'INTERNAL', message: `not a status: ${status}` });
  return `'${status}'`;
}

function illegal(table: string, name: string, why: string): ConveyorError {
  return new ConveyorError({ code: 'INTERNAL', message: `illegal ${table} move "${name}": ${why}`, details: { table, name } });
}
