import pg from 'pg';

/**
 * The pool the state transitions run on. Prisma's adapter is built over the same pool, so a
 * process holds one set of connections; the hot path skips Prisma's query compiler, which cost
 * about as much CPU per statement as the statement's own I/O.
 */
export type SqlPool = pg.Pool;
/** A pool (one autocommitted statement) or a client inside a transaction. */
export type SqlExecutor = Pick<pg.Pool | pg.PoolClient, 'query'>;

/** A parameterised statement; `name` makes the connection keep it prepared (parsed once per connection). */
export interface Statement {
  name?: string;
  text: string;
  values: unknown[];
}

/**
 * `sql\`… ${value} …\`` → a statement with each value bound as $n, never spliced into the text.
 * A value that is itself a statement (made by this tag) is a fragment: its text goes in, its
 * placeholders renumbered, and its values are bound with the rest.
 */
export function sql(strings: TemplateStringsArray, ...values: unknown[]): Statement {
  let text = strings[0] ?? '';
  const bound: unknown[] = [];
  values.forEach((value, index) => {
    if (isFragment(value)) {
      const offset = bound.length;
      text += value.text.replace(/\$(\d+)/g, (_, n: string) => `$${offset + Number(n)}`);
      bound.push(...value.values);
    } else {
      bound.push(value);
      text += `$${bound.length}`;
    }
    text += strings[index + 1] ?? '';
  });
  const statement = { text, values: bound };
  fragments.add(statement);
  return statement;
}

const fragments = new WeakSet<Statement>();

function isFragment(value: unknown): value is Statement {
  return typeof value === 'object' && value !== null && fragments.has(value as Statement);
}

/**
 * Trusted text spliced into a statement as it is, never user input: the literals of a closed enum
 * (statuses) and fixed expressions. Keeps statements that use it static, so they stay preparable.
 */
export function raw(text: string): Statement {
  const statement = { text, values: [] };
  fragments.add(statement);
  return statement;
}

/** The same statement, prepared once per connection under `name`. */
export function prepared(name: string, statement: Statement): Statement {
  return { ...statement, name };
}

export async function queryRows<Row extends object>(db: SqlExecutor, statement: Statement): Promise<Row[]> {
  const result = await db.query<Row>(statement);
  return result.rows;
}

export async function execute(db: SqlExecutor, statement: Statement): Promise<number> {
  const result = await db.query(statement);
  return result.rowCount ?? 0;
}

/** BEGIN … COMMIT on one pooled connection; any error rolls back and is rethrown. */
export async function transaction<T>(pool: SqlPool, body: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await body(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * The pool, with a handler for errors on idle connections: a PostgreSQL restart or failover
 * terminates them, and node-postgres would otherwise raise that as an uncaught exception and end
 * the process. The dead connection leaves the pool; the next query opens a new one.
 */
export function createSqlPool({ url, poolSize, log }: { url: string; poolSize: number; log?: IdleErrorLog }): SqlPool {
  // A connection that cannot be had within CONNECT_TIMEOUT_MS fails the statement (the api answers 503)
  // instead of waiting for ever on a server that is down or a pool that is exhausted. A connection, once
  // opened, is kept while idle (`min`): closed after node-postgres's 10 s of idleness, the first burst after
  // a quiet moment paid for new backends and for preparing every statement again on each (runs of the first
  // second of a burst took up to 270 ms to start, against under 80 ms after it).
  const pool = new pg.Pool({ connectionString: url, max: poolSize, min: poolSize, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  pool.on('error', (error) => log?.warn({ error }, 'an idle database connection failed; it leaves the pool'));
  return pool;
}

/** How long a statement waits for a connection (a new one, or a free one of the pool). */
const CONNECT_TIMEOUT_MS = 5_000;

/** Where the pool reports a failed idle connection. */
export interface IdleErrorLog {
  warn(fields: object, message: string): void;
}
