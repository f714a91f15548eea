import type { z } from 'zod';
import { CLIENT_ERROR_CODES, ConveyorClientError } from './errors';

/** The value as the schema parses it, or a `bad-response` ConveyorClientError naming the first issue. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new ConveyorClientError({
    code: CLIENT_ERROR_CODES.badResponse,
    message: `unexpected ${what}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
  });
}

/** JSON text as a value, or a `bad-response` ConveyorClientError. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConveyorClientError({ code: CLIENT_ERROR_CODES.badResponse, message: `${what} is not JSON`, cause: error });
  }
}
