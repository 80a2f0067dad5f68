/**
 * knex queries of disclosure: the ledger reads that feed a report, and the frozen disclosure
 * rows. The connection or transaction is always the first argument; nothing here decides a
 * rule. Ledger rows are read straight from entry_lines (the source of truth), not from the
 * derived daily balances, so verification sees exactly what the journal holds.
 */
import type { Knex } from 'knex';
import type { Queryable } from '../db/knex';

export interface SumRow {
  account_code: string;
  fund_code: string;
  debit: string;
  credit: string;
}

/** Sums of posted lines dated before a day, per account and fund. */
export async function sumsBefore(db: Queryable, entityId: string, before: string): Promise<SumRow[]> {
  const result = await db.raw(
    `select account_code, fund_code, coalesce(sum(debit), 0) as debit, coalesce(sum(credit), 0) as credit
       from entry_lines where entity_id = ? and date < ?
      group by account_code, fund_code order by account_code, fund_code`,
    [entityId, before],
  );
  return result.rows;
}

export interface PeriodEntryRow {
  id: string;
  number: string;
  date: string;
  memo: string;
  kind: string;
  details: Record<string, unknown>;
  reversal_of: string | null;
  reversal_reason: string | null;
  reversed_number: string | null;
}

/** Posted entries dated in the range, in voucher order, with the number of the entry each reversal reverses. */
export async function postedEntriesBetween(db: Queryable, entityId: string, range: { from: string; to: string }): Promise<PeriodEntryRow[]> {
  const result = await db.raw(
    `select e.id, e.number, e.date, e.memo, e.kind, e.details, e.reversal_of, e.reversal_reason, o.number as reversed_number
       from entries e left join entries o on o.id = e.reversal_of
      where e.entity_id = ? and e.status = 'posted' and e.date between ? and ?
      order by e.voucher_year, e.voucher_seq`,
    [entityId, range.from, range.to],
  );
  return result.rows;
}

export interface PeriodLineRow {
  entry_id: string;
  account_code: string;
  fund_code: string;
  project_id: string | null;
  debit: string | null;
  credit: string | null;
}

export async function linesBetween(db: Queryable, entityId: string, range: { from: string; to: string }): Promise<PeriodLineRow[]> {
  const result = await db.raw(
    `select entry_id, account_code, fund_code, project_id, debit, credit
       from entry_lines where entity_id = ? and date between ? and ?
      order by entry_id, line_no`,
    [entityId, range.from, range.to],
  );
  return result.rows;
}

/**
 * The first and last day each of the entity's projects had money move in posted entries
 * (lines naming the project), keyed by project id; projects whose money never moved are absent.
 * A lateral probe per project, so the partial index on project lines answers it.
 */
export async function projectMoneyDates(db: Queryable, entityId: string): Promise<Map<string, { first: string; last: string }>> {
  const result = await db.raw(
    `select p.id, dates.first_on, dates.last_on
       from projects p
       cross join lateral (select min(l.date) as first_on, max(l.date) as last_on
                             from entry_lines l where l.entity_id = p.entity_id and l.project_id = p.id) dates
      where p.entity_id = ? and dates.first_on is not null`,
    [entityId],
  );
  return new Map(result.rows.map((row: { id: string; first_on: string; last_on: string }) => [row.id, { first: row.first_on, last: row.last_on }]));
}

export interface DisclosureRow {
  id: string;
  entity_id: string;
  period: string;
  period_kind: 'month' | 'quarter' | 'year';
  period_from: string;
  period_to: string;
  version: number;
  supersedes_id: string | null;
  supersede_reason: string | null;
  published_by: string;
  published_at: Date;
  data: unknown;
  data_sha256: string;
  pdf: Buffer;
  pdf_sha256: string;
  chain_head: string;
  chain_length: string;
  countersigned_by: string | null;
  countersigned_by_name: string | null;
  countersigned_at: Date | null;
  countersign_note: string | null;
  pdf_countersigned: Buffer | null;
  pdf_countersigned_sha256: string | null;
}

/** Every column except the PDF bytes: what lists, JSON and verification need. */
const META_COLUMNS = [
  'id',
  'entity_id',
  'period',
  'period_kind',
  'period_from',
  'period_to',
  'version',
  'supersedes_id',
  'supersede_reason',
  'published_by',
  'published_at',
  'data_sha256',
  'pdf_sha256',
  'chain_head',
  'chain_length',
  'countersigned_by',
  'countersigned_by_name',
  'countersigned_at',
  'countersign_note',
  'pdf_countersigned_sha256',
];

export type DisclosureMeta = Omit<DisclosureRow, 'data' | 'pdf' | 'pdf_countersigned'>;

export async function insertDisclosure(tx: Knex.Transaction, row: Omit<DisclosureRow, 'countersigned_by' | 'countersigned_by_name' | 'countersigned_at' | 'countersign_note' | 'pdf_countersigned' | 'pdf_countersigned_sha256'>): Promise<DisclosureMeta> {
  const [inserted] = await tx('disclosures').insert(row).returning(META_COLUMNS);
  return inserted;
}

