import { ConveyorError } from '@conveyor/errors';
import { type Filter, ObjectId, type Sort } from 'mongodb';
import { isLogLevel, type LogDocument, levelsAtOrAbove, type StoredLogLine } from './log-line';
import type { LogQuery } from './log-store';

export const MAX_PAGE_LIMIT = 1000;

/**
 * Turns a `LogQuery` into a MongoDB find: the tenant and run filters always apply, the cursor only
 * moves the keyset position on `(timestamp, _id)`, so a cursor taken from another run, tenant or
 * order can never widen what a query sees. Fetches `limit + 1` to know whether a next page exists.
 */
export function buildLogFind(q: LogQuery): { filter: Filter<LogDocument>; sort: Sort; limit: number; pageSize: number } {
  if (typeof q.tenantId !== 'string' || q.tenantId === '') throw invalid('tenantId', 'tenantId is required');
  if (typeof q.workflowRunId !== 'string' || q.workflowRunId === '') throw invalid('workflowRunId', 'workflowRunId is required');
  if (q.order !== 'asc' && q.order !== 'desc') throw invalid('order', "order must be 'asc' or 'desc'");
  if (typeof q.limit !== 'number' || Number.isNaN(q.limit)) throw invalid('limit', 'limit must be a number');
  const pageSize = Math.min(MAX_PAGE_LIMIT, Math.max(1, Math.trunc(q.limit)));

  const filter: Filter<LogDocument> = { tenantId: q.tenantId, workflowRunId: q.workflowRunId };
  if (q.stepRunId !== undefined) filter.stepRunId = q.stepRunId;
  if (q.minLevel !== undefined) {
    if (!isLogLevel(q.minLevel)) throw invalid('minLevel', 'minLevel must be one of DEBUG, INFO, WARN, ERROR');
    if (q.minLevel !== 'DEBUG') filter.level = { $in: levelsAtOrAbove(q.minLevel) };
  }
  const direction = q.order === 'asc' ? 1 : -1;
  const range: { $gte?: Date; $lt?: Date; $lte?: Date } = {};
  if (q.since !== undefined) range.$gte = validDate(q.since, 'since');
  if (q.until !== undefined) range.$lt = validDate(q.until, 'until');
  if (q.cursor !== undefined) {
    // Keyset: (timestamp, _id) strictly after the cursor in this order, written as a bound on
    // `timestamp` (an index range) plus a `$or` that settles the ties on `_id`.
    const position = decodeCursor(q.cursor);
    if (direction === 1) {
      if (range.$gte === undefined || range.$gte < position.timestamp) range.$gte = position.timestamp;
      filter.$or = [{ timestamp: { $gt: position.timestamp } }, { _id: { $gt: position.id } }];
    } else {
      range.$lte = position.timestamp;
      filter.$or = [{ timestamp: { $lt: position.timestamp } }, { _id: { $lt: position.id } }];
    }
  }
  if (Object.keys(range).length > 0) filter.timestamp = range;
  return { filter, sort: { timestamp: direction, _id: direction }, limit: pageSize + 1, pageSize };
}

/** The cursor that continues after `line` (in whichever order the next query asks for). */
export function cursorOf(line: Pick<StoredLogLine, 'id' | 'timestamp'>): string {
  return Buffer.from(JSON.stringify({ t: line.timestamp.getTime(), id: line.id })).toString('base64url');
}

/** Reads a cursor back; anything that is not one of ours is VALIDATION_FAILED naming `cursor`. */
export function decodeCursor(cursor: string): { timestamp: Date; id: ObjectId } {
  const malformed = () => invalid('cursor', 'cursor is malformed');
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw malformed();
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw malformed();
  }
  if (typeof parsed !== 'object' || parsed === null) throw malformed();
  const { t, id } = parsed as { t?: unknown; id?: unknown };
  if (typeof t !== 'number' || !Number.isSafeInteger(t) || Math.abs(t) > 8.64e15) throw malformed();
  if (typeof id !== 'string' || !/^[0-9a-f]{24}$/.test(id)) throw malformed();
  return { timestamp: new Date(t), id: ObjectId.createFromHexString(id) };
}

/** A stored document as the read API returns it; absent optional fields stay absent. */
export function toStoredLine(doc: LogDocument): StoredLogLine {
  const line: StoredLogLine = {
    id: doc._id.toHexString(),
    tenantId: doc.tenantId,
    workflowRunId: doc.workflowRunId,
    level: doc.level,
    message: doc.message,
    timestamp: doc.timestamp,
  };
  if (doc.stepRunId !== undefined && doc.stepRunId !== null) line.stepRunId = doc.stepRunId;
  if (doc.context !== undefined && doc.context !== null) line.context = doc.context;
  return line;
}

function validDate(value: Date, field: string): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw invalid(field, `${field} must be a valid date`);
  return value;
}

function invalid(field: string, message: string): ConveyorError {
  return new ConveyorError({ code: 'VALIDATION_FAILED', message, details: { field } });
}
