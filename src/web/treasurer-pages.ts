/**
 * The treasurer's and supervisor's pages for one station or foundation: today's work, record
 * a receipt or payment, cash paid into or drawn from the bank, recent entries and reversal,
 * month close, reconciliation, approvals and the sending back (退回) or withdrawal (撤回) of a
 * pending entry.
 * Each form posts to the same ledger service the API uses; a rejected form is shown again
 * with what was typed and a plain-Chinese hint per field. No rule of the books lives here.
 */
import crypto from 'node:crypto';
import type { Request, Response, Router } from 'express';
import multer from 'multer';
import { addDays, addMonths, lastDayOfMonth, monthOf, monthsBetween } from '../shared/dates';
import { today } from '../shared/clock';
import { D, formatMoney, sumMoney, ZERO } from '../shared/money';
import { DomainError } from '../shared/errors';
import * as ledger from '../ledger/service';
import { METHOD_ROLES, PostEntryCommand, RecordPaymentCommand, RecordReceiptCommand, RecordReconciliationCommand, RejectEntryCommand, ReverseEntryCommand } from '../ledger/schemas';
import { Code, DateString, PositiveMoney } from '../shared/schemas';
import { z } from '../shared/zod';
import type { ZodError } from 'zod';
import { firstPostedDate, type EntityRow } from '../ledger/queries';
import type { EntryView } from '../ledger/presenters';
import { ANONYMOUS_LABEL } from '../disclosure/mask';
import { actorOf, booksPathOf, entityFor, fieldErrorsOfZod, FieldErrors, formFailure, fundNamesOf, page, requireLogin, Web } from './context';
import { amountTooLarge, isChecked, normaliseAmount, normaliseDate, normaliseMonth, searchTextOf, textOf } from './forms';
import { AMOUNT_TOO_LARGE_HINT, booksClosedSentence, DONOR_CHOICE_HINT, dateAfterTodaySentence, hintFor, MARKED_FIELDS } from './messages';
import { capitalAmount } from './capital-amount';
import { expenseByProject, revenueByAccount } from './queries';
import { firstEntryMonth, recentEntriesBy, RecentEntry, returnedSince, userNamesOf } from './book-queries';
import { idempotencyKeyUsed } from '../db/idempotency';
import { quarterOf } from '../disclosure/calendar';
import { chineseDate, chineseMonth, METHOD_LABELS, PAYMENT_CATEGORY_LABELS, RECEIPT_KIND_LABELS, yuan } from './views';
import { requireCsrf } from './session';
import { UUID_PATTERN as UUID } from '../shared/schemas';
import { uploadSlots } from '../http/concurrency';
import { KeptForm, takeKeptForm } from './kept-forms';

const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;
const RECENT_DAYS = 60;
/** Entries on one page of the list: a busy station's month runs to several pages. */
const ENTRIES_PER_PAGE = 200;
const FORM_KEY = /^[0-9a-f]{32}$/;

type Values = Record<string, string | boolean | undefined>;

/** Which way cash moves between the cash box and the bank: the form's choices, and the memo when none is written. */
const TRANSFER_LABELS = { deposit: '现金存入银行', withdrawal: '从银行取现金' } as const;

/** The 存取现金 form as the page reads it (after the forgiving normalisation of amount and date). */
const TransferForm = z
  .object({
    direction: z.enum(['deposit', 'withdrawal']),
    amount: PositiveMoney,
    date: DateString,
    fundCode: Code,
    memo: z.string().trim().max(500).optional(),
  })
  .strict();

/** A refused 退回/撤回 form on a list page: the reason as typed, shown again next to its entry. */
interface Refusal {
  message?: string;
  errors?: FieldErrors;
  status?: number;
  entryId?: string;
  reason?: string;
}

/** The fields the forgiving amount reader fills on these pages. */
const AMOUNT_FIELDS = ['amount', 'cashCounted', 'bankStatementBalance'];

/**
 * The hints for a form the schema refused. An amount that reads as a number but has more
 * digits than the books keep is called too large: the usual hint asks for one above zero.
 */
function formErrorsOf(error: ZodError, values: Values): FieldErrors {
  const errors = fieldErrorsOfZod(error);
  for (const field of AMOUNT_FIELDS) if (errors[field] && amountTooLarge(values[field] as string | undefined)) errors[field] = AMOUNT_TOO_LARGE_HINT;
  return errors;
}

function newFormKey(): string {
  return crypto.randomBytes(16).toString('hex');
}

/** The key that makes a double-tapped form post once (the ledger's Idempotency-Key). */
function idempotencyKeyOf(values: Values): string | undefined {
  const key = values.formKey;
  return typeof key === 'string' && FORM_KEY.test(key) ? `web-${key}` : undefined;
}

/**
 * From this amount on, a receipt or payment is read back before it is saved: the amount with
 * its 大写 and a box to tick. A slip of the finger (15000 for 150.00, a row of nines) would
 * otherwise go straight into the books and the public page, and only a reversal takes it out.
 */
export const CONFIRM_FROM = '10000.00';

/**
 * A question a receipt or payment form asks before saving, answered by ticking a box: is this
 * large amount right, is this really another entry than the one just recorded. The tick holds
 * only for what it was asked about (`about`, sent back in a hidden field), so a changed amount,
 * or another entry repeated, asks again.
 */
interface Question {
  name: keyof typeof ABOUT_FIELDS;
  about: string;
  /** Beside the box: the words, and what they are about (in bold). */
  label: string;
  detail?: string;
  message: string;
  hint: string;
}

/** The hidden field that carries each question's `about` back. */
const ABOUT_FIELDS = { confirmLarge: 'confirmedAmount', confirmRepeat: 'confirmedRepeat' } as const;

/**
 * The form's answer while a question that applies is not ticked; undefined once all are. Every
 * question that applies is shown again, ticked where it was, so ticking one never drops another.
 */
function unansweredOf(questions: (Question | undefined)[], body: Record<string, unknown>, values: Values): { message: string; errors: FieldErrors; status: number } | undefined {
  const open: Question[] = [];
  for (const question of questions) {
    if (!question) continue;
    const ticked = isChecked(body[question.name]) && textOf(body[ABOUT_FIELDS[question.name]]) === question.about;
    Object.assign(values, { [ABOUT_FIELDS[question.name]]: question.about, [question.name]: ticked, [`${question.name}Label`]: question.label, [`${question.name}Detail`]: question.detail });
    if (!ticked) open.push(question);
  }
  if (open.length === 0) return undefined;
  return { message: open.map((question) => question.message).join(''), errors: Object.fromEntries(open.map((question) => [question.name, question.hint])), status: 400 };
}

/** From CONFIRM_FROM on, the amount is read back with its 大写; undefined below. */
function largeAmountQuestion(amount: string): Question | undefined {
  if (D(amount).lt(CONFIRM_FROM)) return undefined;
  const detail = `${yuan(amount)}（大写：${capitalAmount(formatMoney(amount))}）`;
  return {
    name: 'confirmLarge',
    about: formatMoney(amount),
    label: '金额无误',
    detail,
    message: `金额比较大，请再核对一遍：${detail}。没有错就勾选“金额无误”再保存；错了请改金额。`,
    hint: '请核对金额后勾选“金额无误”',
  };
}

