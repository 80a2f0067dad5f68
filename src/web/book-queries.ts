/**
 * Read-only lookups the treasurer's and supervisor's pages need and the ledger service does not
 * offer as use cases: the names of the people who recorded entries, how many entries a
 * supervisor returned lately, and the month the books start in. Kept apart from queries.ts, whose sums are all a public page may
 * show: these are for pages behind login. The page's role check runs
 * before these; nothing here writes or decides a rule.
 */
import type { Knex } from 'knex';

/** Display names by user id, for the ids given (unknown ids are simply missing). */
export async function userNamesOf(db: Knex, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows: { id: string; display_name: string }[] = await db('users').whereIn('id', [...new Set(ids)]).select('id', 'display_name');
  return new Map(rows.map((row) => [row.id, row.display_name]));
}

/** How many of the entity's entries a supervisor returned (rejected, not withdrawn by their author) since `since`. */
export async function returnedSince(db: Knex, entityId: string, since: Date): Promise<number> {
  const row = await db('entries')
    .where({ entity_id: entityId, status: 'rejected' })
    .whereRaw('rejected_by is distinct from created_by')
    .andWhere('rejected_at', '>=', since)
    .count<{ count: string }[]>({ count: '*' })
    .first();
  return Number(row?.count ?? 0);
}

/**
 * The month of the entity's earliest entry, whatever its state ('2026-01'); null when it has
 * none. The entries list, which shows pending and returned entries too, goes back no further.
 */
export async function firstEntryMonth(db: Knex, entityId: string): Promise<string | null> {
  const row = await db('entries').where({ entity_id: entityId }).min<{ min: string | null }>('date as min').first();
  return row?.min ? row.min.slice(0, 7) : null;
}
