/**
 * Use cases of the books. Each command opens its own database transaction (or runs inside
 * the caller's, for other domains that must commit together with an entry, like grant
 * disbursements). Rules are checked here and enforced again by the schema.
 */
import type { Knex } from 'knex';
import type { Queryable } from '../db/knex';
import Decimal from 'decimal.js';
import { Actor, canSeeEntity, hasRole, requireEntityReader, requireEntityRole, isAdmin } from '../auth/actor';
import { runIdempotent } from '../db/idempotency';
import { withRetry, withTransaction } from '../db/transaction';
import { assert } from '../shared/assert';
import { Clock, today } from '../shared/clock';
import { isValidMonth, lastDayOfMonth, monthOf, monthsBetween, yearOf } from '../shared/dates';
import { DomainError, isDomainError, type FieldError } from '../shared/errors';
import { D, formatMoney, LARGEST_AMOUNT, type MoneyValue, sumMoney, ZERO } from '../shared/money';
import { cursorOf, cutPage, invalidCursor, keyOfCursor } from '../shared/paging';
import { GENESIS_HASH, chainHash } from './hash';
import { approveInTransaction, chainEntryOf, EntryDraft, LineDraft, postEntryInTransaction } from './posting';
import * as presenters from './presenters';
import * as queries from './queries';
import type { EntityRow, EntryRow } from './queries';
import {
  CreateAccountCommand,
  CreateEntityCommand,
  CreateFundCommand,
  CreateProjectCommand,
  EntryQuery,
  METHOD_ROLES,
  PAYMENT_ROLES,
  PostEntryCommand,
  RECEIPT_ROLES,
  RecordPaymentCommand,
  RecordReceiptCommand,
  RecordReconciliationCommand,
  RejectEntryCommand,
  ReverseEntryCommand,
} from './schemas';

export type { EntryDraft, LineDraft } from './posting';
export { checkDraftShape } from './posting';

const GENERAL_FUND = 'GENERAL';

/** Account codes are 4 to 12 digits (the accounts table's CHECK). */
const MAX_ACCOUNT_CODE_LENGTH = 12;

/** Roles the shortcuts and the year-end close post to by name. */
const SHORTCUT_ROLES = new Set<string>([
  ...Object.values(RECEIPT_ROLES),
  ...Object.values(PAYMENT_ROLES),
  ...Object.values(METHOD_ROLES),
  'unrestricted_net_assets',
  'restricted_net_assets',
]);

async function entityOr404(db: Knex | Knex.Transaction, entityId: string): Promise<EntityRow> {
  const entity = await queries.findEntity(db, entityId);
  if (!entity) throw new DomainError('not_found', 'Entity not found.');
  return entity;
}

// Entities, accounts, funds, projects

export async function createEntity(db: Knex, actor: Actor, command: CreateEntityCommand) {
  if (!isAdmin(actor)) throw new DomainError('forbidden', 'Only an admin may create entities.');
  return withTransaction(db, 'read committed', async (tx) => {
    const exists = await tx('entities').where({ code: command.code }).first('id');
    if (exists) throw new DomainError('duplicate', `An entity with code ${command.code} exists.`, { errors: [{ path: 'body.code', message: 'taken' }] });
    const entity = await queries.insertEntity(tx, {
      code: command.code,
      name: command.name,
      kind: command.kind,
      approvalThreshold: command.approvalThreshold ? formatMoney(command.approvalThreshold) : null,
    });
    await queries.insertFund(tx, { entityId: entity.id, code: GENERAL_FUND, name: '非限定性资金', restricted: false, purpose: null });
    return presenters.presentEntity(entity);
  });
}

export async function listPublicEntities(db: Knex) {
  const rows = await queries.listEntities(db);
  return { items: rows.map(presenters.presentPublicEntity) };
}

export async function getEntity(db: Knex, entityId: string) {
  return presenters.presentEntity(await entityOr404(db, entityId));
}

/** The entity if the actor may read its books (404/403 otherwise). */
export async function readableEntity(db: Knex, actor: Actor, entityId: string): Promise<EntityRow> {
  const entity = await entityOr404(db, entityId);
  requireEntityReader(actor, entityId);
  return entity;
}

export async function listAccounts(db: Knex, actor: Actor, entityId: string) {
  await readableEntity(db, actor, entityId);
  return { items: (await queries.listAccounts(db, entityId)).map(presenters.presentAccount), nextCursor: null };
}

export async function createAccount(db: Knex, actor: Actor, entityId: string, command: CreateAccountCommand) {
  await entityOr404(db, entityId);
  requireEntityRole(actor, entityId, ['treasurer', 'admin']);
  const created = await withTransaction(db, 'read committed', async (tx) => {
    await queries.lockBooks(tx, entityId);
    const [parent] = await queries.findAccounts(tx, entityId, [command.parentCode]);
    if (!parent) throw new DomainError('unknown_account', `Parent account ${command.parentCode} does not exist.`, { errors: [{ path: 'body.parentCode', message: 'unknown account' }] });
    if (!command.code.startsWith(parent.code) || command.code.length <= parent.code.length) {
      throw new DomainError('invalid_request', `A sub-account code extends its parent's code (e.g. ${parent.code}01).`, { errors: [{ path: 'body.code', message: `must start with ${parent.code}` }] });
    }
    const [existing] = await queries.findAccounts(tx, entityId, [command.code]);
    if (existing) throw new DomainError('duplicate', `Account ${command.code} exists.`, { errors: [{ path: 'body.code', message: 'taken' }] });
    if (parent.is_leaf && (await queries.accountHasPostings(tx, entityId, parent.code))) {
      throw new DomainError('account_has_postings', `Account ${parent.code} already has postings; it cannot become a header.`);
    }
    // Shortcuts (receipts, payments, disbursements, year-end close) post to accounts by role,
    // and an account that takes its first sub-account becomes a header. A money account's role
    // goes to that sub-account (1002 银行存款 → 100201 工商银行 takes bank receipts). Any other
    // role goes to a "-其他" sub-account made alongside (5101 → 510199 业务活动成本-其他), so
    // that a payment the treasurer did not classify is not booked to the first sub-account
    // someone happened to add (510101 百家宴). The account list shows which leaf has a role.
    const keeper = `${parent.code}99`;
    if (parent.is_leaf && parent.role && !parent.monetary && command.code !== keeper && keeper.length <= MAX_ACCOUNT_CODE_LENGTH) {
      await queries.insertSubAccount(tx, { entityId, code: keeper, name: `${parent.name}-其他`, parent });
      const header = { ...parent, is_leaf: false, role: null };
      return { account: await queries.insertSubAccount(tx, { entityId, code: command.code, name: command.name, parent: header }), roleMoved: true };
    }
    const account = await queries.insertSubAccount(tx, { entityId, code: command.code, name: command.name, parent });
    return { account, roleMoved: account.role !== null };
  });
  // After the commit: a shortcut that read the accounts before it must not be remembered.
  if (created.roleMoved) forgetMovementContext(db, entityId);
  return presenters.presentAccount(created.account);
}

