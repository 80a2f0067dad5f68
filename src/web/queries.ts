/**
 * Read-only aggregates for the public pages, which show figures without a logged-in actor:
 * balances of monetary accounts and funds, income by source and spending by project. Only
 * sums leave this module — never a line, a payer or a payee — so a public page cannot leak a
 * donor's name by accident. It writes nothing.
 */
import type { Knex } from 'knex';
import type { EntityRow } from '../ledger/queries';

export async function findEntityByCode(db: Knex, code: string): Promise<EntityRow | undefined> {
  return db<EntityRow>('entities').where({ code }).first();
}

/**
 * Balances of the given accounts at the end of `asOf`: the page is headed "数据截至 <today>",
 * so an entry dated later (a typo, or money expected next month) must not count yet.
 */
export async function accountBalancesAsOf(db: Knex, entityId: string, codes: string[], asOf: string): Promise<Map<string, string>> {
  if (codes.length === 0) return new Map();
  const rows = await db('daily_balances')
    .where({ entity_id: entityId })
    .whereIn('account_code', codes)
    .where('day', '<=', asOf)
    .groupBy('account_code')
    .select('account_code', db.raw('sum(debit) - sum(credit) as balance'));
  return new Map(rows.map((row: { account_code: string; balance: string }) => [row.account_code, row.balance]));
}

/** Net assets held in each fund at the end of `asOf` (credit − debit over net-asset, revenue and expense accounts). */
export async function fundNetAssetsAsOf(db: Knex, entityId: string, fundCodes: string[], asOf: string): Promise<Map<string, string>> {
  if (fundCodes.length === 0) return new Map();
  const result = await db.raw(
    `select d.fund_code, sum(d.credit) - sum(d.debit) as balance
       from daily_balances d
       join accounts a on a.entity_id = d.entity_id and a.code = d.account_code
      where d.entity_id = ? and d.fund_code = any(?) and a.type in ('net_assets','revenue','expense') and d.day <= ?
      group by d.fund_code`,
    [entityId, fundCodes, asOf],
  );
  return new Map(result.rows.map((row: { fund_code: string; balance: string }) => [row.fund_code, row.balance]));
}

export interface AccountTotal {
  account_code: string;
  debit: string;
  credit: string;
}

/** Posted revenue lines in a date range, summed per account; the year-end close is left out. */
export async function revenueByAccount(db: Knex, entityId: string, range: { from: string; to: string }): Promise<AccountTotal[]> {
  const result = await db.raw(
    `select l.account_code, coalesce(sum(l.debit), 0) as debit, coalesce(sum(l.credit), 0) as credit
       from entry_lines l
       join entries e on e.id = l.entry_id
       join accounts a on a.entity_id = l.entity_id and a.code = l.account_code
      where l.entity_id = ? and l.date between ? and ? and a.type = 'revenue' and e.kind <> 'year_end_close'
      group by l.account_code order by l.account_code`,
    [entityId, range.from, range.to],
  );
  return result.rows;
}

export interface ProjectTotal {
  project_name: string | null;
  debit: string;
  credit: string;
}

/** Posted expense lines in a date range, summed per project (null: no project). */
export async function expenseByProject(db: Knex, entityId: string, range: { from: string; to: string }): Promise<ProjectTotal[]> {
  const result = await db.raw(
    `select p.name as project_name, coalesce(sum(l.debit), 0) as debit, coalesce(sum(l.credit), 0) as credit
       from entry_lines l
       join entries e on e.id = l.entry_id
       join accounts a on a.entity_id = l.entity_id and a.code = l.account_code
       left join projects p on p.id = l.project_id
      where l.entity_id = ? and l.date between ? and ? and a.type = 'expense' and e.kind <> 'year_end_close'
      group by p.name order by p.name nulls last`,
    [entityId, range.from, range.to],
  );
  return result.rows;
}

/** A published report by the SHA-256 of its snapshot or of either PDF (what a QR or paper shows). */
export async function findDisclosureIdByHash(db: Knex, sha256: string): Promise<string | null> {
  const row = await db('disclosures')
    .where('data_sha256', sha256)
    .orWhere('pdf_sha256', sha256)
    .orWhere('pdf_countersigned_sha256', sha256)
    .orderBy('published_at', 'desc')
    .first('id');
  return row?.id ?? null;
}
