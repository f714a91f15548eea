import { sizeProblem } from '@conveyor/engine';
import { memberIdempotencyKeyProblem } from '@conveyor/runs';
import type { RunInsert } from './hasura-validations.schemas';
import type { FieldProblem } from './trigger-rules';

/** The write-time rule for a run a member inserts: its input within the budget, its key its own. */
export function runInsertProblem(row: RunInsert, runInputMaxBytes: number): FieldProblem | null {
  const size = sizeProblem('input', row.input ?? {}, runInputMaxBytes);
  if (size) return { field: 'input', message: `${size} (RUN_INPUT_MAX_BYTES)` };
  const key = row.idempotencyKey == null ? null : memberIdempotencyKeyProblem(row.idempotencyKey);
  return key ? { field: 'idempotencyKey', message: key } : null;
}