export async function listFunds(db: Knex, actor: Actor, entityId: string) {
  await readableEntity(db, actor, entityId);
  return { items: (await queries.listFunds(db, entityId)).map(presenters.presentFund), nextCursor: null };
}

export async function createFund(db: Knex, actor: Actor, entityId: string, command: CreateFundCommand) {
  await entityOr404(db, entityId);
  requireEntityRole(actor, entityId, ['treasurer', 'admin']);
  return withTransaction(db, 'read committed', async (tx) => createFundInTransaction(tx, entityId, command));
}

export async function createFundInTransaction(tx: Knex.Transaction, entityId: string, command: CreateFundCommand) {
  const [existing] = await queries.findFunds(tx, entityId, [command.code]);
  if (existing) throw new DomainError('duplicate', `Fund ${command.code} exists.`, { errors: [{ path: 'body.code', message: 'taken' }] });
  const row = await queries.insertFund(tx, { entityId, code: command.code, name: command.name, restricted: command.restricted, purpose: command.purpose ?? null });
  return presenters.presentFund(row);
}

export async function listProjects(db: Knex, actor: Actor, entityId: string) {
  await readableEntity(db, actor, entityId);
  return { items: (await queries.listProjects(db, entityId)).map(presenters.presentProject), nextCursor: null };
}

export async function createProject(db: Knex, actor: Actor, entityId: string, command: CreateProjectCommand) {
  await entityOr404(db, entityId);
  requireEntityRole(actor, entityId, ['treasurer', 'grant_manager', 'admin']);
  return withTransaction(db, 'read committed', (tx) => createProjectInTransaction(tx, entityId, command));
}

export async function createProjectInTransaction(tx: Knex.Transaction, entityId: string, command: CreateProjectCommand) {
  const exists = await tx('projects').where({ entity_id: entityId, code: command.code }).first('id');
  if (exists) throw new DomainError('duplicate', `Project ${command.code} exists.`, { errors: [{ path: 'body.code', message: 'taken' }] });
  if (command.startsOn && command.endsOn && command.endsOn < command.startsOn) {
    throw new DomainError('invalid_request', 'A project ends after it starts.', { errors: [{ path: 'body.endsOn', message: 'before startsOn' }] });
  }
  const row = await queries.insertProject(tx, { entityId, code: command.code, name: command.name, startsOn: command.startsOn ?? null, endsOn: command.endsOn ?? null });
  return presenters.presentProject(row);
}

/**
 * Moves a project's end date inside the caller's transaction (a grant amendment does this);
 * the disclosure calendar follows the new date. Returns the end date it replaced.
 */
export async function setProjectEndInTransaction(tx: Knex.Transaction, entityId: string, projectId: string, endsOn: string): Promise<{ previousEndsOn: string | null }> {
  const project: { starts_on: string | null; ends_on: string | null } | undefined = await tx('projects').where({ id: projectId, entity_id: entityId }).forUpdate().first('starts_on', 'ends_on');
  if (!project) throw new DomainError('not_found', 'Project not found.');
  if (project.starts_on && endsOn < project.starts_on) {
    throw new DomainError('invalid_request', `A project ends after it starts (${project.starts_on}).`, { errors: [{ path: 'body.endsOn', message: 'before the project starts' }] });
  }
  await tx('projects').where({ id: projectId }).update({ ends_on: endsOn });
  return { previousEndsOn: project.ends_on };
}

// Entries

async function entryView(db: Knex | Knex.Transaction, row: EntryRow) {
  const lines = row.status === 'posted' ? await queries.linesOf(db, [row.id]) : [];
  const attachments = await queries.attachmentsOf(db, [row.id]);
  const reversal = await queries.findReversalOf(db, row.id);
  return presenters.presentEntry(row, { lines, attachments, reversedBy: reversal?.id ?? null });
}

function linesFromCommand(command: PostEntryCommand): LineDraft[] {
  return command.lines.map((line) => ({
    accountCode: line.accountCode,
    fundCode: line.fundCode ?? GENERAL_FUND,
    projectId: line.projectId ?? null,
    debit: line.debit ? D(line.debit) : null,
    credit: line.credit ? D(line.credit) : null,
    memo: line.memo ?? null,
  }));
}

interface WriteOptions {
  idempotencyKey?: string;
  request?: unknown;
}

/** Post a draft inside the caller's transaction and present it (for other domains' services). */
export async function postDraftInTransaction(tx: Knex.Transaction | Knex, draft: EntryDraft) {
  const { row, lines } = await postEntryInTransaction(tx, draft);
  // Just written: its lines are the ones posted, and nothing is attached to or reverses it yet.
  return presenters.presentEntry(row, { lines, attachments: [], reversedBy: null });
}

async function postIdempotently(db: Knex, actor: Actor, draft: EntryDraft, options: WriteOptions) {
  if (options.idempotencyKey === undefined) {
    // Without a key the posting is the whole command: one statement, its own transaction.
    const body = await withRetry(() => postDraftInTransaction(db, draft));
    return { replay: true as const, status: 201, body };
  }
  return runIdempotent(db, { key: options.idempotencyKey, userId: actor.userId, request: options.request ?? draft, status: 201 }, (tx) =>
    postDraftInTransaction(tx, draft),
  );
}

/**
 * 3101 非限定性净资产 holds unrestricted funds only and 3102 限定性净资产 restricted funds only
 * (DOMAIN.md): the year-end close carries each fund to its own side, and the reports split net
 * assets by the fund's kind, so a hand-posted line across the two (an opening balance on the
 * wrong side, or a release posted by hand, which DOMAIN.md says treasurers never do) would make
 * the ledger's 3101/3102 disagree with the published balance sheet. Accounts and a fund's kind
 * never change once made, so checking outside the posting lock is safe; unknown accounts and
 * funds are left to the posting's own checks.
 */
