/**
 * The public disclosure report (财务公开) as data: `buildReport` turns the posted lines of one
 * period, already read from the ledger, into every figure a station's or foundation's report
 * shows. It is pure — no database, no clock, no I/O — so the snapshot frozen at publication
 * can be rebuilt and checked byte for byte. Money stays a decimal string outside and a Decimal
 * inside; it never becomes a JS number. The model is the JSON the public API serves and the
 * only input of the PDF renderer, so every figure the PDF prints is computed here, not there.
 */
import Decimal from 'decimal.js';
import { assert } from '../shared/assert';
import { D, formatMoney, MONEY_PATTERN, ZERO } from '../shared/money';
import { publicName, type Counterparty } from './mask';

export type AccountType = 'asset' | 'liability' | 'net_assets' | 'revenue' | 'expense';
export type EntryKind =
  | 'receipt'
  | 'payment'
  | 'journal'
  | 'reversal'
  | 'grant_disbursement'
  | 'grant_receipt'
  | 'grant_refund'
  | 'year_end_close';
export type ReceiptKind = 'donation' | 'parking' | 'recycling' | 'subsidy' | 'other';

/**
 * The format of the report's data. A published snapshot keeps the version it was built with
 * (`schemaVersion` in its JSON), and verification rebuilds that version, so a report published
 * before a format change still hashes to what it froze. Version 1: 收支概况 without other
 * movements of money. Version 2: 收支概况 adds `otherMovements`, so its figures always add up.
 * Version 3: a payee is recognised as an organisation, and shown in full, by a wider list of
 * words (public bodies, schools, company words in Latin letters; see mask.ts). Version 4: a
 * foundation's year lists a grant whose money moved in the year even when its decision was
 * recorded later (a grant entered after the fact); the data is gathered by input.ts; and a
 * count lists what the books show for its day now when entries followed it. Version 5: payees
 * that are teams, markets and small trades (路灯工程队, 农贸市场李记) are shown in full like
 * other organisations (mask.ts).
 */
export type ReportSchemaVersion = 1 | 2 | 3 | 4 | 5;
export const REPORT_SCHEMA_VERSIONS: readonly ReportSchemaVersion[] = [1, 2, 3, 4, 5];
export const CURRENT_REPORT_SCHEMA_VERSION: ReportSchemaVersion = 5;

/** Sums of posted lines before a cut-off date, per account and fund. */
export interface BalanceSumInput {
  accountCode: string;
  fundCode: string;
  debit: string;
  credit: string;
}

export interface EntryLineInput {
  accountCode: string;
  fundCode: string;
  projectId: string | null;
  debit: string | null;
  credit: string | null;
}

export interface EntryInput {
  id: string;
  number: string;
  date: string;
  memo: string;
  kind: EntryKind;
  receiptKind?: ReceiptKind;
  /** Payer of a receipt or payee of a payment. */
  counterparty?: Counterparty | null;
  reversal?: { ofId: string; ofNumber: string; reason: string } | null;
  lines: EntryLineInput[];
}

export interface ReportInput {
  /** The data format to build; the current one when absent (a new publication). */
  schemaVersion?: ReportSchemaVersion;
  entity: { id: string; code: string; name: string; kind: 'station' | 'foundation' };
  /** Dates YYYY-MM-DD, both inclusive. */
  period: { label: string; kind: 'month' | 'quarter' | 'year'; from: string; to: string };
  version: number;
  supersedes: { id: string; version: number; reason: string } | null;
  /** ISO timestamp. */
  publishedAt: string;
  accounts: { code: string; name: string; type: AccountType; parentCode: string | null }[];
  funds: { code: string; name: string; restricted: boolean; purpose: string | null }[];
  projects: { id: string; name: string }[];
  /** Sums of posted lines dated before period.from (opening balances). */
  opening: BalanceSumInput[];
  /** Sums of posted lines dated before the start of the fiscal year of period.from (年初数). */
  yearOpening: BalanceSumInput[];
  /** Every posted entry dated inside the period, in voucher-number order. */
  entries: EntryInput[];
  reconciliations: {
    date: string;
    cashCounted: string;
    bankStatementBalance: string;
    cashBook: string;
    bankBook: string;
    note: string | null;
    /** From format 4: the books for the count's day as they stand now (entries may follow a count). */
    booksNow?: { cash: string; bank: string };
  }[];
  countersignature: { name: string; at: string; note: string | null } | null;
  /** Foundation only. */
  grants?: {
    id: string;
    title: string;
    recipient: string;
    amountAwarded: string;
    amountDisbursed: string;
    /** Format 1's status: 已批准 until money moved, then 执行中. */
    status: string;
    /** The grant's workflow status at the period's end (format 2 shows 结项中 and 已结项 from it). */
    statusAtEnd?: string;
  }[];
  verification: { dataSha256: string | null; chainHead: string | null; verifyUrl: string };
}

/** A money amount on the wire: a decimal string with exactly two decimals, e.g. "1234.50". */
export type MoneyString = string;

export interface TitleBlock {
  entity: { id: string; code: string; name: string; kind: 'station' | 'foundation'; kindLabel: string };
  period: { label: string; kind: 'month' | 'quarter' | 'year'; kindLabel: string; from: string; to: string };
  reportTitle: string;
  version: number;
  supersedes: { id: string; version: number; reason: string } | null;
  /** "本版本替代第 N 版，原因：…" when this version supersedes another, else null. */
  supersedesNote: string | null;
  publishedAt: string;
  /** The publication day in Asia/Shanghai, YYYY-MM-DD. */
  publishedDate: string;
}

/** Whose balances moved the money, as the other movements group it: the counter-account's type. */
export type OtherMovementKind = 'net_assets' | 'liability' | 'asset';

/**
 * 其他资金变动: closing − opening − income + expense of monetary funds, explained by the
 * accounts on the other side. Every entry balances, so that difference is exactly
 * −Σ(debit − credit) over the period's lines on net-asset, liability and non-monetary asset
 * accounts (the year-end close left out, like for income and expense). Positive amounts raised
 * the money, negative ones lowered it.
 */
export interface OtherMovements {
  label: string;
  total: MoneyString;
  /** Only the kinds with a non-zero amount, in the order net assets, liabilities, assets. */
  rows: { kind: OtherMovementKind; label: string; amount: MoneyString }[];
}

