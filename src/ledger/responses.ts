/**
 * What the routes of the books answer, as the presenters write it: money with two decimals,
 * dates YYYY-MM-DD, instants ISO 8601. Declared in the OpenAPI document and, under test,
 * checked against every answer; these describe the wire, they validate no input.
 */
import { z } from '../shared/zod';
import { DateString, Id, ListPage, Money, MonthString, Sha256, Timestamp } from '../shared/schemas';
import { ENTRY_STATUSES } from './schemas';

export const ENTRY_KINDS = ['receipt', 'payment', 'journal', 'reversal', 'grant_disbursement', 'grant_receipt', 'grant_refund', 'year_end_close'] as const;
const ACCOUNT_TYPES = ['asset', 'liability', 'net_assets', 'revenue', 'expense'] as const;
const ENTITY_KINDS = ['station', 'foundation'] as const;

export const PublicEntityView = z.object({ id: Id, code: z.string(), name: z.string(), kind: z.enum(ENTITY_KINDS) }).openapi('PublicEntity');

export const EntityView = PublicEntityView.extend({ approvalThreshold: Money.nullable(), createdAt: Timestamp }).openapi('Entity');

export const AccountView = z
  .object({
    code: z.string(),
    name: z.string(),
    type: z.enum(ACCOUNT_TYPES),
    parentCode: z.string().nullable(),
    role: z.string().nullable().openapi({ description: 'What the shortcuts post here by name (cash, donation_income, …).' }),
    monetary: z.boolean(),
    isLeaf: z.boolean(),
  })
  .openapi('Account');

export const FundView = z
  .object({ code: z.string(), name: z.string(), restricted: z.boolean(), purpose: z.string().nullable(), createdAt: Timestamp })
  .openapi('Fund');

export const ProjectView = z
  .object({ id: Id, code: z.string(), name: z.string(), startsOn: DateString.nullable(), endsOn: DateString.nullable(), createdAt: Timestamp })
  .openapi('Project');

export const AttachmentView = z
  .object({
    id: Id,
    filename: z.string(),
    contentType: z.enum(['image/jpeg', 'image/png', 'application/pdf']),
    size: z.number().int(),
    sha256: Sha256,
    createdAt: Timestamp,
  })
  .openapi('Attachment');

const EntryLineView = z.object({
  lineNo: z.number().int(),
  accountCode: z.string(),
  fundCode: z.string(),
  projectId: Id.nullable(),
  debit: Money.nullable(),
  credit: Money.nullable(),
  memo: z.string().nullable(),
});

/** A journal entry: what entries, receipts, payments, reversals, approvals and disbursements answer. */
export const EntryView = z
  .object({
    id: Id,
    entityId: Id,
    number: z.string().nullable().openapi({ description: 'The voucher number, null until posted.', example: '2026-000123' }),
    date: DateString,
    memo: z.string(),
    status: z.enum(ENTRY_STATUSES),
    kind: z.enum(ENTRY_KINDS),
    details: z.record(z.string(), z.unknown()).openapi({ description: "What the entry records beyond its lines, by kind (a receipt's kind, method and counterparty, …)." }),
    lines: z.array(EntryLineView),
    reversalOf: Id.nullable(),
    reversalReason: z.string().nullable(),
    reversedBy: Id.nullable(),
    createdBy: Id.nullable(),
    createdAt: Timestamp,
    approvedBy: Id.nullable(),
    approvedAt: Timestamp.nullable(),
    rejectedBy: Id.nullable(),
    rejectedAt: Timestamp.nullable(),
    rejectionReason: z.string().nullable(),
    chainIndex: z.number().int().nullable(),
    prevHash: Sha256.nullable(),
    hash: Sha256.nullable(),
    attachments: z.array(AttachmentView),
  })
  .openapi('Entry');

export const TrialBalanceView = z
  .object({
    asOf: DateString,
    rows: z.array(z.object({ accountCode: z.string(), name: z.string(), type: z.enum(ACCOUNT_TYPES), debit: Money, credit: Money, balance: Money })),
    totals: z.object({ debit: Money, credit: Money }),
  })
  .openapi('TrialBalance');

export const StatementView = z
  .object({
    account: AccountView,
    from: DateString,
    to: DateString,
    openingBalance: Money,
    lines: z.array(
      z.object({
        date: DateString,
        entryId: Id,
        number: z.string().nullable(),
        memo: z.string(),
        accountCode: z.string(),
        fundCode: z.string(),
        projectId: Id.nullable(),
        debit: Money.nullable(),
        credit: Money.nullable(),
        balance: Money,
      }),
    ),
    totals: z.object({ debit: Money, credit: Money }),
    closingBalance: Money,
  })
  .openapi('AccountStatement');

export const PeriodView = z.object({ period: MonthString, closedAt: Timestamp, closedBy: Id, closingEntryId: Id.nullable() });

export const ClosePeriodView = z
  .object({ entityId: Id, period: MonthString, closed: z.literal(true), monthsClosed: z.array(MonthString), closingEntry: EntryView.nullable(), closingEntries: z.array(EntryView).openapi({ description: 'Every year-end close (结转) this close posted, oldest first: the closed month\'s own when it is a December, and that of each earlier year it closed with it.' }) })
  .openapi('ClosedPeriod');

/** The hash chain recomputed; firstBad names where it breaks. */
export const ChainCheckView = z
  .object({
    ok: z.boolean(),
    entries: z.number().int(),
    head: Sha256,
    firstBad: z
      .object({
        id: Id.nullable(),
        number: z.string().nullable(),
        chainIndex: z.number().int().nullable(),
        date: DateString.nullable(),
        reason: z.string(),
        attachmentId: Id.optional(),
      })
      .nullable(),
  })
  .openapi('ChainCheck');

export const ReconciliationView = z
  .object({
    id: Id,
    date: DateString,
    cashCounted: Money,
    bankStatementBalance: Money,
    cashBook: Money,
    bankBook: Money,
    cashDifference: Money,
    bankDifference: Money,
    note: z.string().nullable(),
    createdBy: Id,
    createdAt: Timestamp,
  })
  .openapi('Reconciliation');

export const ApprovalFlagsView = ListPage(
  z.object({
    kind: z.literal('split_payment'),
    date: DateString,
    payee: z.string(),
    payments: z.number().int(),
    total: Money,
    largest: Money,
    entries: z.array(z.object({ id: Id, number: z.string().nullable(), amount: Money })),
  }),
).extend({ approvalThreshold: Money.nullable() });

export const PublicEntityList = ListPage(PublicEntityView);
export const AccountList = ListPage(AccountView);
export const FundList = ListPage(FundView);
export const ProjectList = ListPage(ProjectView);
export const EntryList = ListPage(EntryView);
export const PeriodList = ListPage(PeriodView);
export const ReconciliationList = ListPage(ReconciliationView);