async function checkNetAssetFunds(db: Knex, entityId: string, lines: LineDraft[]): Promise<void> {
  const accounts = await queries.listAccounts(db, entityId);
  const sides = new Map<string, boolean>([
    [topAccountOfRole(accounts, 'unrestricted_net_assets'), false],
    [topAccountOfRole(accounts, 'restricted_net_assets'), true],
  ]);
  const byCode = new Map(accounts.map((account) => [account.code, account]));
  const topOf = (code: string) => {
    let account = byCode.get(code);
    while (account?.parent_code && byCode.has(account.parent_code)) account = byCode.get(account.parent_code);
    return account?.code;
  };
  const wanted = lines.map((line) => sides.get(topOf(line.accountCode) ?? ''));
  if (wanted.every((side) => side === undefined)) return;
  const funds = new Map((await queries.findFunds(db, entityId, lines.map((line) => line.fundCode))).map((fund) => [fund.code, fund.restricted]));
  const errors: FieldError[] = [];
  const nameOf = (code: string) => byCode.get(code)?.name ?? '';
  lines.forEach((line, index) => {
    const restricted = funds.get(line.fundCode);
    if (wanted[index] === undefined || restricted === undefined || restricted === wanted[index]) return;
    errors.push({
      path: `body.lines.${index}.fundCode`,
      message: `${line.accountCode} ${nameOf(line.accountCode)} takes ${wanted[index] ? 'restricted' : 'unrestricted'} funds only; ${line.fundCode} is ${restricted ? 'restricted' : 'unrestricted'}`,
    });
  });
  if (errors.length > 0) {
    throw new DomainError(
      'net_assets_fund_mismatch',
      'Net assets are kept by the kind of their fund: 3101 非限定性净资产 for unrestricted funds, 3102 限定性净资产 for restricted funds. A restriction is released by spending from the restricted fund, never by a hand-posted entry.',
      { errors },
    );
  }
  // Taking from 3102 by hand is a release (or a move of restricted money into another fund
  // through 3101: an acceptance tester's four-line entry); DOMAIN.md derives releases from
  // spending only. Opening balances credit 3102; a wrong entry is reversed, which is exempt.
  const released = lines.flatMap((line, index) => (wanted[index] === true && line.debit ? [index] : []));
  if (released.length > 0) {
    throw new DomainError(
      'restricted_release_by_hand',
      'A hand-posted entry may not debit 3102 限定性净资产: a restriction is released only by spending from its fund (DOMAIN.md), and a wrong entry is reversed.',
      { errors: released.map((index) => ({ path: `body.lines.${index}.debit`, message: `${lines[index].accountCode} ${nameOf(lines[index].accountCode)} cannot be debited by hand` })) },
    );
  }
}

export async function postEntry(db: Knex, actor: Actor, entityId: string, command: PostEntryCommand, options: WriteOptions = {}) {
  await entityOr404(db, entityId);
  requireEntityRole(actor, entityId, ['treasurer']);
  const lines = linesFromCommand(command);
  await checkNetAssetFunds(db, entityId, lines);
  const draft: EntryDraft = {
    entityId,
    date: command.date,
    memo: command.memo,
    kind: 'journal',
    details: {},
    lines,
    authorId: actor.userId,
    approval: 'auto',
  };
  return postIdempotently(db, actor, draft, options);
}

/**
 * What the shortcuts look up rarely changes once it exists: entities and funds are never
 * deleted or renamed, and a role moves to another account only when its account takes its
 * first sub-account (createAccount, which forgets the entity here after its commit). So a
 * positive answer is kept per database handle, and the daily receipt costs one statement
 * instead of two. An answer that went stale anyway (another process changed the accounts, or a
 * lookup raced the change) makes one shortcut fail as posting to a header account, and is
 * forgotten then (withFreshMovementContext).
 */
const movementCache = new WeakMap<object, Map<string, { codes: Record<string, string>; funds: Set<string> }>>();

function knownMovementContext(db: Knex, entityId: string, roles: string[], fund: string) {
  const known = movementCache.get(db)?.get(entityId);
  if (!known || !known.funds.has(fund) || roles.some((role) => !known.codes[role])) return undefined;
  return { codes: known.codes, fundExists: true };
}

function forgetMovementContext(db: Knex, entityId: string) {
  movementCache.get(db)?.delete(entityId);
}

/**
 * Runs a shortcut's posting; when the books refuse one of its accounts (it became a header, so
 * a role moved since this process looked: another process, or a read that raced the change),
 * the entity's remembered accounts are dropped, so the next shortcut looks them up again.
 */
async function withFreshMovementContext<T>(db: Knex, entityId: string, post: () => Promise<T>): Promise<T> {
  try {
    return await post();
  } catch (error) {
    if (isDomainError(error) && (error.code === 'header_account' || error.code === 'unknown_account')) forgetMovementContext(db, entityId);
    throw error;
  }
}

function rememberMovementContext(db: Knex, entityId: string, fund: string, context: { codes: Record<string, string>; fundExists: boolean }) {
  let perEntity = movementCache.get(db);
  if (!perEntity) movementCache.set(db, (perEntity = new Map()));
  const known = perEntity.get(entityId) ?? { codes: context.codes, funds: new Set<string>() };
  if (context.fundExists) known.funds.add(fund);
  perEntity.set(entityId, known);
}

async function accountCodeByRole(db: Knex | Knex.Transaction, entityId: string, role: string): Promise<string> {
  const account = await queries.findAccountByRole(db, entityId, role);
  if (!account) throw new DomainError('unknown_account', `These books have no account for ${role}.`);
  return account.code;
}

/**
 * For the treasurer shortcuts, in one round trip: the entity (404), the treasurer role (403),
 * the account code for each role (unknown_account) and the fund (unknown_fund), checked in
 * that order.
 */
async function movementReferences(db: Knex, actor: Actor, entityId: string, roles: [string, string], fundCode: string | null | undefined): Promise<[string, string, string]> {
  const fund = fundCode ?? GENERAL_FUND;
  const context = knownMovementContext(db, entityId, roles, fund) ?? (await queries.movementContext(db, entityId, [...SHORTCUT_ROLES], fund));
  if (!context) throw new DomainError('not_found', 'Entity not found.');
  rememberMovementContext(db, entityId, fund, context);
  requireEntityRole(actor, entityId, ['treasurer']);
  const [money, counter] = roles.map((role) => {
    const code = context.codes[role];
    if (!code) throw new DomainError('unknown_account', `These books have no account for ${role}.`);
    return code;
  });
  if (!context.fundExists) throw new DomainError('unknown_fund', `Fund ${fund} does not exist.`, { errors: [{ path: 'body.fundCode', message: 'unknown fund' }] });
  return [money, counter, fund];
}

export async function recordReceipt(db: Knex, actor: Actor, entityId: string, command: RecordReceiptCommand, options: WriteOptions = {}) {
  const [moneyAccount, incomeAccount, fundCode] = await movementReferences(db, actor, entityId, [METHOD_ROLES[command.method], RECEIPT_ROLES[command.kind]], command.fundCode);
  const amount = D(command.amount);
  const payer = command.payer?.trim() || null;
  const draft: EntryDraft = {
    entityId,
    date: command.date,
    memo: command.memo?.trim() || defaultReceiptMemo(command.kind, payer),
    kind: 'receipt',
    details: {
      receiptKind: command.kind,
      method: command.method,
      // An anonymous gift without a name still has a giver: public views show it as 匿名.
      counterparty: payer || command.anonymous ? { name: payer ?? '', anonymous: command.anonymous ?? false, nameConsent: command.nameConsent ?? false } : null,
    },
    lines: [
      { accountCode: moneyAccount, fundCode, projectId: null, debit: amount, credit: null, memo: null },
      { accountCode: incomeAccount, fundCode, projectId: command.projectId ?? null, debit: null, credit: amount, memo: null },
    ],
    authorId: actor.userId,
    approval: 'auto',
  };
  return withFreshMovementContext(db, entityId, () => postIdempotently(db, actor, draft, { ...options, request: { route: 'receipt', entityId, command } }));
}