/**
 * How long an entry counts as just recorded: long enough for Back, a look at the paper and the
 * same figures typed again; short enough that a second real 停车费 of the same amount later in
 * the day is not questioned.
 */
const REPEAT_MINUTES = 10;

/**
 * What makes a receipt or payment the same as another for the repeat question: day, amount,
 * cash or bank, kind or category, and payer or payee (the entity and the user are the query's).
 */
function repeatKeyOf(entry: { date: string; amount: string; method?: string; sort?: string; counterparty?: string | null }): string {
  return JSON.stringify([entry.date, formatMoney(entry.amount), entry.method ?? '', entry.sort ?? '', (entry.counterparty ?? '').trim()]);
}

function repeatKeyOfRecent(entry: RecentEntry): string {
  const { method, receiptKind, category, counterparty } = entry.details;
  return repeatKeyOf({ date: entry.date, amount: entry.amount, method, sort: receiptKind ?? category, counterparty: counterparty?.name });
}

/**
 * Asks before saving the same entry again that this user recorded minutes ago: Back after
 * saving shows an empty form, and typing it again must not slip a second entry into the books
 * (only a reversal, printed in the public report, takes it out). Undefined when nothing repeats.
 */
function repeatQuestion(recent: RecentEntry[], key: string): Question | undefined {
  const repeated = recent.find((entry) => repeatKeyOfRecent(entry) === key);
  if (!repeated) return undefined;
  const minutes = Math.floor(repeated.ageSeconds / 60);
  const when = minutes < 1 ? '您刚刚记过' : `您在${minutes}分钟前刚记过`;
  const which = repeated.number ? `凭证号 ${repeated.number}` : '正在等待监委会审批';
  return {
    name: 'confirmRepeat',
    about: repeated.id,
    label: '确认再记一笔（这是另一笔钱，不是刚才那笔）',
    message: `${when}一笔一模一样的账（${which}），这一笔还没有保存。如果确实是另一笔，请勾选下面的“确认再记一笔”后再保存。`,
    hint: '如果确实是另一笔，请勾选“确认再记一笔”',
  };
}

/**
 * A form sent again with other values under a key already used (Back after saving, a figure
 * changed, sent again) is refused by the ledger, and would be for ever under the same key: the
 * page comes back with a new key, and the message says the first one was saved.
 */
function renewKeyAfterReuse(error: unknown, values: Values): void {
  if (error instanceof DomainError && error.code === 'idempotency_key_reused') values.formKey = newFormKey();
}

const baseOf = booksPathOf;

