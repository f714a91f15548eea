import type { FastifySchemaCompiler } from 'fastify';
import { validatorCompiler as zodValidatorCompiler } from 'fastify-type-provider-zod';
import type { $ZodType } from 'zod/v4/core';

/** The marker fastify-type-provider-zod puts on its issues, so the error handlers read ours alike. */
const ZOD_ISSUE = Symbol.for('ZodFastifySchemaValidationError');
const MAX_SEARCHED = 10_000;

/**
 * The zod validator compiler, made total: a schema that throws on a value instead of reporting it
 * becomes a validation issue (400) naming the field. zod's length checks (`.min`, `.max` on strings
 * and arrays) still run on a value of the wrong type and compare its `length`; an object whose
 * `length` is itself an object with a non-callable `valueOf` and `toString` (plain JSON can say
 * that) throws "Cannot convert object to primitive value". This covers every schema, present and future.
 */
export const validatorCompiler: FastifySchemaCompiler<$ZodType> = (route) => {
  const validate = zodValidatorCompiler(route);
  return (data) => {
    try {
      return validate(data);
    } catch {
      const path = pathOfOddLength(data);
      const message = path ? 'expected a string or an array, received an object' : 'the value could not be validated';
      return {
        error: [{ [ZOD_ISSUE]: true, keyword: 'invalid_type', instancePath: path ?? '', schemaPath: '#', message, params: {} }],
      };
    }
  };
};

/** The JSON-pointer path of the first object (breadth first) whose `length` is an object, if any. */
function pathOfOddLength(data: unknown): string | undefined {
  const queue: { value: unknown; path: string }[] = [{ value: data, path: '' }];
  for (let index = 0; index < queue.length && index < MAX_SEARCHED; index += 1) {
    const { value, path } = queue[index] as { value: unknown; path: string };
    if (typeof value !== 'object' || value === null) continue;
    const length: unknown = Object.hasOwn(value, 'length') ? (value as { length: unknown }).length : undefined;
    if (!Array.isArray(value) && typeof length === 'object' && length !== null) return path;
    for (const [key, item] of Object.entries(value)) queue.push({ value: item, path: `${path}/${key}` });
  }
  return undefined;
}