const RECEIPT_LABELS: Record<string, string> = {
  donation: '捐赠收入',
  parking: '停车场公共收益',
  recycling: '废旧物品回收收入',
  subsidy: '政府补助收入',
  other: '其他收入',
};

function defaultReceiptMemo(kind: string, payer: string | null): string {
  return RECEIPT_LABELS[kind] ?? '收入';
}

export async function recordPayment(db: Knex, actor: Actor, entityId: string, command: RecordPaymentCommand, options: WriteOptions = {}) {
  const [moneyAccount, expenseAccount, fundCode] = await movementReferences(db, actor, entityId, [METHOD_ROLES[command.method], PAYMENT_ROLES[command.category]], command.fundCode);
  const amount = D(command.amount);
  const draft: EntryDraft = {
    entityId,
    date: command.date,
    memo: command.purpose,
    kind: 'payment',
    details: { method: command.method, category: command.category, purpose: command.purpose, counterparty: { name: command.payee, anonymous: false, nameConsent: false } },
    lines: [
      { accountCode: expenseAccount, fundCode, projectId: command.projectId ?? null, debit: amount, credit: null, memo: null },
      { accountCode: moneyAccount, fundCode, projectId: null, debit: null, credit: amount, memo: null },
    ],
    authorId: actor.userId,
    approval: 'auto',
  };
  return withFreshMovementContext(db, entityId, () => postIdempotently(db, actor, draft, { ...options, request: { route: 'payment', entityId, command } }));
}

/**
 * An entity's entries. Rejected ones are left out unless asked for (`status=rejected`) or, for
 * the treasurer's own pages, `includeRejected`: API clients of v1 know posted and pending only.
 */
/** A date range whose `from` is after its `to` asks for nothing sensible: a 400, not an empty answer. */
export function assertRange(range: { from?: string; to?: string }): void {
  if (range.from && range.to && range.from > range.to) {
    throw new DomainError('invalid_request', '`from` is after `to`.', { errors: [{ path: 'query.from', message: 'after to' }] });
  }
}

export async function listEntries(db: Knex, actor: Actor, entityId: string, query: EntryQuery & Pick<queries.EntryFilter, 'includeRejected' | 'newestFirst' | 'search'>) {
  await readableEntity(db, actor, entityId);
  assertRange(query);
  const after = entryOfCursor(query.cursor);
  const rows = await queries.listEntries(db, entityId, { ...query, after, limit: query.limit });
  const { page, nextCursor } = cutPage(rows, query.limit, entryCursor);
  const ids = page.map((row) => row.id);
  const [lines, attachments, reversals] = await Promise.all([
    queries.linesOf(db, ids),
    queries.attachmentsOf(db, ids),
    queries.reversalsOf(db, ids),
  ]);
  const reversedBy = new Map(reversals.map((row) => [row.reversal_of, row.id]));
  const items = page.map((row) =>
    presenters.presentEntry(row, {
      lines: lines.filter((line) => line.entry_id === row.id),
      attachments: attachments.filter((attachment: { entry_id: string }) => attachment.entry_id === row.id),
      reversedBy: reversedBy.get(row.id) ?? null,
    }),
  );
  return { items, nextCursor };
}

/** The cursor after an entry: entries page by date, then sequence, so it names both. */
function entryCursor(row: EntryRow): string {
  return cursorOf(`${row.date}|${row.seq}`);
}

export function entryOfCursor(cursor: string | undefined): { date: string; seq: string } | undefined {
  if (!cursor) return undefined;
  const [date, seq] = keyOfCursor(cursor).split('|');
  if (!date || !/^\d{4}-\d{2}-\d{2}$/.test(date) || !seq || !/^\d{1,18}$/.test(seq)) throw invalidCursor();
  return { date, seq };
}

export async function getEntry(db: Knex, actor: Actor, entityId: string, entryId: string) {
  await readableEntity(db, actor, entityId);
  const row = await queries.findEntry(db, entityId, entryId);
  if (!row) throw new DomainError('not_found', 'Entry not found.');
  return entryView(db, row);
}

/** Entries the grant workflow posts into both books at once: corrected there (a refund), never reversed on one side. */
export const GRANT_POSTINGS: ReadonlySet<string> = new Set(['grant_disbursement', 'grant_receipt', 'grant_refund']);

export async function reverseEntry(db: Knex, actor: Actor, entityId: string, entryId: string, command: ReverseEntryCommand, options: WriteOptions = {}) {
  await entityOr404(db, entityId);
  requireEntityRole(actor, entityId, ['treasurer']);
  return runIdempotent(db, { key: options.idempotencyKey, userId: actor.userId, request: { route: 'reverse', entityId, entryId, command }, status: 201 }, async (tx) => {
    const original = await queries.findEntryForUpdate(tx, entityId, entryId);
    if (!original) throw new DomainError('not_found', 'Entry not found.');
    if (original.status !== 'posted') throw new DomainError('invalid_state', 'Only posted entries can be reversed; a pending entry has not entered the books yet.');
    if (original.kind === 'year_end_close') throw new DomainError('invalid_state', 'The year-end closing entry cannot be reversed.');
    if (GRANT_POSTINGS.has(original.kind)) {
      throw new DomainError('invalid_state', `Entry ${original.number} was posted by a grant (in the foundation's books, and in the grantee station's at once when the grantee keeps its books here); reversing it alone would leave the books and the grant disagreeing. Money the grantee returns is recorded by the foundation's grant manager as a refund of the grant.`);
    }
    if (await queries.findReversalOf(tx, original.id)) throw new DomainError('already_reversed', `Entry ${original.number} has already been reversed.`);
    if (command.date < original.date) {
      throw new DomainError('reversal_before_original', `A reversal is dated on or after the entry it corrects (${original.date}).`, { errors: [{ path: 'body.date', message: `before ${original.date}` }] });
    }
    const lines = await queries.linesOf(tx, [original.id]);
    const draft: EntryDraft = {
      entityId,
      date: command.date,
      memo: `冲销 ${original.number}：${original.memo}`.slice(0, 500),
      kind: 'reversal',
      details: { reversedNumber: original.number, originalKind: original.kind, originalDetails: original.details },
      lines: lines.map((line) => ({
        accountCode: line.account_code,
        fundCode: line.fund_code,
        projectId: line.project_id,
        debit: line.credit === null ? null : D(line.credit),
        credit: line.debit === null ? null : D(line.debit),
        memo: line.memo,
      })),
      authorId: actor.userId,
      reversal: { of: original.id, reason: command.reason },
      approval: 'auto',
    };
    return postDraftInTransaction(tx, draft);
  });
}