export interface SummarySection {
  title: string;
  openingBalance: MoneyString;
  income: MoneyString;
  expense: MoneyString;
  /** From schemaVersion 2: closing = opening + income − expense + otherMovements.total. */
  otherMovements?: OtherMovements;
  closingBalance: MoneyString;
  /** The monetary accounts (1001, 1002, 1009 and their sub-accounts) behind the balances. */
  monetaryAccounts: { accountCode: string; name: string; opening: MoneyString; closing: MoneyString }[];
  note: string;
}

export type IncomeSource = 'donation' | 'parking' | 'recycling' | 'subsidy' | 'other';

export interface RestrictionSplit {
  restricted: MoneyString;
  unrestricted: MoneyString;
  total: MoneyString;
}

export interface IncomeSection {
  title: string;
  rows: ({ source: IncomeSource; label: string } & RestrictionSplit)[];
  total: RestrictionSplit;
}

export interface ExpenseSection {
  title: string;
  byProject: { projectId: string | null; name: string; amount: MoneyString }[];
  byCategory: { accountCode: string; label: string; amount: MoneyString }[];
  total: MoneyString;
}

export interface ReleaseLine {
  label: string;
  amount: MoneyString;
  byFund: { fundCode: string; fundName: string; amount: MoneyString }[];
}

export interface FundRow {
  fundCode: string;
  name: string;
  restricted: boolean;
  restrictionLabel: string;
  purpose: string | null;
  opening: MoneyString;
  inflow: MoneyString;
  outflow: MoneyString;
  /** Net-asset postings other than the year-end close (e.g. moving unspent money); usually 0.00. */
  otherChange: MoneyString;
  closing: MoneyString;
}

export interface FundSection {
  title: string;
  rows: FundRow[];
  total: Omit<FundRow, 'fundCode' | 'name' | 'restricted' | 'restrictionLabel' | 'purpose'>;
  note: string;
}

export interface EntryRow {
  id: string;
  date: string;
  number: string;
  memo: string;
  kind: EntryKind;
  kindLabel: string;
  /** Already masked for the public (see mask.ts). */
  counterparty: string | null;
  /** Net revenue of the entry; null when it touches no revenue account or is the year-end close. */
  income: MoneyString | null;
  /** Net expense of the entry; null when it touches no expense account or is the year-end close. */
  expense: MoneyString | null;
}

export interface EntrySection {
  title: string;
  count: number;
  rows: EntryRow[];
  total: { income: MoneyString; expense: MoneyString };
}

export interface ReconciliationRow {
  date: string;
  cashCounted: MoneyString;
  cashBook: MoneyString;
  cashDifference: MoneyString;
  bankStatementBalance: MoneyString;
  bankBook: MoneyString;
  bankDifference: MoneyString;
  balanced: boolean;
  note: string | null;
  /**
   * From format 4, only when entries dated the count's day or before were posted after it:
   * what the books say for that day now, as figures and as the sentence the PDF prints. The
   * counted figures and differences stay as recorded.
   */
  booksNow?: { cash: MoneyString; bank: MoneyString };
  laterEntries?: string;
}

export interface CorrectionRow {
  id: string;
  date: string;
  number: string;
  memo: string;
  originalId: string;
  originalNumber: string;
  reason: string;
}

export interface ReviewSection {
  title: string;
  label: string;
  countersigned: boolean;
  statusText: string;
  name: string | null;
  at: string | null;
  date: string | null;
  note: string | null;
}

export interface VerificationSection {
  title: string;
  dataSha256: string | null;
  chainHead: string | null;
  verifyUrl: string;
}

export interface BalanceSheetRow {
  accountCode: string | null;
  label: string;
  yearStart: MoneyString;
  periodEnd: MoneyString;
}

export interface BalanceSheet {
  title: string;
  columns: { yearStart: string; periodEnd: string };
  /** yearStart is the balance at the start of this day, periodEnd at the end of this day. */
  dates: { yearStart: string; periodEnd: string };
  assets: { rows: BalanceSheetRow[]; total: BalanceSheetRow };
  liabilities: { rows: BalanceSheetRow[]; total: BalanceSheetRow };
  netAssets: { rows: BalanceSheetRow[]; total: BalanceSheetRow };
  totalLiabilitiesAndNetAssets: BalanceSheetRow;
}

export interface ActivityRow extends RestrictionSplit {
  accountCode: string | null;
  label: string;
}

export interface ActivityStatement {
  title: string;
  columns: { unrestricted: string; restricted: string; total: string };
  income: { rows: ActivityRow[]; total: ActivityRow };
  expenses: { rows: ActivityRow[]; total: ActivityRow };
  release: ActivityRow;
  /** Net-asset postings other than the close; shown only when not all zero. */
  otherChanges: ActivityRow | null;
  netAssetChange: ActivityRow;
}

export interface GrantSection {
  title: string;
  rows: {
    id: string;
    title: string;
    recipient: string;
    amountAwarded: MoneyString;
    amountDisbursed: MoneyString;
    status: string;
    statusLabel: string;
  }[];
  total: { amountAwarded: MoneyString; amountDisbursed: MoneyString };
}

export interface ReportModel {
  schemaVersion: ReportSchemaVersion;
  title: TitleBlock;
  summary: SummarySection;
  income: IncomeSection;
  expenses: ExpenseSection;
  restrictedRelease: ReleaseLine;
  funds: FundSection;
  entries: EntrySection;
  reconciliations: { title: string; rows: ReconciliationRow[] };
  corrections: { title: string; rows: CorrectionRow[] };
  review: ReviewSection;
  verification: VerificationSection;
  /** Foundation annual reports only; null otherwise. */
  balanceSheet: BalanceSheet | null;
  activityStatement: ActivityStatement | null;
  grants: GrantSection | null;
}

/** Section titles exactly as the report prints them; tests and web pages look for these. */
export const SECTION_TITLES = {
  summary: '收支概况',
  income: '收入明细',
  expenses: '支出明细',
  funds: '基金余额',
  entries: '逐笔明细',
  reconciliations: '对账',
  corrections: '更正说明',
  review: '审核',
  verification: '验证信息',
  balanceSheet: '资产负债表',
  activityStatement: '业务活动表',
  grants: '资助项目',
} as const;

