/**
 * Use cases of grant rounds (公益创投): rounds, applications, reviews, decisions, tranche
 * disbursements, reports, refunds and close. Each command opens one database transaction and
 * locks what it depends on in a fixed order — application, then round, then the foundation's
 * books, then the station's — so the budget and award limits hold under concurrent requests.
 * Money moves only through the ledger service, inside this module's transaction, so a grant
 * row and its journal entries commit together or not at all. No HTTP here.
 */
import type { Knex } from 'knex';
import { Actor, canSeeEntity, hasRole, isAdmin, requireEntityRole } from '../auth/actor';
import { runIdempotent } from '../db/idempotency';
import { withTransaction } from '../db/transaction';
import * as ledger from '../ledger/service';
import { METHOD_ROLES } from '../ledger/schemas';
import { assert } from '../shared/assert';
import { shanghaiTime, type Clock } from '../shared/clock';
import { DomainError } from '../shared/errors';
import { D, formatMoney, sumMoney, ZERO } from '../shared/money';
import { cutPage, seqCursor, seqOfCursor } from '../shared/paging';
import * as presenters from './presenters';
import * as queries from './queries';
import type { ApplicationRow, RoundRow, TrancheTerms } from './queries';
import type {
  AmendGrantCommand,
  AssignReviewersCommand,
  CreateApplicationCommand,
  CreateRoundCommand,
  DecisionCommand,
  DisburseCommand,
  FileReportCommand,
  ListQuery,
  RefundCommand,
  RoundQuery,
  SubmitReviewCommand,
  UpdateApplicationCommand,
} from './schemas';
import {
  assertMove,
  assertStatus,
  AWARDED,
  awardProblems,
  checkAmendedTranches,
  checkDisbursement,
  closingNote,
  conditionProblems,
  grantCommitment,
  netDisbursed,
  paidTrancheCount,
  reviewScore,
  scoreProblems,
  Status,
} from './state';

type Queryable = Knex | Knex.Transaction;

interface WriteOptions {
  idempotencyKey?: string;
}

// Access

async function roundOr404(db: Queryable, id: string): Promise<RoundRow> {
  const round = await queries.findRound(db, id);
  if (!round) throw new DomainError('not_found', 'Round not found.');
  return round;
}

async function applicationOr404(db: Queryable, id: string): Promise<ApplicationRow> {
  const application = await queries.findApplication(db, id);
  if (!application) throw new DomainError('not_found', 'Application not found.');
  return application;
}

async function lockedApplication(tx: Knex.Transaction, id: string): Promise<ApplicationRow> {
  const application = await queries.lockApplication(tx, id);
  if (!application) throw new DomainError('not_found', 'Application not found.');
  return application;
}

/** Only the applicant who owns it; staff of the foundation get 403, everyone else 404. */
function requireOwner(actor: Actor, application: ApplicationRow): void {
  if (application.applicant_id === actor.userId) return;
  if (canSeeEntity(actor, application.entity_id)) throw new DomainError('forbidden', 'Only the applicant may do this.');
  throw new DomainError('not_found', 'Application not found.');
}

/**
 * Who the actor is to this application, or null when it does not exist for them. The owner
 * is always an applicant (even if they also hold a staff role); a reviewer must be assigned
 * and must not have recused.
 */
async function audienceOf(db: Queryable, actor: Actor, application: ApplicationRow): Promise<presenters.Audience | null> {
  if (application.applicant_id === actor.userId) return 'applicant';
  const entityId = application.entity_id;
  if (isAdmin(actor) || ['grant_manager', 'treasurer', 'supervisor'].some((role) => hasRole(actor, role as never, entityId))) return 'staff';
  if (hasRole(actor, 'reviewer', entityId) && (await queries.findReviewer(db, application.id, actor.userId))) {
    const own = await queries.findReview(db, application.id, actor.userId);
    return own?.conflict_of_interest ? null : 'reviewer';
  }
  return null;
}

async function applicationView(db: Queryable, actor: Actor, application: ApplicationRow, audience?: presenters.Audience) {
  const seenAs = audience ?? (await audienceOf(db, actor, application));
  if (!seenAs) throw new DomainError('not_found', 'Application not found.');
  const round = await roundOr404(db, application.round_id);
  // Sequential on purpose: this may run inside a transaction, which has one connection.
  const reviewers = await queries.reviewersOf(db, application.id);
  const allReviews = await queries.reviewsOf(db, application.id);
  const tranches = await queries.tranchesOf(db, application.id);
  const disbursements = await queries.disbursementsOf(db, application.id);
  const reports = await queries.reportsOf(db, application.id);
  const refunds = await queries.refundsOf(db, application.id);
  const history = await queries.historyOf(db, application.id);
  const amendments = await queries.amendmentsOf(db, application.id);
  const reviews = seenAs === 'reviewer' ? allReviews.filter((review) => review.reviewer_id === actor.userId) : allReviews;
  return presenters.presentApplication(application, { reviewers, reviews, tranches, disbursements, reports, refunds, history, amendments }, seenAs, round.rubric);
}