export function treasurerPages(router: Router, web: Web, refuseCsrf: (req: Request, res: Response) => void): void {
  const csrf = requireCsrf(web.config.jwtSecret, refuseCsrf);
  const upload = multer({ storage: multer.memoryStorage(), defParamCharset: 'utf8', limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 30 } });

  const funds = async (req: Request, entity: EntityRow) => (await ledger.listFunds(web.db, actorOf(req), entity.id)).items;

  /** Cash and bank on the books at the end of a day, as the home page and the count compare them. */
  const booksOf = async (entity: EntityRow, date: string) => {
    const balances = await ledger.trialBalanceOf(web.db, entity.id, date);
    const balanceOf = (prefix: string) => formatMoney(sumMoney(balances.rows.filter((row) => row.accountCode.startsWith(prefix)).map((row) => row.balance)));
    return { cash: balanceOf('1001'), bank: balanceOf('1002') };
  };

  /** The books record what happened, not what is planned: a day after today is refused. */
  const futureDateErrors = (date: string): FieldErrors => {
    const sentence = dateAfterTodaySentence(date, today(web.clock));
    return sentence ? { date: sentence } : {};
  };
  /**
   * The form's values with its book date read as a day where it can be ("11月3日" as the latest
   * such day not after today), so that the command gets that day and a form coming back for
   * another field's mistake shows it in the date picker, which shows anything else as blank.
   * Text that is not a day stays as typed, for its error.
   */
  const withBookDate = (values: Values): Values => ({ ...values, date: normaliseDate(values.date as string, today(web.clock)) ?? values.date });
  const projects = async (req: Request, entity: EntityRow) => (await ledger.listProjects(web.db, actorOf(req), entity.id)).items;

  /** The latest closed month ('' when none): closing it froze every day up to its end. */
  const closedThroughOf = async (req: Request, entity: EntityRow): Promise<string> => {
    const { items } = await ledger.listPeriods(web.db, actorOf(req), entity.id);
    return items.length > 0 ? items[items.length - 1].period : '';
  };

  /**
   * The sentence the forms show instead of themselves when no day up to today is open, and
   * the web forms take no later day; null while today's month is open.
   */
  const booksClosedOf = async (req: Request, entity: EntityRow): Promise<string | null> => booksClosedSentence(await closedThroughOf(req, entity), today(web.clock));

  /**
   * Whether the web can reverse an entry: a reversal is dated on or after its entry, on a day
   * the form takes (today, or the entry's own day when it is dated ahead), in an open month.
   */
  const reversibleOnWeb = (entryDate: string, closedThrough: string): boolean => {
    const now = today(web.clock);
    return monthOf(entryDate > now ? entryDate : now) > closedThrough;
  };

  /** The receipts or payments this user recorded here in the last REPEAT_MINUTES, newest first. */
  const recentOf = (req: Request, entity: EntityRow, kind: 'receipt' | 'payment') =>
    recentEntriesBy(web.db, { entityId: entity.id, userId: actorOf(req).userId, kind, minutes: REPEAT_MINUTES });

  /**
   * The repeat question for a receipt or payment about to be saved (`key` from repeatKeyOf). A
   * form sent again under a key already used is not asked: it is the same form (a double tap),
   * and the key answers it with the entry it saved.
   */
  const repeatQuestionFor = async (req: Request, entity: EntityRow, kind: 'receipt' | 'payment', key: string, values: Values) => {
    const formKey = idempotencyKeyOf(values);
    if (formKey && (await idempotencyKeyUsed(web.db, actorOf(req).userId, formKey))) return undefined;
    return repeatQuestion(await recentOf(req, entity, kind), key);
  };

  // Today's work

  router.get(
    '/app/e/:code',
    requireLogin,
    page(async (req, res) => {
      const entity = await entityFor(web, req, ['treasurer', 'supervisor']);
      const actor = actorOf(req);
      const date = today(web.clock);
      const books = await booksOf(entity, date);
      const pending = await ledger.listEntries(web.db, actor, entity.id, { status: 'pending_approval', limit: 500 });
      const roles = actor.roles.filter((grant) => grant.entityId === entity.id).map((grant) => grant.role);
      // Entries a supervisor returned (not withdrawn by their author) in the last 30 days: the
      // treasurer should see why, and record them again if they were right.
      const returned = await returnedSince(web.db, entity.id, new Date(`${addDays(date, -30)}T00:00:00+08:00`));
      web.render(req, res, 'workspace', entity.name, {
        entity,
        base: baseOf(entity),
        today: date,
        cash: books.cash,
        bank: books.bank,
        pendingCount: pending.items.length,
        returnedCount: returned,
        isTreasurer: roles.includes('treasurer'),
        isSupervisor: roles.includes('supervisor'),
        canPublish: true,
        booksClosed: await booksClosedOf(req, entity),
      });
    }),
  );

  // Receipts

  // A foundation has no parking lot or recycling: its form offers donations, subsidies and other income.
  const STATION_ONLY_KINDS = new Set(['parking', 'recycling']);
  const receiptOptions = (entity: EntityRow) =>
    Object.entries(RECEIPT_KIND_LABELS)
      .filter(([value]) => entity.kind === 'station' || !STATION_ONLY_KINDS.has(value))
      .map(([value, label]) => ({ value, label }));

  async function showReceipt(req: Request, res: Response, entity: EntityRow, values: Values, failure: { message?: string; errors?: FieldErrors; status?: number } = {}) {
    const booksClosed = await booksClosedOf(req, entity);
    const recent = (await recentOf(req, entity, 'receipt')).map(recentRow);
    web.render(req, res, 'receipt', '记一笔收入', { entity, base: baseOf(entity), booksClosed, recent, kinds: receiptOptions(entity), funds: await funds(req, entity), values, errors: failure.errors ?? {}, message: failure.message ?? null }, { status: failure.status });
  }

  router.get(
    '/app/e/:code/receipt',
    requireLogin,
    page(async (req, res) => {
      const entity = await entityFor(web, req, ['treasurer']);
      const kept = await takeKeptForm(web, req, res);
      if (kept) return showReceipt(req, res, entity, receiptValuesOf(kept.fields), { message: kept.notice });
      await showReceipt(req, res, entity, { kind: entity.kind === 'station' ? 'parking' : 'donation', method: 'cash', date: today(web.clock), fundCode: 'GENERAL', formKey: newFormKey() });
    }),
  );

  router.post(
    '/app/e/:code/receipt',
    requireLogin,
    csrf,
    page(async (req, res) => {
      const entity = await entityFor(web, req, ['treasurer']);
      const body = req.body ?? {};
      const values = withBookDate(receiptValuesOf(body));
      const parsed = RecordReceiptCommand.safeParse({
        kind: values.kind || undefined,
        method: values.method || undefined,
        amount: normaliseAmount(values.amount as string) ?? values.amount,
        date: values.date,
        // The giver's fields show only for a donation; typed and then hidden by another kind, they are not kept.
        ...(values.kind === 'donation' ? { payer: values.payer || undefined, anonymous: values.anonymous, nameConsent: values.nameConsent } : {}),
        fundCode: values.fundCode,
        memo: values.memo || undefined,
      });
      const donorErrors = donorChoiceErrors(values);
      if (!parsed.success || donorErrors.anonymous) {
        const errors = { ...(parsed.success ? {} : formErrorsOf(parsed.error, values)), ...donorErrors };
        return showReceipt(req, res, entity, values, { message: MARKED_FIELDS, errors, status: 400 });
      }
      const dateErrors = futureDateErrors(parsed.data.date);
      if (dateErrors.date) return showReceipt(req, res, entity, values, { message: dateErrors.date, errors: dateErrors, status: 400 });
      const { amount, date, method, kind, payer } = parsed.data;
      const repeat = await repeatQuestionFor(req, entity, 'receipt', repeatKeyOf({ date, amount, method, sort: kind, counterparty: payer }), values);
      const unanswered = unansweredOf([largeAmountQuestion(amount), repeat], body, values);
      if (unanswered) return showReceipt(req, res, entity, values, unanswered);
      try {
        const result = await ledger.recordReceipt(web.db, actorOf(req), entity.id, parsed.data, { idempotencyKey: idempotencyKeyOf(values) });
        res.redirect(303, `${baseOf(entity)}?${recordedQuery('receipt', result.body)}`);
      } catch (error) {
        renewKeyAfterReuse(error, values);
        const failure = formFailure(error, { date: parsed.data.date, fundNames: await fundNamesOf(web, req, entity) });
        if (!failure) throw error;
        await showReceipt(req, res, entity, values, failure);
      }
    }),
  );

  // Cash to and from the bank (存现、取现)

  const transferOptions = Object.entries(TRANSFER_LABELS).map(([value, label]) => ({ value, label }));

  async function showTransfer(req: Request, res: Response, entity: EntityRow, values: Values, failure: { message?: string; errors?: FieldErrors; status?: number } = {}) {
    const books = await booksOf(entity, today(web.clock));
    web.render(
      req,
      res,
      'transfer',
      '存取现金',
      { entity, base: baseOf(entity), booksClosed: await booksClosedOf(req, entity), directions: transferOptions, funds: await funds(req, entity), books, values, errors: failure.errors ?? {}, message: failure.message ?? null },
      { status: failure.status },
    );
  }

  router.get(
    '/app/e/:code/transfer',
    requireLogin,
    page(async (req, res) => {
      const entity = await entityFor(web, req, ['treasurer']);
      const kept = await takeKeptForm(web, req, res);
      if (kept) return showTransfer(req, res, entity, transferValuesOf(kept.fields), { message: kept.notice });
      // No direction is chosen for the treasurer: one the wrong way round is only undone by a reversal.
      await showTransfer(req, res, entity, { date: today(web.clock), fundCode: 'GENERAL', formKey: newFormKey() });
    }),
  );

  /**
   * Money that only changes place: one entry through the manual entry command the API uses,
   * debiting where the money went and crediting where it came from, both in the chosen fund
   * (money keeps its fund). Cash and bank are the accounts holding the roles the receipts post
   * to, so a sub-account that took over a role is used here too.
   */
  router.post(
    '/app/e/:code/transfer',
    requireLogin,
    csrf,
    page(async (req, res) => {
      const entity = await entityFor(web, req, ['treasurer']);
      const body = req.body ?? {};
      const values = withBookDate(transferValuesOf(body));
      const parsed = TransferForm.safeParse({
        direction: values.direction || undefined,
        amount: normaliseAmount(values.amount as string) ?? values.amount,
        date: values.date,
        fundCode: values.fundCode,
        memo: values.memo || undefined,
      });
      if (!parsed.success) return showTransfer(req, res, entity, values, { message: MARKED_FIELDS, errors: formErrorsOf(parsed.error, values), status: 400 });
      const { direction, amount, date, fundCode, memo } = parsed.data;
      const dateErrors = futureDateErrors(date);
      if (dateErrors.date) return showTransfer(req, res, entity, values, { message: dateErrors.date, errors: dateErrors, status: 400 });
      const cash = await ledger.accountCodeByRole(web.db, entity.id, METHOD_ROLES.cash);
      const bank = await ledger.accountCodeByRole(web.db, entity.id, METHOD_ROLES.bank);
      const [to, from] = direction === 'deposit' ? [bank, cash] : [cash, bank];
      const command: PostEntryCommand = {
        date,
        memo: memo || TRANSFER_LABELS[direction],
        lines: [
          { accountCode: to, fundCode, debit: amount },
          { accountCode: from, fundCode, credit: amount },
        ],
      };
      try {
        const result = await ledger.postEntry(web.db, actorOf(req), entity.id, command, { idempotencyKey: idempotencyKeyOf(values), request: { route: 'transfer', entityId: entity.id, body: command } });
        const entry = result.body;
        res.redirect(303, `${baseOf(entity)}?${recordedQuery(entry.status === 'pending_approval' ? `${direction}_pending` : direction, entry)}`);
      } catch (error) {
        renewKeyAfterReuse(error, values);
        const failure = formFailure(error, { date, fundNames: await fundNamesOf(web, req, entity), payingFor: direction === 'deposit' ? '这次存入银行' : '这次取现' });
        if (!failure) throw error;
        await showTransfer(req, res, entity, values, failure);
      }
    }),
  );

  // Payments

  const categoryOptions = Object.entries(PAYMENT_CATEGORY_LABELS).map(([value, label]) => ({ value, label }));

  async function showPayment(req: Request, res: Response, entity: EntityRow, values: Values, failure: { message?: string; errors?: FieldErrors; status?: number } = {}) {
    web.render(
      req,
      res,
      'payment',
      '记一笔支出',
      {
        entity,
        base: baseOf(entity),
        booksClosed: await booksClosedOf(req, entity),
        recent: (await recentOf(req, entity, 'payment')).map(recentRow),
        categories: categoryOptions,
        funds: await funds(req, entity),
        projects: await projects(req, entity),
        values,
        errors: failure.errors ?? {},
        message: failure.message ?? null,
      },
      { status: failure.status },
    );
  }

  router.get(
    '/app/e/:code/payment',
    requireLogin,
    page(async (req, res) => {
      const entity = await entityFor(web, req, ['treasurer']);
      const kept = await takeKeptForm(web, req, res);
      if (kept) return showPayment(req, res, entity, paymentValuesOf(kept.fields, kept), { message: kept.notice });
      await showPayment(req, res, entity, { category: 'program', method: 'cash', date: today(web.clock), fundCode: 'GENERAL', formKey: newFormKey() });
    }),
  );

  router.post(
    '/app/e/:code/payment',
    requireLogin,
    uploadSlots,
    (req, res, next) => {
      // Multer errors (too big, too many files) become a form hint, not a problem+json page.
      upload.single('file')(req, res, (error: unknown) => {
        if (error) {
          const code = (error as { code?: string }).code;
          (req as Request & { uploadError?: string }).uploadError = code === 'LIMIT_FILE_SIZE' ? '照片太大了：请上传不超过 5 MB 的 JPEG、PNG 或 PDF。' : hintFor('file');
          req.body = req.body ?? {};
        }
        next();
      });
    },
    csrf,
    page(async (req, res) => {
      const entity = await entityFor(web, req, ['treasurer']);
      const body = req.body ?? {};
      const file = req.file;
      const values = withBookDate(paymentValuesOf(body, { hadFile: Boolean(file) }));
      const errors: FieldErrors = {};
      const uploadError = (req as Request & { uploadError?: string }).uploadError;
      if (uploadError) errors.file = uploadError;
      else if (file && !ledger.sniffContentType(file.buffer)) errors.file = '这个文件不是 JPEG、PNG 照片或 PDF，请换一个文件。';
      const parsed = RecordPaymentCommand.safeParse({
        amount: normaliseAmount(values.amount as string) ?? values.amount,
        payee: values.payee,
        purpose: values.purpose,
        category: values.category || undefined,
        method: values.method || undefined,
        date: values.date,
        projectId: values.projectId || undefined,
        fundCode: values.fundCode,
      });
      if (!parsed.success) Object.assign(errors, formErrorsOf(parsed.error, values));
      else Object.assign(errors, futureDateErrors(parsed.data.date));
      if (!parsed.success || Object.keys(errors).length > 0) {
        return showPayment(req, res, entity, values, { message: MARKED_FIELDS, errors, status: 400 });
      }
      const { amount, date, method, category, payee } = parsed.data;
      const repeat = await repeatQuestionFor(req, entity, 'payment', repeatKeyOf({ date, amount, method, sort: category, counterparty: payee }), values);
      const unanswered = unansweredOf([largeAmountQuestion(amount), repeat], body, values);
      if (unanswered) return showPayment(req, res, entity, values, unanswered);
      try {
        const actor = actorOf(req);
        const result = await ledger.recordPayment(web.db, actor, entity.id, parsed.data, { idempotencyKey: idempotencyKeyOf(values) });
        const entry = result.body;
        if (file && entry.attachments.length === 0) {
          await ledger.addAttachment(web.db, actor, entity.id, entry.id, { originalname: file.originalname, buffer: file.buffer });
        }
        res.redirect(303, `${baseOf(entity)}?${recordedQuery(entry.status === 'pending_approval' ? 'payment_pending' : 'payment', entry)}`);
      } catch (error) {
        renewKeyAfterReuse(error, values);
        const failure = formFailure(error, { date: parsed.data.date, fundNames: await fundNamesOf(web, req, entity) });
        if (!failure) throw error;
        await showPayment(req, res, entity, values, failure);
      }
    }),
  );

  // Recent entries and reversal

  /**
   * The entries of one month (`?month=2026-07`) or, by default, of the last 60 days, newest
   * first, ENTRIES_PER_PAGE to a page (`&before=<cursor>` for the next older ones). The treasurer's and
   * supervisor's own pages: payers and payees are shown in full.
   */
  async function showEntries(req: Request, res: Response, entity: EntityRow, refusal: Refusal = {}) {
    const actor = actorOf(req);
    const now = today(web.clock);
    const query = searchTextOf(req.query.q, 100);
    const month = query ? null : normaliseMonth(textOf(req.query.month));
    // A search looks through the whole book; a month or the last 60 days otherwise.
    const range = query ? {} : month ? { from: `${month}-01`, to: lastDayOfMonth(month) } : { from: addDays(now, -RECENT_DAYS) };
    const search = query ? { text: query, amount: normaliseAmount(query) } : undefined;
    // Older pages start after the last entry shown (a cursor, not a page number, so entries
    // recorded meanwhile never push one onto the next page twice or past it unseen).
    const before = textOf(req.query.before);
    const after = (() => {
      try {
        return ledger.entryOfCursor(before || undefined);
      } catch {
        return undefined; // a mangled link: the newest page
      }
    })();
    const { items, nextCursor } = await ledger.listEntries(web.db, actor, entity.id, {
      ...range,
      limit: ENTRIES_PER_PAGE,
      includeRejected: true,
      newestFirst: { before: after },
      search,
    });
    const isTreasurer = actor.roles.some((grant) => grant.role === 'treasurer' && grant.entityId === entity.id);
    const describe = await entryDescriber(req, entity, items);
    const pendingIds = new Set(items.filter((entry) => entry.status === 'pending_approval').map((entry) => entry.id));
    const closedThrough = await closedThroughOf(req, entity);
    const entries = items.map((entry) => ({
        ...describe(entry),
        canReverse: isTreasurer && entry.status === 'posted' && !entry.reversedBy && !entry.reversalOf && entry.kind !== 'year_end_close' && !ledger.GRANT_POSTINGS.has(entry.kind) && reversibleOnWeb(entry.date, closedThrough),
        grantPosting: ledger.GRANT_POSTINGS.has(entry.kind),
        reversalPending: entry.reversedBy !== null && pendingIds.has(entry.reversedBy),
        canWithdraw: isTreasurer && entry.status === 'pending_approval' && entry.createdBy === actor.userId,
      }));
    const current = monthOf(now);
    const shown = month ?? current;
    // Back no further than the month of the first entry: before it there is nothing to list.
    const first = await firstEntryMonth(web.db, entity.id);
    const previous = addMonths(shown, -1);
    const months = { shown: month, previous: first && previous >= first ? previous : null, next: month && month < current ? addMonths(month, 1) : null, current, first };
    const booksClosed = isTreasurer ? booksClosedSentence(closedThrough, now) : null;
    // The list's address (search or month, then the page), for its links and for the forms on it to come back to.
    const addressOf = (cursor?: string | null) => {
      const params = new URLSearchParams({ ...(query ? { q: query } : month ? { month } : {}), ...(cursor ? { before: cursor } : {}) }).toString();
      return params ? `?${params}` : '';
    };
    const list = `${baseOf(entity)}/entries`;
    const pages = { size: ENTRIES_PER_PAGE, isFirst: !after, query, here: addressOf(after ? before : null), newest: `${list}${addressOf()}`, older: nextCursor ? `${list}${addressOf(nextCursor)}` : null };
    web.render(req, res, 'entries', query ? `查找“${query}”` : month ? `${chineseMonth(month)}的账` : '最近的账', { entity, base: baseOf(entity), booksClosed, entries, days: RECENT_DAYS, months, pages, ...refusalView(refusal) }, { status: refusal.status });
  }

  router.get(
    '/app/e/:code/entries',
    requireLogin,
    page(async (req, res) => {
      const entity = await entityFor(web, req, ['treasurer', 'supervisor']);
      await showEntries(req, res, entity, keptRefusal(await takeKeptForm(web, req, res), 'withdraw'));
    }),
  );

  async function monetaryCodes(req: Request, entity: EntityRow): Promise<Set<string>> {
    const { items } = await ledger.listAccounts(web.db, actorOf(req), entity.id);
    return new Set(items.filter((account) => account.monetary).map((account) => account.code));
  }

  /** Turns entries into list rows, with the names of funds, projects and the people who recorded them. */
  async function entryDescriber(req: Request, entity: EntityRow, entries: EntryView[]) {
    const monetary = await monetaryCodes(req, entity);
    const names = {
      funds: await fundNamesOf(web, req, entity),
      projects: Object.fromEntries((await projects(req, entity)).map((project) => [project.id, project.name])),
      users: await userNamesOf(web.db, entries.map((entry) => entry.createdBy).filter((id): id is string => id !== null)),
    };
    return (entry: EntryView) => entryRow(entry, monetary, names);
  }

  router.get(
    '/app/e/:code/entries/:id/attachments/:attachmentId',
    requireLogin,
    page(async (req, res) => {
      const entity = await entityFor(web, req, ['treasurer', 'supervisor']);
      const attachmentId = String(req.params.attachmentId ?? '');
      if (!UUID.test(attachmentId)) throw new DomainError('not_found', 'Attachment not found.');
      const file = await ledger.getAttachment(web.db, actorOf(req), entity.id, uuidParam(req), attachmentId);
      // A photo is shown in the browser, sandboxed; a PDF is downloaded and opened by the
      // device's viewer, since Chromium will not start its PDF viewer in a sandboxed document
      // and a PDF may carry script. The type was checked by content on upload.
      const inline = file.content_type !== 'application/pdf';
      res.setHeader('Content-Type', file.content_type);
      res.setHeader('Content-Disposition', `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(file.filename)}`);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Content-Security-Policy', 'sandbox');
      res.setHeader('Cache-Control', 'private, no-store');
      res.end(file.data);
    }),
  );

  async function showReverse(req: Request, res: Response, entity: EntityRow, entryId: string, values: Values, failure: { message?: string; errors?: FieldErrors; status?: number } = {}) {
    const entry = await ledger.getEntry(web.db, actorOf(req), entity.id, entryId);
    const describe = await entryDescriber(req, entity, [entry]);
    const grantPosting = ledger.GRANT_POSTINGS.has(entry.kind);
    const closedThrough = await closedThroughOf(req, entity);
    // No day the form takes is open: say when one will be instead of a form that must fail.
    const booksClosed = reversibleOnWeb(entry.date, closedThrough) ? null : booksClosedSentence(closedThrough, today(web.clock));
    web.render(req, res, 'reverse', '冲销一笔账', { entity, base: baseOf(entity), entry: describe(entry), grantPosting, booksClosed, values, errors: failure.errors ?? {}, message: failure.message ?? null }, { status: failure.status });
  }

  router.get(
    '/app/e/:code/entries/:id/reverse',
    requireLogin,
    page(async (req, res) => {
      const entity = await entityFor(web, req, ['treasurer']);
      const entry = await ledger.getEntry(web.db, actorOf(req), entity.id, uuidParam(req));
      const kept = await takeKeptForm(web, req, res);
      if (kept) return showReverse(req, res, entity, entry.id, reverseValuesOf(kept.fields), { message: kept.notice });
      // A reversal may not be dated before its entry, so an entry dated ahead of today is reversed on its own day.
      const now = today(web.clock);
      await showReverse(req, res, entity, entry.id, { date: entry.date > now ? entry.date : now, formKey: newFormKey() });
    }),
  );

  router.post(
    '/app/e/:code/entries/:id/reverse',
    requireLogin,
    csrf,
    page(async (req, res) => {
      const entity = await entityFor(web, req, ['treasurer']);
      const entryId = uuidParam(req);
      const values = withBookDate(reverseValuesOf(req.body ?? {}));
      const parsed = ReverseEntryCommand.safeParse({ reason: values.reason, date: values.date });
      if (!parsed.success) return showReverse(req, res, entity, entryId, values, { message: MARKED_FIELDS, errors: formErrorsOf(parsed.error, values), status: 400 });
      const dateErrors = await reversalDateErrors(req, entity, entryId, parsed.data.date);
      if (dateErrors.date) return showReverse(req, res, entity, entryId, values, { message: dateErrors.date, errors: dateErrors, status: 400 });
      try {
        const reversal = await ledger.reverseEntry(web.db, actorOf(req), entity.id, entryId, parsed.data, { idempotencyKey: idempotencyKeyOf(values) });
        res.redirect(303, `${baseOf(entity)}/entries?ok=${reversal.body.status === 'pending_approval' ? 'reversed_pending' : 'reversed'}`);
      } catch (error) {
        const original = error instanceof DomainError && error.code === 'reversal_before_original' ? await ledger.getEntry(web.db, actorOf(req), entity.id, entryId) : null;
        renewKeyAfterReuse(error, values);
        const failure = formFailure(error, {
          date: parsed.data.date,
          originalDate: original?.date,
          fundNames: await fundNamesOf(web, req, entity),
          payingFor: '冲销这笔账',
          remedy: '这笔钱后来已经用掉了，冲销会让账上的钱变成负数。请先冲销后来用掉这笔钱的支出，或改一下冲销日期。',
        });
        if (!failure || failure.status === 404) throw error;
        // Hints for fields this form has (a shortfall's hint is for an amount, which it has not).
        const errors = Object.fromEntries(Object.entries(failure.errors).filter(([field]) => field === 'reason' || field === 'date'));
        await showReverse(req, res, entity, entryId, values, { ...failure, errors });
      }
    }),
  );

  /**
   * The web's rule for a reversal's date, like the other forms': no day after today, except the
   * entry's own day when the entry is dated ahead (a reversal may not come before its entry).
   */
  async function reversalDateErrors(req: Request, entity: EntityRow, entryId: string, date: string): Promise<FieldErrors> {
    const now = today(web.clock);
    if (date <= now) return {};
    const entry = await ledger.getEntry(web.db, actorOf(req), entity.id, entryId);
    if (date <= entry.date) return {};
    return entry.date > now
      ? { date: `这笔账记在${chineseDate(entry.date)}，冲销日期请填这一天。` }
      : futureDateErrors(date);
  }

  // Month close

  async function showClose(req: Request, res: Response, entity: EntityRow, values: Values, failure: { message?: string; errors?: FieldErrors; status?: number } = {}) {
    const closed = (await ledger.listPeriods(web.db, actorOf(req), entity.id)).items.map((row) => row.period);
    const current = monthOf(today(web.clock));
    const openMonths: string[] = [];
    for (let back = 11; back >= 0; back -= 1) {
      const month = addMonths(current, -back);
      if (!closed.includes(month)) openMonths.push(month);
    }
    // Closing cannot be undone, so nothing old is offered by default: the latest month that is
    // over and still open, or no month at all. The month still running is marked as such.
    // Months before the latest closed one are frozen by it already (nothing can be recorded
    // there); closing them only lets a quarter's or a year's report be published.
    const closedThrough = closed.length > 0 ? closed[closed.length - 1] : '';
    const finished = openMonths.filter((month) => month < current && month > closedThrough);
    const selected = (values.period as string | undefined) ?? finished[finished.length - 1] ?? '';
    // A frozen month from before the first entry has nothing to close and is left out, except
    // in the quarter the books start in: that quarter's report needs all three months closed.
    const firstMonth = (await firstPostedDate(web.db, entity.id))?.slice(0, 7) ?? current;
    const months = [];
    for (const month of openMonths) {
      const frozen = month < closedThrough;
      if (frozen && month < firstMonth && quarterOf(`${month}-01`) !== quarterOf(`${firstMonth}-01`)) continue;
      months.push({ month, current: month === current, frozen, ...(await monthTotalsOf(entity, month)) });
    }
    // Closing any month closes every month before it from January of the year the books begin,
    // with a year-end 结转 for each December: say so when that reaches past the months shown.
    const booksYear = Math.min(Number(firstMonth.slice(0, 4)), Number(current.slice(0, 4)));
    const windowStart = openMonths[0] ?? current;
    const earlier = monthsBetween(`${booksYear}-01`, addMonths(windowStart, -1)).filter((month) => month < windowStart && !closed.includes(month));
    const earlierYears = earlier.filter((month) => month.endsWith('-12')).map((month) => month.slice(0, 4));
    web.render(req, res, 'close', '月末结账', { entity, base: baseOf(entity), months, earlier: monthRuns(earlier), earlierYears, closed: monthRuns(closed), values: { ...values, period: selected }, errors: failure.errors ?? {}, message: failure.message ?? null }, { status: failure.status });
  }

  /** Months as a treasurer reads them: runs of consecutive months as one span (2025年1月至2026年2月). */
  function monthRuns(months: string[]): string[] {
    const runs: string[][] = [];
    for (const month of months) {
      const run = runs[runs.length - 1];
      if (run && addMonths(run[run.length - 1], 1) === month) run.push(month);
      else runs.push([month]);
    }
    return runs.map((run) => (run.length === 1 ? chineseMonth(run[0]) : `${chineseMonth(run[0])}至${chineseMonth(run[run.length - 1])}`));
  }

  /** A month's income and spending, as the close form shows them next to each month. */
  async function monthTotalsOf(entity: EntityRow, month: string) {
    const range = { from: `${month}-01`, to: lastDayOfMonth(month) };
    const income = sumMoney((await revenueByAccount(web.db, entity.id, range)).map((row) => D(row.credit).minus(row.debit)));
    const spent = sumMoney((await expenseByProject(web.db, entity.id, range)).map((row) => D(row.debit).minus(row.credit)));
    return { income: formatMoney(income), spent: formatMoney(spent) };
  }

  router.get(
    '/app/e/:code/close',
    requireLogin,
    page(async (req, res) => {
      const entity = await entityFor(web, req, ['treasurer']);
      const kept = await takeKeptForm(web, req, res);
      await showClose(req, res, entity, kept ? closeValuesOf(kept.fields) : {}, { message: kept?.notice });
    }),
  );

  router.post(
    '/app/e/:code/close',
    requireLogin,
    csrf,
    page(async (req, res) => {
      const entity = await entityFor(web, req, ['treasurer']);
      const period = normaliseMonth(textOf(req.body?.period));
      const values = closeValuesOf(req.body ?? {});
      const errors: FieldErrors = {};
      if (!period) errors.period = hintFor('period');
      if (!isChecked(req.body?.confirm)) errors.confirm = hintFor('confirm');
      if (!period || Object.keys(errors).length > 0) return showClose(req, res, entity, values, { message: MARKED_FIELDS, errors, status: 400 });
      try {
        const { monthsClosed, closingEntries } = await ledger.closePeriod(web.db, actorOf(req), entity.id, period, web.clock);
        res.redirect(303, `${baseOf(entity)}?${closedQuery(monthsClosed, closingEntries.map((entry) => String(entry.date).slice(0, 4)))}`);
      } catch (error) {
        const failure = formFailure(error, { fundNames: await fundNamesOf(web, req, entity) });
        if (!failure) throw error;
        await showClose(req, res, entity, values, failure);
      }
    }),
  );

  // Reconciliation

  /** The count form and the latest counts; `savedId` names the count just saved, shown as the result. */
  async function showReconcile(req: Request, res: Response, entity: EntityRow, values: Values, extra: { savedId?: string; message?: string; errors?: FieldErrors; status?: number } = {}) {
    const all = (await ledger.listReconciliations(web.db, actorOf(req), entity.id)).items;
    const result = extra.savedId ? (all.find((row) => String(row.id) === extra.savedId) ?? null) : null;
    // Entries dated a count's day or before may be posted after it: such a count says what the
    // books show for its day now, as the published report does, beside the differences it found.
    const latest = all.slice().reverse().slice(0, 12);
    const booksOn = await ledger.cashAndBankBooksOn(web.db, entity.id, latest.map((row) => String(row.date)));
    const history = latest.map((row) => {
      const now = booksOn.get(String(row.date))!;
      const changed = !now.cash.eq(row.cashBook) || !now.bank.eq(row.bankBook);
      return { ...row, booksNow: changed ? { cash: formatMoney(now.cash), bank: formatMoney(now.bank) } : null };
    });
    // A supervisor (监委会) reads the counts; only the treasurer records them.
    const canRecord = actorOf(req).roles.some((grant) => grant.role === 'treasurer' && grant.entityId === entity.id);
    const booksClosed = canRecord ? await booksClosedOf(req, entity) : null;
    web.render(req, res, 'reconcile', '对账', { entity, base: baseOf(entity), canRecord, booksClosed, history, result, values, errors: extra.errors ?? {}, message: extra.message ?? null }, { status: extra.status });
  }

  router.get(
    '/app/e/:code/reconcile',
    requireLogin,
    page(async (req, res) => {
      const entity = await entityFor(web, req, ['treasurer', 'supervisor']);
      // After saving, the result is shown by a redirect here (?saved=<id>), so reloading the
      // page shows it again rather than sending the count a second time.
      const savedId = typeof req.query.saved === 'string' ? req.query.saved : undefined;
      const kept = await takeKeptForm(web, req, res);
      if (kept) return showReconcile(req, res, entity, reconcileValuesOf(kept.fields), { message: kept.notice });
      await showReconcile(req, res, entity, { date: today(web.clock), formKey: newFormKey() }, { savedId });
    }),
  );

  router.post(
    '/app/e/:code/reconcile',
    requireLogin,
    csrf,
    page(async (req, res) => {
      const entity = await entityFor(web, req, ['treasurer']);
      const body = req.body ?? {};
      const values = withBookDate(reconcileValuesOf(body));
      const parsed = RecordReconciliationCommand.safeParse({
        date: values.date,
        cashCounted: normaliseAmount(values.cashCounted as string) ?? values.cashCounted,
        bankStatementBalance: normaliseAmount(values.bankStatementBalance as string) ?? values.bankStatementBalance,
        note: values.note || undefined,
      });
      if (!parsed.success) return showReconcile(req, res, entity, values, { message: MARKED_FIELDS, errors: formErrorsOf(parsed.error, values), status: 400 });
      const errors = futureDateErrors(parsed.data.date);
      if (!errors.date && !parsed.data.note) Object.assign(errors, await unexplainedDifference(entity, parsed.data));
      if (Object.keys(errors).length > 0) return showReconcile(req, res, entity, values, { message: MARKED_FIELDS, errors, status: 400 });
      try {
        const saved = await ledger.recordReconciliation(web.db, actorOf(req), entity.id, parsed.data, { idempotencyKey: idempotencyKeyOf(values) });
        res.redirect(303, `${baseOf(entity)}/reconcile?saved=${encodeURIComponent(String(saved.body.id))}`);
      } catch (error) {
        renewKeyAfterReuse(error, values);
        const failure = formFailure(error, { date: parsed.data.date });
        if (!failure) throw error;
        await showReconcile(req, res, entity, values, failure);
      }
    }),
  );

  /**
   * The form's rule, not the ledger's (the API keeps the note optional): money that does not
   * match the books is explained when it is counted, because the public report prints it.
   */
  async function unexplainedDifference(entity: EntityRow, count: { date: string; cashCounted: string; bankStatementBalance: string }): Promise<FieldErrors> {
    const books = await booksOf(entity, count.date);
    const gaps = [
      ['现金', count.cashCounted, books.cash],
      ['银行', count.bankStatementBalance, books.bank],
    ]
      .filter(([, counted, book]) => !D(counted).eq(book))
      .map(([name, counted, book]) => `${name}实有 ${yuan(counted)}，账上 ${yuan(book)}`);
    return gaps.length === 0 ? {} : { note: `${gaps.join('；')}。和账上不一致，请写明原因后再保存。` };
  }

  // Supervisor approvals

  async function showApprovals(req: Request, res: Response, entity: EntityRow, refusal: Refusal = {}) {
    const { items } = await ledger.listEntries(web.db, actorOf(req), entity.id, { status: 'pending_approval', limit: 500 });
    const describe = await entryDescriber(req, entity, items);
    web.render(req, res, 'approvals', '待审批的账目', { entity, base: baseOf(entity), entries: items.map(describe), ...refusalView(refusal) }, { status: refusal.status });
  }

  router.get(
    '/app/e/:code/approvals',
    requireLogin,
    page(async (req, res) => {
      const entity = await entityFor(web, req, ['supervisor']);
      await showApprovals(req, res, entity, keptRefusal(await takeKeptForm(web, req, res), 'reject'));
    }),
  );

  router.post(
    '/app/e/:code/entries/:id/approve',
    requireLogin,
    csrf,
    page(async (req, res) => {
      const entity = await entityFor(web, req, ['supervisor']);
      try {
        await ledger.approveEntry(web.db, actorOf(req), entity.id, uuidParam(req));
        res.redirect(303, `${baseOf(entity)}/approvals?ok=approved`);
      } catch (error) {
        const entry = error instanceof DomainError && error.code === 'insufficient_funds' ? await ledger.getEntry(web.db, actorOf(req), entity.id, uuidParam(req)) : null;
        const failure = formFailure(error, { date: entry?.date, fundNames: await fundNamesOf(web, req, entity), remedy: '请退回这笔账，或等账上有足够的钱再审批。' });
        if (!failure || failure.status === 404) throw error;
        // The card has no amount field to mark: the sentence on top says it all.
        await showApprovals(req, res, entity, { ...failure, errors: {} });
      }
    }),
  );

  // Saying no to a pending entry: a supervisor's 退回 on the approvals page, the author's 撤回
  // on the entries list. One command (the ledger decides who may); each form is answered on
  // the page it was on.
  const refusePending = (roles: ('supervisor' | 'treasurer')[], show: typeof showApprovals, done: (entity: EntityRow) => string) =>
    page(async (req, res) => {
      const entity = await entityFor(web, req, roles);
      const entryId = uuidParam(req);
      const reason = textOf(req.body?.reason);
      const parsed = RejectEntryCommand.safeParse({ reason });
      if (!parsed.success) {
        return show(req, res, entity, { message: '请写明原因后再提交。', errors: { [reasonField(entryId)]: hintFor('rejectionReason') }, status: 400, entryId, reason });
      }
      try {
        await ledger.rejectEntry(web.db, actorOf(req), entity.id, entryId, parsed.data);
        res.redirect(303, done(entity));
      } catch (error) {
        const failure = formFailure(error);
        if (!failure || failure.status === 404) throw error;
        await show(req, res, entity, { ...failure, entryId, reason });
      }
    });

  router.post('/app/e/:code/entries/:id/reject', requireLogin, csrf, refusePending(['supervisor'], showApprovals, (entity) => `${baseOf(entity)}/approvals?ok=rejected`));
  router.post('/app/e/:code/entries/:id/withdraw', requireLogin, csrf, refusePending(['treasurer'], showEntries, (entity) => `${baseOf(entity)}/entries?ok=withdrawn`));
}

