/**
 * Knex queries of grant rounds. The connection or transaction is always the first argument;
 * nothing here decides a rule or touches the journal (the ledger service does that).
 * Money columns come back as strings and go in as formatted strings.
 */
import type { Knex } from 'knex';
import type { Status } from './state';
import type { Criterion } from './state';

type Queryable = Knex | Knex.Transaction;

export interface RoundRow {
  id: string;
  seq: string;
  entity_id: string;
  title: string;
  description: string;
  budget: string;
  committed: string;
  fund_code: string;
  opens_at: Date;
  closes_at: Date;
  rubric: Criterion[];
  min_reviews: number;
  created_by: string;
  created_at: Date;
}

export interface BudgetLineRow {
  item: string;
  amount: string;
}

export interface ApplicationRow {
  id: string;
  seq: string;
  round_id: string;
  entity_id: string;
  applicant_id: string;
  status: Status;
  title: string;
  organization: string;
  contact: string;
  summary: string;
  beneficiaries: string | null;
  requested_amount: string;
  budget_lines: BudgetLineRow[];
  station_entity_id: string | null;
  amount_awarded: string | null;
  disbursed: string;
  refunded: string;
  decision: 'approved' | 'rejected' | null;
  decision_reason: string | null;
  decided_by: string | null;
  decided_at: Date | null;
  project_id: string | null;
  station_fund_code: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface HistoryRow {
  id: string;
  application_id: string;
  from_status: Status | null;
  to_status: Status;
  actor_id: string;
  actor_name: string;
  at: Date;
  note: string | null;
  kind: 'transition' | 'amendment';
}

/** A tranche as kept in an amendment's before/after lists (jsonb, money as strings). */
export interface TrancheTerms {
  amount: string;
  condition: string;
  label: string | null;
}

export interface AmendmentRow {
  id: string;
  seq: string;
  application_id: string;
  note: string;
  previous_tranches: TrancheTerms[];
  tranches: TrancheTerms[];
  previous_ends_on: string | null;
  ends_on: string | null;
  created_by: string;
  actor_name: string;
  at: Date;
}

export interface ReviewerRow {
  application_id: string;
  reviewer_id: string;
  display_name: string;
  assigned_at: Date;
}

export interface ReviewRow {
  id: string;
  application_id: string;
  reviewer_id: string;
  display_name: string;
  conflict_of_interest: boolean;
  scores: Record<string, number>;
  comment: string | null;
  created_at: Date;
}

export interface TrancheRow {
  id: string;
  application_id: string;
  position: number;
  amount: string;
  condition: string;
  label: string | null;
}

export interface DisbursementRow {
  id: string;
  application_id: string;
  amount: string;
  date: string;
  method: 'cash' | 'bank';
  entry_id: string;
  station_entry_id: string | null;
  created_by: string;
  created_at: Date;
}

export interface ReportRow {
  id: string;
  application_id: string;
  kind: 'progress' | 'final';
  narrative: string;
  spent: string;
  lines: { item: string; spent: string }[];
  created_by: string;
  created_at: Date;
}

export interface RefundRow {
  id: string;
  application_id: string;
  amount: string;
  date: string;
  entry_id: string;
  station_entry_id: string | null;
  created_by: string;
  created_at: Date;
}

// Rounds

export async function insertRound(db: Queryable, row: Partial<RoundRow>): Promise<RoundRow> {
  const [inserted] = await db<RoundRow>('grant_rounds')
    .insert({ ...row, rubric: JSON.stringify(row.rubric) as never })
    .returning('*');
  return inserted;
}

export async function findRound(db: Queryable, id: string): Promise<RoundRow | undefined> {
  return db<RoundRow>('grant_rounds').where({ id }).first();
}

export async function lockRound(tx: Knex.Transaction, id: string): Promise<RoundRow | undefined> {
  return tx<RoundRow>('grant_rounds').where({ id }).forUpdate().first();
}

export async function listRounds(db: Queryable, options: { entityId?: string; afterSeq?: string; limit: number }): Promise<RoundRow[]> {
  const query = db<RoundRow>('grant_rounds').orderBy('seq').limit(options.limit + 1);
  if (options.entityId) query.where({ entity_id: options.entityId });
  if (options.afterSeq) query.where('seq', '>', options.afterSeq);
  return query;
}

export async function addCommitted(tx: Knex.Transaction, roundId: string, amount: string): Promise<void> {
  await tx('grant_rounds').where({ id: roundId }).update({ committed: tx.raw('committed + ?::numeric', [amount]) });
}

/** Disbursed and refunded totals of rounds' applications, as strings, by round id. */
export async function roundMoney(db: Queryable, roundIds: string[]): Promise<Map<string, { disbursed: string; refunded: string }>> {
  if (roundIds.length === 0) return new Map();
  const rows = await db('grant_applications')
    .whereIn('round_id', roundIds)
    .groupBy('round_id')
    .select('round_id', db.raw('sum(disbursed)::text as disbursed'), db.raw('sum(refunded)::text as refunded'));
  return new Map(rows.map((row: { round_id: string; disbursed: string; refunded: string }) => [row.round_id, { disbursed: row.disbursed, refunded: row.refunded }]));
}

// Applications

export async function insertApplication(db: Queryable, row: Partial<ApplicationRow>): Promise<ApplicationRow> {
  const [inserted] = await db<ApplicationRow>('grant_applications')
    .insert({ ...row, budget_lines: JSON.stringify(row.budget_lines) as never })
    .returning('*');
  return inserted;
}

export async function findApplication(db: Queryable, id: string): Promise<ApplicationRow | undefined> {
  return db<ApplicationRow>('grant_applications').where({ id }).first();
}

export async function lockApplication(tx: Knex.Transaction, id: string): Promise<ApplicationRow | undefined> {
  return tx<ApplicationRow>('grant_applications').where({ id }).forUpdate().first();
}

export async function updateApplication(tx: Knex.Transaction, id: string, changes: Partial<ApplicationRow>): Promise<ApplicationRow> {
  const values: Record<string, unknown> = { ...changes, updated_at: tx.fn.now() };
  if (changes.budget_lines) values.budget_lines = JSON.stringify(changes.budget_lines);
  const [row] = await tx<ApplicationRow>('grant_applications').where({ id }).update(values).returning('*');
  return row;
}

export async function listApplicationsOfRound(db: Queryable, roundId: string, options: { reviewerId?: string; afterSeq?: string; limit: number }): Promise<ApplicationRow[]> {
  const query = db<ApplicationRow>('grant_applications as a').where('a.round_id', roundId).orderBy('a.seq').limit(options.limit + 1).select('a.*');
  if (options.afterSeq) query.where('a.seq', '>', options.afterSeq);
  if (options.reviewerId) {
    const reviewerId = options.reviewerId;
    query
      .join('grant_reviewers as r', function joinAssigned() {
        this.on('r.application_id', '=', 'a.id').andOn('r.reviewer_id', '=', db.raw('?', [reviewerId]));
      })
      .whereNotExists(function recused() {
        this.select(db.raw('1')).from('grant_reviews as v').whereRaw('v.application_id = a.id').andWhere('v.reviewer_id', reviewerId).andWhere('v.conflict_of_interest', true);
      });
  }
  return query;
}

export async function listApplicationsOfApplicant(db: Queryable, applicantId: string, options: { afterSeq?: string; limit: number }): Promise<ApplicationRow[]> {
  const query = db<ApplicationRow>('grant_applications').where({ applicant_id: applicantId }).orderBy('seq').limit(options.limit + 1);
  if (options.afterSeq) query.where('seq', '>', options.afterSeq);
  return query;
}

export async function listAwardedOfRound(db: Queryable, roundId: string, statuses: readonly Status[]): Promise<ApplicationRow[]> {
  return db<ApplicationRow>('grant_applications').where({ round_id: roundId }).whereIn('status', statuses as Status[]).orderBy('seq');
}

// History

/** `at` comes from the service's clock, not the database's, so a fixed clock gives fixed history. */
export async function insertHistory(
  tx: Knex.Transaction,
  row: { applicationId: string; from: Status | null; to: Status; actorId: string; at: Date; note: string | null; kind?: 'transition' | 'amendment' },
): Promise<void> {
  await tx('grant_history').insert({
    application_id: row.applicationId,
    from_status: row.from,
    to_status: row.to,
    actor_id: row.actorId,
    at: row.at,
    note: row.note,
    kind: row.kind ?? 'transition',
  });
}

export async function historyOf(db: Queryable, applicationId: string): Promise<HistoryRow[]> {
  return db('grant_history as h')
    .join('users as u', 'u.id', 'h.actor_id')
    .where('h.application_id', applicationId)
    .orderBy('h.id')
    .select('h.*', 'u.display_name as actor_name');
}

/**
 * Each application's status after its last step taken before `until` (applications with no
 * such step are left out), in one query for many applications.
 */
export async function statusesBefore(db: Queryable, applicationIds: string[], until: Date): Promise<Map<string, Status>> {
  if (applicationIds.length === 0) return new Map();
  const rows: { application_id: string; to_status: Status }[] = await db('grant_history')
    .distinctOn('application_id')
    .whereIn('application_id', applicationIds)
    .where('at', '<', until)
    .orderBy([{ column: 'application_id' }, { column: 'id', order: 'desc' }])
    .select('application_id', 'to_status');
  return new Map(rows.map((row) => [row.application_id, row.to_status]));
}

// Reviewers and reviews

export async function reviewerIdsOnEntity(db: Queryable, entityId: string, userIds: string[]): Promise<string[]> {
  const rows = await db('user_roles as r')
    .join('users as u', 'u.id', 'r.user_id')
    .whereNull('u.deleted_at')
    .where({ 'r.role': 'reviewer', 'r.entity_id': entityId })
    .whereIn('r.user_id', userIds)
    .select('r.user_id');
  return rows.map((row: { user_id: string }) => row.user_id);
}

export async function insertReviewers(tx: Knex.Transaction, applicationId: string, reviewerIds: string[], assignedBy: string): Promise<void> {
  if (reviewerIds.length === 0) return;
  await tx('grant_reviewers')
    .insert(reviewerIds.map((reviewerId) => ({ application_id: applicationId, reviewer_id: reviewerId, assigned_by: assignedBy })))
    .onConflict(['application_id', 'reviewer_id'])
    .ignore();
}

/** Withdraws an assignment; false when there was none. */
export async function deleteReviewer(tx: Knex.Transaction, applicationId: string, reviewerId: string): Promise<boolean> {
  const removed = await tx('grant_reviewers').where({ application_id: applicationId, reviewer_id: reviewerId }).delete();
  return removed > 0;
}

export async function reviewersOf(db: Queryable, applicationId: string): Promise<ReviewerRow[]> {
  return db('grant_reviewers as r').join('users as u', 'u.id', 'r.reviewer_id').where('r.application_id', applicationId).orderBy('r.assigned_at').select('r.*', 'u.display_name');
}

export async function findReviewer(db: Queryable, applicationId: string, reviewerId: string): Promise<{ reviewer_id: string } | undefined> {
  return db('grant_reviewers').where({ application_id: applicationId, reviewer_id: reviewerId }).first('reviewer_id');
}

export async function insertReview(
  tx: Knex.Transaction,
  row: { applicationId: string; reviewerId: string; conflictOfInterest: boolean; scores: Record<string, number>; comment: string | null },
): Promise<void> {
  await tx('grant_reviews').insert({
    application_id: row.applicationId,
    reviewer_id: row.reviewerId,
    conflict_of_interest: row.conflictOfInterest,
    scores: JSON.stringify(row.scores),
    comment: row.comment,
  });
}

export async function reviewsOf(db: Queryable, applicationId: string): Promise<ReviewRow[]> {
  return db('grant_reviews as v').join('users as u', 'u.id', 'v.reviewer_id').where('v.application_id', applicationId).orderBy('v.created_at').select('v.*', 'u.display_name');
}

export async function findReview(db: Queryable, applicationId: string, reviewerId: string): Promise<ReviewRow | undefined> {
  return db('grant_reviews as v').join('users as u', 'u.id', 'v.reviewer_id').where({ 'v.application_id': applicationId, 'v.reviewer_id': reviewerId }).first('v.*', 'u.display_name');
}

/** The non-recused reviews' scores of many applications (for lists). */
export async function scoresOf(db: Queryable, applicationIds: string[]): Promise<{ application_id: string; scores: Record<string, number> }[]> {
  if (applicationIds.length === 0) return [];
  return db('grant_reviews').whereIn('application_id', applicationIds).where({ conflict_of_interest: false }).select('application_id', 'scores');
}

// Tranches, disbursements, reports, refunds

export async function insertTranches(tx: Knex.Transaction, applicationId: string, tranches: TrancheTerms[]): Promise<void> {
  await tx('grant_tranches').insert(tranches.map((tranche, index) => ({ application_id: applicationId, position: index + 1, ...tranche })));
}

export async function tranchesOf(db: Queryable, applicationId: string): Promise<TrancheRow[]> {
  return db<TrancheRow>('grant_tranches').where({ application_id: applicationId }).orderBy('position');
}

/** Replaces the tranches after the first `keep` positions (the paid ones) with `tranches`. */
export async function replaceTranchesAfter(tx: Knex.Transaction, applicationId: string, keep: number, tranches: TrancheTerms[]): Promise<void> {
  await tx('grant_tranches').where({ application_id: applicationId }).andWhere('position', '>', keep).delete();
  if (tranches.length === 0) return;
  await tx('grant_tranches').insert(tranches.map((tranche, index) => ({ application_id: applicationId, position: keep + index + 1, ...tranche })));
}

// Amendments

export async function insertAmendment(
  tx: Knex.Transaction,
  row: Omit<AmendmentRow, 'id' | 'seq' | 'actor_name'>,
): Promise<void> {
  await tx('grant_amendments').insert({ ...row, previous_tranches: JSON.stringify(row.previous_tranches), tranches: JSON.stringify(row.tranches) });
}

export async function amendmentsOf(db: Queryable, applicationId: string): Promise<AmendmentRow[]> {
  return db('grant_amendments as m').join('users as u', 'u.id', 'm.created_by').where('m.application_id', applicationId).orderBy('m.seq').select('m.*', 'u.display_name as actor_name');
}

export async function insertDisbursement(tx: Knex.Transaction, row: Omit<DisbursementRow, 'id' | 'created_at'>): Promise<DisbursementRow> {
  const [inserted] = await tx<DisbursementRow>('grant_disbursements').insert(row).returning('*');
  return inserted;
}

export async function disbursementsOf(db: Queryable, applicationId: string): Promise<DisbursementRow[]> {
  return db<DisbursementRow>('grant_disbursements').where({ application_id: applicationId }).orderBy([{ column: 'created_at' }, { column: 'id' }]);
}

export async function insertReport(tx: Knex.Transaction, row: Omit<ReportRow, 'id' | 'created_at'>): Promise<ReportRow> {
  const [inserted] = await tx<ReportRow>('grant_reports')
    .insert({ ...row, lines: JSON.stringify(row.lines) as never })
    .returning('*');
  return inserted;
}

export async function reportsOf(db: Queryable, applicationId: string): Promise<ReportRow[]> {
  return db<ReportRow>('grant_reports').where({ application_id: applicationId }).orderBy([{ column: 'created_at' }, { column: 'id' }]);
}

export async function insertRefund(tx: Knex.Transaction, row: Omit<RefundRow, 'id' | 'created_at'>): Promise<RefundRow> {
  const [inserted] = await tx<RefundRow>('grant_refunds').insert(row).returning('*');
  return inserted;
}

export async function refundsOf(db: Queryable, applicationId: string): Promise<RefundRow[]> {
  return db<RefundRow>('grant_refunds').where({ application_id: applicationId }).orderBy([{ column: 'created_at' }, { column: 'id' }]);
}

export async function findEntitiesByIds(db: Queryable, ids: string[]): Promise<{ id: string; code: string; name: string; kind: string }[]> {
  if (ids.length === 0) return [];
  return db('entities').whereIn('id', ids).select('id', 'code', 'name', 'kind');
}
