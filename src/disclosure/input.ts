/**
 * Gathers a ReportInput from the ledger for one entity and period: the chart, funds and
 * projects, opening sums before the period and before its fiscal year, every posted entry of
 * the period with its lines in voucher order, and the period's reconciliations. Publishing and
 * verification both call it, so the figures a report froze can be rebuilt from the journal
 * and compared. It reads only; the caller supplies the publication fields (version, time,
 * verification block), and it decides no figure — `buildReport` does.
 *
 * Grants (a foundation's year): every grant awarded in the year or with money moving in it
 * (before format 4, only grants whose decision was recorded by the year's end),
 * read through the grants module's queries, with the amount disbursed as of the period's last
 * day (disbursements minus refunds dated up to it) and the status as of that day (已批准 until
 * money moved, then 执行中; from report format 2 also 结项中 and 已结项, by the workflow's
 * history up to that day) — never today's figures, so the year can be rebuilt and verified
 * later without drifting.
 */
import Decimal from 'decimal.js';
import type { Queryable } from '../db/knex';
import * as grantQueries from '../grants/queries';
import { shanghaiDate } from '../shared/clock';
import { addDays } from '../shared/dates';
import type { EntityRow } from '../ledger/queries';
import * as ledgerQueries from '../ledger/queries';
import { cashAndBankBooksOn } from '../ledger/service';
import { D, formatMoney, ZERO } from '../shared/money';
import type { Period } from './calendar';
import type { AccountType, EntryInput, EntryKind, ReceiptKind, ReportInput } from './model';
import * as queries from './queries';

/** What a publication fixes for good, so verification can rebuild the same report later. */
export type PublicationFields = Required<Pick<ReportInput, 'schemaVersion'>> &
  Pick<ReportInput, 'version' | 'supersedes' | 'publishedAt' | 'countersignature' | 'verification'>;

const ENTRY_KINDS: readonly EntryKind[] = ['receipt', 'payment', 'journal', 'reversal', 'grant_disbursement', 'grant_receipt', 'grant_refund', 'year_end_close'];
const RECEIPT_KINDS: readonly ReceiptKind[] = ['donation', 'parking', 'recycling', 'subsidy', 'other'];

export async function gatherReportInput(db: Queryable, entity: EntityRow, period: Period, publication: PublicationFields): Promise<ReportInput> {
  const range = { from: period.from, to: period.to };
  // Sequential on purpose: `db` may be a transaction, which is one connection.
  const accounts = await ledgerQueries.listAccounts(db, entity.id);
  const funds = await ledgerQueries.listFunds(db, entity.id);
  const projects = await ledgerQueries.listProjects(db, entity.id);
  const opening = await queries.sumsBefore(db, entity.id, period.from);
  const yearStart = `${period.from.slice(0, 4)}-01-01`;
  const yearOpening = yearStart === period.from ? opening : await queries.sumsBefore(db, entity.id, yearStart);
  const entryRows = await queries.postedEntriesBetween(db, entity.id, range);
  const lineRows = await queries.linesBetween(db, entity.id, range);
  const reconciliations = await ledgerQueries.listReconciliations(db, entity.id, range);

  const linesByEntry = new Map<string, EntryInput['lines']>();
  for (const line of lineRows) {
    const list = linesByEntry.get(line.entry_id) ?? [];
    list.push({ accountCode: line.account_code, fundCode: line.fund_code, projectId: line.project_id, debit: line.debit, credit: line.credit });
    linesByEntry.set(line.entry_id, list);
  }

  return {
    entity: { id: entity.id, code: entity.code, name: entity.name, kind: entity.kind },
    period: { label: period.label, kind: period.kind, from: period.from, to: period.to },
    ...publication,
    accounts: accounts.map((a) => ({ code: a.code, name: a.name, type: a.type as AccountType, parentCode: a.parent_code })),
    funds: funds.map((f) => ({ code: f.code, name: f.name, restricted: f.restricted, purpose: f.purpose })),
    projects: projects.map((p) => ({ id: p.id, name: p.name })),
    opening: opening.map(sumInput),
    yearOpening: yearOpening.map(sumInput),
    entries: entryRows.map((row) => ({
      id: row.id,
      number: row.number,
      date: row.date,
      memo: row.memo,
      kind: ENTRY_KINDS.includes(row.kind as EntryKind) ? (row.kind as EntryKind) : 'journal',
      receiptKind: receiptKindOf(row.details),
      counterparty: counterpartyOf(row.kind, row.details),
      reversal: row.reversal_of ? { ofId: row.reversal_of, ofNumber: row.reversed_number ?? '', reason: row.reversal_reason ?? '' } : null,
      lines: linesByEntry.get(row.id) ?? [],
    })),
    reconciliations: await reconciliationsOf(db, entity.id, reconciliations, publication.schemaVersion),
    grants: entity.kind === 'foundation' && period.kind === 'year' ? await grantsOfYear(db, entity.id, range, publication) : undefined,
  };
}