/** A status transition and its history row, stamped by the injected clock. */
async function move(tx: Knex.Transaction, application: ApplicationRow, to: Status, by: { actor: Actor; clock: Clock }, note: string | null, changes: Partial<ApplicationRow> = {}) {
  assertMove(application.status, to);
  const updated = await queries.updateApplication(tx, application.id, { ...changes, status: to });
  await queries.insertHistory(tx, { applicationId: application.id, from: application.status, to, actorId: by.actor.userId, at: by.clock.now(), note });
  return updated;
}

function isOpen(round: RoundRow, clock: Clock): boolean {
  const now = clock.now().getTime();
  return new Date(round.opens_at).getTime() <= now && now < new Date(round.closes_at).getTime();
}

/**
 * Refuses tranche conditions written like a gate's code that is none of them, from tranche
 * `from` on: `after_final_reprot` is a typo, and read as a sentence it would pay at once.
 */
function checkConditions(tranches: readonly { condition: string }[], from = 0): void {
  const problems = conditionProblems(tranches, from);
  if (problems.length > 0) throw new DomainError('invalid_request', 'A tranche condition is written like a code but is none of the gates.', { errors: problems });
}

/**
 * Who is on the other side of a grant entry, as the public 逐笔明细 shows it: an organisation
 * (the grantee, or the foundation in a station's books) named in full, since its name is
 * public in the grant itself.
 */
function namedCounterparty(name: string) {
  return { name, anonymous: false, nameConsent: true };
}

function shortId(id: string): string {
  return id.replace(/-/g, '').slice(0, 12).toUpperCase();
}

// Rounds

export async function createRound(db: Knex, actor: Actor, command: CreateRoundCommand, clock: Clock) {
  const entity = await ledger.entityOr404(db, command.entityId);
  requireEntityRole(actor, entity.id, ['grant_manager']);
  if (entity.kind !== 'foundation') {
    throw new DomainError('not_a_foundation', 'Grant rounds are run by foundations.', { errors: [{ path: 'body.entityId', message: 'not a foundation' }] });
  }
  const fundCode = command.fundCode ?? ledger.GENERAL_FUND;
  return withTransaction(db, 'read committed', async (tx) => {
    const fund = await tx('funds').where({ entity_id: entity.id, code: fundCode }).first('code');
    if (!fund) throw new DomainError('unknown_fund', `Fund ${fundCode} does not exist in the foundation's books.`, { errors: [{ path: 'body.fundCode', message: 'unknown fund' }] });
    const row = await queries.insertRound(tx, {
      entity_id: entity.id,
      title: command.title,
      description: command.description,
      budget: formatMoney(command.budget),
      fund_code: fundCode,
      opens_at: new Date(command.opensAt),
      closes_at: new Date(command.closesAt),
      rubric: command.rubric,
      min_reviews: command.minReviews,
      created_by: actor.userId,
    });
    return { ...presenters.presentRound(row, { disbursed: '0', refunded: '0' }), open: isOpen(row, clock) };
  });
}

async function roundViews(db: Queryable, rows: RoundRow[], clock: Clock) {
  const totals = await queries.roundMoney(db, rows.map((row) => row.id));
  return rows.map((row) => ({ ...presenters.presentRound(row, totals.get(row.id) ?? { disbursed: '0', refunded: '0' }), open: isOpen(row, clock) }));
}

/** Rounds are public calls for proposals: anyone may list and read them. */
export async function listRounds(db: Knex, query: RoundQuery, clock: Clock) {
  const rows = await queries.listRounds(db, { entityId: query.entityId, afterSeq: seqOfCursor(query.cursor), limit: query.limit });
  const { page, nextCursor } = cutPage(rows, query.limit, (row) => seqCursor(row.seq));
  return { items: await roundViews(db, page, clock), nextCursor };
}

export async function getRound(db: Knex, id: string, clock: Clock) {
  const [view] = await roundViews(db, [await roundOr404(db, id)], clock);
  return view;
}

// Applications

async function checkStation(db: Queryable, stationEntityId: string | null | undefined): Promise<void> {
  if (!stationEntityId) return;
  const station = await db('entities').where({ id: stationEntityId }).first('kind');
  if (!station || station.kind !== 'station') {
    throw new DomainError('unknown_station', 'The grantee station is not a station kept in this system.', { errors: [{ path: 'body.stationEntityId', message: 'unknown station' }] });
  }
}

function budgetLinesOf(lines: { item: string; amount: string }[]) {
  return lines.map((line) => ({ item: line.item, amount: formatMoney(line.amount) }));
}

/**
 * Starts a draft in any round, open or not: the contract asks for an open round only at
 * submit, so an applicant may prepare a draft before the window opens or keep one after.
 */