export async function latestVersionOf(tx: Knex.Transaction, entityId: string, period: string): Promise<DisclosureMeta | undefined> {
  return tx('disclosures').where({ entity_id: entityId, period }).orderBy('version', 'desc').first(META_COLUMNS);
}

export async function findMeta(db: Queryable, id: string): Promise<DisclosureMeta | undefined> {
  return db('disclosures').where({ id }).first(META_COLUMNS);
}

export async function findForCountersign(tx: Knex.Transaction, id: string): Promise<(DisclosureMeta & { data: unknown }) | undefined> {
  return tx('disclosures').where({ id }).forUpdate().first([...META_COLUMNS, 'data']);
}

export async function findWithData(db: Queryable, id: string): Promise<(DisclosureMeta & { data: unknown }) | undefined> {
  return db('disclosures').where({ id }).first([...META_COLUMNS, 'data']);
}

export async function findPdf(db: Queryable, id: string, variant: 'original' | 'countersigned'): Promise<{ entity_id: string; period: string; version: number; pdf: Buffer | null; sha256: string | null } | undefined> {
  const [pdf, sha] = variant === 'original' ? ['pdf', 'pdf_sha256'] : ['pdf_countersigned', 'pdf_countersigned_sha256'];
  return db('disclosures').where({ id }).first('entity_id', 'period', 'version', `${pdf} as pdf`, `${sha} as sha256`);
}

export async function findBytes(db: Queryable, id: string): Promise<{ pdf: Buffer; pdf_countersigned: Buffer | null; data: unknown } | undefined> {
  return db('disclosures').where({ id }).first('pdf', 'pdf_countersigned', 'data');
}

export async function recordCountersign(
  tx: Knex.Transaction,
  id: string,
  values: { by: string; byName: string; at: Date; note: string | null; pdf: Buffer; pdfSha256: string },
): Promise<void> {
  await tx('disclosures').where({ id }).update({
    countersigned_by: values.by,
    countersigned_by_name: values.byName,
    countersigned_at: values.at,
    countersign_note: values.note,
    pdf_countersigned: values.pdf,
    pdf_countersigned_sha256: values.pdfSha256,
  });
}

export async function listForEntity(db: Queryable, entityId: string): Promise<(DisclosureMeta & { latest: boolean })[]> {
  const result = await db.raw(
    `select ${META_COLUMNS.map((c) => `d.${c}`).join(', ')},
            d.version = max(d.version) over (partition by d.period) as latest
       from disclosures d where d.entity_id = ?
      order by d.period_from desc, d.period_kind, d.version desc`,
    [entityId],
  );
  return result.rows;
}

/**
 * Published reports newest first (by publication sequence), of one entity or of all, a page
 * at a time: `limit + 1` rows, so the caller knows whether another page follows. `latest` is
 * whether no later version of the same entity and period exists (the unique key answers it).
 */
export async function listPublished(db: Queryable, options: { entityId?: string; beforeSeq?: string; limit: number }): Promise<(DisclosureMeta & { seq: string; latest: boolean })[]> {
  const query = db('disclosures as d')
    .select([...META_COLUMNS.map((c) => `d.${c}`), 'd.seq'])
    .select(db.raw('not exists (select 1 from disclosures n where n.entity_id = d.entity_id and n.period = d.period and n.version > d.version) as latest'))
    .orderBy('d.seq', 'desc')
    .limit(options.limit + 1);
  if (options.entityId) query.where('d.entity_id', options.entityId);
  if (options.beforeSeq) query.where('d.seq', '<', options.beforeSeq);
  return query;
}

export async function latestPublished(db: Queryable, entityId: string): Promise<{ id: string; period: string }[]> {
  const result = await db.raw(
    `select distinct on (period) id, period from disclosures where entity_id = ? order by period, version desc`,
    [entityId],
  );
  return result.rows;
}

export async function latestVersionNumber(db: Queryable, entityId: string, period: string): Promise<number> {
  const row = await db('disclosures').where({ entity_id: entityId, period }).max<{ max: number }>('version as max').first();
  return row?.max ?? 0;
}

/** What a cached public answer depends on: whether it was countersigned and which version is the latest. */
export async function publicState(db: Queryable, id: string): Promise<{ countersigned: boolean; latestVersion: number } | undefined> {
  const result = await db.raw(
    `select d.countersigned_at is not null as countersigned,
            (select max(v.version) from disclosures v where v.entity_id = d.entity_id and v.period = d.period) as "latestVersion"
       from disclosures d where d.id = ?`,
    [id],
  );
  return result.rows[0];
}

/** The hash of the entry at a chain position: the head the chain had when it was that long. */
export async function chainHashAt(db: Queryable, entityId: string, chainIndex: string): Promise<string | null> {
  const row = await db('entries').where({ entity_id: entityId, chain_index: chainIndex }).first('hash');
  return row?.hash ?? null;
}
