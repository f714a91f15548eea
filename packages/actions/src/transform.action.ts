import { z } from 'zod';
import { defineAction } from './action';

export const transformInputSchema = z.strictObject({
  value: z.unknown().describe('any JSON value; `{{ }}` expressions are resolved by the worker before the action runs'),
});

/** `core@1/transform`: returns its (already templated) `value` as the step output. */
export const transformAction = defineAction<z.infer<typeof transformInputSchema>>({
  ref: { app: 'core', version: '1', key: 'transform' },
  name: 'Transform',
  description: 'Returns its resolved input value, to reshape data with template expressions.',
  inputSchema: transformInputSchema,
  inline: true,
  async execute(input) {
    return { kind: 'output', output: input.value === undefined ? null : input.value };
  },
});