/**
 * A giver who asks to stay anonymous cannot also have agreed to be named in full: the form asks
 * which was meant instead of quietly publishing 匿名.
 */
function donorChoiceErrors(values: Values): FieldErrors {
  return values.kind === 'donation' && values.anonymous && values.nameConsent ? { anonymous: DONOR_CHOICE_HINT } : {};
}

// The forms as typed: what a refused form, or one kept across a lost session, shows again.

function receiptValuesOf(body: Record<string, unknown>): Values {
  return {
    kind: textOf(body.kind),
    method: textOf(body.method),
    amount: textOf(body.amount),
    date: textOf(body.date),
    payer: textOf(body.payer),
    anonymous: isChecked(body.anonymous),
    nameConsent: isChecked(body.nameConsent),
    fundCode: textOf(body.fundCode) || 'GENERAL',
    memo: textOf(body.memo),
    formKey: textOf(body.formKey) || newFormKey(),
  };
}

function transferValuesOf(body: Record<string, unknown>): Values {
  return {
    direction: textOf(body.direction),
    amount: textOf(body.amount),
    date: textOf(body.date),
    fundCode: textOf(body.fundCode) || 'GENERAL',
    memo: textOf(body.memo),
    formKey: textOf(body.formKey) || newFormKey(),
  };
}

