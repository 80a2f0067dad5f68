/**
 * What the disclosure routes answer: a publication's metadata, the public list and calendar,
 * the frozen report as JSON and its verification. Declared in the OpenAPI document and, under
 * test, checked against every answer. The report mirrors ReportModel (model.ts) in every
 * schemaVersion a snapshot may carry.
 */
import { z } from '../shared/zod';
import { DateString, Id, ListPage, Money, Sha256, Timestamp } from '../shared/schemas';
import { ChainCheckView, ENTRY_KINDS } from '../ledger/responses';

const ENTITY_KINDS = ['station', 'foundation'] as const;
const PERIOD_KINDS = ['month', 'quarter', 'year'] as const;

export const DisclosureView = z
  .object({
    id: Id,
    entityId: Id,
    period: z.string().openapi({ example: '2026-Q1' }),
    periodKind: z.enum(PERIOD_KINDS),
    from: DateString,
    to: DateString,
    version: z.number().int(),
    supersedesId: Id.nullable(),
    supersedeReason: z.string().nullable(),
    publishedAt: Timestamp,
    publishedBy: Id,
    dataSha256: Sha256,
    pdfSha256: Sha256,
    chainHead: Sha256,
    chainLength: z.number().int(),
    countersigned: z.boolean(),
    countersignature: z.object({ name: z.string().nullable(), at: Timestamp, note: z.string().nullable(), pdfSha256: Sha256.nullable() }).nullable(),
    latest: z.boolean().openapi({ description: 'Whether this is the latest version of its period.' }),
    pdfUrl: z.string(),
    countersignedPdfUrl: z.string().nullable(),
    verifyUrl: z.string(),
  })
  .openapi('Disclosure');

export const DisclosureList = ListPage(DisclosureView);

export const CalendarView = ListPage(
  z.object({
    kind: z.enum(['quarterly', 'annual', 'project_progress', 'project_final']),
    period: z.string().openapi({ description: 'YYYY-Qn or YYYY for entity reports; YYYY-MM-DD..YYYY-MM-DD for project windows.' }),
    from: DateString,
    to: DateString,
    dueDate: DateString,
    status: z.enum(['done', 'due', 'overdue']),
    disclosureId: Id.optional().openapi({ description: 'The one published report that covers every owed month of the item by itself; absent when several reports together cover it (see coveredBy).' }),
    coveredBy: z
      .array(z.object({ disclosureId: Id, period: z.string() }))
      .optional()
      .openapi({ description: 'When done: the published reports that together cover the owed months, earliest first (a quarter published month by month names its months). Empty when no month of the item is owed (before the books start).' }),
    publishedSoFar: z
      .array(z.object({ disclosureId: Id, period: z.string() }))
      .optional()
      .openapi({ description: 'When due or overdue but some of its owed months are already published (a quarter published month by month, not yet to its end): the reports covering those months, earliest first. Absent when none is.' }),
    missingMonths: z
      .array(z.string())
      .optional()
      .openapi({ description: 'With publishedSoFar: the owed months (YYYY-MM) that no published report covers yet.' }),
    project: z.object({ id: Id, name: z.string(), startsOn: DateString.nullable(), endsOn: DateString.nullable() }).optional(),
  }),
)
  .extend({ entityId: Id, today: DateString })
  .openapi('DisclosureCalendar');

const Split = { restricted: Money, unrestricted: Money, total: Money };
const ActivityRow = z.object({ accountCode: z.string().nullable(), label: z.string(), ...Split });
const SheetRow = z.object({ accountCode: z.string().nullable(), label: z.string(), yearStart: Money, periodEnd: Money });
const SheetPart = z.object({ rows: z.array(SheetRow), total: SheetRow });
const titled = <T extends z.ZodRawShape>(shape: T) => z.object({ title: z.string(), ...shape });