export const RELEASE_LABEL = '限定性净资产转为非限定性净资产';
export const UNASSIGNED_PROJECT_LABEL = '未归属项目';

/**
 * Income sources in print order, each anchored on an account of the 2004 chart. The chart is
 * data, so sub-accounts an entity adds (e.g. 410101) are found by walking parents up to these
 * anchors; a revenue account under none of them is 其他. 4901 is deliberately not an anchor:
 * its children 490101/490102 are sources of their own and 490199 belongs to 其他.
 */
const INCOME_SOURCES: { source: IncomeSource; label: string; accountCode: string | null }[] = [
  { source: 'donation', label: '捐赠', accountCode: '4101' },
  { source: 'parking', label: '停车场公共收益', accountCode: '490101' },
  { source: 'recycling', label: '废旧物品回收', accountCode: '490102' },
  { source: 'subsidy', label: '政府补助', accountCode: '4401' },
  { source: 'other', label: '其他', accountCode: null },
];

/** The income sources (收入来源) in print order, with the labels the report and the public page give them. */
export const INCOME_SOURCE_LABELS: readonly { source: IncomeSource; label: string }[] = INCOME_SOURCES.map(({ source, label }) => ({ source, label }));

/**
 * The income source of a revenue account, given its chain of codes from itself up to its root
 * (e.g. ['440199', '4401']): the first source anchored on one of them, else 其他. The report
 * and the public page both classify through this, so they cannot disagree.
 */
export function incomeSourceOfChain(chain: readonly string[]): IncomeSource {
  const found = INCOME_SOURCES.find((s) => s.accountCode !== null && chain.includes(s.accountCode));
  return found ? found.source : 'other';
}

/** Cash, bank and WeChat/Alipay balances: what residents understand as "the money". */
const MONETARY_ACCOUNT_CODES = ['1001', '1002', '1009'];

export const OTHER_MOVEMENTS_LABEL = '其他资金变动';

/**
 * The groups of 其他资金变动 in print order, named for residents by what typically lands in
 * them. By account type rather than by code, because the chart is data: an account an entity
 * adds falls into its type's group.
 */
const OTHER_MOVEMENT_KINDS: { kind: OtherMovementKind; label: string }[] = [
  { kind: 'net_assets', label: '净资产直接变动（如期初建账）' },
  { kind: 'liability', label: '借款、应付款项变动（如借入、欠款未付）' },
  { kind: 'asset', label: '应收、预付款项变动（如借出、预付、收回）' },
];

const SUMMARY_NOTE_WITH_OTHER_MOVEMENTS =
  '货币资金 = 现金 + 银行存款 + 其他货币资金（微信、支付宝余额）。期末货币资金 = 期初货币资金 + 本期收入 − 本期支出 + 其他资金变动。' +
    '其他资金变动是不算收入或支出、却使货币资金增减的款项（如期初建账、借款、应收应付款项的收付），以及已记收入或支出但尚未收付的款项，' +
    '按对方科目分类列示：正数使货币资金增加，负数使其减少。现金、银行存款之间的划转不改变合计，不列示。年终结转不计入本期收入和支出。';

const SUMMARY_NOTES: Record<ReportSchemaVersion, string> = {
  1: '货币资金 = 现金 + 银行存款 + 其他货币资金（微信、支付宝余额）；年终结转不计入本期收入和支出。',
  2: SUMMARY_NOTE_WITH_OTHER_MOVEMENTS,
  3: SUMMARY_NOTE_WITH_OTHER_MOVEMENTS,
  4: SUMMARY_NOTE_WITH_OTHER_MOVEMENTS,
  5: SUMMARY_NOTE_WITH_OTHER_MOVEMENTS,
};

const ENTRY_KIND_LABELS: Record<EntryKind, string> = {
  receipt: '收款',
  payment: '付款',
  journal: '记账',
  reversal: '冲销',
  grant_disbursement: '资助拨付',
  grant_receipt: '资助收款',
  grant_refund: '资助退回',
  year_end_close: '年终结转',
};

const GRANT_STATUS_LABELS: Record<string, string> = {
  approved: '已批准',
  active: '执行中',
  reporting: '结项中',
  closed: '已结项',
};

const PERIOD_KIND_LABELS = { month: '月度', quarter: '季度', year: '年度' } as const;
const ENTITY_KIND_LABELS = { station: '社区公益站', foundation: '社区基金会' } as const;
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

type Account = ReportInput['accounts'][number];
type Fund = ReportInput['funds'][number];

/** Debit-positive net amounts keyed by account and fund. */
class Ledger {
  private readonly byKey = new Map<string, Decimal>();

  add(accountCode: string, fundCode: string, debitMinusCredit: Decimal): void {
    const key = `${accountCode}\u0000${fundCode}`;
    this.byKey.set(key, (this.byKey.get(key) ?? ZERO).plus(debitMinusCredit));
  }

  /** A new ledger holding both ledgers' amounts: balances before a period plus its movements. */
  static merged(first: Ledger, second: Ledger): Ledger {
    const result = new Ledger();
    for (const source of [first, second]) {
      for (const [key, amount] of source.byKey) result.byKey.set(key, (result.byKey.get(key) ?? ZERO).plus(amount));
    }
    return result;
  }

  /** Sum of debit − credit over the keys the predicate accepts. */
  sum(accept: (accountCode: string, fundCode: string) => boolean): Decimal {
    let total = ZERO;
    for (const [key, amount] of this.byKey) {
      const [accountCode, fundCode] = key.split('\u0000');
      if (accept(accountCode, fundCode)) total = total.plus(amount);
    }
    return total;
  }
}

function money(value: string, where: string): Decimal {
  assert(MONEY_PATTERN.test(value), `${where}: "${value}" is not a non-negative money string`);
  return D(value);
}

/** Money that may be negative: reconciliation book balances and differences. */
function signedMoney(value: string, where: string): Decimal {
  const unsigned = value.startsWith('-') ? value.slice(1) : value;
  assert(MONEY_PATTERN.test(unsigned), `${where}: "${value}" is not a money string`);
  return D(value);
}

