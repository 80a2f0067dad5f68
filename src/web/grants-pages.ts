/**
 * The grant pages (公益创投): the public rounds of a foundation and a round's awarded grants;
 * the grant manager's rounds, applications, reviewer assignment, decision with tranches,
 * disbursement, refund, close and amendments (re-split unpaid tranches, a new project end); the reviewer's list of assignments and review page
 * (conflict-of-interest declaration first, scores only without a conflict); the applicant's
 * applications, draft form, submit, withdraw and reports. Every form posts to the grants
 * service the API uses; rules and who may see what live there (an applicant's view carries
 * no scores or reviewer names). A rejected form comes back with what was typed and a
 * plain-Chinese hint next to the field.
 */
import crypto from 'node:crypto';
import type { Request, Response, Router } from 'express';
import { hasRole } from '../auth/actor';
import * as grants from '../grants/service';
import * as ledger from '../ledger/service';
import { AmendGrantCommand, CreateApplicationCommand, CreateRoundCommand, DecisionCommand, DisburseCommand, FileReportCommand, RefundCommand, Score, UpdateApplicationCommand, TRANCHE_CONDITIONS } from '../grants/schemas';
import { awardProblems, netDisbursed, unsettledNote } from '../grants/state';
import type { EntityRow } from '../ledger/queries';
import { today } from '../shared/clock';
import { D, formatMoney, sumMoney } from '../shared/money';
import { assert } from '../shared/assert';
import { DomainError, isDomainError } from '../shared/errors';
import { actorOf, entityFor, FieldErrors, formFailure, fundNamesOf, page, requireLogin, Web } from './context';
import { isChecked, normaliseAmount, normaliseDate, textOf } from './forms';
import {
  amendmentRows,
  amendmentsListOf,
  CONDITION_LABELS,
  conditionLabel,
  editsRows,
  fieldErrorsOf,
  firstDayOf,
  lastDayOf,
  listOf,
  nextPayable,
  REPORT_KIND_LABELS,
  roundState,
  rowsOf,
  sameTranches,
  STATUS_LABELS,
  TRANCHE_ROW_FIELDS,
  TrancheRowValues,
  trancheRowOf,
  windowOf,
} from './grants-forms';
import { assignmentsOf, fundNameOf, reviewersOfFoundation, reviewProgressOfRound, voucherNumbersOf } from './grants-queries';
import { amendmentSentenceFor, FormContext, hintFor, MARKED_FIELDS, sentenceFor, trancheTotalHint } from './messages';
import { findEntityByCode } from './queries';
import { chineseDateTime, METHOD_LABELS } from './views';
import { requireCsrf } from './session';
import { takeKeptForm } from './kept-forms';
import { UUID_PATTERN as UUID } from '../shared/schemas';

function applicationId(req: Request): string {
  const id = String(req.params.id ?? '');
  if (!UUID.test(id)) throw new DomainError('not_found', 'Application not found.');
  return id;
}

/** A refusal said again with what the form knows: the sentence on top, and hints by field. */
interface Rewording {
  message: string;
  errors?: FieldErrors;
}

export function grantsPages(router: Router, web: Web, refuseCsrf: (req: Request, res: Response) => void): void {
  const csrf = requireCsrf(web.config.jwtSecret, refuseCsrf);

  async function ownReview(req: Request, id: string) {
    try {
      return await grants.getOwnReview(web.db, actorOf(req), id);
    } catch (error) {
      if (isDomainError(error) && error.code === 'not_found') return null;
      throw error;
    }
  }

  async function showReview(req: Request, res: Response, id: string, step: 'coi' | 'scores', values: Record<string, string>, failure: { message?: string; errors?: FieldErrors; status?: number } = {}) {
    const review = await ownReview(req, id);
    if (review) {
      return web.render(req, res, 'review', '评审', { id, review, application: null, rubric: [], step: 'done', values, errors: {}, message: failure.message ?? null }, { status: failure.status });
    }
    const { application, rubric } = await reviewed(req, id);
    web.render(req, res, 'review', '评审', { id, review: null, application, rubric, step, values, errors: failure.errors ?? {}, message: failure.message ?? null }, { status: failure.status });
  }

  /** The application a reviewer scores, and its round's criteria. */
  async function reviewed(req: Request, id: string) {
    const application = await grants.getApplication(web.db, actorOf(req), id);
    const round = await grants.getRound(web.db, application.roundId, web.clock);
    return { application, rubric: round.rubric as { key: string; label: string; weight: number }[] };
  }

  router.get(
    '/app/review/:id',
    requireLogin,
    page(async (req, res) => {
      const step = req.query.step === 'scores' ? 'scores' : 'coi';
      const id = applicationId(req);
      // Only a reviewer who may still score the application takes what was typed for it: the
      // read refuses anyone else first, so their visit leaves the kept form for its reviewer (one
      // who has already reviewed sees the done page, which takes nothing).
      const done = Boolean(await ownReview(req, id));
      if (!done) await grants.getApplication(web.db, actorOf(req), id);
      const kept = done ? null : await takeKeptForm(web, req, res);
      await showReview(req, res, id, step, kept ? reviewValuesOf(kept.fields) : {}, { message: kept?.notice });
    }),
  );

  router.post(
    '/app/review/:id/coi',
    requireLogin,
    csrf,
    page(async (req, res) => {
      const id = applicationId(req);
      const answer = textOf(req.body?.conflict);
      if (answer !== 'yes' && answer !== 'no') {
        return showReview(req, res, id, 'coi', reviewValuesOf(req.body ?? {}), { message: '请先回答：您和这个申请有没有利益冲突？', errors: { conflict: '请选择“有”或“没有”。' }, status: 400 });
      }
      if (answer === 'no') return res.redirect(303, `/app/review/${id}?step=scores`);
      try {
        await grants.submitReview(web.db, actorOf(req), id, { conflictOfInterest: true, comment: textOf(req.body?.comment) || null });
        res.redirect(303, `/app/review/${id}`);
      } catch (error) {
        const failure = formFailure(error);
        if (!failure || failure.status === 404) throw error;
        if (isDomainError(error) && error.code === 'already_reviewed') failure.message = '您已经提交过评审（或已声明回避），不能再次提交。';
        await showReview(req, res, id, 'coi', {}, failure);
      }
    }),
  );

  router.post(
    '/app/review/:id/scores',
    requireLogin,
    csrf,
    page(async (req, res) => {
      const id = applicationId(req);
      // A reviewer who has reviewed or recused may no longer read the application, so this is
      // answered before the round's criteria are looked up.
      if (await ownReview(req, id)) {
        return showReview(req, res, id, 'scores', {}, { message: '您已经提交过评审（或已声明回避），不能再评分。', status: 409 });
      }
      const values = reviewValuesOf(req.body ?? {});
      const scores: Record<string, number> = {};
      const errors: FieldErrors = {};
      // Each criterion of the round is asked for by its name, so a missing score is marked where it is missing.
      for (const criterion of (await reviewed(req, id)).rubric) {
        const field = `score_${criterion.key}`;
        const text = values[field] ?? '';
        // The form offers whole points; a plain decimal such as 3.5 is read too, as the API takes it.
        const score = /^\d{1,2}(?:\.\d{1,2})?$/.test(text) ? Score.safeParse(Number(text)) : null;
        if (text === '') errors[field] = `请给“${criterion.label}”打分（0 到 5 分）。`;
        else if (!score?.success) errors[field] = '请给出 0 到 5 分。';
        else scores[criterion.key] = score.data;
      }
      if (Object.keys(errors).length > 0) return showReview(req, res, id, 'scores', values, { message: '有几项评分需要修改。', errors, status: 400 });
      try {
        await grants.submitReview(web.db, actorOf(req), id, { conflictOfInterest: false, scores, comment: values.comment || null });
        res.redirect(303, `/app/review/${id}`);
      } catch (error) {
        const failure = formFailure(error);
        if (!failure || failure.status === 404) throw error;
        if (isDomainError(error) && error.code === 'already_reviewed') failure.message = '您已经提交过评审（或已声明回避），不能再评分。';
        else if (isDomainError(error) && error.code === 'invalid_request') failure.message = '每一项评分标准都要打分（0 到 5 分）。';
        await showReview(req, res, id, 'scores', values, failure);
      }
    }),
  );

  publicGrantPages(router, web);
  managerPages(router, web, csrf);
  reviewerListPage(router, web);
  applicantPages(router, web, csrf);
}