/** The frozen report (model.ts), the countersignature merged in, with the publication's metadata. */
export const PublicReportView = z
  .object({
    schemaVersion: z.number().int(),
    title: z.object({
      entity: z.object({ id: Id, code: z.string(), name: z.string(), kind: z.enum(ENTITY_KINDS), kindLabel: z.string() }),
      period: z.object({ label: z.string(), kind: z.enum(PERIOD_KINDS), kindLabel: z.string(), from: DateString, to: DateString }),
      reportTitle: z.string(),
      version: z.number().int(),
      supersedes: z.object({ id: Id, version: z.number().int(), reason: z.string() }).nullable(),
      supersedesNote: z.string().nullable(),
      publishedAt: Timestamp,
      publishedDate: DateString,
    }),
    summary: titled({
      openingBalance: Money,
      income: Money,
      expense: Money,
      otherMovements: z
        .object({ label: z.string(), total: Money, rows: z.array(z.object({ kind: z.enum(['net_assets', 'liability', 'asset']), label: z.string(), amount: Money })) })
        .optional()
        .openapi({ description: 'From schemaVersion 2.' }),
      closingBalance: Money,
      monetaryAccounts: z.array(z.object({ accountCode: z.string(), name: z.string(), opening: Money, closing: Money })),
      note: z.string(),
    }),
    income: titled({
      rows: z.array(z.object({ source: z.enum(['donation', 'parking', 'recycling', 'subsidy', 'other']), label: z.string(), ...Split })),
      total: z.object(Split),
    }),
    expenses: titled({
      byProject: z.array(z.object({ projectId: Id.nullable(), name: z.string(), amount: Money })),
      byCategory: z.array(z.object({ accountCode: z.string(), label: z.string(), amount: Money })),
      total: Money,
    }),
    restrictedRelease: z.object({ label: z.string(), amount: Money, byFund: z.array(z.object({ fundCode: z.string(), fundName: z.string(), amount: Money })) }),
    funds: titled({
      rows: z.array(
        z.object({
          fundCode: z.string(),
          name: z.string(),
          restricted: z.boolean(),
          restrictionLabel: z.string(),
          purpose: z.string().nullable(),
          opening: Money,
          inflow: Money,
          outflow: Money,
          otherChange: Money,
          closing: Money,
        }),
      ),
      total: z.object({ opening: Money, inflow: Money, outflow: Money, otherChange: Money, closing: Money }),
      note: z.string(),
    }),
    entries: titled({
      count: z.number().int(),
      rows: z.array(
        z.object({
          id: Id,
          date: DateString,
          number: z.string(),
          memo: z.string(),
          kind: z.enum(ENTRY_KINDS),
          kindLabel: z.string(),
          counterparty: z.string().nullable().openapi({ description: 'Masked for the public: 张*, 匿名, or a name given with consent.' }),
          income: Money.nullable(),
          expense: Money.nullable(),
        }),
      ),
      total: z.object({ income: Money, expense: Money }),
    }),
    reconciliations: titled({
      rows: z.array(
        z.object({
          date: DateString,
          cashCounted: Money,
          cashBook: Money,
          cashDifference: Money,
          bankStatementBalance: Money,
          bankBook: Money,
          bankDifference: Money,
          balanced: z.boolean(),
          note: z.string().nullable(),
          booksNow: z
            .object({ cash: Money, bank: Money })
            .optional()
            .openapi({ description: 'From schemaVersion 4, with laterEntries: the cash and bank books for the count\'s day as they stand now.' }),
          laterEntries: z.string().optional().openapi({ description: 'From schemaVersion 4, only when entries dated the count\'s day or before were posted after the count: what the books say for that day now.' }),
        }),
      ),
    }),
    corrections: titled({
      rows: z.array(z.object({ id: Id, date: DateString, number: z.string(), memo: z.string(), originalId: Id, originalNumber: z.string(), reason: z.string() })),
    }),
    review: titled({
      label: z.string(),
      countersigned: z.boolean(),
      statusText: z.string(),
      name: z.string().nullable(),
      at: Timestamp.nullable(),
      date: DateString.nullable(),
      note: z.string().nullable(),
    }),
    verification: titled({ dataSha256: Sha256.nullable(), chainHead: Sha256.nullable(), verifyUrl: z.string() }),
    balanceSheet: titled({
      columns: z.object({ yearStart: z.string(), periodEnd: z.string() }),
      dates: z.object({ yearStart: DateString, periodEnd: DateString }),
      assets: SheetPart,
      liabilities: SheetPart,
      netAssets: SheetPart,
      totalLiabilitiesAndNetAssets: SheetRow,
    })
      .nullable()
      .openapi({ description: 'Foundation annual reports only.' }),
    activityStatement: titled({
      columns: z.object({ unrestricted: z.string(), restricted: z.string(), total: z.string() }),
      income: z.object({ rows: z.array(ActivityRow), total: ActivityRow }),
      expenses: z.object({ rows: z.array(ActivityRow), total: ActivityRow }),
      release: ActivityRow,
      otherChanges: ActivityRow.nullable(),
      netAssetChange: ActivityRow,
    }).nullable(),
    grants: titled({
      rows: z.array(
        z.object({ id: Id, title: z.string(), recipient: z.string(), amountAwarded: Money, amountDisbursed: Money, status: z.string(), statusLabel: z.string() }),
      ),
      total: z.object({ amountAwarded: Money, amountDisbursed: Money }),
    }).nullable(),
    disclosure: DisclosureView,
  })
  .openapi('PublicReport');

export const DisclosureCheckView = z
  .object({
    ok: z.boolean(),
    disclosureId: Id,
    entityId: Id,
    period: z.string(),
    version: z.number().int(),
    dataMatches: z.boolean(),
    dataSha256: Sha256,
    recomputedDataSha256: Sha256.nullable(),
    differingSections: z.array(z.string()),
    dataProblem: z.string().nullable(),
    snapshotIntact: z.boolean(),
    pdfSha256Matches: z.boolean(),
    pdfSha256: Sha256,
    countersignedPdfSha256Matches: z.boolean().nullable(),
    chainOk: z.boolean(),
    chainEntries: z.number().int(),
    chainHead: Sha256,
    publishedChainHead: Sha256,
    publishedChainLength: z.number().int(),
    chainCoversSnapshot: z.boolean(),
    firstBad: ChainCheckView.shape.firstBad,
  })
  .openapi('DisclosureCheck');