function fmt(value: Decimal): MoneyString {
  // A negative zero (e.g. 0 − 0.00 after a reversal) would print as "-0.00".
  return value.isZero() ? '0.00' : formatMoney(value);
}

/** The publication day as residents read it: Asia/Shanghai, which has had no DST since 1991. */
function shanghaiDate(isoTimestamp: string): string {
  const instant = Date.parse(isoTimestamp);
  assert(!Number.isNaN(instant), `publishedAt "${isoTimestamp}" is not an ISO timestamp`);
  return new Date(instant + 8 * 3600 * 1000).toISOString().slice(0, 10);
}

export function buildReport(input: ReportInput): ReportModel {
  const { period } = input;
  assert(DATE_PATTERN.test(period.from) && DATE_PATTERN.test(period.to), 'period dates are YYYY-MM-DD');
  assert(period.from <= period.to, 'period.from is not after period.to');
  assert(Number.isInteger(input.version) && input.version >= 1, 'version is a positive integer');
  const schemaVersion = input.schemaVersion ?? CURRENT_REPORT_SCHEMA_VERSION;
  assert(REPORT_SCHEMA_VERSIONS.includes(schemaVersion), `unknown report schema version ${String(schemaVersion)}`);

  const accounts = new Map<string, Account>(input.accounts.map((a) => [a.code, a]));
  const funds = new Map<string, Fund>(input.funds.map((f) => [f.code, f]));
  const projects = new Map(input.projects.map((p) => [p.id, p.name]));

  const ancestry = (code: string): string[] => {
    const chain: string[] = [];
    let current: string | null = code;
    while (current !== null) {
      const account = accounts.get(current);
      assert(account, `unknown account ${current}`);
      assert(!chain.includes(current), `account tree has a cycle at ${current}`);
      chain.push(current);
      current = account.parentCode;
    }
    return chain;
  };
  const ancestryCache = new Map<string, string[]>();
  const ancestorsOf = (code: string): string[] => {
    let chain = ancestryCache.get(code);
    if (!chain) {
      chain = ancestry(code);
      ancestryCache.set(code, chain);
    }
    return chain;
  };
  const typeOf = (code: string): AccountType => accounts.get(ancestorsOf(code)[0])!.type;
  const rootOf = (code: string): string => {
    const chain = ancestorsOf(code);
    return chain[chain.length - 1];
  };
  const isRestricted = (fundCode: string): boolean => {
    const fund = funds.get(fundCode);
    assert(fund, `unknown fund ${fundCode}`);
    return fund.restricted;
  };
  const isMonetary = (code: string): boolean => ancestorsOf(code).some((c) => MONETARY_ACCOUNT_CODES.includes(c));
  const incomeSourceOf = (code: string): IncomeSource => incomeSourceOfChain(ancestorsOf(code));
  /**
   * Net assets held in a fund. Every entry balances per fund, so for one fund
   * Σ(debit − credit) over all accounts is 0, hence assets − liabilities =
   * Σ(credit − debit) over net-asset, revenue and expense lines. Liabilities are deliberately
   * not part of it: money owed to someone is not the fund's. Before the year-end close the
   * year's surplus still sits in revenue and expense accounts, which this counts; the close
   * only moves it into 3101/3102 inside the same fund and leaves the balance unchanged.
   */
  const isFundEquity = (code: string): boolean => {
    const type = typeOf(code);
    return type === 'net_assets' || type === 'revenue' || type === 'expense';
  };

  const loadSums = (rows: BalanceSumInput[], where: string): Ledger => {
    const ledger = new Ledger();
    for (const row of rows) {
      ancestorsOf(row.accountCode);
      isRestricted(row.fundCode);
      ledger.add(
        row.accountCode,
        row.fundCode,
        money(row.debit, `${where} ${row.accountCode}/${row.fundCode} debit`).minus(
          money(row.credit, `${where} ${row.accountCode}/${row.fundCode} credit`),
        ),
      );
    }
    return ledger;
  };
  const opening = loadSums(input.opening, 'opening');
  const yearOpening = loadSums(input.yearOpening, 'yearOpening');

  // Period movements: `all` includes the year-end close (for balances), `flow` excludes it
  // (for income and expense, which the close would otherwise cancel out).
  const periodAll = new Ledger();
  const periodFlow = new Ledger();
  const incomeBySource = new Map<IncomeSource, { restricted: Decimal; unrestricted: Decimal }>(
    INCOME_SOURCES.map((s) => [s.source, { restricted: ZERO, unrestricted: ZERO }]),
  );
  const expenseByProject = new Map<string | null, Decimal>();
  const expenseByCategory = new Map<string, Decimal>();
  const releaseByFund = new Map<string, Decimal>();
  const entryRows: EntryRow[] = [];
  const corrections: CorrectionRow[] = [];
  let entryIncomeTotal = ZERO;
  let entryExpenseTotal = ZERO;

  for (const entry of input.entries) {
    assert(
      DATE_PATTERN.test(entry.date) && entry.date >= period.from && entry.date <= period.to,
      `entry ${entry.number} dated ${entry.date} is outside ${period.from}..${period.to}`,
    );
    assert(entry.lines.length >= 2, `entry ${entry.number} has fewer than two lines`);
    const isClose = entry.kind === 'year_end_close';
    const perFund = new Map<string, Decimal>();
    let income: Decimal | null = null;
    let expense: Decimal | null = null;

    for (const line of entry.lines) {
      const where = `entry ${entry.number} line ${line.accountCode}`;
      assert((line.debit === null) !== (line.credit === null), `${where} has both or neither side`);
      const net = line.debit !== null ? money(line.debit, where) : money(line.credit as string, where).negated();
      const type = typeOf(line.accountCode);
      const restricted = isRestricted(line.fundCode);
      perFund.set(line.fundCode, (perFund.get(line.fundCode) ?? ZERO).plus(net));
      periodAll.add(line.accountCode, line.fundCode, net);
      if (isClose) continue;
      periodFlow.add(line.accountCode, line.fundCode, net);

      if (type === 'revenue') {
        const credited = net.negated();
        income = (income ?? ZERO).plus(credited);
        const bucket = incomeBySource.get(incomeSourceOf(line.accountCode))!;
        if (restricted) bucket.restricted = bucket.restricted.plus(credited);
        else bucket.unrestricted = bucket.unrestricted.plus(credited);
      } else if (type === 'expense') {
        expense = (expense ?? ZERO).plus(net);
        const projectKey = line.projectId;
        if (projectKey !== null) assert(projects.has(projectKey), `${where} names unknown project ${projectKey}`);
        expenseByProject.set(projectKey, (expenseByProject.get(projectKey) ?? ZERO).plus(net));
        const category = rootOf(line.accountCode);
        expenseByCategory.set(category, (expenseByCategory.get(category) ?? ZERO).plus(net));
        if (restricted) releaseByFund.set(line.fundCode, (releaseByFund.get(line.fundCode) ?? ZERO).plus(net));
      }
    }
    for (const [fundCode, net] of perFund) {
      assert(net.isZero(), `entry ${entry.number} does not balance in fund ${fundCode}`);
    }

    if (income !== null) entryIncomeTotal = entryIncomeTotal.plus(income);
    if (expense !== null) entryExpenseTotal = entryExpenseTotal.plus(expense);
    entryRows.push({
      id: entry.id,
      date: entry.date,
      number: entry.number,
      memo: entry.memo,
      kind: entry.kind,
      kindLabel: ENTRY_KIND_LABELS[entry.kind],
      counterparty: publicName(entry.counterparty, schemaVersion === 1 ? 'always' : 'unasked', schemaVersion >= 5 ? 'widest' : schemaVersion >= 3 ? 'wider' : 'first'),
      income: income === null ? null : fmt(income),
      expense: expense === null ? null : fmt(expense),
    });

    if (entry.kind === 'reversal') {
      assert(entry.reversal, `reversal entry ${entry.number} does not name the entry it reverses`);
      corrections.push({
        id: entry.id,
        date: entry.date,
        number: entry.number,
        memo: entry.memo,
        originalId: entry.reversal.ofId,
        originalNumber: entry.reversal.ofNumber,
        reason: entry.reversal.reason,
      });
    }
  }

  // 收支概况
  const revenueFlow = periodFlow.sum((code) => typeOf(code) === 'revenue').negated();
  const expenseFlow = periodFlow.sum((code) => typeOf(code) === 'expense');
  // Format 1 listed every monetary leaf, so adding a sub-account later (1009 → 100901 微信)
  // changed a frozen report's rows; from format 2 the rows are 1001, 1002 and 1009, each with
  // all its sub-accounts, whatever sub-accounts are added after publishing.
  const monetaryCodes =
    schemaVersion === 1
      ? input.accounts
          .filter((a) => isMonetary(a.code) && !input.accounts.some((child) => child.parentCode === a.code))
          .map((a) => a.code)
          .sort()
      : MONETARY_ACCOUNT_CODES.filter((code) => accounts.has(code));
  const inRow = (code: string) => (schemaVersion === 1 ? (c: string) => c === code : (c: string) => ancestorsOf(c).includes(code));
  const monetaryAccounts = monetaryCodes.map((code) => {
    const before = opening.sum(inRow(code));
    const after = before.plus(periodAll.sum(inRow(code)));
    return { accountCode: code, name: accounts.get(code)!.name, opening: before, closing: after };
  });
  const monetaryOpening = monetaryAccounts.reduce((t, a) => t.plus(a.opening), ZERO);
  const monetaryClosing = monetaryAccounts.reduce((t, a) => t.plus(a.closing), ZERO);
  // Money moved by anything but income and expense: the other side of the balanced lines.
  const otherMovementRows = OTHER_MOVEMENT_KINDS.map((k) => ({
    ...k,
    amount: periodFlow.sum((code) => typeOf(code) === k.kind && !isMonetary(code)).negated(),
  })).filter((row) => !row.amount.isZero());
  const otherMovementTotal = otherMovementRows.reduce((t, r) => t.plus(r.amount), ZERO);
  assert(
    monetaryClosing.equals(monetaryOpening.plus(revenueFlow).minus(expenseFlow).plus(otherMovementTotal)),
    '收支概况: closing money = opening + income − expense + other movements (the year-end close must not touch money or debts)',
  );

  // 收入明细
  const incomeRows = INCOME_SOURCES.map((s) => {
    const bucket = incomeBySource.get(s.source)!;
    return {
      source: s.source,
      label: s.label,
      restricted: bucket.restricted,
      unrestricted: bucket.unrestricted,
      total: bucket.restricted.plus(bucket.unrestricted),
    };
  });
  const incomeRestricted = incomeRows.reduce((t, r) => t.plus(r.restricted), ZERO);
  const incomeUnrestricted = incomeRows.reduce((t, r) => t.plus(r.unrestricted), ZERO);
  assert(incomeRestricted.plus(incomeUnrestricted).equals(revenueFlow), 'income by source adds up to period income');
  assert(entryIncomeTotal.equals(revenueFlow), 'entry rows add up to period income');

  // 支出明细: projects in the order the entity lists them, unassigned spending last.
  const byProject = [...input.projects.map((p) => p.id as string | null), null]
    .filter((id) => expenseByProject.has(id) && !expenseByProject.get(id)!.isZero())
    .map((id) => ({
      projectId: id,
      name: id === null ? UNASSIGNED_PROJECT_LABEL : projects.get(id)!,
      amount: expenseByProject.get(id)!,
    }));
  const expenseRoots = input.accounts
    .filter((a) => a.parentCode === null && a.type === 'expense')
    .map((a) => a.code)
    .sort();
  const byCategory = expenseRoots.map((code) => ({
    accountCode: code,
    label: accounts.get(code)!.name,
    amount: expenseByCategory.get(code) ?? ZERO,
  }));
  const projectTotal = [...expenseByProject.values()].reduce((t, v) => t.plus(v), ZERO);
  const categoryTotal = byCategory.reduce((t, c) => t.plus(c.amount), ZERO);
  assert(projectTotal.equals(expenseFlow), 'expense by project adds up to period expense');
  assert(categoryTotal.equals(expenseFlow), 'expense by category adds up to period expense');
  assert(entryExpenseTotal.equals(expenseFlow), 'entry rows add up to period expense');

  // Release of restrictions: exactly the expense charged to restricted funds (art. 57).
  const releaseFunds = input.funds.filter((f) => f.restricted && releaseByFund.has(f.code));
  const releaseTotal = releaseFunds.reduce((t, f) => t.plus(releaseByFund.get(f.code)!), ZERO);

  // 基金余额
  const fundRows = input.funds
    .map((fund) => {
      const inFund = (code: string, fundCode: string): boolean => fundCode === fund.code && isFundEquity(code);
      const before = opening.sum(inFund).negated();
      const inflow = periodFlow.sum((code, f) => f === fund.code && typeOf(code) === 'revenue').negated();
      const outflow = periodFlow.sum((code, f) => f === fund.code && typeOf(code) === 'expense');
      const other = periodFlow.sum((code, f) => f === fund.code && typeOf(code) === 'net_assets').negated();
      const closing = before.plus(periodAll.sum(inFund).negated());
      assert(
        closing.equals(before.plus(inflow).minus(outflow).plus(other)),
        `fund ${fund.code}: closing = opening + in − out + other (the year-end close must stay inside the fund)`,
      );
      return { fund, before, inflow, outflow, other, closing };
    })
    // A fund with nothing in it and nothing happening is noise on a notice board; GENERAL always shows.
    .filter(
      (r) =>
        r.fund.code === 'GENERAL' ||
        !(r.before.isZero() && r.inflow.isZero() && r.outflow.isZero() && r.other.isZero() && r.closing.isZero()),
    )
    .sort((a, b) => (a.fund.code === 'GENERAL' ? -1 : b.fund.code === 'GENERAL' ? 1 : a.fund.code.localeCompare(b.fund.code)));
  const fundTotal = (pick: (r: (typeof fundRows)[number]) => Decimal): Decimal =>
    fundRows.reduce((t, r) => t.plus(pick(r)), ZERO);
  assert(fundTotal((r) => r.inflow).equals(revenueFlow), 'fund inflows add up to period income');
  assert(fundTotal((r) => r.outflow).equals(expenseFlow), 'fund outflows add up to period expense');

  const title = buildTitle(input);
  const model: ReportModel = {
    schemaVersion,
    title,
    summary: {
      title: SECTION_TITLES.summary,
      openingBalance: fmt(monetaryOpening),
      income: fmt(revenueFlow),
      expense: fmt(expenseFlow),
      ...(schemaVersion >= 2 && {
        otherMovements: {
          label: OTHER_MOVEMENTS_LABEL,
          total: fmt(otherMovementTotal),
          rows: otherMovementRows.map((r) => ({ kind: r.kind, label: r.label, amount: fmt(r.amount) })),
        },
      }),
      closingBalance: fmt(monetaryClosing),
      monetaryAccounts: monetaryAccounts.map((a) => ({
        accountCode: a.accountCode,
        name: a.name,
        opening: fmt(a.opening),
        closing: fmt(a.closing),
      })),
      note: SUMMARY_NOTES[schemaVersion],
    },
    income: {
      title: SECTION_TITLES.income,
      rows: incomeRows.map((r) => ({
        source: r.source,
        label: r.label,
        restricted: fmt(r.restricted),
        unrestricted: fmt(r.unrestricted),
        total: fmt(r.total),
      })),
      total: { restricted: fmt(incomeRestricted), unrestricted: fmt(incomeUnrestricted), total: fmt(revenueFlow) },
    },
    expenses: {
      title: SECTION_TITLES.expenses,
      byProject: byProject.map((p) => ({ projectId: p.projectId, name: p.name, amount: fmt(p.amount) })),
      byCategory: byCategory.map((c) => ({ accountCode: c.accountCode, label: c.label, amount: fmt(c.amount) })),
      total: fmt(expenseFlow),
    },
    restrictedRelease: {
      label: RELEASE_LABEL,
      amount: fmt(releaseTotal),
      byFund: releaseFunds.map((f) => ({ fundCode: f.code, fundName: f.name, amount: fmt(releaseByFund.get(f.code)!) })),
    },
    funds: {
      title: SECTION_TITLES.funds,
      rows: fundRows.map((r) => ({
        fundCode: r.fund.code,
        name: r.fund.name,
        restricted: r.fund.restricted,
        restrictionLabel: r.fund.restricted ? '限定性' : '非限定性',
        purpose: r.fund.purpose,
        opening: fmt(r.before),
        inflow: fmt(r.inflow),
        outflow: fmt(r.outflow),
        otherChange: fmt(r.other),
        closing: fmt(r.closing),
      })),
      total: {
        opening: fmt(fundTotal((r) => r.before)),
        inflow: fmt(fundTotal((r) => r.inflow)),
        outflow: fmt(fundTotal((r) => r.outflow)),
        otherChange: fmt(fundTotal((r) => r.other)),
        closing: fmt(fundTotal((r) => r.closing)),
      },
      note: '基金余额为该基金的净资产（收入 − 支出 + 净资产科目）；限定性基金的余额即尚未使用的限定性资金。',
    },
    entries: {
      title: SECTION_TITLES.entries,
      count: entryRows.length,
      rows: entryRows,
      total: { income: fmt(entryIncomeTotal), expense: fmt(entryExpenseTotal) },
    },
    reconciliations: {
      title: SECTION_TITLES.reconciliations,
      rows: input.reconciliations.map((r) => {
        const where = `reconciliation ${r.date}`;
        const cashDifference = signedMoney(r.cashCounted, where).minus(signedMoney(r.cashBook, where));
        const bankDifference = signedMoney(r.bankStatementBalance, where).minus(signedMoney(r.bankBook, where));
        return {
          date: r.date,
          cashCounted: fmt(D(r.cashCounted)),
          cashBook: fmt(D(r.cashBook)),
          cashDifference: fmt(cashDifference),
          bankStatementBalance: fmt(D(r.bankStatementBalance)),
          bankBook: fmt(D(r.bankBook)),
          bankDifference: fmt(bankDifference),
          balanced: cashDifference.isZero() && bankDifference.isZero(),
          note: r.note,
          ...laterEntriesNote(r),
        };
      }),
    },
    corrections: { title: SECTION_TITLES.corrections, rows: corrections },
    review: reviewSection(input.countersignature),
    verification: {
      title: SECTION_TITLES.verification,
      dataSha256: input.verification.dataSha256,
      chainHead: input.verification.chainHead,
      verifyUrl: input.verification.verifyUrl,
    },
    balanceSheet: null,
    activityStatement: null,
    grants: null,
  };

  if (input.entity.kind === 'foundation' && period.kind === 'year') {
    const yearStartDate = `${period.from.slice(0, 4)}-01-01`;
    model.balanceSheet = buildBalanceSheet({
      accounts: input.accounts,
      yearStart: yearOpening,
      periodEnd: Ledger.merged(opening, periodAll),
      dates: { yearStart: yearStartDate, periodEnd: period.to },
      rootOf,
      isRestricted,
      isFundEquity,
    });
    model.activityStatement = buildActivityStatement({
      accounts: input.accounts,
      flow: periodFlow,
      typeOf,
      rootOf,
      isRestricted,
      release: releaseTotal,
    });
    assertActivityTiesToBalanceSheet(model.activityStatement, model.balanceSheet);
    model.grants = buildGrants(input.grants ?? [], schemaVersion);
  }
  return model;
}

