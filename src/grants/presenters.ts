/**
 * The wire shapes of grant rounds, written by hand: rows may change, the wire is a promise.
 * Money prints with two decimals. What an applicant may not see (scores, reviewer names,
 * comments) is left out here, by the viewer's audience, never filtered later.
 */
import crypto from 'node:crypto';
import { D, formatMoney, sumMoney } from '../shared/money';
import { shanghaiDate } from '../shared/clock';
import type { AmendmentRow, ApplicationRow, DisbursementRow, HistoryRow, RefundRow, ReportRow, ReviewerRow, ReviewRow, RoundRow, TrancheRow, TrancheTerms } from './queries';
import Decimal from 'decimal.js';
import { Criterion, gateOf, grantCommitment, reviewScore, weightedScore } from './state';

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());
const money = (value: string | null) => (value === null ? null : formatMoney(value));

/**
 * Who is looking: staff see everything; a reviewer sees only their own review (so others'
 * scores cannot sway theirs); the applicant sees no scores, comments or reviewer names.
 */
export type Audience = 'staff' | 'reviewer' | 'applicant';

export function presentRound(row: RoundRow, totals: { disbursed: string; refunded: string }) {
  return {
    id: row.id,
    entityId: row.entity_id,
    title: row.title,
    description: row.description,
    fundCode: row.fund_code,
    opensAt: iso(row.opens_at),
    closesAt: iso(row.closes_at),
    rubric: row.rubric,
    minReviews: row.min_reviews,
    budget: formatMoney(row.budget),
    committed: formatMoney(row.committed),
    disbursed: formatMoney(totals.disbursed),
    refunded: formatMoney(totals.refunded),
    remaining: formatMoney(D(row.budget).minus(row.committed)),
    createdAt: iso(row.created_at),
  };
}