export async function createApplication(db: Knex, actor: Actor, roundId: string, command: CreateApplicationCommand, clock: Clock) {
  const round = await roundOr404(db, roundId);
  if (!hasRole(actor, 'applicant')) throw new DomainError('forbidden', 'Only applicants create applications.');
  await checkStation(db, command.stationEntityId);
  return withTransaction(db, 'read committed', async (tx) => {
    const row = await queries.insertApplication(tx, {
      round_id: round.id,
      entity_id: round.entity_id,
      applicant_id: actor.userId,
      status: 'draft',
      title: command.title,
      organization: command.organization,
      contact: command.contact,
      summary: command.summary,
      beneficiaries: command.beneficiaries ?? null,
      requested_amount: formatMoney(command.requestedAmount),
      budget_lines: budgetLinesOf(command.budgetLines),
      station_entity_id: command.stationEntityId ?? null,
    });
    await queries.insertHistory(tx, { applicationId: row.id, from: null, to: 'draft', actorId: actor.userId, at: clock.now(), note: null });
    return applicationView(tx, actor, row, 'applicant');
  });
}

export async function updateApplication(db: Knex, actor: Actor, id: string, command: UpdateApplicationCommand) {
  requireOwner(actor, await applicationOr404(db, id));
  await checkStation(db, command.stationEntityId);
  return withTransaction(db, 'read committed', async (tx) => {
    const application = await lockedApplication(tx, id);
    assertStatus(application.status, ['draft'], 'edit');
    const changes: Partial<ApplicationRow> = {};
    if (command.title !== undefined) changes.title = command.title;
    if (command.organization !== undefined) changes.organization = command.organization;
    if (command.contact !== undefined) changes.contact = command.contact;
    if (command.summary !== undefined) changes.summary = command.summary;
    if (command.beneficiaries !== undefined) changes.beneficiaries = command.beneficiaries;
    if (command.requestedAmount !== undefined) changes.requested_amount = formatMoney(command.requestedAmount);
    if (command.budgetLines !== undefined) changes.budget_lines = budgetLinesOf(command.budgetLines);
    if (command.stationEntityId !== undefined) changes.station_entity_id = command.stationEntityId;
    const row = await queries.updateApplication(tx, id, changes);
    return applicationView(tx, actor, row, 'applicant');
  });
}

export async function submitApplication(db: Knex, actor: Actor, id: string, clock: Clock) {
  requireOwner(actor, await applicationOr404(db, id));
  return withTransaction(db, 'read committed', async (tx) => {
    const application = await lockedApplication(tx, id);
    assertMove(application.status, 'submitted');
    const round = await roundOr404(tx, application.round_id);
    if (!isOpen(round, clock)) {
      const at = (instant: Date | string) => `${shanghaiTime(new Date(instant))} (北京时间)`;
      throw new DomainError('round_not_open', `The round accepts applications from ${at(round.opens_at)} until ${at(round.closes_at)}.`);
    }
    const row = await move(tx, application, 'submitted', { actor, clock }, null);
    return applicationView(tx, actor, row, 'applicant');
  });
}

export async function withdrawApplication(db: Knex, actor: Actor, id: string, note: string | undefined, clock: Clock) {
  requireOwner(actor, await applicationOr404(db, id));
  return withTransaction(db, 'read committed', async (tx) => {
    const application = await lockedApplication(tx, id);
    const row = await move(tx, application, 'withdrawn', { actor, clock }, note ?? null);
    return applicationView(tx, actor, row, 'applicant');
  });
}

export async function getApplication(db: Knex, actor: Actor, id: string) {
  return applicationView(db, actor, await applicationOr404(db, id));
}

/**
 * Staff (grant manager, treasurer, supervisor, admin) see every application of the round, as
 * they may read each one; a reviewer only those assigned and not recused.
 */
export async function listRoundApplications(db: Knex, actor: Actor, roundId: string, query: ListQuery) {
  const round = await roundOr404(db, roundId);
  const isStaff = isAdmin(actor) || (['grant_manager', 'treasurer', 'supervisor'] as const).some((role) => hasRole(actor, role, round.entity_id));
  if (!isStaff) requireEntityRole(actor, round.entity_id, ['grant_manager', 'treasurer', 'supervisor', 'reviewer']);
  const rows = await queries.listApplicationsOfRound(db, roundId, { reviewerId: isStaff ? undefined : actor.userId, afterSeq: seqOfCursor(query.cursor), limit: query.limit });
  const { page, nextCursor } = cutPage(rows, query.limit, (row) => seqCursor(row.seq));
  const scores = isStaff ? await queries.scoresOf(db, page.map((row) => row.id)) : [];
  const items = page.map((row) =>
    presenters.presentApplicationSummary(
      row,
      isStaff ? { scores: scores.filter((score) => score.application_id === row.id).map((score) => reviewScore(round.rubric, score.scores)) } : {},
    ),
  );
  return { items, nextCursor };
}

/** The caller's own applications. */
export async function listMyApplications(db: Knex, actor: Actor, query: ListQuery) {
  const rows = await queries.listApplicationsOfApplicant(db, actor.userId, { afterSeq: seqOfCursor(query.cursor), limit: query.limit });
  const { page, nextCursor } = cutPage(rows, query.limit, (row) => seqCursor(row.seq));
  return { items: page.map((row) => presenters.presentApplicationSummary(row)), nextCursor };
}