/**
 * The review forms as typed (the declaration, each score, the comment): what a refused form, or
 * one kept across a lost session, shows again. A score is read in half-width digits.
 */
function reviewValuesOf(body: Record<string, unknown>): Record<string, string> {
  const values: Record<string, string> = { conflict: textOf(body.conflict), comment: textOf(body.comment) };
  for (const [field, value] of Object.entries(body)) if (field.startsWith('score_')) values[field] = textOf(value).normalize('NFKC');
  return values;
}

type Csrf = ReturnType<typeof requireCsrf>;
type Values = Record<string, unknown>;
type RoundView = Awaited<ReturnType<typeof grants.getRound>>;
type ApplicationView = Awaited<ReturnType<typeof grants.getApplication>>;

interface Failure {
  message?: string;
  errors?: FieldErrors;
  status?: number;
}

const INVALID = MARKED_FIELDS;

/** One-shot notices of the grant pages (?ok=…), in the page frame's flash slot. */
const GRANT_FLASHES: Record<string, string> = {
  round_created: '资助轮次已创建。',
  reviewers_assigned: '评审已指派。',
  reviewer_removed: '已撤销这位评审的指派。',
  decided: '决定已保存。',
  disbursed: '已拨付，基金会的账已记好（凭证号见下面的拨付记录）；受助方是本系统里的公益站时，它的账上也同时记了这笔收到的资助款。',
  refunded: '退款已登记。',
  grant_closed: '已结项。',
  amended: '修改已保存，申请方能看到这条变更记录。',
  saved: '草稿已保存。',
  submitted: '申请已提交，请等待基金会评审。',
  withdrawn: '申请已撤回。',
  reported: '报告已提交。',
};

function flashOf(req: Request): string | null {
  return GRANT_FLASHES[typeof req.query.ok === 'string' ? req.query.ok : ''] ?? null;
}

function uuidOr404(value: unknown, what = 'Record'): string {
  const id = String(value ?? '');
  if (!UUID.test(id)) throw new DomainError('not_found', `${what} not found.`);
  return id;
}

const FORM_KEY = /^[0-9a-f]{32}$/;

function newFormKey(): string {
  return crypto.randomBytes(16).toString('hex');
}

/** A double-tapped disbursement posts once: the form's key becomes the Idempotency-Key. */
function idempotencyKeyOf(value: unknown): string | undefined {
  const key = textOf(value);
  return FORM_KEY.test(key) ? `web-grant-${key}` : undefined;
}

/** Field hints keyed by the command's field names, renamed to the form's inputs. */
function renamed(errors: FieldErrors, names: Record<string, string>): FieldErrors {
  const result: FieldErrors = {};
  for (const [field, hint] of Object.entries(errors)) {
    const name = names[field] ?? field;
    // A generic "how to fill this in" hint is said for the form's own field; a real reason
    // (a closed month, a date before its entry) is kept as it is.
    result[name] ??= names[field] && hint === hintFor(field) ? hintFor(name) : hint;
  }
  return result;
}

/** A whole-number field typed perhaps in full-width digits; anything else stays text for the schema to refuse. */
function wholeNumberOf(text: string): number | string {
  const ascii = text.normalize('NFKC').trim();
  return /^\d{1,4}$/.test(ascii) ? Number.parseInt(ascii, 10) : ascii;
}

/** A rubric criterion's scoring weight (not money: the round schema takes it as a number), typed perhaps in full-width digits. */
function weightOf(text: string): number | string {
  const ascii = text.normalize('NFKC').trim();
  return /^\d{1,4}(?:\.\d{1,2})?$/.test(ascii) ? Number.parseFloat(ascii) : ascii;
}

function roundRow(round: RoundView, now: Date) {
  return {
    ...round,
    state: roundState(round, now),
    // What the grantees keep, as the round page's 拨付净额: a list shows it beside the refunds.
    netDisbursed: formatMoney(netDisbursed(round.disbursed, round.refunded)),
    firstDay: round.opensAt ? firstDayOf(round.opensAt) : '',
    lastDay: round.closesAt ? lastDayOf(round.closesAt) : '',
  };
}

async function foundationByCode(web: Web, code: unknown): Promise<EntityRow> {
  const text = String(code ?? '');
  const entity = /^[A-Za-z0-9_-]{1,40}$/.test(text) ? await findEntityByCode(web.db, text) : undefined;
  if (!entity || entity.kind !== 'foundation') throw new DomainError('not_found', 'Foundation not found.');
  return entity;
}

/** The service records a few notes of its own in English; people read them in Chinese. */
const NOTE_LABELS: Record<string, string> = { 'first disbursement': '首笔拨款', 'final report filed': '已交结项报告' };

function historyNote(note: string | null): string | null {
  return note === null ? null : (NOTE_LABELS[note] ?? note);
}

/**
 * A history line as the pages show it: a transition is headed by the state it reached; an
 * amendment keeps the state, so it is headed "协议变更" and shows the manager's note without
 * the service's English prefix.
 */
function historyStep<T extends { to: string; note: string | null; kind: string }>(step: T) {
  if (step.kind === 'amendment') return { ...step, heading: '协议变更', note: step.note === null ? null : step.note.replace(/^amendment: /, '') };
  return { ...step, heading: STATUS_LABELS[step.to] ?? step.to, note: historyNote(step.note) };
}

/**
 * The station whose books a grant's money is also recorded in, with the grant's restricted
 * fund there once the grant is approved; null when the grantee keeps no books here.
 */
async function grantStationOf(web: Web, application: ApplicationView) {
  if (!application.stationEntityId) return null;
  const station = await ledger.getEntity(web.db, application.stationEntityId);
  const fundCode = application.stationFundCode;
  return { name: station.name, fundCode, fundName: fundCode ? await fundNameOf(web.db, station.id, fundCode) : null };
}

/**
 * How many reviews count against how many the round needs, when too few do (recusals leave a
 * manager waiting for reviews that cannot come), and what to do: wait for the reviewers already
 * assigned who have not reviewed yet (named), or assign more; null when there are enough.
 */