export async function approveEntry(db: Knex, actor: Actor, entityId: string, entryId: string) {
  await entityOr404(db, entityId);
  requireEntityRole(actor, entityId, ['supervisor']);
  return withTransaction(db, 'read committed', async (tx) => {
    const entry = await queries.findEntryForUpdate(tx, entityId, entryId);
    if (!entry) throw new DomainError('not_found', 'Entry not found.');
    if (entry.status !== 'pending_approval') throw new DomainError('not_pending', 'The entry is not waiting for approval.');
    if (entry.created_by === actor.userId) throw new DomainError('self_approval', 'An entry is approved by someone other than its author.');
    const { row } = await approveInTransaction(tx, entry, actor.userId);
    return entryView(tx, row);
  });
}

/**
 * Says no to an entry waiting for approval: a supervisor of the entity rejects it, or its
 * author withdraws it (the record tells which: rejectedBy is then the author). It keeps its
 * proposed lines and never gets a number, a place in the chain or a line in any balance. The
 * entry's row lock is the one approve takes first, so of a rejection and an approval at the
 * same moment exactly one finds the entry still pending.
 */
export async function rejectEntry(db: Knex, actor: Actor, entityId: string, entryId: string, command: RejectEntryCommand) {
  await entityOr404(db, entityId);
  requireEntityRole(actor, entityId, ['supervisor', 'treasurer']);
  return withTransaction(db, 'read committed', async (tx) => {
    const entry = await queries.findEntryForUpdate(tx, entityId, entryId);
    if (!entry) throw new DomainError('not_found', 'Entry not found.');
    if (!hasRole(actor, 'supervisor', entityId) && entry.created_by !== actor.userId) {
      throw new DomainError('forbidden', 'A pending entry is rejected by a supervisor of the entity, or withdrawn by its author.');
    }
    if (entry.status !== 'pending_approval') throw new DomainError('not_pending', 'The entry is not waiting for approval.');
    const row = await queries.rejectPending(tx, entry.id, { rejectedBy: actor.userId, reason: command.reason });
    assert(row, 'the pending entry was rejected');
    return entryView(tx, row);
  });
}

// Balances and statements

const DEBIT_NORMAL = new Set(['asset', 'expense']);

export function normalBalance(type: string, debit: MoneyValue, credit: MoneyValue): Decimal {
  return DEBIT_NORMAL.has(type) ? D(debit).minus(credit) : D(credit).minus(debit);
}

export async function trialBalance(db: Knex, actor: Actor, entityId: string, asOfInput: string | undefined, clock: Clock) {
  await readableEntity(db, actor, entityId);
  const asOf = asOfInput ?? today(clock);
  return trialBalanceOf(db, entityId, asOf);
}

export async function trialBalanceOf(db: Knex | Knex.Transaction, entityId: string, asOf: string) {
  const balances = await queries.balancesAsOf(db, entityId, asOf);
  const accounts = await queries.listAccounts(db, entityId);
  const byCode = new Map(accounts.map((account) => [account.code, account]));
  let totalDebit = ZERO;
  let totalCredit = ZERO;
  const rows = balances
    .filter((row) => !D(row.debit).isZero() || !D(row.credit).isZero())
    .map((row) => {
      const account = byCode.get(row.account_code);
      assert(account, `account ${row.account_code} exists`);
      totalDebit = totalDebit.plus(row.debit);
      totalCredit = totalCredit.plus(row.credit);
      return {
        accountCode: row.account_code,
        name: account.name,
        type: account.type,
        debit: formatMoney(row.debit),
        credit: formatMoney(row.credit),
        balance: formatMoney(normalBalance(account.type, row.debit, row.credit)),
      };
    });
  assert(totalDebit.eq(totalCredit), 'the trial balance balances');
  return { asOf, rows, totals: { debit: formatMoney(totalDebit), credit: formatMoney(totalCredit) } };
}

/**
 * The statement as JSON text, in pieces: the first piece comes once the checks have passed and
 * the first lines have arrived, the last closes the document. The database writes each line's
 * JSON and sums the running balance (a month of a busy account is thousands of lines); the
 * service only copies strings, and can pass the first lines on while Postgres is still writing
 * the rest. Account, opening and totals come with the first line (one snapshot); a range
 * without lines needs the account and the opening balance only.
 *
 * For a reader with a role on the entity (or an admin), the lines' query starts before the
 * entity is looked up and runs alongside: nothing of it goes out unless the checks pass (on a
 * refusal it is closed, unread). On a month of ~2,700 lines the checks took 1.2-2.3 ms that
 * no longer come first.
 */
export async function* accountStatement(
  db: Knex,
  actor: Actor,
  entityId: string,
  code: string,
  range: { from?: string; to?: string },
  clock: Clock,
): AsyncGenerator<string> {
  const to = range.to ?? today(clock);
  const from = range.from ?? `${to.slice(0, 7)}-01`;
  const start = from <= to && canSeeEntity(actor, entityId);
  const lines = start ? queries.statementLines(db, entityId, code, { from, to }, [...DEBIT_NORMAL]) : undefined;
  const first = lines?.next();
  first?.catch(() => undefined); // awaited below, unless the checks refuse first
  try {
    await readableEntity(db, actor, entityId);
  } catch (error) {
    void lines?.return(undefined).catch(() => undefined);
    throw error;
  }
  const step = await first;
  if (!lines || !step || step.done) {
    yield* statementWithoutLines(db, entityId, code, { from, to });
    return;
  }
  const rows = step.value;
  const account = rows[0].account as queries.AccountRow;
  const opening = normalBalance(account.type, rows[0].opening_net as string, ZERO);
  const movement = { debit: rows[0].total_debit as string, credit: rows[0].total_credit as string };
  const closing = opening.plus(normalBalance(account.type, movement.debit, movement.credit));
  yield statementHead(account, { from, to }, opening) + rows.map((row) => row.lines).join(',');
  let lastDay = rows[rows.length - 1].lines;
  for await (const more of lines) {
    yield `,${more.map((row) => row.lines).join(',')}`;
    lastDay = more[more.length - 1].lines;
  }
  // The day's last line starts at its last '{"date":"': inside a line, text is escaped by
  // to_json, so that sequence (unescaped quotes) only ever opens a line.
  const last = JSON.parse(lastDay.slice(lastDay.lastIndexOf('{"date":"'))) as { balance: string };
  assert(last.balance === formatMoney(closing), 'the running balance ends at the closing balance');
  yield statementTail(movement, closing);
}

