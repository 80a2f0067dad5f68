/**
 * Posting: the one path by which money enters the books. It checks an entry against the
 * rules (balanced in total and per fund, leaf accounts, known funds and projects, open
 * period, no overdraft of cash, bank or a restricted fund), takes the entity's posting lock,
 * assigns the next gapless voucher number, links the entry into the hash chain and folds it
 * into the daily balances — all inside the caller's database transaction. It never commits.
 */
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import Decimal from 'decimal.js';
import { assert } from '../shared/assert';
import { DomainError, FieldError } from '../shared/errors';
import { D, formatMoney, ZERO } from '../shared/money';
import { monthOf, yearOf } from '../shared/dates';
import { chainHash, ChainEntry } from './hash';
import * as queries from './queries';
import type { AccountRow, EntryRow, FundRow, LineRow, PendingLine } from './queries';

export interface LineDraft {
  accountCode: string;
  fundCode: string;
  projectId: string | null;
  debit: Decimal | null;
  credit: Decimal | null;
  memo: string | null;
}

export type EntryKind =
  | 'journal'
  | 'receipt'
  | 'payment'
  | 'reversal'
  | 'year_end_close'
  | 'grant_disbursement'
  | 'grant_receipt'
  | 'grant_refund';

export interface EntryDraft {
  entityId: string;
  date: string;
  memo: string;
  kind: EntryKind;
  details: Record<string, unknown>;
  lines: LineDraft[];
  authorId: string | null;
  reversal?: { of: string; reason: string };
  /** 'auto' applies the entity's approval threshold; 'exempt' is for entries approved elsewhere (grant decisions, year-end close). */
  approval: 'auto' | 'exempt';
  /** Whether the overdraft rule applies (not for the year-end close, which moves balances inside funds). */
  checkOverdraft?: boolean;
}

/** Pure checks that need no database: each line one positive side, balanced in total and per fund. */
export function checkDraftShape(lines: LineDraft[]): void {
  const errors: FieldError[] = [];
  if (lines.length < 2) errors.push({ path: 'body.lines', message: 'an entry needs at least two lines' });
  lines.forEach((line, index) => {
    const sides = (line.debit ? 1 : 0) + (line.credit ? 1 : 0);
    if (sides !== 1) errors.push({ path: `body.lines.${index}`, message: 'a line has exactly one of debit or credit' });
    const amount = line.debit ?? line.credit;
    if (amount && amount.lte(0)) errors.push({ path: `body.lines.${index}`, message: 'amounts are greater than zero' });
  });
  if (errors.length > 0) throw new DomainError('entry_not_balanced', 'Every line needs exactly one positive side.', { errors });

  const perFund = new Map<string, Decimal>();
  let total = ZERO;
  for (const line of lines) {
    const signed = line.debit ? line.debit : (line.credit as Decimal).neg();
    total = total.plus(signed);
    perFund.set(line.fundCode, (perFund.get(line.fundCode) ?? ZERO).plus(signed));
  }
  if (!total.isZero()) {
    const debits = lines.reduce((sum, line) => sum.plus(line.debit ?? 0), ZERO);
    const credits = lines.reduce((sum, line) => sum.plus(line.credit ?? 0), ZERO);
    throw new DomainError('entry_not_balanced', `Debits (${formatMoney(debits)}) do not equal credits (${formatMoney(credits)}).`, {
      errors: [{ path: 'body.lines', message: `debits ${formatMoney(debits)} ≠ credits ${formatMoney(credits)}` }],
    });
  }
  const unbalanced = [...perFund.entries()].filter(([, net]) => !net.isZero());
  if (unbalanced.length > 0) {
    throw new DomainError('entry_not_balanced', `Debits must equal credits within each fund; fund ${unbalanced[0][0]} is off by ${formatMoney(unbalanced[0][1].abs())}.`, {
      errors: unbalanced.map(([fund, net]) => ({ path: 'body.lines', message: `fund ${fund} is off by ${formatMoney(net.abs())}` })),
    });
  }
}

interface Resolved {
  accounts: Map<string, AccountRow>;
  funds: Map<string, FundRow>;
}

