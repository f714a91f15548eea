import { z } from 'zod';
import type { Action, ActionRef } from './action';
import { coreActions } from './core-app';

/**
 * Describes actions for seeding `Action` rows and for editors: the input as JSON Schema (draft
 * 2020-12, the input side, so fields with defaults are optional).
 */
export function actionCatalogue(actions: readonly Action[] = coreActions): ActionCatalogueEntry[] {
  return actions.map((action) => ({
    ref: { ...action.ref },
    name: action.name,
    description: action.description,
    inputJsonSchema: z.toJSONSchema(action.inputSchema, { io: 'input' }) as Record<string, unknown>,
  }));
}

export interface ActionCatalogueEntry {
  ref: ActionRef;
  name: string;
  description: string;
  inputJsonSchema: Record<string, unknown>;
}