/** No lines in the range (or no such account, or a range that ends before it starts). */
async function* statementWithoutLines(db: Knex, entityId: string, code: string, range: { from: string; to: string }): AsyncGenerator<string> {
  const [account] = await queries.findAccounts(db, entityId, [code]);
  if (!account) throw new DomainError('not_found', `Account ${code} not found.`);
  assertRange(range);
  const before = await queries.sumBefore(db, entityId, code, range.from);
  const opening = normalBalance(account.type, before.debit ?? ZERO, before.credit ?? ZERO);
  yield statementHead(account, range, opening) + statementTail({ debit: ZERO, credit: ZERO }, opening);
}

function statementHead(account: queries.AccountRow, range: { from: string; to: string }, opening: Decimal): string {
  return `{"account":${JSON.stringify(presenters.presentAccount(account))},"from":${JSON.stringify(range.from)},"to":${JSON.stringify(range.to)},"openingBalance":"${formatMoney(opening)}","lines":[`;
}

function statementTail(movement: { debit: MoneyValue; credit: MoneyValue }, closing: Decimal): string {
  return `],"totals":{"debit":"${formatMoney(movement.debit)}","credit":"${formatMoney(movement.credit)}"},"closingBalance":"${formatMoney(closing)}"}`;
}

// Periods

export async function closePeriod(db: Knex, actor: Actor, entityId: string, period: string, clock: Clock) {
  await entityOr404(db, entityId);
  requireEntityRole(actor, entityId, ['treasurer']);
  // Closing freezes every month before the one closed, with no reopening, so a mistyped year
  // (2062-03 for 2026-03) would end the books. A month of this year may close early: the year
  // is closed by closing its December, on the 31st or before.
  const lastClosable = `${today(clock).slice(0, 4)}-12`;
  if (!isValidMonth(period)) {
    throw new DomainError('invalid_request', 'The period is not a month YYYY-MM from 1900 on.', { errors: [{ path: 'params.period', message: 'a month YYYY-MM, from 1900 on' }] });
  }
  if (period > lastClosable) {
    throw new DomainError('period_in_future', `The period ${period} is in a later year; months up to ${lastClosable} can be closed.`, {
      errors: [{ path: 'params.period', message: `after ${lastClosable}` }],
    });
  }
  return withTransaction(db, 'read committed', async (tx) => {
    await queries.lockBooks(tx, entityId);
    const closed = new Set(await queries.closedPeriods(tx, entityId));
    if (closed.has(period)) throw new DomainError('period_already_closed', `The period ${period} is already closed.`);
    // Closing a month closes every month before it (migration 001700 freezes them for posting),
    // from January of the year the books begin: one meaning of "closed" for posting, for
    // publishing and for GET …/periods. A December among them gets its year-end close (结转),
    // so a year frozen by a later close never keeps its revenue and expenses open (closing
    // 2026-03 with 2025 never closed used to leave 2025's income in 4xxx for good).
    const firstEntry = await queries.firstPostedDate(tx, entityId);
    const sorted = [...closed].sort();
    const closedThrough = sorted[sorted.length - 1];
    // A month before the latest close is closed already, or (before the year the books begin)
    // frozen with nothing in it: closing it would only list an empty stretch of years as closed.
    // Books closed by earlier code may hold frozen months after that start; those may still close.
    const starts = [firstEntry, sorted[0] && `${sorted[0]}-01`].filter((date): date is string => Boolean(date)).map(yearOf);
    const booksYear = starts.length > 0 ? Math.min(...starts) : yearOf(`${period}-01`);
    if (closedThrough && period < closedThrough && period < `${booksYear}-01`) {
      throw new DomainError('period_already_closed', `The books are closed through ${closedThrough}, which froze ${period} with every month before it; the books begin in ${booksYear}, so there is nothing there to close.`);
    }
    const startYear = Math.min(booksYear, yearOf(`${period}-01`));
    const months = monthsBetween(`${startYear}-01`, period).filter((month) => !closed.has(month));
    // Closing a month freezes every month before it, so entries waiting there would wait for
    // ever: they are approved or rejected first.
    const pending = await queries.pendingThrough(tx, entityId, period);
    if (pending.count > 0) {
      throw new DomainError('pending_entries_in_period', `${pending.count} entr${pending.count === 1 ? 'y waits' : 'ies wait'} for approval in ${pending.months.join(', ')}; approve or reject them before closing.`, {
        extra: { months: pending.months },
      });
    }
    // Oldest year first: each close carries only its own year's balances.
    const closingEntries = new Map<string, Awaited<ReturnType<typeof postDraftInTransaction>>>();
    for (const december of months.filter((month) => month.endsWith('-12'))) {
      const entry = await postYearEndClose(tx, entityId, yearOf(`${december}-01`), actor.userId);
      if (entry) closingEntries.set(december, entry);
    }
    await queries.insertPeriods(
      tx,
      months.map((month) => ({ entity_id: entityId, period: month, closed_by: actor.userId, closing_entry_id: closingEntries.get(month)?.id ?? null })),
    );
    return { entityId, period, closed: true, monthsClosed: months, closingEntry: closingEntries.get(period) ?? null, closingEntries: [...closingEntries.values()] };
  });
}

/** 结转: revenue and expense balances of the year into 3101 (unrestricted funds) or 3102 (restricted funds), fund by fund. */
async function postYearEndClose(tx: Knex.Transaction, entityId: string, year: number, actorId: string) {
  const balances = await queries.balancesBetween(tx, entityId, { from: `${year}-01-01`, to: `${year}-12-31` });
  const accounts = new Map((await queries.listAccounts(tx, entityId)).map((account) => [account.code, account]));
  const funds = new Map((await queries.listFunds(tx, entityId)).map((fund) => [fund.code, fund]));
  const unrestricted = await accountCodeByRole(tx, entityId, 'unrestricted_net_assets');
  const restricted = await accountCodeByRole(tx, entityId, 'restricted_net_assets');
  const lines: LineDraft[] = [];
  const netByFund = new Map<string, Decimal>();
  for (const row of balances) {
    const account = accounts.get(row.account_code);
    if (!account || (account.type !== 'revenue' && account.type !== 'expense')) continue;
    const net = D(row.credit).minus(row.debit);
    if (net.isZero()) continue;
    lines.push({
      accountCode: row.account_code,
      fundCode: row.fund_code,
      projectId: null,
      debit: net.isPositive() ? net : null,
      credit: net.isNegative() ? net.neg() : null,
      memo: null,
    });
    netByFund.set(row.fund_code, (netByFund.get(row.fund_code) ?? ZERO).plus(net));
  }
  for (const [fundCode, net] of netByFund) {
    if (net.isZero()) continue;
    lines.push({
      accountCode: funds.get(fundCode)?.restricted ? restricted : unrestricted,
      fundCode,
      projectId: null,
      debit: net.isNegative() ? net.neg() : null,
      credit: net.isPositive() ? net : null,
      memo: null,
    });
  }
  if (lines.length < 2) return null;
  refuseUncarriableTotals(lines, accounts, year);
  return postDraftInTransaction(tx, {
    entityId,
    date: lastDayOfMonth(`${year}-12`),
    memo: `${year}年度收支结转`,
    kind: 'year_end_close',
    details: { year },
    lines,
    authorId: actorId,
    approval: 'exempt',
    checkOverdraft: false,
  });
}