function reviewsShortSentence(application: ApplicationView, round: RoundView): string | null {
  const reviews = (application.reviews ?? []) as { reviewerId?: string; conflictOfInterest?: boolean | null }[];
  const counted = reviews.filter((review) => !review.conflictOfInterest).length;
  if (counted >= round.minReviews) return null;
  const recused = reviews.length - counted;
  const reviewed = new Set(reviews.map((review) => review.reviewerId));
  const waiting = ((application.reviewers ?? []) as { userId: string; name: string }[]).filter((reviewer) => !reviewed.has(reviewer.userId));
  const missing = round.minReviews - counted;
  const shortfall = `有效评审 ${counted} 份${recused > 0 ? `（另有 ${recused} 位评审回避，不算）` : ''}，这一轮需要 ${round.minReviews} 份，还不能作决定。`;
  if (waiting.length === 0) return `${shortfall}请在上面“评审”里再指派 ${missing} 位评审，等他们评完再决定。`;
  const names = waiting.map((reviewer) => reviewer.name).join('、');
  const more = missing > waiting.length ? `；还差的 ${missing - waiting.length} 位，请在上面“评审”里再指派` : '，或在上面“评审”里再指派评审';
  return `${shortfall}已指派的评审（${names}）还没有评完，请等${waiting.length > 1 ? '他们' : '这位评审'}评完${more}。`;
}

/** The states in which a grant manager may amend an awarded grant. */
const AMENDABLE = ['approved', 'active', 'reporting'];

const labels = { status: STATUS_LABELS, conditionOf: conditionLabel, reportKind: REPORT_KIND_LABELS, method: METHOD_LABELS };

// Public: where the foundation's money goes

function publicGrantPages(router: Router, web: Web): void {
  router.get(
    '/e/:code/rounds',
    page(async (req, res) => {
      const entity = await foundationByCode(web, req.params.code);
      const { items } = await grants.listRounds(web.db, { entityId: entity.id, limit: 500 }, web.clock);
      const now = web.clock.now();
      web.render(req, res, 'grants-public-rounds', `${entity.name} · 公益创投`, { entity, rounds: items.slice().reverse().map((round) => roundRow(round, now)) });
    }),
  );

  router.get(
    '/e/:code/rounds/:id',
    page(async (req, res) => {
      const entity = await foundationByCode(web, req.params.code);
      const round = await grants.getRound(web.db, uuidOr404(req.params.id, 'Round'), web.clock);
      if (round.entityId !== entity.id) throw new DomainError('not_found', 'Round not found.');
      const { grants: awarded, totals } = await grants.roundGrants(web.db, round.id);
      web.render(req, res, 'grants-public-round', round.title, { entity, round: roundRow(round, web.clock.now()), awarded, totals, labels });
    }),
  );
}

// Grant manager (项目部)