// Review

export async function assignReviewers(db: Knex, actor: Actor, id: string, command: AssignReviewersCommand, clock: Clock) {
  const found = await applicationOr404(db, id);
  requireEntityRole(actor, found.entity_id, ['grant_manager']);
  const userIds = [...new Set(command.userIds)];
  return withTransaction(db, 'read committed', async (tx) => {
    const application = await lockedApplication(tx, id);
    assertStatus(application.status, ['submitted', 'under_review'], 'assign reviewers to');
    const reviewers = new Set(await queries.reviewerIdsOnEntity(tx, application.entity_id, userIds));
    const invalid = userIds.filter((userId) => !reviewers.has(userId) || userId === application.applicant_id);
    if (invalid.length > 0) {
      throw new DomainError('not_a_reviewer', 'Every assigned user must hold the reviewer role of this foundation (and not be the applicant).', {
        errors: invalid.map((userId) => ({ path: `body.userIds.${command.userIds.indexOf(userId)}`, message: 'not a reviewer of this foundation' })),
      });
    }
    await queries.insertReviewers(tx, id, userIds, actor.userId);
    const row = application.status === 'submitted' ? await move(tx, application, 'under_review', { actor, clock }, null) : application;
    return applicationView(tx, actor, row, 'staff');
  });
}

/**
 * Withdraws a reviewer's assignment (fell ill, was assigned by mistake…) while the application
 * is still being reviewed and before they have given a review or declared a conflict: a given
 * review is part of the record and stays. The status does not move.
 */
export async function removeReviewer(db: Knex, actor: Actor, id: string, reviewerId: string) {
  const found = await applicationOr404(db, id);
  requireEntityRole(actor, found.entity_id, ['grant_manager']);
  return withTransaction(db, 'read committed', async (tx) => {
    const application = await lockedApplication(tx, id);
    assertStatus(application.status, ['submitted', 'under_review'], 'withdraw a reviewer from');
    if (await queries.findReview(tx, id, reviewerId)) {
      throw new DomainError('already_reviewed', 'This reviewer has already reviewed the application (or declared a conflict); a given review stays on the record.');
    }
    if (!(await queries.deleteReviewer(tx, id, reviewerId))) throw new DomainError('not_found', 'This user is not assigned to review the application.');
    return applicationView(tx, actor, application, 'staff');
  });
}

export async function submitReview(db: Knex, actor: Actor, id: string, command: SubmitReviewCommand) {
  const found = await applicationOr404(db, id);
  requireEntityRole(actor, found.entity_id, ['reviewer']);
  return withTransaction(db, 'read committed', async (tx) => {
    const application = await lockedApplication(tx, id);
    if (!(await queries.findReviewer(tx, id, actor.userId))) throw new DomainError('forbidden', 'Only a reviewer assigned to this application may review it.');
    if (await queries.findReview(tx, id, actor.userId)) throw new DomainError('already_reviewed', 'You have already reviewed this application; a review is given once.');
    assertStatus(application.status, ['under_review'], 'review');
    const round = await roundOr404(tx, application.round_id);
    // A recusal gives no scores: any sent with it are dropped, never stored or counted.
    const scores = command.conflictOfInterest ? {} : (command.scores ?? {});
    if (!command.conflictOfInterest) {
      const problems = scoreProblems(round.rubric, scores);
      if (problems.length > 0) throw new DomainError('invalid_request', 'Scores must cover every criterion of the rubric, and only those.', { errors: problems });
    }
    await queries.insertReview(tx, { applicationId: id, reviewerId: actor.userId, conflictOfInterest: command.conflictOfInterest, scores, comment: command.comment ?? null });
    const review = await queries.findReview(tx, id, actor.userId);
    assert(review, 'the review just written reads back');
    return presenters.presentReview(review, round.rubric);
  });
}

/** A reviewer's own review, recusals included (the application itself is hidden after a recusal). */
export async function getOwnReview(db: Knex, actor: Actor, id: string) {
  const application = await applicationOr404(db, id);
  requireEntityRole(actor, application.entity_id, ['reviewer']);
  const review = await queries.findReview(db, id, actor.userId);
  if (!review) throw new DomainError('not_found', 'You have not reviewed this application.');
  const round = await roundOr404(db, application.round_id);
  return presenters.presentReview(review, round.rubric);
}

// Decision

