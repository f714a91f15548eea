import { describe, expect, it } from 'vitest';
import { prepared, sql } from './sql';

describe('sql', () => {
  it('binds every value as a numbered parameter, never in the text', () => {
    const name = 'x\'); DROP TABLE "StepRun"; --';
    expect(sql`SELECT ${1}, ${name}::text`).toEqual({ text: 'SELECT $1, $2::text', values: [1, name] });
  });

  it('splices a fragment with its placeholders renumbered and its values in order', () => {
    const where = sql`"id" = ${'a'} AND "tenantId" = ${'t'}`;
    const statement = sql`UPDATE x SET y = ${42} WHERE ${where} AND z = ${true}`;
    expect(statement).toEqual({
      text: 'UPDATE x SET y = $1 WHERE "id" = $2 AND "tenantId" = $3 AND z = $4',
      values: [42, 'a', 't', true],
    });
  });

  it('binds a plain object that only looks like a statement as a value', () => {
    const lookalike = { text: 'DROP TABLE x', values: [] };
    expect(sql`SELECT ${lookalike}`).toEqual({ text: 'SELECT $1', values: [lookalike] });
    expect(prepared('n', sql`SELECT 1`)).toEqual({ name: 'n', text: 'SELECT 1', values: [] });
  });
});