function managerPages(router: Router, web: Web, csrf: Csrf): void {
  const baseOf = (entity: EntityRow) => `/app/g/${encodeURIComponent(entity.code)}`;

  router.get(
    '/app/g/:code',
    requireLogin,
    page(async (req, res) => {
      const entity = await entityFor(web, req, ['grant_manager']);
      const { items } = await grants.listRounds(web.db, { entityId: entity.id, limit: 500 }, web.clock);
      const now = web.clock.now();
      web.render(req, res, 'grants-manager-rounds', `${entity.name} · 资助轮次`, { entity, base: baseOf(entity), rounds: items.slice().reverse().map((round) => roundRow(round, now)) }, { flash: flashOf(req) });
    }),
  );

  // Create a round

  const RUBRIC_FIELDS = ['rubricKey', 'rubricLabel', 'rubricWeight'];

  /** The round form as typed: what a refused form, or one kept across a lost session, shows again. */
  function roundValuesOf(body: Record<string, unknown>): Values {
    return {
      title: textOf(body.title),
      description: textOf(body.description),
      budget: textOf(body.budget),
      fundCode: textOf(body.fundCode) || 'GENERAL',
      opensOn: textOf(body.opensOn),
      closesOn: textOf(body.closesOn),
      minReviews: textOf(body.minReviews),
      rubric: rowsOf(body, RUBRIC_FIELDS, { prefilled: ['rubricWeight'] }),
    };
  }

  async function showRoundForm(req: Request, res: Response, entity: EntityRow, values: Values, failure: Failure = {}) {
    const funds = (await ledger.listFunds(web.db, actorOf(req), entity.id)).items;
    web.render(req, res, 'grants-round-form', '新建资助轮次', { entity, base: baseOf(entity), funds, values, errors: failure.errors ?? {}, message: failure.message ?? null }, { status: failure.status });
  }

  router.get(
    '/app/g/:code/rounds/new',
    requireLogin,
    page(async (req, res) => {
      const entity = await entityFor(web, req, ['grant_manager']);
      const kept = await takeKeptForm(web, req, res);
      if (kept) return showRoundForm(req, res, entity, roundValuesOf(kept.fields), { message: kept.notice });
      const day = today(web.clock);
      await showRoundForm(req, res, entity, {
        opensOn: day,
        closesOn: '',
        minReviews: '2',
        fundCode: 'GENERAL',
        rubric: [
          // Keys are left blank: the page names them c1, c2… and managers need not think of English words.
          { rubricKey: '', rubricLabel: '社区影响', rubricWeight: '2' },
          { rubricKey: '', rubricLabel: '可行性', rubricWeight: '1' },
          { rubricKey: '', rubricLabel: '预算合理', rubricWeight: '1' },
        ],
      });
    }),
  );

  router.post(
    '/app/g/:code/rounds/new',
    requireLogin,
    csrf,
    page(async (req, res) => {
      const entity = await entityFor(web, req, ['grant_manager']);
      const body = (req.body ?? {}) as Record<string, unknown>;
      const values = roundValuesOf(body);
      const rubric = values.rubric as Record<string, string>[];
      if (editsRows(body)) return showRoundForm(req, res, entity, { ...values, rubric: isChecked(body.addRow) ? [...rubric, { rubricKey: '', rubricLabel: '', rubricWeight: '1' }] : rubric });
      const window = windowOf(normaliseDate(values.opensOn as string), normaliseDate(values.closesOn as string));
      const parsed = CreateRoundCommand.safeParse({
        entityId: entity.id,
        title: values.title,
        description: values.description,
        budget: normaliseAmount(values.budget as string) ?? values.budget,
        fundCode: values.fundCode,
        opensAt: window.opensAt ?? values.opensOn,
        closesAt: window.closesAt ?? values.closesOn,
        // A blank key gets a plain one: the key only names the criterion inside the round.
        rubric: rubric.map((row, index) => ({ key: row.rubricKey || `c${index + 1}`, label: row.rubricLabel, weight: weightOf(row.rubricWeight) })),
        minReviews: wholeNumberOf(values.minReviews as string),
      });
      if (!parsed.success) {
        const errors = fieldErrorsOf(parsed.error, { opensAt: 'opensOn', closesAt: 'closesOn' });
        // The schema checks the order of the days only once every field reads; say it now too.
        if (window.opensAt && window.closesAt && window.closesAt <= window.opensAt) errors.closesOn ??= hintFor('closesOn');
        return showRoundForm(req, res, entity, values, { message: INVALID, errors, status: 400 });
      }
      try {
        const round = await grants.createRound(web.db, actorOf(req), parsed.data, web.clock);
        res.redirect(303, `${baseOf(entity)}/rounds/${round.id}?ok=round_created`);
      } catch (error) {
        const failure = formFailure(error);
        if (!failure) throw error;
        await showRoundForm(req, res, entity, values, failure);
      }
    }),
  );

  // A round's applications

  router.get(
    '/app/g/:code/rounds/:id',
    requireLogin,
    page(async (req, res) => {
      const entity = await entityFor(web, req, ['grant_manager']);
      const round = await grants.getRound(web.db, uuidOr404(req.params.id, 'Round'), web.clock);
      if (round.entityId !== entity.id) throw new DomainError('not_found', 'Round not found.');
      const { items } = await grants.listRoundApplications(web.db, actorOf(req), round.id, { limit: 500 });
      const { grants: awarded, totals } = await grants.roundGrants(web.db, round.id);
      // Where reviews stand, for the applications still waiting for them (评审中 looked the same at 0 and 2 of 2).
      const progress = await reviewProgressOfRound(web.db, round.id);
      const applications = items.map((application) => ({ ...application, reviews: progress.get(application.id) ?? null }));
      web.render(req, res, 'grants-manager-round', round.title, { entity, base: baseOf(entity), round: roundRow(round, web.clock.now()), applications, awarded, totals, labels }, { flash: flashOf(req) });
    }),
  );

  // One application: reviewers, decision, money, close

  type FormName = 'reviewers' | 'decision' | 'disburse' | 'refund' | 'close' | 'amend';

  /** The end date of the grant's project in the foundation's books ('' when none is set). */
  async function projectEndOf(req: Request, entity: EntityRow, projectId: string | null): Promise<string> {
    if (!projectId) return '';
    const { items } = await ledger.listProjects(web.db, actorOf(req), entity.id);
    return items.find((project) => project.id === projectId)?.endsOn ?? '';
  }

  /** A grant's disbursements and refunds with the voucher numbers of their entries in both books. */
  async function moneyRecordsOf(application: ApplicationView) {
    const records = [...application.disbursements, ...application.refunds];
    const numbers = await voucherNumbersOf(web.db, records.flatMap((record) => (record.stationEntryId ? [record.entryId, record.stationEntryId] : [record.entryId])));
    const withVouchers = <T extends { entryId: string; stationEntryId: string | null }>(record: T) => ({
      ...record,
      voucher: numbers.get(record.entryId) ?? null,
      stationVoucher: record.stationEntryId ? (numbers.get(record.stationEntryId) ?? null) : null,
    });
    return { disbursements: application.disbursements.map(withVouchers), refunds: application.refunds.map(withVouchers) };
  }

  async function showApplication(req: Request, res: Response, entity: EntityRow, id: string, typed: { form?: FormName; values?: Values } & Failure = {}) {
    const actor = actorOf(req);
    const application = await grants.getApplication(web.db, actor, id);
    if (application.entityId !== entity.id) throw new DomainError('not_found', 'Application not found.');
    const round = await grants.getRound(web.db, application.roundId, web.clock);
    const reviewers = await reviewersOfFoundation(web.db, entity.id);
    const assigned = new Set((application.reviewers ?? []).map((reviewer) => reviewer.userId));
    const payable = nextPayable(application.tranches, application.disbursed, application.reports);
    const day = today(web.clock);
    const forms: Record<FormName, { values: Values; errors: FieldErrors; message: string | null }> = {
      reviewers: { values: { userIds: [...assigned] }, errors: {}, message: null },
      decision: {
        values: { decision: 'approved', awardAmount: application.requestedAmount, tranches: [{ trancheAmount: application.requestedAmount, trancheCondition: 'on_signing' }], rejectReason: '' },
        errors: {},
        message: null,
      },
      disburse: { values: { disburseAmount: payable?.amount ?? '', disburseDate: day, method: 'bank', formKey: newFormKey() }, errors: {}, message: null },
      refund: { values: { refundAmount: '', refundDate: day, formKey: newFormKey() }, errors: {}, message: null },
      close: { values: { note: '' }, errors: {}, message: null },
      amend: { values: { tranches: application.tranches.map(trancheRowOf), endsOn: '', amendNote: '' }, errors: {}, message: null },
    };
    if (typed.form) forms[typed.form] = { values: { ...forms[typed.form].values, ...typed.values }, errors: typed.errors ?? {}, message: typed.message ?? null };
    const amendment = amendmentRows(application.tranches, application.disbursed, forms.amend.values.tranches as TrancheRowValues[]);
    forms.amend.values.tranches = amendment.rows;
    const amendable = AMENDABLE.includes(application.status);
    const held = netDisbursed(application.disbursed, application.refunded);
    const finalReport = application.reports.find((report) => report.kind === 'final') ?? null;
    web.render(
      req,
      res,
      'grants-manager-application',
      application.title,
      {
        entity,
        base: baseOf(entity),
        application: { ...application, history: application.history.map(historyStep), ...(await moneyRecordsOf(application)) },
        station: await grantStationOf(web, application),
        round,
        reviewers: reviewers.map((reviewer) => ({ id: reviewer.id, name: reviewer.display_name, assigned: assigned.has(reviewer.id), reviewed: application.reviews.some((review) => 'reviewerId' in review && review.reviewerId === reviewer.id) })),
        counted: application.reviews.filter((review) => 'conflictOfInterest' in review && !review.conflictOfInterest).length,
        payable,
        budgetDiffers: !D(application.budgetLinesTotal).eq(application.requestedAmount),
        held: formatMoney(held),
        settled: finalReport ? unsettledNote(held, finalReport.spent) === null : false,
        finalReport,
        forms,
        openForm: typed.form ?? null,
        amendable,
        paidTranches: amendment.paid,
        projectEndsOn: amendable ? await projectEndOf(req, entity, application.projectId) : '',
        amendments: amendmentsListOf(application.amendments, (item) => item.byName),
        conditions: TRANCHE_CONDITIONS.map((value) => ({ value, label: CONDITION_LABELS[value] })),
        labels,
        when: chineseDateTime,
      },
      { status: typed.status, flash: flashOf(req) },
    );
  }

  /** The manager's entity and the application id, checked before any form is read. */
  async function target(req: Request) {
    return { entity: await entityFor(web, req, ['grant_manager']), id: uuidOr404(req.params.id, 'Application') };
  }

  /**
   * Runs a manager's command and answers its refusal on the application page, with the form as
   * typed. `context` is what the form knows that the refusal does not carry (the date typed),
   * so a field says the real reason; `reword` may say a refusal with the form's figures, where
   * the generic sentence would not.
   */
  async function attempt(
    req: Request,
    res: Response,
    target: { entity: EntityRow; id: string; form: FormName; context?: () => Promise<FormContext> },
    values: Values,
    names: Record<string, string>,
    run: () => Promise<string>,
    reword: (error: DomainError) => Promise<Rewording | null> = async () => null,
  ) {
    const { entity, id, form } = target;
    try {
      const ok = await run();
      res.redirect(303, `${baseOf(entity)}/applications/${id}?ok=${ok}`);
    } catch (error) {
      // What the sentence needs beyond the error (the funds' names) is read only on a refusal.
      const failure = formFailure(error, await target.context?.());
      if (!failure || failure.status === 404) throw error;
      // Sent again with other values under a used key (Back, changed, sent): a new key, so the
      // next send is judged afresh instead of refused for ever; the message says why.
      if ((error as DomainError).code === 'idempotency_key_reused' && values.formKey !== undefined) values.formKey = newFormKey();
      const refusal = refusalOf(failure, names, await reword(error as DomainError));
      await showApplication(req, res, entity, id, { form, values, ...refusal });
    }
  }

  /** A refusal as a form shows it: the sentence on top, and hints under the form's own field names (the rewording's where it has them). */
  function refusalOf(failure: { message: string; errors: FieldErrors; status: number }, names: Record<string, string>, better: Rewording | null) {
    return { message: better?.message ?? failure.message, errors: { ...renamed(failure.errors, names), ...better?.errors }, status: failure.status };
  }

  /**
   * A decision refused for its figures, said with them: how many reviews count against how many
   * the round needs (recusals leave a manager waiting for reviews that cannot come), and how
   * far the tranches are from the award.
   */
  function decisionWording(error: DomainError, known: { application: ApplicationView; round: RoundView; award: string | null; tranches: string[] | null }): Rewording | null {
    if (error.code === 'not_enough_reviews') return { message: reviewsShortSentence(known.application, known.round) ?? sentenceFor(error) };
    if (error.code === 'tranches_mismatch' && known.award && known.tranches) {
      const hint = trancheTotalHint(sumMoney(known.tranches), known.award);
      return { message: `各期拨款加起来要等于批准金额：${hint}`, errors: { tranches: hint } };
    }
    return null;
  }

  // The forms of the application page as typed: what a refused form, or one kept across a lost
  // session, shows again. Removing a reviewer is a button with nothing typed, so none is kept.
  const typedForms: Record<FormName, (body: Record<string, unknown>) => Values> = {
    reviewers: (body) => ({ userIds: listOf(body.userIds).filter((value) => value !== '') }),
    decision: (body) => ({
      decision: textOf(body.decision),
      awardAmount: textOf(body.awardAmount),
      tranches: rowsOf(body, ['trancheAmount', 'trancheCondition'], { prefilled: ['trancheCondition'] }),
      rejectReason: textOf(body.rejectReason),
    }),
    disburse: (body) => ({ disburseAmount: textOf(body.disburseAmount), disburseDate: textOf(body.disburseDate), method: textOf(body.method), formKey: textOf(body.formKey) || newFormKey() }),
    refund: (body) => ({ refundAmount: textOf(body.refundAmount), refundDate: textOf(body.refundDate), formKey: textOf(body.formKey) || newFormKey() }),
    close: (body) => ({ note: textOf(body.note) }),
    // A row whose amount and label are both cleared is a tranche taken out.
    amend: (body) => ({
      tranches: rowsOf(body, [...TRANCHE_ROW_FIELDS], { prefilled: ['trancheCondition'] }).map((row) => ({ trancheAmount: row.trancheAmount, trancheCondition: row.trancheCondition, trancheLabel: row.trancheLabel })),
      endsOn: textOf(body.endsOn),
      amendNote: textOf(body.amendNote),
    }),
  };

  router.get(
    '/app/g/:code/applications/:id',
    requireLogin,
    page(async (req, res) => {
      const { entity, id } = await target(req);
      const kept = await takeKeptForm(web, req, res);
      const form = kept ? /\/(reviewers|decision|disburse|refund|close|amend)$/.exec(kept.action)?.[1] : undefined;
      if (kept && form) return showApplication(req, res, entity, id, { form: form as FormName, values: typedForms[form as FormName](kept.fields), message: kept.notice });
      await showApplication(req, res, entity, id);
    }),
  );

  router.post(
    '/app/g/:code/applications/:id/reviewers',
    requireLogin,
    csrf,
    page(async (req, res) => {
      const { entity, id } = await target(req);
      const values = typedForms.reviewers(req.body ?? {});
      const userIds = values.userIds as string[];
      if (userIds.length === 0 || userIds.some((value) => !UUID.test(value))) {
        return showApplication(req, res, entity, id, { form: 'reviewers', values, message: '请至少勾选一位评审。', errors: { userIds: hintFor('userIds') }, status: 400 });
      }
      await attempt(req, res, { entity, id, form: 'reviewers' }, values, {}, async () => {
        await grants.assignReviewers(web.db, actorOf(req), id, { userIds }, web.clock);
        return 'reviewers_assigned';
      });
    }),
  );

  router.post(
    '/app/g/:code/applications/:id/reviewers/:userId/remove',
    requireLogin,
    csrf,
    page(async (req, res) => {
      const { entity, id } = await target(req);
      const userId = String(req.params.userId);
      if (!UUID.test(userId)) throw new DomainError('not_found', 'No such reviewer.');
      await attempt(req, res, { entity, id, form: 'reviewers' }, { userIds: [] }, {}, async () => {
        try {
          await grants.removeReviewer(web.db, actorOf(req), id, userId);
        } catch (error) {
          // Said from the manager's side: the reviewer, not "you", has reviewed.
          if (isDomainError(error) && error.code === 'already_reviewed') throw new DomainError('reviewer_has_reviewed', error.message);
          throw error;
        }
        return 'reviewer_removed';
      });
    }),
  );

  router.post(
    '/app/g/:code/applications/:id/decision',
    requireLogin,
    csrf,
    page(async (req, res) => {
      const { entity, id } = await target(req);
      const body = (req.body ?? {}) as Record<string, unknown>;
      const values = typedForms.decision(body);
      const tranches = values.tranches as Record<string, string>[];
      if (editsRows(body)) {
        const rows = isChecked(body.addRow) ? [...tranches, { trancheAmount: '', trancheCondition: 'after_final_report' }] : tranches;
        return showApplication(req, res, entity, id, { form: 'decision', values: { ...values, tranches: rows } });
      }
      const application = await grants.getApplication(web.db, actorOf(req), id);
      if (application.entityId !== entity.id) throw new DomainError('not_found', 'Application not found.');
      const round = await grants.getRound(web.db, application.roundId, web.clock);
      const rejected = values.decision === 'rejected';
      const parsed = DecisionCommand.safeParse(
        rejected
          ? { decision: 'rejected', reason: values.rejectReason || undefined }
          : {
              decision: values.decision || undefined,
              amount: values.awardAmount ? (normaliseAmount(values.awardAmount as string) ?? values.awardAmount) : undefined,
              tranches: tranches.length > 0 ? tranches.map((row) => ({ amount: normaliseAmount(row.trancheAmount) ?? row.trancheAmount, condition: row.trancheCondition || undefined })) : undefined,
              reason: values.rejectReason || undefined,
            },
      );
      const names = { amount: 'awardAmount', reason: 'rejectReason' };
      const errors = parsed.success ? {} : fieldErrorsOf(parsed.error, names);
      // The figures as the service will take them (a blank award is the request), where they read.
      const award = rejected || errors.awardAmount ? null : values.awardAmount ? normaliseAmount(values.awardAmount as string) : application.requestedAmount;
      const trancheAmounts = tranches.map((row) => normaliseAmount(row.trancheAmount));
      const known = { application, round, award, tranches: tranches.length > 0 && trancheAmounts.every((amount) => amount !== null) ? (trancheAmounts as string[]) : null };
      // Every figure that is wrong is said at once: the service refuses them one at a time.
      const problems = award ? awardProblems({ amount: D(award), requested: application.requestedAmount, tranches: known.tranches, budget: round.budget, committed: round.committed }) : [];
      const refusals = problems.map((problem) => {
        const failure = formFailure(problem);
        assert(failure, 'a domain error is worded for a form');
        return refusalOf(failure, names, decisionWording(problem, known));
      });
      for (const refusal of refusals) for (const [field, hint] of Object.entries(refusal.errors)) errors[field] ??= hint;
      if (!parsed.success || refusals.length > 0) {
        // Too few reviews is no field's fault, and no figure fixes it: it is said on top.
        const message = reviewsShortSentence(application, round) ?? (parsed.success && refusals.length === 1 ? refusals[0].message : INVALID);
        return showApplication(req, res, entity, id, { form: 'decision', values, message, errors, status: parsed.success ? refusals[0].status : 400 });
      }
      const command = parsed.data;
      await attempt(
        req,
        res,
        { entity, id, form: 'decision' },
        values,
        names,
        async () => {
          await grants.decide(web.db, actorOf(req), id, command, web.clock);
          return 'decided';
        },
        async (error) => decisionWording(error, known),
      );
    }),
  );

  router.post(
    '/app/g/:code/applications/:id/disburse',
    requireLogin,
    csrf,
    page(async (req, res) => {
      const { entity, id } = await target(req);
      const body = (req.body ?? {}) as Record<string, unknown>;
      const values = typedForms.disburse(body);
      const names = { amount: 'disburseAmount', date: 'disburseDate' };
      const parsed = DisburseCommand.safeParse({
        amount: normaliseAmount(values.disburseAmount as string) ?? values.disburseAmount,
        date: normaliseDate(values.disburseDate as string) ?? values.disburseDate,
        method: values.method || undefined,
      });
      if (!parsed.success) return showApplication(req, res, entity, id, { form: 'disburse', values, message: INVALID, errors: fieldErrorsOf(parsed.error, names), status: 400 });
      const context = async () => ({ date: parsed.data.date, fundNames: await fundNamesOf(web, req, entity), payingFor: '这次拨付', remedy: '请核对金额和日期，或等基金会账上有足够的钱再拨付。' });
      await attempt(req, res, { entity, id, form: 'disburse', context }, values, names, async () => {
        await grants.disburse(web.db, actorOf(req), id, parsed.data, web.clock, { idempotencyKey: idempotencyKeyOf(values.formKey) });
        return 'disbursed';
      });
    }),
  );

  router.post(
    '/app/g/:code/applications/:id/refund',
    requireLogin,
    csrf,
    page(async (req, res) => {
      const { entity, id } = await target(req);
      const body = (req.body ?? {}) as Record<string, unknown>;
      const values = typedForms.refund(body);
      const names = { amount: 'refundAmount', date: 'refundDate' };
      const parsed = RefundCommand.safeParse({
        amount: normaliseAmount(values.refundAmount as string) ?? values.refundAmount,
        date: normaliseDate(values.refundDate as string) ?? values.refundDate,
      });
      if (!parsed.success) return showApplication(req, res, entity, id, { form: 'refund', values, message: INVALID, errors: fieldErrorsOf(parsed.error, names), status: 400 });
      const context = async () => ({ date: parsed.data.date, fundNames: await fundNamesOf(web, req, entity), payingFor: '这次退款', remedy: '请核对退款金额和日期。' });
      await attempt(req, res, { entity, id, form: 'refund', context }, values, names, async () => {
        await grants.refund(web.db, actorOf(req), id, parsed.data, { idempotencyKey: idempotencyKeyOf(values.formKey) });
        return 'refunded';
      });
    }),
  );

  router.post(
    '/app/g/:code/applications/:id/close',
    requireLogin,
    csrf,
    page(async (req, res) => {
      const { entity, id } = await target(req);
      const values = typedForms.close(req.body ?? {});
      const note = values.note as string;
      if (note.length > 1000) return showApplication(req, res, entity, id, { form: 'close', values, message: INVALID, errors: { note: hintFor('note') }, status: 400 });
      await attempt(req, res, { entity, id, form: 'close' }, values, {}, async () => {
        await grants.closeGrant(web.db, actorOf(req), id, note || undefined, web.clock);
        return 'grant_closed';
      });
    }),
  );

  router.post(
    '/app/g/:code/applications/:id/amend',
    requireLogin,
    csrf,
    page(async (req, res) => {
      const { entity, id } = await target(req);
      const body = (req.body ?? {}) as Record<string, unknown>;
      const values = typedForms.amend(body);
      const tranches = values.tranches as TrancheRowValues[];
      if (editsRows(body)) {
        const rows = isChecked(body.addRow) ? [...tranches, { trancheAmount: '', trancheCondition: 'after_final_report', trancheLabel: '' }] : tranches;
        return showApplication(req, res, entity, id, { form: 'amend', values: { ...values, tranches: rows } });
      }
      const application = await grants.getApplication(web.db, actorOf(req), id);
      if (application.entityId !== entity.id) throw new DomainError('not_found', 'Application not found.');
      const proposed = tranches.map((row) => ({ amount: normaliseAmount(row.trancheAmount) ?? row.trancheAmount, condition: row.trancheCondition, label: row.trancheLabel || null }));
      // Rows that say what the grant already says are not sent: a note or a new end date alone
      // must not overwrite a re-split someone else saved since this page was opened.
      const readable = proposed.every((row) => normaliseAmount(row.amount) !== null);
      const unchanged = readable && sameTranches(application.tranches, proposed);
      const names = { note: 'amendNote' };
      const parsed = AmendGrantCommand.safeParse({
        note: values.amendNote,
        tranches: unchanged ? undefined : proposed.map((row) => ({ ...row, condition: row.condition || undefined })),
        endsOn: values.endsOn ? (normaliseDate(values.endsOn as string) ?? values.endsOn) : undefined,
      });
      if (!parsed.success) return showApplication(req, res, entity, id, { form: 'amend', values, message: INVALID, errors: fieldErrorsOf(parsed.error, names), status: 400 });
      try {
        await grants.amendGrant(web.db, actorOf(req), id, parsed.data, web.clock);
        res.redirect(303, `${baseOf(entity)}/applications/${id}?ok=amended`);
      } catch (error) {
        const failure = formFailure(error);
        if (!failure || failure.status === 404 || !isDomainError(error)) throw error;
        const errors: FieldErrors = {};
        for (const problem of error.errors) {
          // A paid tranche that was changed is named by its row; the rest by their inputs.
          const row = /^body\.tranches\.(\d+)$/.exec(problem.path);
          if (row) errors[`tranches_${row[1]}`] = `第 ${Number.parseInt(row[1], 10) + 1} 期已拨付，不能修改，已按原样填回。`;
        }
        for (const [field, hint] of Object.entries(renamed(failure.errors, names))) if (!/^\d+$/.test(field)) errors[field] ??= hint;
        if (error.code === 'tranches_mismatch' && readable && application.amountAwarded) {
          errors.tranches = trancheTotalHint(sumMoney(proposed.map((row) => row.amount)), application.amountAwarded);
        }
        await showApplication(req, res, entity, id, { form: 'amend', values, message: amendmentSentenceFor(error, application.amountAwarded), errors, status: failure.status });
      }
    }),
  );
}