/** The sentence a count gets when its day's books changed after it (format 4 inputs carry booksNow). */
function laterEntriesNote(r: ReportInput['reconciliations'][number]): { booksNow?: { cash: MoneyString; bank: MoneyString }; laterEntries?: string } {
  if (!r.booksNow) return {};
  const where = `reconciliation ${r.date}`;
  const cash = signedMoney(r.booksNow.cash, where);
  const bank = signedMoney(r.booksNow.bank, where);
  if (cash.eq(D(r.cashBook)) && bank.eq(D(r.bankBook))) return {};
  return { booksNow: { cash: fmt(cash), bank: fmt(bank) }, laterEntries: `盘点之后又记了日期在当天或以前的账：按现在的账，当天现金账面 ${fmt(cash)} 元、银行账面 ${fmt(bank)} 元。上表是盘点时的账面和差额。` };
}

/**
 * The snapshot lists entries in voucher order, and a backdated entry gets a later voucher
 * number than the days around it; residents read a month by date, so the web page and the PDF
 * show them by date and, within a day, by voucher number. Only the order changes, never the
 * frozen rows.
 */
export function inDateOrder(rows: ReportModel['entries']['rows']): ReportModel['entries']['rows'] {
  return [...rows].sort((a, b) => (a.date === b.date ? a.number.localeCompare(b.number) : a.date < b.date ? -1 : 1));
}