export async function decide(db: Knex, actor: Actor, id: string, command: DecisionCommand, clock: Clock) {
  const found = await applicationOr404(db, id);
  requireEntityRole(actor, found.entity_id, ['grant_manager']);
  checkConditions(command.tranches ?? []);
  return withTransaction(db, 'read committed', async (tx) => {
    const application = await lockedApplication(tx, id);
    assertMove(application.status, command.decision);
    // The round row is the serialization point of its budget: concurrent decisions queue here.
    const round = await queries.lockRound(tx, application.round_id);
    assert(round, 'an application belongs to a round');
    const counted = (await queries.reviewsOf(tx, id)).filter((review) => !review.conflict_of_interest).length;
    if (counted < round.min_reviews) {
      throw new DomainError('not_enough_reviews', `A decision needs ${round.min_reviews} reviews without conflict of interest; ${counted} given.`);
    }
    const decided = { decision: command.decision, decision_reason: command.reason ?? null, decided_by: actor.userId, decided_at: clock.now() } as Partial<ApplicationRow>;
    if (command.decision === 'rejected') {
      const row = await move(tx, application, 'rejected', { actor, clock }, command.reason ?? null, decided);
      return applicationView(tx, actor, row, 'staff');
    }

    const amount = D(command.amount ?? application.requested_amount);
    const tranches = command.tranches ?? [{ amount: formatMoney(amount), condition: 'on_signing' as const, label: null }];
    const [problem] = awardProblems({ amount, requested: application.requested_amount, tranches: tranches.map((tranche) => tranche.amount), budget: round.budget, committed: round.committed });
    if (problem) throw problem;
    await queries.addCommitted(tx, round.id, formatMoney(amount));

    const code = `GRANT-${shortId(application.id)}`;
    const project = await ledger.createProjectInTransaction(tx, application.entity_id, { code, name: application.title });
    let stationFundCode: string | null = null;
    if (application.station_entity_id) {
      const fund = await ledger.createFundInTransaction(tx, application.station_entity_id, {
        code,
        name: `资助项目：${application.title}`.slice(0, 200),
        restricted: true,
        purpose: application.title,
      });
      stationFundCode = fund.code;
    }
    await queries.insertTranches(
      tx,
      id,
      tranches.map((tranche) => ({ amount: formatMoney(tranche.amount), condition: tranche.condition, label: tranche.label ?? null })),
    );
    const row = await move(tx, application, 'approved', { actor, clock }, command.reason ?? null, {
      ...decided,
      amount_awarded: formatMoney(amount),
      project_id: project.id,
      station_fund_code: stationFundCode,
    });
    return applicationView(tx, actor, row, 'staff');
  });
}

// Amendment

function termsOf(tranche: { amount: string; condition: string; label?: string | null }): TrancheTerms {
  return { amount: formatMoney(tranche.amount), condition: tranche.condition, label: tranche.label ?? null };
}

/**
 * Amends an awarded grant and keeps its award: the unpaid tranches may be re-split or
 * re-conditioned (the paid ones stay exactly as they were, and the list still adds up to the
 * award), and the grant's project may get a new end date in the foundation's books. The
 * application row lock orders amendments against disbursements, so "paid" cannot change
 * underneath. The status does not move; the history records the amendment with from = to.
 */
export async function amendGrant(db: Knex, actor: Actor, id: string, command: AmendGrantCommand, clock: Clock) {
  const found = await applicationOr404(db, id);
  requireEntityRole(actor, found.entity_id, ['grant_manager']);
  return withTransaction(db, 'read committed', async (tx) => {
    const application = await lockedApplication(tx, id);
    assertStatus(application.status, ['approved', 'active', 'reporting'], 'amend');
    assert(application.amount_awarded !== null && application.project_id !== null, 'an awarded grant has its amount and project');
    const previous = (await queries.tranchesOf(tx, id)).map(termsOf);
    let tranches = previous;
    if (command.tranches) {
      const proposed = command.tranches.map(termsOf);
      checkConditions(proposed, paidTrancheCount(previous, application.disbursed));
      const paid = checkAmendedTranches({ current: previous, proposed, awarded: D(application.amount_awarded), disbursed: application.disbursed });
      await queries.replaceTranchesAfter(tx, id, paid, proposed.slice(paid));
      tranches = proposed;
    }
    let previousEndsOn: string | null = null;
    if (command.endsOn) {
      ({ previousEndsOn } = await ledger.setProjectEndInTransaction(tx, application.entity_id, application.project_id, command.endsOn));
    }
    const at = clock.now();
    await queries.insertAmendment(tx, {
      application_id: id,
      note: command.note,
      previous_tranches: previous,
      tranches,
      previous_ends_on: previousEndsOn,
      ends_on: command.endsOn ?? null,
      created_by: actor.userId,
      at,
    });
    await queries.insertHistory(tx, { applicationId: id, from: application.status, to: application.status, actorId: actor.userId, at, note: `amendment: ${command.note}`, kind: 'amendment' });
    const row = await queries.updateApplication(tx, id, {});
    assert(row.amount_awarded !== null && D(row.amount_awarded).eq(application.amount_awarded), 'an amendment keeps the award');
    return applicationView(tx, actor, row, 'staff');
  });
}

// Money

async function reportsFiled(tx: Knex.Transaction, id: string) {
  const reports = await queries.reportsOf(tx, id);
  return { progress: reports.some((report) => report.kind === 'progress'), final: reports.some((report) => report.kind === 'final') };
}

