/**
 * Commands and queries of grant rounds, named like their inferred types. Money is a decimal
 * string, book dates are calendar days, round windows are instants with an offset. Unknown
 * fields are refused so a typo never goes unseen. Cross-field rules that need no database
 * (a rejection needs a reason) are checked here too.
 */
import { z } from 'zod';
import { shanghaiDate } from '../shared/clock';
import { FIRST_YEAR, isValidDate } from '../shared/dates';
import { DateString, MoneyString, Pagination, PositiveMoney, Text, Uuid } from '../shared/schemas';

/** The gates a tranche's condition may name: the money waits until signing or a report is filed. */
export const TRANCHE_CONDITIONS = ['on_signing', 'after_progress_report', 'after_final_report'] as const;
export type TrancheCondition = (typeof TRANCHE_CONDITIONS)[number];

/** A moment whose Beijing-time calendar day is a book date (1900 to 9999), so pages can print it. */
const Instant = z.iso
  .datetime({ offset: true, message: 'an ISO 8601 timestamp with offset, e.g. 2026-03-01T00:00:00+08:00' })
  .refine((value) => {
    // Zod runs this also when the format check has failed, so a non-date must not reach shanghaiDate.
    const instant = Date.parse(value);
    return Number.isFinite(instant) && isValidDate(shanghaiDate(new Date(instant)));
  }, `a moment from ${FIRST_YEAR} to 9999, Beijing time`)
  .openapi({ example: '2026-03-01T00:00:00+08:00' });

/**
 * A rubric criterion's key: it names the criterion in a review's scores and, on the web, in the
 * score field `score_<key>`, so it keeps to characters safe in both (no spaces, no brackets).
 */
const RubricKey = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/, 'letters, digits, underscore or dash (1–40), starting with a letter or digit');

/** A score on one criterion: 0 to 5, halves (or finer) allowed; scores are not money. */
export const Score = z.number().min(0).max(5);

export const RubricCriterion = z
  .object({
    key: RubricKey,
    label: Text(200),
    weight: z.number().positive().max(1000),
  })
  .strict();

export const CreateRoundCommand = z
  .object({
    entityId: Uuid,
    title: Text(200),
    description: Text(5000),
    budget: PositiveMoney,
    fundCode: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/).optional(),
    opensAt: Instant,
    closesAt: Instant,
    rubric: z.array(RubricCriterion).min(1).max(20),
    minReviews: z.number().int().min(1).max(20),
  })
  .strict()
  .superRefine((command, issue) => {
    if (new Date(command.closesAt).getTime() <= new Date(command.opensAt).getTime()) {
      issue.addIssue({ code: 'custom', path: ['closesAt'], message: 'must be after opensAt' });
    }
    const keys = command.rubric.map((criterion) => criterion.key);
    if (new Set(keys).size !== keys.length) issue.addIssue({ code: 'custom', path: ['rubric'], message: 'criterion keys must be unique' });
  })
  .openapi('CreateRoundCommand');
export type CreateRoundCommand = z.infer<typeof CreateRoundCommand>;

const BudgetLine = z.object({ item: Text(200), amount: PositiveMoney }).strict();

const applicationFields = {
  title: Text(200),
  organization: Text(200),
  contact: Text(200),
  summary: Text(5000),
  requestedAmount: PositiveMoney,
  budgetLines: z.array(BudgetLine).min(1).max(100),
  beneficiaries: z.string().trim().max(2000).nullable().optional(),
  /** The grantee's own books, when it is a station kept in this system. */
  stationEntityId: Uuid.nullable().optional(),
};

function uniqueItems(lines: { item: string }[] | undefined, issue: z.RefinementCtx) {
  if (!lines) return;
  const items = lines.map((line) => line.item);
  if (new Set(items).size !== items.length) issue.addIssue({ code: 'custom', path: ['budgetLines'], message: 'budget line items must be unique' });
}

export const CreateApplicationCommand = z
  .object(applicationFields)
  .strict()
  .superRefine((command, issue) => uniqueItems(command.budgetLines, issue))
  .openapi('CreateApplicationCommand');
export type CreateApplicationCommand = z.infer<typeof CreateApplicationCommand>;

export const UpdateApplicationCommand = z
  .object(applicationFields)
  .partial()
  .strict()
  .superRefine((command, issue) => uniqueItems(command.budgetLines, issue))
  .openapi('UpdateApplicationCommand');
export type UpdateApplicationCommand = z.infer<typeof UpdateApplicationCommand>;

