/**
 * Read-only lookups the treasurer's and supervisor's pages need and the ledger service does not
 * offer as use cases: the names of the people who recorded entries, how many entries a
 * supervisor returned lately, the month the books start in, and what a user has just recorded. Kept apart from queries.ts, whose sums are all a public page may
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

/** A receipt or payment a user has just recorded, as the forms compare and list it. */
export interface RecentEntry {
  id: string;
  number: string | null;
  status: 'posted' | 'pending_approval';
  date: string;
  amount: string;
  details: { method?: string; receiptKind?: string; category?: string; purpose?: string; counterparty?: { name?: string } | null };
  /** How long ago it was recorded, by the database's clock, which stamps created_at. */
  ageSeconds: number;
}

/**
 * The receipts or payments (`kind`) the user recorded in the entity's books in the last
 * `minutes`, newest first, with their amount whether posted or waiting for approval. Entries
 * sent back or withdrawn, and those reversed, are left out: recording them again repeats nothing.
 */
export async function recentEntriesBy(db: Knex, query: { entityId: string; userId: string; kind: 'receipt' | 'payment'; minutes: number }): Promise<RecentEntry[]> {
  const result = await db.raw(
    `select e.id, e.number, e.status, to_char(e.date, 'YYYY-MM-DD') as date, e.details,
            floor(extract(epoch from now() - e.created_at))::int as "ageSeconds",
            coalesce(
              (select sum(l.debit) from entry_lines l where l.entry_id = e.id),
              (select sum((p->>'debit')::numeric) from jsonb_array_elements(e.pending_lines) p)
            )::text as amount
       from entries e
      where e.entity_id = ? and e.created_by = ? and e.kind = ? and e.status <> 'rejected'
        and e.created_at > now() - make_interval(mins => ?)
        and not exists (select 1 from entries r where r.reversal_of = e.id and r.status <> 'rejected')
      order by e.created_at desc
      limit 20`,
    [query.entityId, query.userId, query.kind, query.minutes],
  );
  return result.rows as RecentEntry[];
}