/** `hadFile`: a photo was chosen, which a refused or kept form cannot give back. */
function paymentValuesOf(body: Record<string, unknown>, options: { hadFile: boolean }): Values {
  return {
    amount: textOf(body.amount),
    payee: textOf(body.payee),
    purpose: textOf(body.purpose),
    category: textOf(body.category),
    method: textOf(body.method),
    date: textOf(body.date),
    projectId: textOf(body.projectId),
    fundCode: textOf(body.fundCode) || 'GENERAL',
    formKey: textOf(body.formKey) || newFormKey(),
    hadFile: options.hadFile,
  };
}

function reverseValuesOf(body: Record<string, unknown>): Values {
  return { reason: textOf(body.reason), date: textOf(body.date), formKey: textOf(body.formKey) || newFormKey() };
}

function closeValuesOf(body: Record<string, unknown>): Values {
  return { period: normaliseMonth(textOf(body.period)) ?? textOf(body.period) };
}

function reconcileValuesOf(body: Record<string, unknown>): Values {
  return { date: textOf(body.date), cashCounted: textOf(body.cashCounted), bankStatementBalance: textOf(body.bankStatementBalance), note: textOf(body.note), formKey: textOf(body.formKey) || newFormKey() };
}

/** A 退回 or 撤回 form kept across a lost session, as its list page shows a refused one: the entry's reason, typed. */
function keptRefusal(kept: KeptForm | null, action: 'reject' | 'withdraw'): Refusal {
  const entryId = kept ? new RegExp(`/entries/([^/]+)/${action}$`).exec(kept.action)?.[1] : undefined;
  if (!kept || !entryId || !UUID.test(entryId)) return {};
  return { message: kept.notice, entryId, reason: textOf(kept.fields.reason) };
}

