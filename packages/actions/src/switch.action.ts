import { branchNameSchema, switchActionRef } from '@conveyor/engine';
import { z } from 'zod';
import { defineAction } from './action';

export const switchInputSchema = z.strictObject({
  cases: z
    .array(
      z.strictObject({
        branch: branchNameSchema,
        when: z.unknown().describe('a condition, usually a `{{ }}` expression: the case holds when it is truthy'),
      }),
    )
    .min(1)
    .max(50),
  else: branchNameSchema.optional().describe('the branch chosen when no case holds; without it, none is'),
});

export type SwitchInput = z.infer<typeof switchInputSchema>;

/**
 * `core@1/switch`: chooses the branch of the first case whose `when` holds, else its `else`, and
 * outputs `{ branch }` (null when none is chosen). Steps with `branch: { switch, case }` run only on
 * the chosen branch; the others are SKIPPED.
 */
export const switchAction = defineAction<SwitchInput>({
  ref: switchActionRef,
  name: 'Switch',
  description: 'Chooses one of several branches: the first case whose condition holds, else the default.',
  inputSchema: switchInputSchema,
  inline: true,
  async execute(input) {
    const chosen = input.cases.find((entry) => Boolean(entry.when))?.branch ?? input.else ?? null;
    return { kind: 'output', output: { branch: chosen } };
  },
});