/**
 * A year whose revenue or expense in one account and fund totals past the largest amount a line
 * holds cannot be carried forward: each day's receipts fit, but their sum does not fit the 结转's
 * one line (nor its day's total). Only a mistyped amount gets there (a tester's two receipts of
 * 999999999999999999.99 and 1.00), so the refusal names the account and fund and says to reverse
 * it, instead of the database's bare overflow.
 */
function refuseUncarriableTotals(lines: LineDraft[], accounts: Map<string, queries.AccountRow>, year: number): void {
  const tooLarge = lines.find((line) => D(line.debit ?? line.credit ?? ZERO).gt(LARGEST_AMOUNT));
  if (!tooLarge) return;
  const account = accounts.get(tooLarge.accountCode);
  const total = formatMoney(tooLarge.debit ?? tooLarge.credit ?? ZERO);
  throw new DomainError(
    'amount_too_large',
    `${year}'s ${tooLarge.accountCode} ${account?.name ?? ''} in fund ${tooLarge.fundCode} totals ${total}, past ${LARGEST_AMOUNT}, the largest amount the books hold, so the year cannot be carried forward (结转). Reverse the entry with the mistyped amount, then close again.`,
    { extra: { accountCode: tooLarge.accountCode, fundCode: tooLarge.fundCode } },
  );
}

export async function listPeriods(db: Knex, actor: Actor, entityId: string) {
  await readableEntity(db, actor, entityId);
  const rows = await db('periods').where({ entity_id: entityId }).orderBy('period');
  return {
    items: rows.map((row: { period: string; closed_at: Date; closed_by: string; closing_entry_id: string | null }) => ({
      period: row.period,
      closedAt: new Date(row.closed_at).toISOString(),
      closedBy: row.closed_by,
      closingEntryId: row.closing_entry_id,
    })),
  };
}

// Hash chain

/**
 * Recomputes an entity's hash chain. The head and the entries are read in one snapshot (a
 * repeatable-read transaction, unless the caller already holds one), so postings made while it
 * runs never look like a broken chain.
 */
export async function verifyChain(db: Knex | Knex.Transaction, entityId: string) {
  if (!(db as Knex.Transaction).isTransaction) {
    return withTransaction(db as Knex, 'repeatable read', (tx) => verifyChainIn(tx, entityId));
  }
  return verifyChainIn(db as Knex.Transaction, entityId);
}

async function verifyChainIn(db: Knex.Transaction, entityId: string) {
  const head = await queries.bookHead(db, entityId);
  if (!head) throw new DomainError('not_found', 'Entity not found.');
  let previous = GENESIS_HASH;
  let index = '0';
  let count = 0;
  const batch = 500; // hashed between reads: other requests get a turn every ~25 ms
  for (;;) {
    const rows = await queries.chainEntries(db, entityId, index, batch);
    if (rows.length === 0) break;
    const lines = await queries.linesOf(db, rows.map((row) => row.id));
    const byEntry = new Map<string, typeof lines>();
    for (const line of lines) {
      const list = byEntry.get(line.entry_id) ?? [];
      list.push(line);
      byEntry.set(line.entry_id, list);
    }
    for (const row of rows) {
      count += 1;
      const expectedIndex = (BigInt(index) + 1n).toString();
      const recomputed = chainHash(previous, chainEntryOf(row, byEntry.get(row.id) ?? []));
      const problem =
        String(row.chain_index) !== expectedIndex
          ? `chain index ${row.chain_index} follows ${index}: an entry is missing`
          : row.prev_hash !== previous
            ? 'its previous-hash does not match the entry before it'
            : recomputed !== row.hash
              ? 'its content no longer matches its hash'
              : null;
      if (problem) {
        return {
          ok: false,
          entries: count,
          head: head.chain_head,
          firstBad: { id: row.id, number: row.number, chainIndex: Number(row.chain_index), date: row.date, reason: problem },
        };
      }
      previous = row.hash as string;
      index = String(row.chain_index);
    }
  }
  if (String(head.chain_length) !== index || head.chain_head !== previous) {
    return { ok: false, entries: count, head: head.chain_head, firstBad: { id: null, number: null, chainIndex: Number(index) + 1, date: null, reason: 'the chain head does not match the last entry: entries were removed' } };
  }
  // Receipts attached to entries are evidence: their bytes must still hash to what was recorded.
  const altered = await queries.alteredAttachment(db, entityId);
  if (altered) {
    return {
      ok: false,
      entries: count,
      head: head.chain_head,
      firstBad: { id: altered.entry_id, number: altered.number, chainIndex: altered.chain_index === null ? null : Number(altered.chain_index), date: altered.date, reason: `attachment ${altered.id} (${altered.filename}) no longer matches its SHA-256`, attachmentId: altered.id },
    };
  }
  return { ok: true, entries: count, head: head.chain_head, firstBad: null };
}

export async function verify(db: Knex, actor: Actor, entityId: string) {
  await readableEntity(db, actor, entityId);
  return verifyChain(db, entityId);
}

// Reconciliation

/**
 * Records a cash count. It moves no money, but it prints in the public report, so a form sent
 * twice (a reload after saving, a double tap) must not print it twice: it takes an
 * Idempotency-Key like the money writes.
 */
export async function recordReconciliation(db: Knex, actor: Actor, entityId: string, command: RecordReconciliationCommand, options: WriteOptions = {}) {
  await entityOr404(db, entityId);
  requireEntityRole(actor, entityId, ['treasurer']);
  return runIdempotent(db, { key: options.idempotencyKey, userId: actor.userId, request: { route: 'reconciliation', entityId, command }, status: 201 }, async (tx) => {
    // A closed month is frozen, its reconciliations too: they print in its published reports.
    await queries.lockBooks(tx, entityId);
    const closed = await queries.closedThrough(tx, entityId, monthOf(command.date));
    if (closed) {
      throw new DomainError('period_closed', queries.closedMessage(monthOf(command.date), closed, 'record the count on a day'), {
        errors: [{ path: 'body.date', message: 'in a closed period' }],
        extra: { closedThrough: closed },
      });
    }
    const books = await cashAndBankBooksAsOf(tx, entityId, command.date);
    const row = await queries.insertReconciliation(tx, {
      entity_id: entityId,
      date: command.date,
      cash_counted: formatMoney(command.cashCounted),
      bank_statement_balance: formatMoney(command.bankStatementBalance),
      cash_book: formatMoney(books.cash),
      bank_book: formatMoney(books.bank),
      note: command.note ?? null,
      created_by: actor.userId,
    });
    return presentReconciliation(row);
  });
}

