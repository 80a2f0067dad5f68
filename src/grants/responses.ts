/**
 * What the routes of grant rounds answer, as the presenters write it: money with two
 * decimals, book dates YYYY-MM-DD, instants ISO 8601. Declared in the OpenAPI document and,
 * under test, checked against every answer. The round views are exported for every path that
 * serves a round (the public copies too).
 */
import { z } from '../shared/zod';
import { DateString, Id, ListPage, Money, Timestamp } from '../shared/schemas';
import { EntryView } from '../ledger/responses';
import { STATUSES } from './state';
import { TRANCHE_CONDITIONS } from './schemas';

/** A weighted review score, 0 to 5, printed with two decimals like money (it is none). */
const ScoreText = z.string().regex(/^\d+\.\d{2}$/).openapi({ example: '4.25' });

export const RoundView = z
  .object({
    id: Id,
    entityId: Id,
    title: z.string(),
    description: z.string(),
    fundCode: z.string(),
    opensAt: Timestamp,
    closesAt: Timestamp,
    rubric: z.array(z.object({ key: z.string(), label: z.string(), weight: z.number() })),
    minReviews: z.number().int(),
    budget: Money,
    committed: Money,
    disbursed: Money,
    refunded: Money,
    remaining: Money,
    createdAt: Timestamp,
    open: z.boolean(),
  })
  .openapi('Round');

export const RoundList = ListPage(RoundView);

export const ThreeSixtyGivingView = z
  .object({
    grants: z.array(
      z.object({
        id: z.string(),
        title: z.string(),
        description: z.string(),
        currency: z.literal('CNY'),
        amountAwarded: Money,
        awardDate: DateString,
        recipientOrganization: z.object({ id: z.string(), name: z.string() }),
        fundingOrganization: z.array(z.object({ id: z.string(), name: z.string() })),
        amountAppliedFor: Money,
        amountDisbursed: Money,
        grantProgramme: z.array(z.object({ code: z.string(), title: z.string() })),
      }),
    ),
  })
  .openapi('ThreeSixtyGiving');

const Status = z.enum(STATUSES);

export const ApplicationSummaryView = z
  .object({
    id: Id,
    roundId: Id,
    entityId: Id,
    status: Status,
    title: z.string(),
    organization: z.string(),
    requestedAmount: Money,
    amountAwarded: Money.nullable(),
    weightedScore: ScoreText.nullable().optional().openapi({ description: "Staff lists of a round's applications only." }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('ApplicationSummary');

export const ApplicationList = ListPage(ApplicationSummaryView);

export const ReviewView = z
  .object({
    id: Id,
    reviewerId: Id,
    reviewerName: z.string(),
    conflictOfInterest: z.boolean(),
    scores: z.record(z.string(), z.number()).nullable(),
    score: ScoreText.nullable(),
    comment: z.string().nullable(),
    submittedAt: Timestamp,
  })
  .openapi('Review');

const TrancheView = z.object({
  position: z.number().int(),
  amount: Money,
  condition: z.string(),
  gate: z.enum(TRANCHE_CONDITIONS).nullable().openapi({ description: 'The gate the condition names; null when it holds no money back.' }),
  label: z.string().nullable(),
});

const DisbursementView = z.object({
  id: Id,
  applicationId: Id,
  amount: Money,
  date: DateString,
  method: z.enum(['cash', 'bank']),
  entryId: Id,
  stationEntryId: Id.nullable(),
  createdBy: Id,
  createdAt: Timestamp,
});

const RefundView = DisbursementView.omit({ method: true });

const ReportView = z.object({
  id: Id,
  kind: z.enum(['progress', 'final']),
  narrative: z.string(),
  spent: Money,
  budget: Money,
  lines: z.array(z.object({ item: z.string(), budget: Money, spent: Money.nullable(), remaining: Money.nullable() })),
  filedAt: Timestamp,
});

export const ApplicationView = ApplicationSummaryView.omit({ weightedScore: true })
  .extend({
    applicantId: Id,
    contact: z.string(),
    summary: z.string(),
    beneficiaries: z.string().nullable(),
    budgetLines: z.array(z.object({ item: z.string(), amount: Money })),
    budgetLinesTotal: Money,
    stationEntityId: Id.nullable(),
    projectId: Id.nullable(),
    stationFundCode: z.string().nullable(),
    reviewers: z.array(z.object({ userId: Id, name: z.string(), assignedAt: Timestamp })).nullable().openapi({ description: 'Staff only; null for others.' }),
    reviews: z
      .array(z.union([ReviewView, z.object({ id: Id, submittedAt: Timestamp })]))
      .openapi({ description: 'Staff see every review, a reviewer their own; the applicant only that reviews arrived.' }),
    weightedScore: ScoreText.nullable(),
    decision: z
      .object({ decision: z.enum(['approved', 'rejected']), amount: Money.nullable(), reason: z.string().nullable(), decidedAt: Timestamp.nullable(), decidedBy: Id.nullable() })
      .nullable(),
    tranches: z.array(TrancheView),
    disbursed: Money,
    refunded: Money,
    disbursements: z.array(DisbursementView),
    reports: z.array(ReportView),
    refunds: z.array(RefundView),
    history: z.array(
      z.object({ from: Status.nullable(), to: Status, by: Id, byName: z.string(), at: Timestamp, note: z.string().nullable(), kind: z.enum(['transition', 'amendment']) }),
    ),
    amendments: z.array(
      z.object({
        id: Id,
        note: z.string(),
        amountAwarded: Money.nullable(),
        previousTranches: z.array(TrancheView),
        tranches: z.array(TrancheView),
        previousEndsOn: DateString.nullable(),
        endsOn: DateString.nullable(),
        by: Id,
        byName: z.string(),
        at: Timestamp,
      }),
    ),
  })
  .openapi('Application');

/** A disbursement with the entry it posted in the foundation's books, and the station's receipt. */
export const DisbursementResult = DisbursementView.extend({ entry: EntryView, stationEntry: EntryView.nullable() }).openapi('Disbursement');

export const RefundResult = RefundView.extend({ entry: EntryView, stationEntry: EntryView.nullable() }).openapi('Refund');

export const ReportResult = ReportView.extend({ applicationStatus: Status }).openapi('GrantReport');