async function resolveReferences(tx: Knex.Transaction, entityId: string, lines: LineDraft[]): Promise<Resolved> {
  const accountCodes = [...new Set(lines.map((line) => line.accountCode))];
  const fundCodes = [...new Set(lines.map((line) => line.fundCode))];
  const projectIds = [...new Set(lines.map((line) => line.projectId).filter((id): id is string => id !== null))];
  // One connection serves a transaction: queries run one after another, never concurrently.
  const accountRows = await queries.findAccounts(tx, entityId, accountCodes);
  const fundRows = await queries.findFunds(tx, entityId, fundCodes);
  const projectRows = projectIds.length > 0 ? await queries.findProjects(tx, entityId, projectIds) : [];
  return checkReferences(lines, accountRows, fundRows, projectRows.map((row) => row.id));
}

/** Every line names a leaf account, a fund and (if any) a project of these books. */
function checkReferences(lines: LineDraft[], accountRows: AccountRow[], fundRows: FundRow[], projectIds: string[]): Resolved {
  const accounts = new Map(accountRows.map((row) => [row.code, row]));
  const funds = new Map(fundRows.map((row) => [row.code, row]));
  const projects = new Set(projectIds);
  lines.forEach((line, index) => {
    const account = accounts.get(line.accountCode);
    if (!account) throw new DomainError('unknown_account', `Account ${line.accountCode} does not exist.`, { errors: [{ path: `body.lines.${index}.accountCode`, message: 'unknown account' }] });
    if (!account.is_leaf) throw new DomainError('header_account', `Account ${line.accountCode} ${account.name} is a header; post to one of its sub-accounts.`, { errors: [{ path: `body.lines.${index}.accountCode`, message: 'header account' }] });
    if (!funds.has(line.fundCode)) throw new DomainError('unknown_fund', `Fund ${line.fundCode} does not exist.`, { errors: [{ path: `body.lines.${index}.fundCode`, message: 'unknown fund' }] });
    if (line.projectId && !projects.has(line.projectId)) throw new DomainError('unknown_project', 'The project does not exist in these books.', { errors: [{ path: `body.lines.${index}.projectId`, message: 'unknown project' }] });
  });
  return { accounts, funds };
}

/** Sum of credits to monetary accounts (cash, bank, other monetary funds): what the entry pays out. */
function payout(lines: LineDraft[], accounts: Map<string, AccountRow>): Decimal {
  return lines.reduce((sum, line) => (line.credit && accounts.get(line.accountCode)?.monetary ? sum.plus(line.credit) : sum), ZERO);
}

/** Cash, bank and other monetary accounts, and every restricted fund, never go below zero. */
async function checkOverdraft(tx: Knex.Transaction, entityId: string, lines: LineDraft[], resolved: Resolved): Promise<void> {
  const accountEffect = new Map<string, Decimal>();
  const fundEffect = new Map<string, Decimal>();
  for (const line of lines) {
    const signed = line.debit ? line.debit : (line.credit as Decimal).neg();
    const account = resolved.accounts.get(line.accountCode) as AccountRow;
    if (account.monetary) accountEffect.set(account.code, (accountEffect.get(account.code) ?? ZERO).plus(signed));
    const fund = resolved.funds.get(line.fundCode) as FundRow;
    if (fund.restricted && ['net_assets', 'revenue', 'expense'].includes(account.type)) {
      fundEffect.set(fund.code, (fundEffect.get(fund.code) ?? ZERO).minus(signed));
    }
  }
  const shrinkingAccounts = [...accountEffect].filter(([, effect]) => effect.isNegative()).map(([code]) => code);
  const shrinkingFunds = [...fundEffect].filter(([, effect]) => effect.isNegative()).map(([code]) => code);
  const accountBalances = await queries.accountBalances(tx, entityId, shrinkingAccounts);
  const fundBalances = await queries.fundNetAssets(tx, entityId, shrinkingFunds);
  for (const code of shrinkingAccounts) {
    const available = D(accountBalances.get(code) ?? 0);
    const after = available.plus(accountEffect.get(code) as Decimal);
    if (after.isNegative()) {
      const name = resolved.accounts.get(code)?.name ?? code;
      throw new DomainError('insufficient_funds', `Not enough money in ${code} ${name}: ${formatMoney(available)} available, ${formatMoney(after.neg().plus(available))} needed.`, {
        extra: { accountCode: code, available: formatMoney(available) },
      });
    }
  }
  for (const code of shrinkingFunds) {
    const available = D(fundBalances.get(code) ?? 0);
    const after = available.plus(fundEffect.get(code) as Decimal);
    if (after.isNegative()) {
      throw new DomainError('insufficient_funds', `The restricted fund ${code} holds ${formatMoney(available)}; it cannot pay ${formatMoney(after.neg().plus(available))}.`, {
        extra: { fundCode: code, available: formatMoney(available) },
      });
    }
  }
}

