import { z } from 'zod';
import { defineAction } from './action';

export const noopInputSchema = z.unknown().describe('ignored');

/** `core@1/noop`: does nothing and outputs `{}`; a join point or placeholder in a workflow. */
export const noopAction = defineAction<unknown>({
  ref: { app: 'core', version: '1', key: 'noop' },
  name: 'No operation',
  description: 'Does nothing and outputs an empty object.',
  inputSchema: noopInputSchema,
  inline: true,
  async execute() {
    return { kind: 'output', output: {} };
  },
});