/**
 * Pays (part of) an award: Dr 5101 (project = the grant, fund = the round's fund) / Cr bank or
 * cash in the foundation's books, and when the grantee is a station in the system, Dr bank or
 * cash / Cr 4101 into the grant's restricted fund in the station's books — in one database
 * transaction. The grant decision is the approval, so the entries skip the approval threshold.
 */
export async function disburse(db: Knex, actor: Actor, id: string, command: DisburseCommand, clock: Clock, options: WriteOptions = {}) {
  const found = await applicationOr404(db, id);
  requireEntityRole(actor, found.entity_id, ['grant_manager']);
  return runIdempotent(db, { key: options.idempotencyKey, userId: actor.userId, request: { route: 'grant_disbursement', id, command }, status: 201 }, async (tx) => {
    const application = await lockedApplication(tx, id);
    assertStatus(application.status, ['approved', 'active', 'reporting'], 'disburse');
    const amount = D(command.amount);
    const tranches = await queries.tranchesOf(tx, id);
    checkDisbursement({ amount, awarded: D(application.amount_awarded as string), disbursed: D(application.disbursed), tranches, filed: await reportsFiled(tx, id) });
    const round = await roundOr404(tx, application.round_id);
    const memoTitle = application.title.slice(0, 100);

    const foundationMoney = await ledger.accountCodeByRole(tx, application.entity_id, METHOD_ROLES[command.method]);
    const expense = await ledger.accountCodeByRole(tx, application.entity_id, 'program_expense');
    const entry = await ledger.postDraftInTransaction(tx, {
      entityId: application.entity_id,
      date: command.date,
      memo: `拨付资助款：${memoTitle}`,
      kind: 'grant_disbursement',
      details: { applicationId: id, roundId: round.id, counterparty: namedCounterparty(application.organization) },
      lines: [
        { accountCode: expense, fundCode: round.fund_code, projectId: application.project_id, debit: amount, credit: null, memo: null },
        { accountCode: foundationMoney, fundCode: round.fund_code, projectId: null, debit: null, credit: amount, memo: null },
      ],
      authorId: actor.userId,
      approval: 'exempt',
    });

    let stationEntry: Awaited<ReturnType<typeof ledger.postDraftInTransaction>> | null = null;
    if (application.station_entity_id) {
      assert(application.station_fund_code, 'an approved grant to a station has its restricted fund');
      const stationFund = application.station_fund_code;
      const stationMoney = await ledger.accountCodeByRole(tx, application.station_entity_id, METHOD_ROLES[command.method]);
      const income = await ledger.accountCodeByRole(tx, application.station_entity_id, 'donation_income');
      const foundation = await ledger.entityOr404(tx, application.entity_id);
      const station = await ledger.entityOr404(tx, application.station_entity_id);
      stationEntry = await inStationBooks(station, () => ledger.postDraftInTransaction(tx, {
        entityId: station.id,
        date: command.date,
        memo: `收到资助款：${memoTitle}`,
        kind: 'grant_receipt',
        details: { applicationId: id, foundationEntryId: entry.id, counterparty: namedCounterparty(foundation.name) },
        lines: [
          { accountCode: stationMoney, fundCode: stationFund, projectId: null, debit: amount, credit: null, memo: null },
          { accountCode: income, fundCode: stationFund, projectId: null, debit: null, credit: amount, memo: null },
        ],
        authorId: actor.userId,
        approval: 'exempt',
      }));
    }

    const disbursement = await queries.insertDisbursement(tx, {
      application_id: id,
      amount: formatMoney(amount),
      date: command.date,
      method: command.method,
      entry_id: entry.id,
      station_entry_id: stationEntry?.id ?? null,
      created_by: actor.userId,
    });
    const disbursed = formatMoney(D(application.disbursed).plus(amount));
    if (application.status === 'approved') await move(tx, application, 'active', { actor, clock }, 'first disbursement', { disbursed });
    else await queries.updateApplication(tx, id, { disbursed });
    return { ...presenters.presentDisbursement(disbursement), entry, stationEntry };
  });
}

