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

export function createDb(connectionString: string, pool: { min?: number; max?: number } = {}): Knex {
  return knexFactory({
    client: 'pg',
    connection: connectionString,
    pool: { min: pool.min ?? 0, max: pool.max ?? 10 },
    migrations: { directory: MIGRATIONS_DIR, loadExtensions: ['.ts', '.js'], tableName: 'knex_migrations' },
  });
}

export async function migrate(db: Knex): Promise<void> {
  await db.migrate.latest({ directory: MIGRATIONS_DIR, loadExtensions: ['.ts', '.js'] });
}
