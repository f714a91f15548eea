import { ConveyorError } from '@conveyor/errors';
import type { z } from 'zod';
import type { Action, ActionRef } from './action';
import { ActionError } from './action-error';

/** An immutable lookup of actions by `app@version/key`. Duplicate refs are refused at creation. */
export function createActionRegistry(actions: readonly Action[]): ActionRegistry {
  const byRef = new Map<string, Action>();
  for (const action of actions) {
    const id = formatActionRef(action.ref);
    if (byRef.has(id)) throw new ConveyorError({ code: 'CONFLICT', message: `duplicate action ${id}`, details: { ref: id } });
    byRef.set(id, action);
  }
  const list = Object.freeze([...byRef.values()]);

  return Object.freeze({
    get: (ref: ActionRef) => byRef.get(formatActionRef(ref)),
    getOrThrow(ref: ActionRef): Action {
      const action = byRef.get(formatActionRef(ref));
      if (!action) {
        const id = formatActionRef(ref);
        throw new ConveyorError({ code: 'NOT_FOUND', message: `unknown action ${id}`, details: { ref: id } });
      }
      return action;
    },
    has: (ref: ActionRef) => byRef.has(formatActionRef(ref)),
    list: () => [...list],
  });
}

/** `core@1/http.request` */
export function formatActionRef(ref: ActionRef): string {
  return `${ref.app}@${ref.version}/${ref.key}`;
}

/**
 * Validates a step's resolved input with the action's schema. Failure is a non-retryable
 * `ActionError` (kind `input`) whose message names each failing field, e.g. `input.url: Invalid URL`.
 */
export function parseInput<I>(action: Action<I>, raw: unknown): I {
  const result = action.inputSchema.safeParse(raw);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
  throw new ActionError({
    kind: 'input',
    retryable: false,
    message: issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '),
    details: { action: formatActionRef(action.ref), issues },
  });
}

function formatPath(path: z.core.$ZodIssue['path']): string {
  let out = 'input';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][\w$]*$/.test(segment)) out += `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

export interface ActionRegistry {
  get(ref: ActionRef): Action | undefined;
  /** Throws a NOT_FOUND `ConveyorError` naming `app@version/key`. */
  getOrThrow(ref: ActionRef): Action;
  has(ref: ActionRef): boolean;
  list(): Action[];
}