/** Unspent money back from the grantee: the disbursement's mirror in both books. */
export async function refund(db: Knex, actor: Actor, id: string, command: RefundCommand, options: WriteOptions = {}) {
  const found = await applicationOr404(db, id);
  requireEntityRole(actor, found.entity_id, ['grant_manager']);
  const method = command.method ?? 'bank';
  return runIdempotent(db, { key: options.idempotencyKey, userId: actor.userId, request: { route: 'grant_refund', id, command }, status: 201 }, async (tx) => {
    const application = await lockedApplication(tx, id);
    assertStatus(application.status, ['active', 'reporting'], 'refund');
    const amount = D(command.amount);
    const held = netDisbursed(application.disbursed, application.refunded);
    if (amount.gt(held)) {
      throw new DomainError('refund_exceeds_disbursed', `Only ${formatMoney(held)} was disbursed and not yet refunded.`, { extra: { refundable: formatMoney(held) } });
    }
    // Money comes back after it went out: the books would otherwise show the grant's expense
    // below zero between the two dates.
    const heldThen = sumMoney((await queries.disbursementsOf(tx, id)).filter((row) => row.date <= command.date).map((row) => row.amount)).minus(
      sumMoney((await queries.refundsOf(tx, id)).filter((row) => row.date <= command.date).map((row) => row.amount)),
    );
    if (amount.gt(heldThen)) {
      const refundable = formatMoney(heldThen.isNegative() ? ZERO : heldThen);
      throw new DomainError('refund_before_disbursement', `By ${command.date} only ${refundable} had been disbursed and not refunded; date the refund on or after the disbursement it returns.`, {
        errors: [{ path: 'body.date', message: 'before the money was disbursed' }],
        extra: { refundableOn: refundable },
      });
    }
    const round = await roundOr404(tx, application.round_id);
    const memoTitle = application.title.slice(0, 100);
    const foundationMoney = await ledger.accountCodeByRole(tx, application.entity_id, METHOD_ROLES[method]);
    const expense = await ledger.accountCodeByRole(tx, application.entity_id, 'program_expense');
    const entry = await ledger.postDraftInTransaction(tx, {
      entityId: application.entity_id,
      date: command.date,
      memo: `资助款退回：${memoTitle}`,
      kind: 'grant_refund',
      details: { applicationId: id, roundId: round.id, counterparty: namedCounterparty(application.organization) },
      lines: [
        { accountCode: foundationMoney, fundCode: round.fund_code, projectId: null, debit: amount, credit: null, memo: null },
        { accountCode: expense, fundCode: round.fund_code, projectId: application.project_id, debit: null, credit: amount, memo: null },
      ],
      authorId: actor.userId,
      approval: 'exempt',
    });
    let stationEntry: Awaited<ReturnType<typeof ledger.postDraftInTransaction>> | null = null;
    if (application.station_entity_id) {
      assert(application.station_fund_code, 'an approved grant to a station has its restricted fund');
      const stationFund = application.station_fund_code;
      const stationMoney = await ledger.accountCodeByRole(tx, application.station_entity_id, METHOD_ROLES[method]);
      const income = await ledger.accountCodeByRole(tx, application.station_entity_id, 'donation_income');
      const foundation = await ledger.entityOr404(tx, application.entity_id);
      const station = await ledger.entityOr404(tx, application.station_entity_id);
      stationEntry = await inStationBooks(station, () => ledger.postDraftInTransaction(tx, {
        entityId: station.id,
        date: command.date,
        memo: `退回资助款：${memoTitle}`,
        kind: 'grant_refund',
        details: { applicationId: id, foundationEntryId: entry.id, counterparty: namedCounterparty(foundation.name) },
        lines: [
          { accountCode: income, fundCode: stationFund, projectId: null, debit: amount, credit: null, memo: null },
          { accountCode: stationMoney, fundCode: stationFund, projectId: null, debit: null, credit: amount, memo: null },
        ],
        authorId: actor.userId,
        approval: 'exempt',
      }));
    }
    const row = await queries.insertRefund(tx, {
      application_id: id,
      amount: formatMoney(amount),
      date: command.date,
      entry_id: entry.id,
      station_entry_id: stationEntry?.id ?? null,
      created_by: actor.userId,
    });
    await queries.updateApplication(tx, id, { refunded: formatMoney(D(application.refunded).plus(amount)) });
    return { ...presenters.presentRefund(row), entry, stationEntry };
  });
}

// Reports and close

export async function fileReport(db: Knex, actor: Actor, id: string, command: FileReportCommand, clock: Clock) {
  requireOwner(actor, await applicationOr404(db, id));
  return withTransaction(db, 'read committed', async (tx) => {
    const application = await lockedApplication(tx, id);
    if (command.kind === 'final') assertStatus(application.status, ['active'], 'file a final report for');
    else assertStatus(application.status, ['approved', 'active'], 'file a progress report for');
    const lines = command.lines ?? [];
    const items = new Set(application.budget_lines.map((line) => line.item));
    const unknown = lines.map((line, index) => ({ line, index })).filter(({ line }) => !items.has(line.item));
    if (unknown.length > 0) {
      throw new DomainError('unknown_budget_line', 'Report lines name the budget lines of the application.', {
        errors: unknown.map(({ index }) => ({ path: `body.lines.${index}.item`, message: 'not a budget line of this application' })),
      });
    }
    if (new Set(lines.map((line) => line.item)).size !== lines.length) {
      throw new DomainError('invalid_request', 'Each budget line is reported once.', { errors: [{ path: 'body.lines', message: 'duplicate item' }] });
    }
    const linesTotal = sumMoney(lines.map((line) => line.spent));
    if (lines.length > 0 && !linesTotal.eq(command.spent)) {
      throw new DomainError('report_lines_mismatch', `The lines total ${formatMoney(linesTotal)} but ${formatMoney(command.spent)} is reported spent.`, {
        errors: [{ path: 'body.lines', message: 'must add up to spent' }],
        extra: { linesTotal: formatMoney(linesTotal), spent: formatMoney(command.spent) },
      });
    }
    const report = await queries.insertReport(tx, {
      application_id: id,
      kind: command.kind,
      narrative: command.narrative,
      spent: formatMoney(command.spent),
      lines: lines.map((line) => ({ item: line.item, spent: formatMoney(line.spent) })),
      created_by: actor.userId,
    });
    const row = command.kind === 'final' ? await move(tx, application, 'reporting', { actor, clock }, 'final report filed') : application;
    return { ...presenters.presentReport(report, row), applicationStatus: row.status };
  });
}