/** The form field of an entry's reason on a list with one form per entry. */
function reasonField(entryId: string): string {
  return `reason-${entryId}`;
}

/** What a list page needs to show a refused 退回/撤回 form again. */
function refusalView(refusal: Refusal) {
  const values: Values = refusal.entryId ? { [reasonField(refusal.entryId)]: refusal.reason } : {};
  return { message: refusal.message ?? null, errors: refusal.errors ?? {}, values };
}

/**
 * An entry just recorded as the receipt and payment pages list it (刚才记的账), so that Back to
 * an empty form shows it was saved: when, what, how much, its voucher number.
 */
function recentRow(entry: RecentEntry) {
  const { method, receiptKind, purpose, counterparty } = entry.details;
  const name = counterparty?.name || null;
  const what = receiptKind ? [RECEIPT_KIND_LABELS[receiptKind], name] : [name ? `付给 ${name}` : null, purpose];
  return {
    minutes: Math.floor(entry.ageSeconds / 60),
    date: entry.date,
    what: [...what, method ? METHOD_LABELS[method] : null].filter(Boolean).join(' · '),
    amount: formatMoney(entry.amount),
    number: entry.number,
  };
}

/** The notice after a receipt or payment: what was recorded, by its amount and voucher number. */
function recordedQuery(ok: string, entry: { number?: string | null; lines: { debit: string | null }[] }): string {
  const amount = sumMoney(entry.lines.map((line) => line.debit ?? '0'));
  return new URLSearchParams({ ok, amt: formatMoney(amount), ...(entry.number ? { no: entry.number } : {}) }).toString();
}

