/**
 * The knex instance and pg type parsing. DATE columns stay 'YYYY-MM-DD' strings (a book date
 * is a calendar day, never a JS Date), numeric stays a string (money), int8 stays a string.
 */
import knexFactory, { Knex } from 'knex';
import pg from 'pg';
import path from 'node:path';

pg.types.setTypeParser(pg.types.builtins.DATE, (value: string) => value);

export type Db = Knex;
export type Tx = Knex.Transaction;
export type Queryable = Knex | Knex.Transaction;

export const MIGRATIONS_DIR = path.resolve(__dirname, '../../migrations');

export interface DbOptions {
  min?: number;
  max?: number;
  /**
   * Limits for a database that hangs rather than dies (stopped, or cut off by the network):
   * connecting, waiting for a pooled connection, and waiting for a query's answer. Past them a
   * request fails (a 503) instead of hanging. The service sets them; tools that run long
   * statements (the bulk loader, migrations of big books) leave them unset.
   */
  timeouts?: { connectMs: number; acquireMs: number; queryMs: number };
  /** Where knex's own warnings and errors go (the service's pino logger); knex prints them as plain text otherwise. */
  log?: { warn(message: string): void; error(message: string): void };
}

/**
 * Session settings every connection starts with, whatever the server's or database's defaults:
 * dates are read as text and compared as text ('2026-10-05'), so a server set to another
 * DateStyle ('SQL, DMY' gives 05/10/2026) would otherwise quietly break closing, publishing and
 * the hash chain (an acceptance tester's PostgreSQL 15 found it). Sent with the connection's
 * start-up message: no extra round trip.
 */
const SESSION_OPTIONS = '-c DateStyle=ISO,YMD -c IntervalStyle=postgres';

export function createDb(connectionString: string, options: DbOptions = {}): Knex {
  const { timeouts } = options;
  return knexFactory({
    client: 'pg',
    connection: {
      connectionString,
      options: SESSION_OPTIONS,
      ...(timeouts ? { connectionTimeoutMillis: timeouts.connectMs, query_timeout: timeouts.queryMs } : {}),
    },
    pool: { min: options.min ?? 0, max: options.max ?? 10 },
    ...(options.log
      ? { log: { warn: (message: unknown) => options.log?.warn(String(message)), error: (message: unknown) => options.log?.error(String(message)), deprecate: () => undefined, debug: () => undefined } }
      : {}),
    ...(timeouts ? { acquireConnectionTimeout: timeouts.acquireMs } : {}),
    migrations: { directory: MIGRATIONS_DIR, loadExtensions: ['.ts', '.js'], tableName: 'knex_migrations' },
  });
}

export async function migrate(db: Knex): Promise<void> {
  await db.migrate.latest({ directory: MIGRATIONS_DIR, loadExtensions: ['.ts', '.js'] });
}

/** The database cannot be reached at start-up: said in one line, without a stack. */
export class DatabaseUnreachable extends Error {}

/**
 * One connection and a `select 1`, within 10 s, before the service migrates: a wrong password,
 * a stopped server or a missing database is then one sentence naming the server and database
 * (never the password) instead of two stack traces, and a server that accepts connections but
 * never answers does not hold the start-up for half a minute.
 */
export async function checkReachable(connectionString: string): Promise<void> {
  const where = (() => {
    const url = new URL(connectionString);
    return `${url.hostname || 'localhost'}:${url.port || '5432'}/${decodeURIComponent(url.pathname.slice(1)) || '(default database)'}`;
  })();
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 10_000, query_timeout: 10_000, options: SESSION_OPTIONS });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    const reason = error instanceof Error && error.message ? error.message : String(error);
    throw new DatabaseUnreachable(`cannot use the database at ${where} (DATABASE_URL): ${reason}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
