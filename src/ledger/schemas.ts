/**
 * Commands and queries of the books, named like their inferred types. Money is a decimal
 * string, dates are calendar days; unknown fields are refused so a typo never goes unseen.
 */
import { z } from '../shared/zod';
import { Code, DateString, MoneyString, MonthString, Pagination, PositiveMoney, recordKeys, SignedMoney, Text, Uuid } from '../shared/schemas';

export const CreateEntityCommand = z
  .object({
    code: Code,
    name: Text(200),
    kind: z.enum(['station', 'foundation']),
    approvalThreshold: MoneyString.nullable().optional(),
  })
  .strict()
  .openapi('CreateEntityCommand');
export type CreateEntityCommand = z.infer<typeof CreateEntityCommand>;

export const CreateAccountCommand = z
  .object({
    code: z.string().regex(/^[0-9]{4,12}$/, '4 to 12 digits'),
    name: Text(100),
    parentCode: z.string().regex(/^[0-9]{4,12}$/, '4 to 12 digits'),
  })
  .strict()
  .openapi('CreateAccountCommand');
export type CreateAccountCommand = z.infer<typeof CreateAccountCommand>;

export const CreateFundCommand = z
  .object({
    code: Code,
    name: Text(200),
    restricted: z.boolean(),
    purpose: z.string().trim().max(1000).nullable().optional(),
  })
  .strict()
  .openapi('CreateFundCommand');
export type CreateFundCommand = z.infer<typeof CreateFundCommand>;

export const CreateProjectCommand = z
  .object({
    code: z.string().regex(/^[A-Za-z0-9_-]{1,60}$/, 'letters, digits, dash or underscore'),
    name: Text(200),
    startsOn: DateString.nullable().optional(),
    endsOn: DateString.nullable().optional(),
  })
  .strict()
  .openapi('CreateProjectCommand');
export type CreateProjectCommand = z.infer<typeof CreateProjectCommand>;

export const EntryLineInput = z
  .object({
    accountCode: z.string().min(1).max(12),
    fundCode: Code.nullable().optional(),
    projectId: Uuid.nullable().optional(),
    debit: MoneyString.nullable().optional(),
    credit: MoneyString.nullable().optional(),
    memo: z.string().trim().max(500).nullable().optional(),
  })
  .strict();

export const PostEntryCommand = z
  .object({
    date: DateString,
    memo: Text(500),
    lines: z.array(EntryLineInput).min(1).max(500),
  })
  .strict()
  .openapi('PostEntryCommand');
export type PostEntryCommand = z.infer<typeof PostEntryCommand>;

export const ReverseEntryCommand = z
  .object({ date: DateString, reason: Text(500) })
  .strict()
  .openapi('ReverseEntryCommand');
export type ReverseEntryCommand = z.infer<typeof ReverseEntryCommand>;

/** Why a pending entry is refused (by a supervisor) or withdrawn (by its author). */
export const RejectEntryCommand = z
  .object({ reason: Text(500) })
  .strict()
  .openapi('RejectEntryCommand');
export type RejectEntryCommand = z.infer<typeof RejectEntryCommand>;

/** Posted entries are in the books; pending ones wait for a supervisor; rejected ones never enter. */
export const ENTRY_STATUSES = ['posted', 'pending_approval', 'rejected'] as const;
export type EntryStatus = (typeof ENTRY_STATUSES)[number];

export const RECEIPT_KINDS = ['donation', 'parking', 'recycling', 'subsidy', 'other'] as const;
export const RECEIPT_ROLES: Record<(typeof RECEIPT_KINDS)[number], string> = {
  donation: 'donation_income',
  parking: 'parking_income',
  recycling: 'recycling_income',
  subsidy: 'subsidy_income',
  other: 'other_income',
};

export const PAYMENT_CATEGORIES = ['program', 'admin', 'fundraising'] as const;
export const PAYMENT_ROLES: Record<(typeof PAYMENT_CATEGORIES)[number], string> = {
  program: 'program_expense',
  admin: 'admin_expense',
  fundraising: 'fundraising_expense',
};

export const METHOD_ROLES = { cash: 'cash', bank: 'bank' } as const;

export const RecordReceiptCommand = z
  .object({
    kind: z.enum(RECEIPT_KINDS),
    date: DateString,
    amount: PositiveMoney,
    method: z.enum(['cash', 'bank']),
    payer: z.string().trim().max(200).nullable().optional(),
    anonymous: z.boolean().nullable().optional(),
    nameConsent: z.boolean().nullable().optional(),
    fundCode: Code.nullable().optional(),
    projectId: Uuid.nullable().optional(),
    memo: z.string().trim().max(500).nullable().optional(),
  })
  .strict()
  .openapi('RecordReceiptCommand');
export type RecordReceiptCommand = z.infer<typeof RecordReceiptCommand>;

export const RecordPaymentCommand = z
  .object({
    date: DateString,
    amount: PositiveMoney,
    method: z.enum(['cash', 'bank']),
    payee: Text(200),
    purpose: Text(500),
    category: z.enum(PAYMENT_CATEGORIES),
    projectId: Uuid.nullable().optional(),
    fundCode: Code.nullable().optional(),
  })
  .strict()
  .openapi('RecordPaymentCommand');
export type RecordPaymentCommand = z.infer<typeof RecordPaymentCommand>;

export const RecordReconciliationCommand = z
  .object({
    date: DateString,
    cashCounted: MoneyString,
    bankStatementBalance: SignedMoney,
    note: z.string().trim().max(1000).nullable().optional(),
  })
  .strict()
  .openapi('RecordReconciliationCommand');
export type RecordReconciliationCommand = z.infer<typeof RecordReconciliationCommand>;

export const EntryQuery = Pagination.extend({
  from: DateString.optional(),
  to: DateString.optional(),
  accountCode: z.string().max(12).optional(),
  fundCode: Code.optional(),
  status: z.enum(ENTRY_STATUSES).optional(),
});
export type EntryQuery = z.infer<typeof EntryQuery>;

export const AsOfQuery = z.object({ asOf: DateString.optional() });
export const RangeQuery = z.object({ from: DateString.optional(), to: DateString.optional() });
export const ApprovalFlagQuery = Pagination.extend(RangeQuery.shape);
export const PeriodParams = z.object({ entityId: Uuid, period: MonthString });
export const EntryParams = z.object({ entityId: Uuid, id: Uuid });
export const AccountParams = z.object({ entityId: Uuid, code: z.string().regex(/^[0-9]{4,12}$/, '4 to 12 digits').register(recordKeys, { record: 'account code' }) });