/**
 * The notice after a close names the months it closed, first and last: closing a month closes
 * every month before it that was still open, which the treasurer may not expect.
 */
function closedQuery(monthsClosed: string[], carriedYears: string[]): string {
  return new URLSearchParams({ ok: 'closed', from: monthsClosed[0], to: monthsClosed[monthsClosed.length - 1], ...(carriedYears.length > 0 ? { carried: carriedYears.join(',') } : {}) }).toString();
}

function uuidParam(req: Request): string {
  const id = String(req.params.id ?? '');
  if (!UUID.test(id)) throw new DomainError('not_found', 'Entry not found.');
  return id;
}

/** The payer or payee in full (these are the book-keepers' own pages), and whether they asked to stay anonymous in public. */
function counterpartyOf(counterparty: { name?: string; anonymous?: boolean } | null | undefined): string | null {
  if (!counterparty) return null;
  if (!counterparty.name) return counterparty.anonymous ? ANONYMOUS_LABEL : null;
  return counterparty.anonymous ? `${counterparty.name}（公开时匿名）` : counterparty.name;
}

/** Names the list shows instead of codes and ids. */
interface EntryNames {
  funds: Record<string, string>;
  projects: Record<string, string>;
  users: Map<string, string>;
}

/**
 * An entry as one line of a list: the money that came in or went out, its state, and what a
 * supervisor checks before approving — cash or bank, kind or category, project, fund, payer or
 * payee, who recorded it and the attached receipts.
 */