// Reviewer (评审)

function reviewerListPage(router: Router, web: Web): void {
  router.get(
    '/app/reviews',
    requireLogin,
    page(async (req, res) => {
      const rows = await assignmentsOf(web.db, actorOf(req).userId);
      const items = rows.map((row) => ({
        id: row.application_id,
        title: row.title,
        organization: row.organization,
        roundTitle: row.round_title,
        entityName: row.entity_name,
        recused: row.conflict_of_interest === true,
        reviewed: row.reviewed_at !== null,
        // Once the decision is made an unanswered assignment can no longer be reviewed.
        open: row.status === 'under_review',
      }));
      web.render(req, res, 'grants-reviews', '我的评审任务', { pending: items.filter((item) => !item.reviewed && item.open), done: items.filter((item) => item.reviewed || !item.open) });
    }),
  );
}

// Applicant (申请人)

const BUDGET_FIELDS = ['budgetItem', 'budgetAmount'];
const APPLICATION_FIELDS = ['title', 'organization', 'contact', 'summary', 'requestedAmount', 'beneficiaries', 'stationEntityId'];

function applicantPages(router: Router, web: Web, csrf: Csrf): void {
  const stations = async () => (await ledger.listPublicEntities(web.db)).items.filter((entity) => entity.kind === 'station');

  router.get(
    '/app/applications',
    requireLogin,
    page(async (req, res) => {
      const actor = actorOf(req);
      const { items } = await grants.listMyApplications(web.db, actor, { limit: 500 });
      const entities = new Map((await ledger.listPublicEntities(web.db)).items.map((entity) => [entity.id, entity.name]));
      const { items: rounds } = await grants.listRounds(web.db, { limit: 500 }, web.clock);
      const now = web.clock.now();
      web.render(
        req,
        res,
        'grants-my-applications',
        '我的申请',
        {
          applications: items.slice().reverse(),
          openRounds: rounds.filter((round) => round.open).map((round) => ({ ...roundRow(round, now), foundation: entities.get(round.entityId) ?? '' })),
          canApply: hasRole(actor, 'applicant'),
          labels,
        },
        { flash: flashOf(req) },
      );
    }),
  );

  const withBlankRow = (values: Values): Values => ({ ...values, budgetLines: [...(values.budgetLines as unknown[]), { budgetItem: '', budgetAmount: '' }] });

  async function showForm(req: Request, res: Response, target: { round: RoundView; applicationId: string | null }, values: Values, failure: Failure = {}) {
    // Blank rows are not kept (see rowsOf), so a form sent with none filled in would come back
    // with no row to type into, beside the hint asking for one: it always offers one.
    const lines = values.budgetLines as Values[];
    const shown = lines.length > 0 ? values : withBlankRow(values);
    web.render(
      req,
      res,
      'grants-application-form',
      target.applicationId ? '修改申请' : '填写申请',
      { round: roundRow(target.round, web.clock.now()), applicationId: target.applicationId, stations: await stations(), values: shown, errors: failure.errors ?? {}, message: failure.message ?? null },
      { status: failure.status },
    );
  }

  function typedApplication(body: Record<string, unknown>): Values {
    const values: Values = {};
    for (const field of APPLICATION_FIELDS) values[field] = textOf(body[field]);
    values.budgetLines = rowsOf(body, BUDGET_FIELDS);
    return values;
  }

  function commandOf(values: Values) {
    const lines = values.budgetLines as Record<string, string>[];
    return {
      title: values.title,
      organization: values.organization,
      contact: values.contact,
      summary: values.summary,
      requestedAmount: normaliseAmount(values.requestedAmount as string) ?? values.requestedAmount,
      budgetLines: lines.map((row) => ({ item: row.budgetItem, amount: normaliseAmount(row.budgetAmount) ?? row.budgetAmount })),
      beneficiaries: values.beneficiaries || null,
      stationEntityId: values.stationEntityId || null,
    };
  }

  /**
   * Saves (creating the draft first when there is none) and, when asked, submits. A refused
   * submit shows the saved draft's form again with the reason, so nothing typed is lost.
   */
  async function save(req: Request, res: Response, round: RoundView, applicationId: string | null) {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const values = typedApplication(body);
    if (editsRows(body)) return showForm(req, res, { round, applicationId }, isChecked(body.addRow) ? withBlankRow(values) : values);
    const actor = actorOf(req);
    const parsed = (applicationId ? UpdateApplicationCommand : CreateApplicationCommand).safeParse(commandOf(values));
    if (!parsed.success) {
      return showForm(req, res, { round, applicationId }, values, { message: INVALID, errors: fieldErrorsOf(parsed.error, { budgetLines: 'budgetLines' }), status: 400 });
    }
    let id = applicationId;
    try {
      if (id) await grants.updateApplication(web.db, actor, id, parsed.data);
      else id = (await grants.createApplication(web.db, actor, round.id, parsed.data as CreateApplicationCommand, web.clock)).id;
    } catch (error) {
      const failure = formFailure(error);
      if (!failure || failure.status === 404) throw error;
      return showForm(req, res, { round, applicationId }, values, failure);
    }
    if (textOf(body.then) !== 'submit') return res.redirect(303, `/app/applications/${id}?ok=saved`);
    try {
      await grants.submitApplication(web.db, actor, id, web.clock);
      res.redirect(303, `/app/applications/${id}?ok=submitted`);
    } catch (error) {
      const failure = formFailure(error);
      if (!failure || failure.status === 404) throw error;
      const errors = renamed(failure.errors, {});
      await showForm(req, res, { round, applicationId: id }, values, { ...failure, message: `草稿已保存，但还没有提交：${failure.message}`, errors });
    }
  }

  router.get(
    '/app/rounds/:id/apply',
    requireLogin,
    page(async (req, res) => {
      const round = await grants.getRound(web.db, uuidOr404(req.params.id, 'Round'), web.clock);
      // Only an applicant may apply, so only an applicant gets a kept application back.
      const kept = hasRole(actorOf(req), 'applicant') ? await takeKeptForm(web, req, res) : null;
      if (kept) return showForm(req, res, { round, applicationId: null }, typedApplication(kept.fields), { message: kept.notice });
      await showForm(req, res, { round, applicationId: null }, { budgetLines: [{ budgetItem: '', budgetAmount: '' }, { budgetItem: '', budgetAmount: '' }] });
    }),
  );

  router.post(
    '/app/rounds/:id/apply',
    requireLogin,
    csrf,
    page(async (req, res) => {
      const round = await grants.getRound(web.db, uuidOr404(req.params.id, 'Round'), web.clock);
      await save(req, res, round, null);
    }),
  );

  /** The caller's own application; staff who open the applicant's address go to their own page. */
  async function own(req: Request, res: Response): Promise<ApplicationView | null> {
    const actor = actorOf(req);
    const application = await grants.getApplication(web.db, actor, uuidOr404(req.params.id, 'Application'));
    if (application.applicantId === actor.userId) return application;
    if (hasRole(actor, 'grant_manager', application.entityId)) {
      const entity = await ledger.getEntity(web.db, application.entityId);
      res.redirect(303, `/app/g/${encodeURIComponent(entity.code)}/applications/${application.id}`);
      return null;
    }
    throw new DomainError('not_found', 'Application not found.');
  }

  async function showOwn(req: Request, res: Response, application: ApplicationView, failure: Failure = {}) {
    const actor = actorOf(req);
    const round = await grants.getRound(web.db, application.roundId, web.clock);
    web.render(
      req,
      res,
      'grants-my-application',
      application.title,
      {
        application,
        round: roundRow(round, web.clock.now()),
        // The station chosen on the form is where the money will go: the applicant checks it here.
        station: await grantStationOf(web, application),
        // The applicant sees who acted only as "you" or "the foundation": reviewers stay anonymous.
        history: application.history.map((step) => ({ ...historyStep(step), who: step.by === actor.userId ? '您' : '基金会' })),
        amendments: amendmentsListOf(application.amendments, (item) => (item.by === actor.userId ? '您' : '基金会')),
        reviewsArrived: application.reviews.length,
        // What was sent back counts against what was received, as on the round pages.
        kept: formatMoney(netDisbursed(application.disbursed, application.refunded)),
        labels,
        when: chineseDateTime,
        message: failure.message ?? null,
        errors: failure.errors ?? {},
      },
      { status: failure.status, flash: flashOf(req) },
    );
  }

  router.get(
    '/app/applications/:id',
    requireLogin,
    page(async (req, res) => {
      const application = await own(req, res);
      if (application) await showOwn(req, res, application);
    }),
  );

  function draftValues(application: ApplicationView): Values {
    return {
      title: application.title,
      organization: application.organization,
      contact: application.contact,
      summary: application.summary,
      requestedAmount: application.requestedAmount,
      beneficiaries: application.beneficiaries ?? '',
      stationEntityId: application.stationEntityId ?? '',
      budgetLines: application.budgetLines.map((line) => ({ budgetItem: line.item, budgetAmount: line.amount })),
    };
  }

  router.get(
    '/app/applications/:id/edit',
    requireLogin,
    page(async (req, res) => {
      const application = await own(req, res);
      if (!application) return;
      if (application.status !== 'draft') return res.redirect(303, `/app/applications/${application.id}`);
      const round = await grants.getRound(web.db, application.roundId, web.clock);
      const kept = await takeKeptForm(web, req, res);
      if (kept) return showForm(req, res, { round, applicationId: application.id }, typedApplication(kept.fields), { message: kept.notice });
      await showForm(req, res, { round, applicationId: application.id }, draftValues(application));
    }),
  );

  router.post(
    '/app/applications/:id/edit',
    requireLogin,
    csrf,
    page(async (req, res) => {
      const application = await own(req, res);
      if (!application) return;
      const round = await grants.getRound(web.db, application.roundId, web.clock);
      await save(req, res, round, application.id);
    }),
  );

  const workflow = (action: 'submit' | 'withdraw') =>
    page(async (req, res) => {
      const application = await own(req, res);
      if (!application) return;
      const actor = actorOf(req);
      try {
        if (action === 'submit') await grants.submitApplication(web.db, actor, application.id, web.clock);
        else await grants.withdrawApplication(web.db, actor, application.id, textOf(req.body?.note).slice(0, 1000) || undefined, web.clock);
        res.redirect(303, `/app/applications/${application.id}?ok=${action === 'submit' ? 'submitted' : 'withdrawn'}`);
      } catch (error) {
        const failure = formFailure(error);
        if (!failure || failure.status === 404) throw error;
        await showOwn(req, res, application, failure);
      }
    });

  router.post('/app/applications/:id/submit', requireLogin, csrf, workflow('submit'));
  router.post('/app/applications/:id/withdraw', requireLogin, csrf, workflow('withdraw'));

  // Reports

  /** The report form as typed, each amount spent beside its budget line. */
  function reportValuesOf(body: Record<string, unknown>, application: ApplicationView): Values {
    const typedSpent = listOf(body.lineSpent);
    const lines = application.budgetLines.map((line, index) => ({ item: line.item, budget: line.amount, spent: typedSpent[index] ?? '' }));
    return { kind: textOf(body.kind), narrative: textOf(body.narrative), spent: textOf(body.spent), lines };
  }

  async function showReport(req: Request, res: Response, application: ApplicationView, values: Values, failure: Failure = {}) {
    web.render(req, res, 'grants-report-form', '提交项目报告', { application, values, errors: failure.errors ?? {}, message: failure.message ?? null, labels }, { status: failure.status });
  }

  router.get(
    '/app/applications/:id/report',
    requireLogin,
    page(async (req, res) => {
      const application = await own(req, res);
      if (!application) return;
      const kept = await takeKeptForm(web, req, res);
      if (kept) return showReport(req, res, application, reportValuesOf(kept.fields, application), { message: kept.notice });
      const kind = application.status === 'active' && req.query.kind === 'final' ? 'final' : 'progress';
      await showReport(req, res, application, { kind, narrative: '', spent: '', lines: application.budgetLines.map((line) => ({ item: line.item, budget: line.amount, spent: '' })) });
    }),
  );

  router.post(
    '/app/applications/:id/report',
    requireLogin,
    csrf,
    page(async (req, res) => {
      const application = await own(req, res);
      if (!application) return;
      const values = reportValuesOf(req.body ?? {}, application);
      const lines = values.lines as { item: string; budget: string; spent: string }[];
      const filled = lines.filter((line) => line.spent !== '').map((line) => ({ item: line.item, spent: normaliseAmount(line.spent) ?? line.spent }));
      const readable = filled.every((line) => normaliseAmount(line.spent) !== null);
      // With the lines filled in and the total left blank, the total is their sum: it is what was typed.
      const spent = values.spent ? (normaliseAmount(values.spent as string) ?? values.spent) : filled.length > 0 && readable ? formatMoney(sumMoney(filled.map((line) => line.spent))) : '';
      const parsed = FileReportCommand.safeParse({ kind: values.kind || undefined, narrative: values.narrative, spent, lines: filled.length > 0 ? filled : undefined });
      if (!parsed.success) {
        const errors = fieldErrorsOf(parsed.error);
        for (const key of Object.keys(errors)) {
          const match = /^lines_(\d+)_spent$/.exec(key);
          if (match) errors[`lineSpent_${lines.findIndex((line) => line.item === filled[Number.parseInt(match[1], 10)]?.item)}`] = hintFor('spent');
        }
        return showReport(req, res, application, values, { message: INVALID, errors, status: 400 });
      }
      try {
        await grants.fileReport(web.db, actorOf(req), application.id, parsed.data, web.clock);
        res.redirect(303, `/app/applications/${application.id}?ok=reported`);
      } catch (error) {
        const failure = formFailure(error);
        if (!failure || failure.status === 404) throw error;
        await showReport(req, res, application, values, failure);
      }
    }),
  );
}