function reviewSection(countersignature: ReportInput['countersignature']): ReviewSection {
  return {
    title: SECTION_TITLES.review,
    label: '监委会审核',
    countersigned: countersignature !== null,
    statusText: countersignature === null ? '尚未审核' : '已审核',
    name: countersignature?.name ?? null,
    at: countersignature?.at ?? null,
    date: countersignature ? shanghaiDate(countersignature.at) : null,
    note: countersignature?.note ?? null,
  };
}

/**
 * The frozen model with the supervisor's countersignature (监委会审核) filled in. Only the
 * review section changes; every figure and the verification block stay as published, so the
 * countersigned rendering shows the same data whose hash the original carries.
 */
export function withCountersignature(model: ReportModel, countersignature: NonNullable<ReportInput['countersignature']>): ReportModel {
  assert(!model.review.countersigned, 'a report is countersigned once');
  return { ...model, review: reviewSection(countersignature) };
}

function buildTitle(input: ReportInput): TitleBlock {
  const { entity, period, supersedes } = input;
  if (supersedes) assert(supersedes.version < input.version, 'a version supersedes an earlier one');
  return {
    entity: { ...entity, kindLabel: ENTITY_KIND_LABELS[entity.kind] },
    period: { ...period, kindLabel: PERIOD_KIND_LABELS[period.kind] },
    reportTitle: `${period.label}财务公开报告`,
    version: input.version,
    supersedes,
    supersedesNote: supersedes ? `本版本替代第 ${supersedes.version} 版，原因：${supersedes.reason}` : null,
    publishedAt: input.publishedAt,
    publishedDate: shanghaiDate(input.publishedAt),
  };
}

