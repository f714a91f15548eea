import { ConveyorError } from '@conveyor/errors';
import { ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import type { LogQuery } from './log-store';
import { buildLogFind, cursorOf, decodeCursor, toStoredLine } from './queries';

const base: LogQuery = { tenantId: 't1', workflowRunId: 'r1', limit: 50, order: 'asc' };

function validationField(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConveyorError);
    expect((error as ConveyorError).code).toBe('VALIDATION_FAILED');
    return (error as ConveyorError).details.field;
  }
  throw new Error('expected a VALIDATION_FAILED error');
}

describe('buildLogFind', () => {
  it('always scopes by tenant and run, sorts on (timestamp, _id) and fetches one extra line', () => {
    expect(buildLogFind(base)).toEqual({
      filter: { tenantId: 't1', workflowRunId: 'r1' },
      sort: { timestamp: 1, _id: 1 },
      limit: 51,
      pageSize: 50,
    });
    expect(buildLogFind({ ...base, order: 'desc' }).sort).toEqual({ timestamp: -1, _id: -1 });
  });

  it('combines step, minimum level and a half-open time range', () => {
    const since = new Date('2026-01-01T00:00:00Z');
    const until = new Date('2026-01-02T00:00:00Z');
    expect(buildLogFind({ ...base, stepRunId: 's1', minLevel: 'WARN', since, until }).filter).toEqual({
      tenantId: 't1',
      workflowRunId: 'r1',
      stepRunId: 's1',
      level: { $in: ['WARN', 'ERROR'] },
      timestamp: { $gte: since, $lt: until },
    });
    expect(buildLogFind({ ...base, minLevel: 'DEBUG' }).filter).not.toHaveProperty('level');
    expect(buildLogFind({ ...base, minLevel: 'INFO' }).filter.level).toEqual({ $in: ['INFO', 'WARN', 'ERROR'] });
  });

  it('clamps the limit to 1..1000', () => {
    expect(buildLogFind({ ...base, limit: 0 }).pageSize).toBe(1);
    expect(buildLogFind({ ...base, limit: -5 }).pageSize).toBe(1);
    expect(buildLogFind({ ...base, limit: 5000 }).pageSize).toBe(1000);
    expect(buildLogFind({ ...base, limit: 10.7 }).pageSize).toBe(10);
    expect(validationField(() => buildLogFind({ ...base, limit: Number.NaN }))).toBe('limit');
  });

  it('turns a cursor into a keyset condition after the position, in the query order, keeping every scope filter', () => {
    const id = new ObjectId();
    const timestamp = new Date('2026-03-01T10:00:00.123Z');
    const cursor = cursorOf({ id: id.toHexString(), timestamp });
    const since = new Date('2026-01-01T00:00:00Z');
    const asc = buildLogFind({ ...base, stepRunId: 's1', since, cursor }).filter;
    expect(asc).toEqual({
      tenantId: 't1',
      workflowRunId: 'r1',
      stepRunId: 's1',
      timestamp: { $gte: timestamp },
      $or: [{ timestamp: { $gt: timestamp } }, { _id: { $gt: id } }],
    });
    const until = new Date('2026-06-01T00:00:00Z');
    const desc = buildLogFind({ ...base, order: 'desc', until, cursor }).filter;
    expect(desc).toEqual({
      tenantId: 't1',
      workflowRunId: 'r1',
      timestamp: { $lt: until, $lte: timestamp },
      $or: [{ timestamp: { $lt: timestamp } }, { _id: { $lt: id } }],
    });
    // a later `since` wins over an earlier cursor position
    const later = new Date('2026-04-01T00:00:00Z');
    expect(buildLogFind({ ...base, since: later, cursor }).filter.timestamp).toEqual({ $gte: later });
  });

  it('answers VALIDATION_FAILED naming the field for bad input', () => {
    expect(validationField(() => buildLogFind({ ...base, tenantId: '' }))).toBe('tenantId');
    expect(validationField(() => buildLogFind({ ...base, workflowRunId: '' }))).toBe('workflowRunId');
    expect(validationField(() => buildLogFind({ ...base, order: 'up' as 'asc' }))).toBe('order');
    expect(validationField(() => buildLogFind({ ...base, minLevel: 'TRACE' as 'INFO' }))).toBe('minLevel');
    expect(validationField(() => buildLogFind({ ...base, since: new Date(Number.NaN) }))).toBe('since');
  });
});

describe('cursors', () => {
  it('round-trip (timestamp, id) through an opaque base64url string', () => {
    const id = new ObjectId().toHexString();
    const timestamp = new Date();
    const cursor = cursorOf({ id, timestamp });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    const decoded = decodeCursor(cursor);
    expect(decoded.id.toHexString()).toBe(id);
    expect(decoded.timestamp.getTime()).toBe(timestamp.getTime());
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'abc$%^'],
    ['not JSON', Buffer.from('hello').toString('base64url')],
    ['JSON but not an object', Buffer.from('42').toString('base64url')],
    ['missing id', Buffer.from(JSON.stringify({ t: 1 })).toString('base64url')],
    ['bad id', Buffer.from(JSON.stringify({ t: 1, id: 'zz' })).toString('base64url')],
    ['bad timestamp', Buffer.from(JSON.stringify({ t: 'x', id: '0123456789abcdef01234567' })).toString('base64url')],
    ['too long', 'a'.repeat(500)],
  ])('a malformed cursor (%s) is VALIDATION_FAILED naming cursor', (_, cursor) => {
    expect(validationField(() => buildLogFind({ ...base, cursor }))).toBe('cursor');
  });
});

describe('toStoredLine', () => {
  it('exposes the ObjectId as hex `id` and leaves absent optional fields out', () => {
    const _id = new ObjectId();
    const timestamp = new Date();
    const line = toStoredLine({ _id, tenantId: 't', workflowRunId: 'r', level: 'INFO', message: 'm', timestamp });
    expect(line).toEqual({ id: _id.toHexString(), tenantId: 't', workflowRunId: 'r', level: 'INFO', message: 'm', timestamp });
    expect(Object.keys(line)).not.toContain('stepRunId');
    expect(Object.keys(line)).not.toContain('context');
  });
});