/**
 * The period's counts as recorded, and from format 4 the books as they stand for each count's
 * day: entries dated that day or before can be posted after the count (a disbursement later the
 * same day, a back-dated receipt), and the report says so rather than let the stored figures
 * contradict its closing balances. Every month in a published period is closed, so these
 * figures cannot change afterwards and verification rebuilds the same.
 */
async function reconciliationsOf(db: Queryable, entityId: string, rows: Record<string, string | null>[], schemaVersion: number): Promise<ReportInput['reconciliations']> {
  const booksOn = schemaVersion >= 4 ? await cashAndBankBooksOn(db, entityId, rows.map((r) => r.date as string)) : undefined;
  const result: ReportInput['reconciliations'] = [];
  for (const r of rows) {
    const booksNow = booksOn?.get(r.date as string);
    result.push({
      date: r.date as string,
      cashCounted: formatMoney(r.cash_counted as string),
      bankStatementBalance: formatMoney(r.bank_statement_balance as string),
      cashBook: formatMoney(r.cash_book as string),
      bankBook: formatMoney(r.bank_book as string),
      note: r.note,
      ...(booksNow && { booksNow: { cash: formatMoney(booksNow.cash), bank: formatMoney(booksNow.bank) } }),
    });
  }
  return result;
}

/** Enough for any foundation's year; the grants queries page by a limit. */
const GRANT_PAGE = 100_000;

async function grantsOfYear(
  db: Queryable,
  entityId: string,
  range: { from: string; to: string },
  { publishedAt, schemaVersion }: PublicationFields,
): Promise<NonNullable<ReportInput['grants']>> {
  const grants: NonNullable<ReportInput['grants']> = [];
  // Steps up to the period's end, and known when it was published: a year published before
  // it ended keeps the statuses it showed (grant steps are not held by closed periods).
  const periodEnd = new Date(`${addDays(range.to, 1)}T00:00:00+08:00`);
  const published = new Date(publishedAt);
  const until = new Date(Math.min(periodEnd.getTime(), published.getTime() + 1));
  const rounds = await grantQueries.listRounds(db, { entityId, limit: GRANT_PAGE });
  for (const round of rounds) {
    const applications = await grantQueries.listApplicationsOfRound(db, round.id, { limit: GRANT_PAGE });
    const statusesAtEnd = await grantQueries.statusesBefore(db, applications.map((application) => application.id), until);
    for (const application of applications) {
      if (application.amount_awarded === null || application.decided_at === null) continue;
      const awardedOn = shanghaiDate(new Date(application.decided_at));
      const disbursements = await grantQueries.disbursementsOf(db, application.id);
      const refunds = await grantQueries.refundsOf(db, application.id);
      const movedInYear = [...disbursements, ...refunds].some((m) => m.date >= range.from && m.date <= range.to);
      // A grant entered after the fact (decision recorded now, its money dated in an earlier
      // year) belongs, from format 4, to the years its money moved in too: otherwise that year
      // shows the expense and no grant, and the decision's year the grant and none of its money.
      if (awardedOn > range.to && !(schemaVersion >= 4 && movedInYear)) continue;
      if (awardedOn < range.from && !movedInYear) continue;
      const upTo = (rows: { date: string; amount: string }[]): Decimal =>
        rows.filter((r) => r.date <= range.to).reduce((total, r) => total.plus(D(r.amount)), ZERO);
      const disbursed = upTo(disbursements).minus(upTo(refunds));
      grants.push({
        id: application.id,
        title: application.title,
        recipient: application.organization,
        amountAwarded: formatMoney(application.amount_awarded),
        amountDisbursed: formatMoney(disbursed.isNegative() ? ZERO : disbursed),
        status: disbursements.some((d) => d.date <= range.to) ? 'active' : 'approved',
        statusAtEnd: statusesAtEnd.get(application.id),
      });
    }
  }
  return grants;
}

function sumInput(row: queries.SumRow) {
  return { accountCode: row.account_code, fundCode: row.fund_code, debit: formatMoney(row.debit), credit: formatMoney(row.credit) };
}

function receiptKindOf(details: Record<string, unknown>): ReceiptKind | undefined {
  const kind = details.receiptKind;
  return typeof kind === 'string' && RECEIPT_KINDS.includes(kind as ReceiptKind) ? (kind as ReceiptKind) : undefined;
}

/**
 * The payer or payee as the entry recorded it; anything malformed counts as no counterparty.
 * A payment's payee was never asked to be named (the payment command has no such field), so
 * for payments consent is `null` whatever the entry stored: a person is masked, an
 * organisation shown in full (see mask.ts).
 */
function counterpartyOf(kind: string, details: Record<string, unknown>): EntryInput['counterparty'] {
  const value = details.counterparty as { name?: unknown; anonymous?: unknown; nameConsent?: unknown } | null | undefined;
  if (!value || typeof value !== 'object' || typeof value.name !== 'string') return null;
  const consentAsked = kind !== 'payment';
  return { name: value.name, anonymous: value.anonymous === true, nameConsent: consentAsked ? value.nameConsent === true : null };
}