interface StatementHelpers {
  accounts: ReportInput['accounts'];
  rootOf: (code: string) => string;
  isRestricted: (fundCode: string) => boolean;
}

/**
 * 资产负债表 by top-level account. Net assets are split by the restrictedness of the fund
 * they sit in, not by the 3101/3102 account they were posted to: before the year-end close
 * most of the year's net assets are still in revenue and expense accounts, and a fund's
 * restriction is what the law cares about.
 */
function buildBalanceSheet(
  args: StatementHelpers & {
    yearStart: Ledger;
    periodEnd: Ledger;
    dates: { yearStart: string; periodEnd: string };
    isFundEquity: (code: string) => boolean;
  },
): BalanceSheet {
  const { accounts, rootOf, isRestricted, isFundEquity, yearStart, periodEnd } = args;
  const rowsOf = (type: AccountType, sign: 1 | -1): BalanceSheetRow[] =>
    accounts
      .filter((a) => a.parentCode === null && a.type === type)
      .sort((a, b) => a.code.localeCompare(b.code))
      .map((root) => {
        const under = (code: string): boolean => rootOf(code) === root.code;
        const start = yearStart.sum(under);
        const end = periodEnd.sum(under);
        return {
          accountCode: root.code,
          label: root.name,
          yearStart: fmt(sign === 1 ? start : start.negated()),
          periodEnd: fmt(sign === 1 ? end : end.negated()),
        };
      });
  const totalOf = (label: string, rows: BalanceSheetRow[]): BalanceSheetRow => ({
    accountCode: null,
    label,
    yearStart: fmt(rows.reduce((t, r) => t.plus(r.yearStart), ZERO)),
    periodEnd: fmt(rows.reduce((t, r) => t.plus(r.periodEnd), ZERO)),
  });
  const netAssetsRow = (label: string, restricted: boolean): BalanceSheetRow => {
    const accept = (code: string, fund: string): boolean => isFundEquity(code) && isRestricted(fund) === restricted;
    return {
      accountCode: null,
      label,
      yearStart: fmt(yearStart.sum(accept).negated()),
      periodEnd: fmt(periodEnd.sum(accept).negated()),
    };
  };

  const assets = rowsOf('asset', 1);
  const liabilities = rowsOf('liability', -1);
  const netAssets = [netAssetsRow('非限定性净资产', false), netAssetsRow('限定性净资产', true)];
  const assetsTotal = totalOf('资产总计', assets);
  const liabilitiesTotal = totalOf('负债合计', liabilities);
  const netAssetsTotal = totalOf('净资产合计', netAssets);
  const grand = totalOf('负债和净资产总计', [liabilitiesTotal, netAssetsTotal]);
  for (const column of ['yearStart', 'periodEnd'] as const) {
    assert(
      D(assetsTotal[column]).equals(D(grand[column])),
      `资产负债表 ${column}: 资产总计 ${assetsTotal[column]} ≠ 负债和净资产总计 ${grand[column]}`,
    );
  }
  return {
    title: SECTION_TITLES.balanceSheet,
    columns: { yearStart: '年初数', periodEnd: '期末数' },
    dates: args.dates,
    assets: { rows: assets, total: assetsTotal },
    liabilities: { rows: liabilities, total: liabilitiesTotal },
    netAssets: { rows: netAssets, total: netAssetsTotal },
    totalLiabilitiesAndNetAssets: grand,
  };
}