function toLineRows(entry: { id: string; entity_id: string; date: string }, lines: (LineDraft | PendingLine)[]): LineRow[] {
  return lines.map((line, index) => ({
    entry_id: entry.id,
    entity_id: entry.entity_id,
    date: entry.date,
    line_no: index + 1,
    account_code: line.accountCode,
    fund_code: line.fundCode,
    project_id: line.projectId,
    debit: line.debit === null ? null : formatMoney(line.debit),
    credit: line.credit === null ? null : formatMoney(line.credit),
    memo: line.memo,
  }));
}

function chainEntryOf(row: EntryRow, lines: LineRow[]): ChainEntry {
  return {
    entityId: row.entity_id,
    chainIndex: String(row.chain_index),
    number: row.number as string,
    date: row.date,
    memo: row.memo,
    kind: row.kind,
    reversalOf: row.reversal_of,
    reversalReason: row.reversal_reason,
    details: row.details,
    createdBy: row.created_by,
    approvedBy: row.approved_by,
    lines: lines.map((line) => ({
      lineNo: line.line_no,
      accountCode: line.account_code,
      fundCode: line.fund_code,
      projectId: line.project_id,
      debit: line.debit,
      credit: line.credit,
      memo: line.memo,
    })),
  };
}

export { chainEntryOf };

async function assignNumberAndHash(
  tx: Knex.Transaction,
  base: { entityId: string; date: string },
  head: { chain_length: string; chain_head: string },
) {
  const year = yearOf(base.date);
  const voucherSeq = await queries.nextVoucherSeq(tx, base.entityId, year);
  const chainIndex = (BigInt(head.chain_length) + 1n).toString();
  return { year, voucherSeq, number: `${year}-${String(voucherSeq).padStart(6, '0')}`, chainIndex, prevHash: head.chain_head };
}

/** Sums of an entry's lines per account and fund: what it adds to the day's balances. */
function dailyEffect(lines: LineRow[]): { account_code: string; fund_code: string; debit: string; credit: string }[] {
  const sums = new Map<string, { account_code: string; fund_code: string; debit: Decimal; credit: Decimal }>();
  for (const line of lines) {
    const key = `${line.account_code}\u0000${line.fund_code}`;
    const sum = sums.get(key) ?? { account_code: line.account_code, fund_code: line.fund_code, debit: ZERO, credit: ZERO };
    if (line.debit !== null) sum.debit = sum.debit.plus(line.debit);
    if (line.credit !== null) sum.credit = sum.credit.plus(line.credit);
    sums.set(key, sum);
  }
  return [...sums.values()].map((sum) => ({ ...sum, debit: formatMoney(sum.debit), credit: formatMoney(sum.credit) }));
}

/**
 * Posts (or files for approval) one entry inside the caller's transaction. The posting lock is
 * held for two round trips only: one that takes it and reads what the rules need, one that
 * writes the entry, its lines, balances, voucher counter and chain head.
 */