export function presentApplicationSummary(row: ApplicationRow, extras: { scores?: Decimal[] } = {}) {
  const score = extras.scores ? weightedScore(extras.scores) : undefined;
  return {
    id: row.id,
    roundId: row.round_id,
    entityId: row.entity_id,
    status: row.status,
    title: row.title,
    organization: row.organization,
    requestedAmount: formatMoney(row.requested_amount),
    amountAwarded: money(row.amount_awarded),
    ...(score === undefined ? {} : { weightedScore: score === null ? null : formatMoney(score) }),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

function budgetTotalOf(application: ApplicationRow): Decimal {
  return sumMoney(application.budget_lines.map((line) => line.amount));
}

export interface ApplicationParts {
  reviewers: ReviewerRow[];
  reviews: ReviewRow[];
  tranches: TrancheRow[];
  disbursements: DisbursementRow[];
  reports: ReportRow[];
  refunds: RefundRow[];
  history: HistoryRow[];
  amendments: AmendmentRow[];
}

export function presentApplication(row: ApplicationRow, parts: ApplicationParts, audience: Audience, rubric: Criterion[]) {
  const counted = parts.reviews.filter((review) => !review.conflict_of_interest);
  const score = weightedScore(counted.map((review) => reviewScore(rubric, review.scores)));
  const isStaff = audience === 'staff';
  // For a reviewer the service has already narrowed parts.reviews to their own.
  const reviews = parts.reviews;
  return {
    ...presentApplicationSummary(row),
    applicantId: row.applicant_id,
    contact: row.contact,
    summary: row.summary,
    beneficiaries: row.beneficiaries,
    budgetLines: row.budget_lines.map((line) => ({ item: line.item, amount: formatMoney(line.amount) })),
    // Budget lines need not add up to the request (the contract does not ask it); staff see both.
    budgetLinesTotal: formatMoney(budgetTotalOf(row)),
    stationEntityId: row.station_entity_id,
    projectId: row.project_id,
    stationFundCode: row.station_fund_code,
    reviewers: isStaff ? parts.reviewers.map((reviewer) => ({ userId: reviewer.reviewer_id, name: reviewer.display_name, assignedAt: iso(reviewer.assigned_at) })) : null,
    reviews:
      audience === 'applicant'
        ? // The applicant learns that reviews arrived, never who wrote them or what they say.
          reviews.map((review) => ({ id: review.id, submittedAt: iso(review.created_at) }))
        : reviews.map((review) => presentReview(review, rubric)),
    weightedScore: isStaff && score !== null ? formatMoney(score) : null,
    decision: row.decision
      ? {
          decision: row.decision,
          amount: money(row.amount_awarded),
          reason: row.decision_reason,
          decidedAt: iso(row.decided_at),
          decidedBy: audience === 'applicant' ? null : row.decided_by,
        }
      : null,
    tranches: parts.tranches.map((tranche) => presentTranche(tranche.position, tranche)),
    disbursed: formatMoney(row.disbursed),
    refunded: formatMoney(row.refunded),
    disbursements: parts.disbursements.map(presentDisbursement),
    reports: parts.reports.map((report) => presentReport(report, row)),
    refunds: parts.refunds.map(presentRefund),
    history: parts.history.map((entry) => ({
      from: entry.from_status,
      to: entry.to_status,
      by: entry.actor_id,
      byName: entry.actor_name,
      at: iso(entry.at),
      note: entry.note,
      kind: entry.kind,
    })),
    amendments: parts.amendments.map((amendment) => presentAmendment(amendment, row)),
  };
}

/**
 * A tranche with its condition as the decision stated it, and the gate that condition names
 * (null when it names none and so holds no money back).
 */
export function presentTranche(position: number, tranche: TrancheTerms) {
  return { position, amount: formatMoney(tranche.amount), condition: tranche.condition, gate: gateOf(tranche.condition), label: tranche.label };
}

/**
 * An amendment with the tranches before and after it. `amountAwarded` is the grant's award,
 * the same before and after (an amendment never changes it); `endsOn` is null when the
 * amendment left the project's end date as it was.
 */
export function presentAmendment(row: AmendmentRow, application: ApplicationRow) {
  const terms = (tranches: AmendmentRow['tranches']) => tranches.map((tranche, index) => presentTranche(index + 1, tranche));
  return {
    id: row.id,
    note: row.note,
    amountAwarded: money(application.amount_awarded),
    previousTranches: terms(row.previous_tranches),
    tranches: terms(row.tranches),
    previousEndsOn: row.previous_ends_on,
    endsOn: row.ends_on,
    by: row.created_by,
    byName: row.actor_name,
    at: iso(row.at),
  };
}

export function presentReview(review: ReviewRow, rubric: Criterion[]) {
  return {
    id: review.id,
    reviewerId: review.reviewer_id,
    reviewerName: review.display_name,
    conflictOfInterest: review.conflict_of_interest,
    scores: review.conflict_of_interest ? null : review.scores,
    score: review.conflict_of_interest ? null : formatMoney(reviewScore(rubric, review.scores)),
    comment: review.comment,
    submittedAt: iso(review.created_at),
  };
}

export function presentDisbursement(row: DisbursementRow) {
  return {
    id: row.id,
    applicationId: row.application_id,
    amount: formatMoney(row.amount),
    date: row.date,
    method: row.method,
    entryId: row.entry_id,
    stationEntryId: row.station_entry_id,
    createdBy: row.created_by,
    createdAt: iso(row.created_at),
  };
}

export function presentRefund(row: RefundRow) {
  return {
    id: row.id,
    applicationId: row.application_id,
    amount: formatMoney(row.amount),
    date: row.date,
    entryId: row.entry_id,
    stationEntryId: row.station_entry_id,
    createdBy: row.created_by,
    createdAt: iso(row.created_at),
  };
}

/** A report with spent-vs-budget for each budget line it names (lines it does not name show spent null). */
export function presentReport(report: ReportRow, application: ApplicationRow) {
  const spentByItem = new Map(report.lines.map((line) => [line.item, line.spent]));
  return {
    id: report.id,
    kind: report.kind,
    narrative: report.narrative,
    spent: formatMoney(report.spent),
    budget: formatMoney(budgetTotalOf(application)),
    lines: application.budget_lines.map((line) => {
      const spent = spentByItem.get(line.item);
      return {
        item: line.item,
        budget: formatMoney(line.amount),
        spent: spent === undefined ? null : formatMoney(spent),
        remaining: spent === undefined ? null : formatMoney(D(line.amount).minus(spent)),
      };
    }),
    filedAt: iso(report.created_at),
  };
}

/**
 * 360Giving identifiers the service makes up, all under the fallback prefix form
 * `360G-<publisher prefix>-…` with the foundation's code as the publisher prefix: an
 * org-id.guide identifier (`CN-USCC-…`) needs a registration number we do not keep. Books kept
 * in this system (the funding foundation, a grantee station) are `360G-<F>-ENTITY-<code>`; an
 * organisation outside it is `360G-<F>-ORG-<key>`, the key derived from its normalised name so
 * one organisation funded twice is one recipient. The two words keep the namespaces apart.
 */
function entityIdentifier(publisher: string, code: string): string {
  return `360G-${publisher}-ENTITY-${code}`;
}

/**
 * An organisation's name as one key: full-width forms to half-width (NFKC), whitespace runs
 * collapsed to one space, trimmed and case-folded, so 「星光 中心」, 「星光　中心」 and 「 星光  中心 」
 * are one organisation.
 */
function organisationKey(name: string): string {
  return name.normalize('NFKC').replace(/\s+/g, ' ').trim().toLowerCase();
}

/** The key is hashed so the identifier stays ASCII and URL-safe whatever the name's script. */
function outsideOrgIdentifier(publisher: string, name: string): string {
  const digest = crypto.createHash('sha256').update(organisationKey(name)).digest('hex').slice(0, 16);
  return `360G-${publisher}-ORG-${digest}`;
}

/** Who funds a grant and who receives it, as its 360Giving record names them. */
export interface GrantParties {
  round: RoundRow;
  foundation: { code: string; name: string };
  station: { code: string; name: string } | null;
}

export function present360Grant(row: ApplicationRow, context: GrantParties) {
  const { round, foundation, station } = context;
  return {
    id: `360G-${foundation.code}-${row.id}`,
    title: row.title,
    description: row.summary,
    currency: 'CNY',
    amountAwarded: formatMoney(row.amount_awarded as string),
    awardDate: shanghaiDate(new Date(row.decided_at as Date)),
    recipientOrganization: {
      id: station ? entityIdentifier(foundation.code, station.code) : outsideOrgIdentifier(foundation.code, row.organization),
      name: station ? station.name : row.organization,
    },
    fundingOrganization: [{ id: entityIdentifier(foundation.code, foundation.code), name: foundation.name }],
    amountAppliedFor: formatMoney(row.requested_amount),
    amountDisbursed: formatMoney(D(row.disbursed).minus(row.refunded)),
    grantProgramme: [{ code: round.id, title: round.title }],
  };
}

/**
 * An awarded grant as the round pages list it (a page's shape, not the API's): what residents
 * read in the open data, plus its status and its money in the columns the round adds up.
 * `returnedToRound` is null while the grant is open (nothing has gone back yet).
 */
export function presentRoundGrant(row: ApplicationRow, context: GrantParties) {
  const open = present360Grant(row, context);
  const { net, returnedToRound, committed } = grantCommitment({ status: row.status, awarded: open.amountAwarded, disbursed: row.disbursed, refunded: row.refunded });
  return {
    applicationId: row.id,
    title: open.title,
    description: open.description,
    recipientName: open.recipientOrganization.name,
    awardDate: open.awardDate,
    status: row.status,
    amountAwarded: open.amountAwarded,
    disbursed: formatMoney(row.disbursed),
    refunded: formatMoney(row.refunded),
    netDisbursed: formatMoney(net),
    returnedToRound: row.status === 'closed' ? formatMoney(returnedToRound) : null,
    committed: formatMoney(committed),
  };
}

/** The columns of a round's grants that add up to the round's figures. */
export const GRANT_MONEY_COLUMNS = ['amountAwarded', 'disbursed', 'refunded', 'netDisbursed', 'returnedToRound', 'committed'] as const;

export type GrantMoneyTotals = Record<(typeof GRANT_MONEY_COLUMNS)[number], string>;

export function grantMoneyTotals(grants: ReturnType<typeof presentRoundGrant>[]): GrantMoneyTotals {
  const totals = {} as GrantMoneyTotals;
  for (const column of GRANT_MONEY_COLUMNS) totals[column] = formatMoney(sumMoney(grants.map((grant) => grant[column])));
  return totals;
}
