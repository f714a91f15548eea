import { assertNever } from '@conveyor/errors';
import { z } from 'zod';
import { defineAction } from './action';

export const logInputSchema = z.strictObject({
  level: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
  message: z.string().max(10_000),
  context: z.record(z.string(), z.unknown()).optional(),
});

/** `core@1/log`: writes one line to the step's execution log. */
export const logAction = defineAction<z.infer<typeof logInputSchema>>({
  ref: { app: 'core', version: '1', key: 'log' },
  name: 'Log',
  description: "Writes one line to the run's execution log at the given level.",
  inputSchema: logInputSchema,
  inline: true,
  async execute({ level, message, context }, ctx) {
    switch (level) {
      case 'DEBUG':
        ctx.log.debug(message, context);
        break;
      case 'INFO':
        ctx.log.info(message, context);
        break;
      case 'WARN':
        ctx.log.warn(message, context);
        break;
      case 'ERROR':
        ctx.log.error(message, context);
        break;
      default:
        assertNever(level, 'log level');
    }
    return { kind: 'output', output: { logged: true } };
  },
});
