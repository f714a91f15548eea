import { describe, expect, it } from 'vitest';
import { debounceKeyProblem, debounceSchema, resolveDebounceKey } from './debounce';

describe('debounceSchema', () => {
  it('takes a window of 100 ms to one hour, in whole milliseconds, and an optional key', () => {
    expect(debounceSchema.safeParse({ windowMs: 100 }).success).toBe(true);
    expect(debounceSchema.safeParse({ windowMs: 3_600_000, key: '{{ input.id }}' }).success).toBe(true);
    expect(debounceSchema.safeParse({ windowMs: 5_000, key: null }).success).toBe(true);
    for (const windowMs of [99, 3_600_001, 250.5, -1])
      expect(debounceSchema.safeParse({ windowMs }).success, `${windowMs}`).toBe(false);
    expect(debounceSchema.safeParse({ windowMs: 1_000, key: '' }).success).toBe(false);
  });
});

describe('debounceKeyProblem', () => {
  it('accepts plain templates over the request body, interpolated ones included', () => {
    expect(debounceKeyProblem('{{ input.customerId }}')).toBeNull();
    expect(debounceKeyProblem('{{ input.customer.id }}-{{ input.region }}')).toBeNull();
    expect(debounceKeyProblem('{{ input.items[0].sku }}')).toBeNull();
  });

  it('refuses a key that reads steps, that reads nothing of the body, that is not plain, or does not parse', () => {
    expect(debounceKeyProblem('{{ steps.fetch.output.id }}')).toMatch(/reads steps\.fetch.*only the request body/);
    expect(debounceKeyProblem('{{ customerId }}')).toMatch(/reads nothing of the request body/);
    expect(debounceKeyProblem('constant')).toMatch(/reads nothing of the request body/);
    expect(debounceKeyProblem('{{ $uppercase(input.customerId) }}')).toMatch(/must be plain/);
    expect(debounceKeyProblem('{{ input.customerId')).toMatch(/\S/);
    expect(debounceKeyProblem('{{ input.( }}')).toMatch(/syntax error/);
  });
});

describe('resolveDebounceKey', () => {
  it('resolves a string as it is, other values as JSON and a missing field as null', async () => {
    expect(await resolveDebounceKey('{{ input.customerId }}', { customerId: 'c-1' })).toBe('c-1');
    expect(await resolveDebounceKey('{{ input.customerId }}', { customerId: 42 })).toBe('42');
    expect(await resolveDebounceKey('{{ input.customer }}', { customer: { id: 1 } })).toBe('{"id":1}');
    expect(await resolveDebounceKey('{{ input.customerId }}', {})).toBe('null');
    expect(await resolveDebounceKey('{{ input.a }}/{{ input.b }}', { a: 'x', b: 2 })).toBe('x/2');
  });

  it('refuses a key that is not plain or does not evaluate over the body, naming debounce.key', async () => {
    await expect(resolveDebounceKey('{{ $string(input.a) }}', { a: 1 })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { path: 'debounce.key' },
    });
    await expect(resolveDebounceKey('{{ input.a + 1 }}', { a: 'text' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringMatching(/^debounce\.key: /),
    });
  });
});
