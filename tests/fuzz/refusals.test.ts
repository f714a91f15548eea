import { describe, expect, it } from 'vitest';
import { namesAField } from '../../fuzz/refusals';

// The fuzz harness counts the api's 400s that name no field: what it takes as naming one.

describe('namesAField', () => {
  it('takes a field, or a message that starts with a path, as named', () => {
    const named = [
      { error: { code: 'VALIDATION_FAILED', message: 'body.key: Too big', details: {} } },
      { error: { code: 'VALIDATION_FAILED', message: 'body["idempotency-key"]: Too small', details: {} } },
      { error: { code: 'VALIDATION_FAILED', message: 'body[0][1]: is nested more than 64 levels deep', details: {} } },
      { message: 'input.debounce.key: reads steps.a', extensions: { code: 'VALIDATION_FAILED' } },
      { message: 'invalid workflow definition: step "a b\\"" forEach.items: Too big', extensions: { code: 'X' } },
      { message: 'invalid workflow definition: steps: Invalid input', extensions: { code: 'X' } },
      { message: 'the refusal', extensions: { code: 'X', field: 'input.runId' } },
    ];
    for (const body of named) expect(namesAField(JSON.stringify(body)), JSON.stringify(body)).toBe(true);
  });

  it('takes a sentence, a GraphQL error or no message as naming none', () => {
    const unnamed = [
      { error: { code: 'VALIDATION_FAILED', message: 'the request is wrong', details: {} } },
      { message: 'invalid workflow definition: something is off', extensions: { code: 'X' } },
      { data: null, errors: [{ message: 'Unknown query' }] },
      { error: 'Bad Request' },
    ];
    for (const body of unnamed) expect(namesAField(JSON.stringify(body)), JSON.stringify(body)).toBe(false);
  });

  it('reads a cut answer', () => {
    expect(namesAField('{"message":"body.input.a.a.a.a.a')).toBe(true);
  });
});
