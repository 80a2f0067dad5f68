/**
 * Read-only lookups the treasurer's and supervisor's pages need and the ledger service does not
 * offer as use cases: the names of the people who recorded entries. The page's role check runs
 * before these; nothing here writes or decides a rule.
 */
import type { Knex } from 'knex';

/** Display names by user id, for the ids given (unknown ids are simply missing). */
export async function userNamesOf(db: Knex, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows: { id: string; display_name: string }[] = await db('users').whereIn('id', [...new Set(ids)]).select('id', 'display_name');
  return new Map(rows.map((row) => [row.id, row.display_name]));
}