/**
 * 业务活动表 in the layout of the 2004 system: income split by the fund's restriction; all
 * expenses in the 非限定性 column, because spending restricted money first releases it into
 * unrestricted net assets (the release line: + 非限定性, − 限定性, 0 合计).
 */
function buildActivityStatement(
  args: StatementHelpers & { flow: Ledger; release: Decimal; typeOf: (code: string) => AccountType },
): ActivityStatement {
  const { accounts, flow, typeOf, rootOf, isRestricted, release } = args;
  const split = (accept: (code: string) => boolean, sign: 1 | -1) => {
    const restricted = flow.sum((code, fund) => accept(code) && isRestricted(fund));
    const unrestricted = flow.sum((code, fund) => accept(code) && !isRestricted(fund));
    return sign === 1 ? { restricted, unrestricted } : { restricted: restricted.negated(), unrestricted: unrestricted.negated() };
  };
  const row = (accountCode: string | null, label: string, unrestricted: Decimal, restricted: Decimal): ActivityRow => ({
    accountCode,
    label,
    unrestricted: fmt(unrestricted),
    restricted: fmt(restricted),
    total: fmt(unrestricted.plus(restricted)),
  });
  const roots = (type: AccountType) =>
    accounts.filter((a) => a.parentCode === null && a.type === type).sort((a, b) => a.code.localeCompare(b.code));

  const incomeParts = roots('revenue').map((root) => ({ root, ...split((code) => rootOf(code) === root.code, -1) }));
  const incomeU = incomeParts.reduce((t, p) => t.plus(p.unrestricted), ZERO);
  const incomeR = incomeParts.reduce((t, p) => t.plus(p.restricted), ZERO);
  const expenseParts = roots('expense').map((root) => {
    const { restricted, unrestricted } = split((code) => rootOf(code) === root.code, 1);
    return { root, amount: restricted.plus(unrestricted) };
  });
  const expenseTotal = expenseParts.reduce((t, p) => t.plus(p.amount), ZERO);
  const other = split((code) => typeOf(code) === 'net_assets', -1);
  const hasOther = !other.restricted.isZero() || !other.unrestricted.isZero();
  const changeU = incomeU.plus(release).minus(expenseTotal).plus(other.unrestricted);
  const changeR = incomeR.minus(release).plus(other.restricted);

  return {
    title: SECTION_TITLES.activityStatement,
    columns: { unrestricted: '非限定性', restricted: '限定性', total: '合计' },
    income: {
      rows: incomeParts.map((p) => row(p.root.code, p.root.name, p.unrestricted, p.restricted)),
      total: row(null, '收入合计', incomeU, incomeR),
    },
    expenses: {
      rows: expenseParts.map((p) => row(p.root.code, p.root.name, p.amount, ZERO)),
      total: row(null, '费用合计', expenseTotal, ZERO),
    },
    release: row(null, RELEASE_LABEL, release, release.negated()),
    otherChanges: hasOther ? row(null, '其他净资产变动', other.unrestricted, other.restricted) : null,
    netAssetChange: row(null, '净资产变动额', changeU, changeR),
  };
}

/** For a year, the activity statement explains the balance sheet's change in net assets. */
function assertActivityTiesToBalanceSheet(activity: ActivityStatement, sheet: BalanceSheet): void {
  const [unrestricted, restricted] = sheet.netAssets.rows;
  const change = (r: BalanceSheetRow): Decimal => D(r.periodEnd).minus(D(r.yearStart));
  assert(
    change(unrestricted).equals(D(activity.netAssetChange.unrestricted)),
    '业务活动表 非限定性净资产变动额 matches the 资产负债表 (yearOpening must be the period opening for a year)',
  );
  assert(
    change(restricted).equals(D(activity.netAssetChange.restricted)),
    '业务活动表 限定性净资产变动额 matches the 资产负债表',
  );
}

function buildGrants(grants: NonNullable<ReportInput['grants']>, schemaVersion: ReportSchemaVersion): GrantSection {
  const rows = grants.map((g) => {
    const awarded = money(g.amountAwarded, `grant ${g.id} amountAwarded`);
    const disbursed = money(g.amountDisbursed, `grant ${g.id} amountDisbursed`);
    assert(disbursed.lte(awarded), `grant ${g.id}: disbursed ≤ awarded`);
    // Format 1 called a closed grant 执行中; from format 2 a grant that had reached its reports
    // or its close by the period's end says so (before that, money decides: 已批准 or 执行中).
    const status = schemaVersion >= 2 && (g.statusAtEnd === 'reporting' || g.statusAtEnd === 'closed') ? g.statusAtEnd : g.status;
    return {
      id: g.id,
      title: g.title,
      recipient: g.recipient,
      amountAwarded: fmt(awarded),
      amountDisbursed: fmt(disbursed),
      status,
      statusLabel: GRANT_STATUS_LABELS[status] ?? status,
    };
  });
  return {
    title: SECTION_TITLES.grants,
    rows,
    total: {
      amountAwarded: fmt(rows.reduce((t, r) => t.plus(r.amountAwarded), ZERO)),
      amountDisbursed: fmt(rows.reduce((t, r) => t.plus(r.amountDisbursed), ZERO)),
    },
  };
}