function entryRow(entry: EntryView, monetary: Set<string>, names: EntryNames) {
  let net = ZERO;
  let debits = ZERO;
  for (const line of entry.lines) {
    if (line.debit) debits = debits.plus(line.debit);
    if (!monetary.has(line.accountCode)) continue;
    if (line.debit) net = net.plus(line.debit);
    if (line.credit) net = net.minus(line.credit);
  }
  const details = entry.details as { counterparty?: { name?: string; anonymous?: boolean } | null; method?: string; receiptKind?: string; category?: string };
  const fundCodes = [...new Set(entry.lines.map((line) => line.fundCode))];
  const projectIds = [...new Set(entry.lines.map((line) => line.projectId).filter((id): id is string => Boolean(id)))];
  return {
    id: entry.id,
    number: entry.number,
    date: entry.date,
    memo: entry.memo,
    status: entry.status,
    kind: entry.kind,
    reversedBy: entry.reversedBy,
    reversalReason: entry.reversalReason,
    rejectionReason: entry.rejectionReason,
    withdrawn: entry.status === 'rejected' && entry.rejectedBy === entry.createdBy,
    attachments: entry.attachments.map((attachment) => ({ id: attachment.id, filename: attachment.filename })),
    payee: counterpartyOf(details.counterparty),
    method: details.method ? (METHOD_LABELS[details.method] ?? null) : null,
    kindLabel: transferLabelOf(entry, monetary) ?? (details.receiptKind ? RECEIPT_KIND_LABELS[details.receiptKind] : details.category ? PAYMENT_CATEGORY_LABELS[details.category] : null),
    funds: fundCodes.map((code) => names.funds[code] ?? code),
    projects: projectIds.map((id) => names.projects[id] ?? '—'),
    recordedBy: (entry.createdBy && names.users.get(entry.createdBy)) || null,
    // Zero first: decimal.js counts 0 as positive, and money that only moved is neither in nor out.
    direction: net.isZero() ? 'none' : net.isPositive() ? 'in' : 'out',
    amount: formatMoney(net.isZero() ? debits : net.abs()),
  };
}

/**
 * A journal entry whose every line is on a money account only moves money from one place to
 * another: it is neither income nor spending, and the list says so, with its way for the
 * everyday two (存现 and 取现, by the 1001/1002 groups the balances use).
 */
function transferLabelOf(entry: EntryView, monetary: Set<string>): string | null {
  if (entry.kind !== 'journal' || !entry.lines.every((line) => monetary.has(line.accountCode))) return null;
  const groups = (side: 'debit' | 'credit') => [...new Set(entry.lines.filter((line) => line[side]).map((line) => line.accountCode.slice(0, 4)))].join();
  const way = `${groups('credit')}→${groups('debit')}`;
  if (way === '1001→1002') return '存现：现金存入银行（不算收入或支出）';
  if (way === '1002→1001') return '取现：从银行取现金（不算收入或支出）';
  return '资金划转（不算收入或支出）';
}