/**
 * The cash and bank books at the end of each of some days, as a count compares them. Each book
 * is the whole account the role belongs to: 1002 with every bank sub-account under it, not only
 * the sub-account that receipts post to. One read of the chart and one query for all the days
 * (a page lists a dozen counts, a report every count of its period).
 */
export async function cashAndBankBooksOn(db: Queryable, entityId: string, dates: string[]): Promise<Map<string, { cash: Decimal; bank: Decimal }>> {
  const books = new Map<string, { cash: Decimal; bank: Decimal }>();
  if (dates.length === 0) return books;
  const accounts = await queries.listAccounts(db, entityId);
  const roots = { cash: topAccountOfRole(accounts, 'cash'), bank: topAccountOfRole(accounts, 'bank') };
  const rows = await queries.balancesUnderOn(db, entityId, [...new Set(dates)], [roots.cash, roots.bank]);
  for (const date of dates) {
    const onDay = rows.filter((row) => row.on_day === date);
    const bookOf = (root: string) => sumMoney(onDay.filter((row) => row.account_code.startsWith(root)).map((row) => D(row.debit).minus(row.credit)));
    books.set(date, { cash: bookOf(roots.cash), bank: bookOf(roots.bank) });
  }
  return books;
}

export async function cashAndBankBooksAsOf(db: Queryable, entityId: string, date: string): Promise<{ cash: Decimal; bank: Decimal }> {
  return (await cashAndBankBooksOn(db, entityId, [date])).get(date)!;
}

/** The code of the top-level account above (or at) the account holding a role. */
function topAccountOfRole(accounts: queries.AccountRow[], role: string): string {
  const byCode = new Map(accounts.map((account) => [account.code, account]));
  let account = accounts.find((candidate) => candidate.role === role);
  if (!account) throw new DomainError('unknown_account', `These books have no account for ${role}.`);
  while (account.parent_code && byCode.has(account.parent_code)) account = byCode.get(account.parent_code)!;
  return account.code;
}

export function presentReconciliation(row: Record<string, unknown>) {
  const cashCounted = D(row.cash_counted as string);
  const bankStatement = D(row.bank_statement_balance as string);
  return {
    id: row.id,
    date: row.date,
    cashCounted: formatMoney(cashCounted),
    bankStatementBalance: formatMoney(bankStatement),
    cashBook: formatMoney(row.cash_book as string),
    bankBook: formatMoney(row.bank_book as string),
    cashDifference: formatMoney(cashCounted.minus(row.cash_book as string)),
    bankDifference: formatMoney(bankStatement.minus(row.bank_book as string)),
    note: row.note ?? null,
    createdBy: row.created_by,
    createdAt: new Date(row.created_at as string).toISOString(),
  };
}

export async function listReconciliations(db: Knex, actor: Actor, entityId: string) {
  await readableEntity(db, actor, entityId);
  return { items: (await queries.listReconciliations(db, entityId)).map(presentReconciliation), nextCursor: null };
}

// Attachments

const SIGNATURES: { type: string; bytes: number[] }[] = [
  { type: 'image/jpeg', bytes: [0xff, 0xd8, 0xff] },
  { type: 'image/png', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { type: 'application/pdf', bytes: [0x25, 0x50, 0x44, 0x46, 0x2d] },
];

/** The content type by the file's first bytes, whatever its name or declared type says. */
export function sniffContentType(data: Buffer): string | null {
  const match = SIGNATURES.find((signature) => signature.bytes.every((byte, index) => data[index] === byte));
  return match?.type ?? null;
}

export async function addAttachment(db: Knex, actor: Actor, entityId: string, entryId: string, file: { originalname: string; buffer: Buffer } | undefined) {
  await entityOr404(db, entityId);
  requireEntityRole(actor, entityId, ['treasurer']);
  if (!file) throw new DomainError('invalid_request', 'Send the file in the multipart field `file`.', { errors: [{ path: 'file', message: 'required' }] });
  const contentType = sniffContentType(file.buffer);
  if (!contentType) {
    throw new DomainError('unsupported_media_type', 'The file is not a JPEG, PNG or PDF (checked by its content, not its name or declared type).', {
      errors: [{ path: 'file', message: 'a JPEG, PNG or PDF by content' }],
    });
  }
  const entry = await queries.findEntry(db, entityId, entryId);
  if (!entry) throw new DomainError('not_found', 'Entry not found.');
  const crypto = await import('node:crypto');
  const sha256 = crypto.createHash('sha256').update(file.buffer).digest('hex');
  const filename = (file.originalname || 'attachment').replace(/[\\/\r\n\0]/g, '_').slice(0, 200);
  const row = await queries.insertAttachment(db, {
    entity_id: entityId,
    entry_id: entryId,
    filename,
    content_type: contentType,
    size: file.buffer.length,
    sha256,
    data: file.buffer,
    created_by: actor.userId,
  });
  return presenters.presentAttachment(row as never);
}

export async function getAttachment(db: Knex, actor: Actor, entityId: string, entryId: string, attachmentId: string) {
  await readableEntity(db, actor, entityId);
  const row = await queries.findAttachment(db, entityId, entryId, attachmentId);
  if (!row) throw new DomainError('not_found', 'Attachment not found.');
  return row as { filename: string; content_type: string; data: Buffer; sha256: string };
}

export { GENERAL_FUND, accountCodeByRole, entityOr404, monthOf };

// Approval flags

/**
 * Payments split to stay under the approval threshold: each one below it, together above it,
 * same payee, same day. They were posted (nothing here blocks them); the supervisor sees the
 * flag and asks why.
 */
export async function approvalFlags(db: Knex, actor: Actor, entityId: string, range: { from?: string; to?: string }) {
  const entity = await entityOr404(db, entityId);
  requireEntityRole(actor, entityId, ['supervisor', 'treasurer']);
  assertRange(range);
  if (entity.approval_threshold === null) return { approvalThreshold: null, items: [] };
  const threshold = formatMoney(entity.approval_threshold);
  const rows = await queries.splitPayments(db, entityId, threshold, range);
  return {
    approvalThreshold: threshold,
    items: rows.map((row) => ({
      kind: 'split_payment' as const,
      date: row.date,
      payee: row.payee,
      payments: row.payments,
      total: formatMoney(row.total),
      largest: formatMoney(row.largest),
      entries: row.entries.map((entry) => ({ id: entry.id, number: entry.number, amount: formatMoney(entry.amount) })),
    })),
  };
}