/**
 * Closes a grant whose final report is filed (reporting → closed). The money need not be
 * settled: when what the grantee holds (disbursed − refunded) differs from the final report's
 * spent, the history row states both figures and the difference, followed by the manager's
 * note when one is given, so the difference stays on the record whatever the note says.
 */
export async function closeGrant(db: Knex, actor: Actor, id: string, note: string | undefined, clock: Clock) {
  const found = await applicationOr404(db, id);
  requireEntityRole(actor, found.entity_id, ['grant_manager']);
  return withTransaction(db, 'read committed', async (tx) => {
    const application = await lockedApplication(tx, id);
    assertMove(application.status, 'closed');
    const final = (await queries.reportsOf(tx, id)).find((report) => report.kind === 'final');
    assert(final, 'a grant in reporting has a final report');
    // No money moves after a close, so what the grant never used goes back to the round's
    // budget for other projects: the round commits what the grantee kept, not the award.
    assert(application.amount_awarded !== null, 'a grant in reporting has an award');
    const { net: held, returnedToRound: released } = grantCommitment({ status: 'closed', awarded: application.amount_awarded, disbursed: application.disbursed, refunded: application.refunded });
    if (released.gt(ZERO)) {
      assert(await queries.lockRound(tx, application.round_id), 'an application belongs to a round');
      await queries.addCommitted(tx, application.round_id, formatMoney(released.negated()));
    }
    const row = await move(tx, application, 'closed', { actor, clock }, closingNote(held, final.spent, note, released));
    return applicationView(tx, actor, row, 'staff');
  });
}

// Open data

/** A round's awarded grants, with the foundation and the grantee stations they name. */
async function awardedOfRound(db: Knex, roundId: string) {
  const round = await roundOr404(db, roundId);
  const rows = await queries.listAwardedOfRound(db, roundId, AWARDED);
  const entityIds = [round.entity_id, ...rows.map((row) => row.station_entity_id).filter((value): value is string => value !== null)];
  const entities = new Map((await queries.findEntitiesByIds(db, [...new Set(entityIds)])).map((entity) => [entity.id, entity]));
  const foundation = entities.get(round.entity_id);
  assert(foundation, 'a round belongs to an entity');
  const contextOf = (row: ApplicationRow) => ({ round, foundation, station: row.station_entity_id ? (entities.get(row.station_entity_id) ?? null) : null });
  return { round, rows, contextOf };
}

/** The round's awarded grants in 360Giving's shape (public: it is open grant data). */
export async function threeSixtyGiving(db: Knex, roundId: string) {
  const { rows, contextOf } = await awardedOfRound(db, roundId);
  return { grants: rows.map((row) => presenters.present360Grant(row, contextOf(row))) };
}

/**
 * The round's awarded grants with the money of each, and the total of each column, for the
 * round pages (public, like the open data they restate). The totals are the round's own
 * figures: a reader adding up a column gets the figure shown on top.
 */
export async function roundGrants(db: Knex, roundId: string) {
  const { round, rows, contextOf } = await awardedOfRound(db, roundId);
  const items = rows.map((row) => presenters.presentRoundGrant(row, contextOf(row)));
  const totals = presenters.grantMoneyTotals(items);
  const money = (await queries.roundMoney(db, [round.id])).get(round.id);
  assert(D(totals.committed).eq(round.committed), "a round's committed is what its grants hold");
  assert(D(totals.disbursed).eq(money?.disbursed ?? '0') && D(totals.refunded).eq(money?.refunded ?? '0'), "only a round's awarded grants move money");
  return { grants: items, totals };
}

/**
 * Runs a posting into a grantee station's books, and says so when those books refuse it for a
 * closed month: the manager disbursing sees the foundation's books, and "closed through 2026-05"
 * alone would read as if they were closed.
 */
async function inStationBooks<T>(station: { id: string; name: string }, post: () => Promise<T>): Promise<T> {
  try {
    return await post();
  } catch (error) {
    if (!(error instanceof DomainError) || error.code !== 'period_closed') throw error;
    throw new DomainError(error.code, `In the books of the grantee station ${station.name}: ${error.message}`, {
      errors: error.errors,
      extra: { ...error.extra, stationEntityId: station.id, stationName: station.name },
    });
  }
}