export const NoteCommand = z.object({ note: z.string().trim().min(1).max(1000).optional() }).strict().openapi('NoteCommand');
export type NoteCommand = z.infer<typeof NoteCommand>;

export const AssignReviewersCommand = z
  .object({ userIds: z.array(Uuid).min(1).max(20) })
  .strict()
  .openapi('AssignReviewersCommand');
export type AssignReviewersCommand = z.infer<typeof AssignReviewersCommand>;

export const SubmitReviewCommand = z
  .object({
    conflictOfInterest: z.boolean(),
    scores: z.record(RubricKey, Score).optional().openapi({ description: 'Every rubric criterion scored 0..5 (halves allowed); ignored on a recusal, which records no scores.' }),
    comment: z.string().trim().max(5000).nullable().optional(),
  })
  .strict()
  .openapi('SubmitReviewCommand');
export type SubmitReviewCommand = z.infer<typeof SubmitReviewCommand>;

const Tranche = z
  .object({
    amount: PositiveMoney,
    condition: Text(200).openapi({
      description:
        'When the tranche may be paid, in the decision\'s words. on_signing, after_progress_report and after_final_report hold the money back until then, named by the code, by a name (e.g. "after the final report", 结项报告后拨付) or by a word of the gate in a sentence (final report: 结项, 结题, 终期, 验收, final, completion; any other report: 中期, 进度, 报告, progress, interim, report; signing: 签约, 协议, 合同, sign, contract, agreement, upfront), a report before signing. Lower-case letters, digits and underscores only that are none of the codes are a typo (400). Other text is kept as stated and holds nothing back.',
      example: 'after_final_report',
    }),
    label: z.string().trim().max(200).nullable().optional(),
  })
  .strict();

export const DecisionCommand = z
  .object({
    decision: z.enum(['approved', 'rejected']),
    amount: PositiveMoney.optional(),
    tranches: z.array(Tranche).min(1).max(12).optional(),
    reason: z.string().trim().max(2000).optional(),
  })
  .strict()
  .superRefine((command, issue) => {
    if (command.decision === 'rejected') {
      if (!command.reason) issue.addIssue({ code: 'custom', path: ['reason'], message: 'a rejection needs a reason' });
      if (command.amount !== undefined) issue.addIssue({ code: 'custom', path: ['amount'], message: 'a rejection awards no amount' });
      if (command.tranches !== undefined) issue.addIssue({ code: 'custom', path: ['tranches'], message: 'a rejection has no tranches' });
    }
  })
  .openapi('DecisionCommand');
export type DecisionCommand = z.infer<typeof DecisionCommand>;

/**
 * An amendment of an awarded grant: always a note; optionally the whole new tranche list (paid
 * tranches repeated as they were, the rest re-split, summing to the unchanged award) and a new
 * end date of the grant's project.
 */
export const AmendGrantCommand = z
  .object({
    note: Text(1000),
    tranches: z.array(Tranche).min(1).max(12).optional(),
    endsOn: DateString.optional(),
  })
  .strict()
  .openapi('AmendGrantCommand');
export type AmendGrantCommand = z.infer<typeof AmendGrantCommand>;

export const DisburseCommand = z
  .object({ amount: PositiveMoney, date: DateString, method: z.enum(['cash', 'bank']) })
  .strict()
  .openapi('DisburseCommand');
export type DisburseCommand = z.infer<typeof DisburseCommand>;

export const FileReportCommand = z
  .object({
    kind: z.enum(['progress', 'final']),
    narrative: Text(10000),
    spent: MoneyString,
    lines: z.array(z.object({ item: Text(200), spent: MoneyString }).strict()).max(100).optional(),
  })
  .strict()
  .openapi('FileReportCommand');
export type FileReportCommand = z.infer<typeof FileReportCommand>;

export const RefundCommand = z
  .object({ amount: PositiveMoney, date: DateString, method: z.enum(['cash', 'bank']).optional() })
  .strict()
  .openapi('RefundCommand');
export type RefundCommand = z.infer<typeof RefundCommand>;

export const RoundParams = z.object({ id: Uuid });
export const ApplicationParams = z.object({ id: Uuid });
export const ApplicationReviewerParams = z.object({ id: Uuid, userId: Uuid });
export const RoundQuery = Pagination.extend({ entityId: Uuid.optional() });
export type RoundQuery = z.infer<typeof RoundQuery>;
export const ListQuery = Pagination;
export type ListQuery = z.infer<typeof ListQuery>;