export async function postEntryInTransaction(tx: Knex.Transaction, draft: EntryDraft): Promise<{ row: EntryRow; lines: LineRow[] }> {
  checkDraftShape(draft.lines);
  const year = yearOf(draft.date);
  const context = await queries.lockForPosting(tx, draft.entityId, {
    accountCodes: [...new Set(draft.lines.map((line) => line.accountCode))],
    fundCodes: [...new Set(draft.lines.map((line) => line.fundCode))],
    projectIds: [...new Set(draft.lines.map((line) => line.projectId).filter((id): id is string => id !== null))],
    month: monthOf(draft.date),
    year,
  });
  if (!context) throw new DomainError('not_found', 'Entity not found.');
  const resolved = checkReferences(draft.lines, context.accounts, context.funds, context.projects);
  if (context.closed) {
    throw new DomainError('period_closed', `The period ${monthOf(draft.date)} is closed; date the entry in an open month.`, {
      errors: [{ path: 'body.date', message: 'in a closed period' }],
    });
  }

  const threshold = context.approval_threshold === null ? null : D(context.approval_threshold);
  const needsApproval = draft.approval === 'auto' && threshold !== null && payout(draft.lines, resolved.accounts).gt(threshold);

  const base: Partial<EntryRow> = {
    entity_id: draft.entityId,
    date: draft.date,
    memo: draft.memo,
    kind: draft.kind,
    details: draft.details,
    created_by: draft.authorId,
    reversal_of: draft.reversal?.of ?? null,
    reversal_reason: draft.reversal?.reason ?? null,
  };

  if (needsApproval) {
    const pendingLines: PendingLine[] = draft.lines.map((line, index) => ({
      lineNo: index + 1,
      accountCode: line.accountCode,
      fundCode: line.fundCode,
      projectId: line.projectId,
      debit: line.debit === null ? null : formatMoney(line.debit),
      credit: line.credit === null ? null : formatMoney(line.credit),
      memo: line.memo,
    }));
    const row = await queries.insertEntry(tx, { ...base, status: 'pending_approval', pending_lines: JSON.stringify(pendingLines) as never });
    return { row, lines: [] };
  }

  if (draft.checkOverdraft !== false) await checkOverdraft(tx, draft.entityId, draft.lines, resolved);
  const voucherSeq = (context.last_seq ?? 0) + 1;
  const number = `${year}-${String(voucherSeq).padStart(6, '0')}`;
  const chainIndex = (BigInt(context.chain_length) + 1n).toString();
  const id = crypto.randomUUID();
  const provisional = { ...base, id, status: 'posted', number, chain_index: chainIndex, approved_by: null, details: draft.details } as EntryRow;
  const lineRows = toLineRows({ id, entity_id: draft.entityId, date: draft.date }, draft.lines);
  const hash = chainHash(context.chain_head, chainEntryOf(provisional, lineRows));
  const row = await queries.insertPostedEntry(
    tx,
    { ...base, id, status: 'posted', number, voucher_year: year, voucher_seq: voucherSeq, chain_index: chainIndex, prev_hash: context.chain_head, hash },
    lineRows,
    dailyEffect(lineRows),
  );
  assert(row, 'the voucher counter and chain head moved under the posting lock');
  assert(row.hash === hash, 'the stored hash is the computed hash');
  return { row, lines: lineRows };
}

/** Posts a pending entry: number, chain and balances are assigned now, as if it were posted today. */
export async function approveInTransaction(
  tx: Knex.Transaction,
  entry: EntryRow,
  approverId: string,
): Promise<{ row: EntryRow; lines: LineRow[] }> {
  assert(entry.status === 'pending_approval' && entry.pending_lines, 'only pending entries are approved');
  const pending = entry.pending_lines;
  const drafts: LineDraft[] = pending.map((line) => ({
    accountCode: line.accountCode,
    fundCode: line.fundCode,
    projectId: line.projectId,
    debit: line.debit === null ? null : D(line.debit),
    credit: line.credit === null ? null : D(line.credit),
    memo: line.memo,
  }));
  const resolved = await resolveReferences(tx, entry.entity_id, drafts);
  const head = await queries.lockBooks(tx, entry.entity_id);
  if (await queries.isPeriodClosed(tx, entry.entity_id, monthOf(entry.date))) {
    throw new DomainError('period_closed', `The period ${monthOf(entry.date)} was closed while the entry waited; reverse it or record it again in an open month.`);
  }
  await checkOverdraft(tx, entry.entity_id, drafts, resolved);
  const numbering = await assignNumberAndHash(tx, { entityId: entry.entity_id, date: entry.date }, head);
  const lineRows = toLineRows(entry, pending);
  const provisional = { ...entry, number: numbering.number, chain_index: numbering.chainIndex, approved_by: approverId };
  const hash = chainHash(numbering.prevHash, chainEntryOf(provisional, lineRows));
  await queries.insertLines(tx, lineRows);
  const row = await queries.postPending(tx, entry.id, {
    number: numbering.number,
    voucherYear: numbering.year,
    voucherSeq: numbering.voucherSeq,
    chainIndex: numbering.chainIndex,
    prevHash: numbering.prevHash,
    hash,
    approvedBy: approverId,
  });
  assert(row, 'the pending entry was updated');
  await queries.addToDailyBalances(tx, entry.id);
  await queries.advanceChain(tx, entry.entity_id, numbering.chainIndex, hash);
  return { row, lines: lineRows };
}
