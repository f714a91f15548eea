import { scheduleProblem, timezoneProblem } from '@conveyor/engine';
import type { TriggerInsert } from './hasura-validations.schemas';

/** A trigger's fields as they will be once written (an update merged onto its row when known). */
export type TriggerFields = Partial<TriggerInsert>;

/** What is wrong with a trigger's fields, and where; null when they can be written. */
export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * The write-time rule for a trigger: a SCHEDULE trigger needs a cron whose schedule can run
 * (`scheduleProblem`, the rule the worker applies at sync), and other types hold no schedule.
 * `type` is undefined when an update's row is not known: then only the given fields are judged.
 */
export function triggerProblem(fields: TriggerFields, minIntervalMs: number, now: number): FieldProblem | null {
  const cron = fields.cron ?? null;
  const timezone = fields.timezone ?? null;
  if (fields.type === 'SCHEDULE' && cron === null)
    return { field: 'cron', message: 'a SCHEDULE trigger needs a cron expression' };
  if (fields.type !== undefined && fields.type !== 'SCHEDULE' && (cron !== null || timezone !== null)) {
    return {
      field: cron !== null ? 'cron' : 'timezone',
      message: `a ${fields.type} trigger has no schedule: leave cron and timezone out`,
    };
  }
  if (cron !== null) return scheduleProblem({ cron, timezone }, minIntervalMs, now);
  const zone = timezone === null ? null : timezoneProblem(timezone);
  return zone ? { field: 'timezone', message: zone } : null;
}

/**
 * A new trigger: the rule above, and no WEBHOOK trigger through Hasura, where it could get no secret
 * (the `createWebhookTrigger` action mints one and shows it once).
 */
export function triggerInsertProblem(row: TriggerInsert, minIntervalMs: number, now: number): FieldProblem | null {
  if (row.type === 'WEBHOOK') {
    return { field: 'type', message: 'create WEBHOOK triggers with the createWebhookTrigger action, which mints their secret' };
  }
  return triggerProblem(row, minIntervalMs, now);
}
