/**
 * The report model against figures worked out by hand (in the comments next to each number),
 * never recomputed with the code under test: a station's quarter and a foundation's year.
 */
import crypto from 'node:crypto';
import { buildReport, type EntryInput, type ReportInput, type ReportSchemaVersion } from '../../src/disclosure/model';
import { canonicalJson } from '../../src/ledger/hash';

const ACCOUNTS: ReportInput['accounts'] = [
  { code: '1001', name: '现金', type: 'asset', parentCode: null },
  { code: '1002', name: '银行存款', type: 'asset', parentCode: null },
  { code: '1009', name: '其他货币资金', type: 'asset', parentCode: null },
  { code: '1122', name: '其他应收款', type: 'asset', parentCode: null },
  { code: '1141', name: '预付账款', type: 'asset', parentCode: null },
  { code: '2202', name: '应付账款', type: 'liability', parentCode: null },
  { code: '2209', name: '其他应付款', type: 'liability', parentCode: null },
  { code: '3101', name: '非限定性净资产', type: 'net_assets', parentCode: null },
  { code: '3102', name: '限定性净资产', type: 'net_assets', parentCode: null },
  { code: '4101', name: '捐赠收入', type: 'revenue', parentCode: null },
  { code: '4401', name: '政府补助收入', type: 'revenue', parentCode: null },
  { code: '4601', name: '投资收益', type: 'revenue', parentCode: null },
  { code: '4901', name: '其他收入', type: 'revenue', parentCode: null },
  { code: '490101', name: '其他收入-停车场公共收益', type: 'revenue', parentCode: '4901' },
  { code: '490102', name: '其他收入-废旧物品回收', type: 'revenue', parentCode: '4901' },
  { code: '490199', name: '其他收入-其他', type: 'revenue', parentCode: '4901' },
  { code: '5101', name: '业务活动成本', type: 'expense', parentCode: null },
  { code: '5201', name: '管理费用', type: 'expense', parentCode: null },
  { code: '5301', name: '筹资费用', type: 'expense', parentCode: null },
  { code: '5401', name: '其他费用', type: 'expense', parentCode: null },
];

type Line = EntryInput['lines'][number];
const dr = (accountCode: string, amount: string, fundCode = 'GENERAL', projectId: string | null = null): Line => ({
  accountCode,
  fundCode,
  projectId,
  debit: amount,
  credit: null,
});
const cr = (accountCode: string, amount: string, fundCode = 'GENERAL', projectId: string | null = null): Line => ({
  accountCode,
  fundCode,
  projectId,
  debit: null,
  credit: amount,
});
let serial = 0;
const entry = (fields: Omit<EntryInput, 'id' | 'number'> & { n: number }): EntryInput => {
  serial += 1;
  const { n, ...rest } = fields;
  return { id: `id-${n}-${serial}`, number: `2026-${String(n).padStart(6, '0')}`, ...rest };
};

export function stationQuarter(): ReportInput {
  const person = (name: string, flags: { anonymous?: boolean; nameConsent?: boolean } = {}) => ({
    name,
    anonymous: flags.anonymous ?? false,
    nameConsent: flags.nameConsent ?? false,
  });
  return {
    entity: { id: 'st-1', code: 'NA01', name: '南岸社区公益站', kind: 'station' },
    period: { label: '2026年第1季度', kind: 'quarter', from: '2026-01-01', to: '2026-03-31' },
    version: 2,
    supersedes: { id: 'disc-1', version: 1, reason: '补录政府补助' },
    publishedAt: '2026-04-02T18:30:00Z',
    accounts: ACCOUNTS,
    funds: [
      { code: 'GENERAL', name: '非限定性基金', restricted: false, purpose: null },
      { code: 'R-FEAST', name: '百家宴专项', restricted: true, purpose: '物业公司指定用于2026年百家宴' },
      { code: 'R-OLD', name: '已结束专项', restricted: true, purpose: '早已用完的专项' },
    ],
    projects: [
      { id: 'p-feast', name: '百家宴2026' },
      { id: 'p-light', name: '路灯维修' },
    ],
    // Cash 3000.00 − 500.00 = 2500.00, bank 8000.00, unrestricted net assets 10500.00.
    opening: [
      { accountCode: '1001', fundCode: 'GENERAL', debit: '3000.00', credit: '500.00' },
      { accountCode: '1002', fundCode: 'GENERAL', debit: '8000.00', credit: '0.00' },
      { accountCode: '3101', fundCode: 'GENERAL', debit: '0.00', credit: '10500.00' },
    ],
    yearOpening: [
      { accountCode: '1001', fundCode: 'GENERAL', debit: '3000.00', credit: '500.00' },
      { accountCode: '1002', fundCode: 'GENERAL', debit: '8000.00', credit: '0.00' },
      { accountCode: '3101', fundCode: 'GENERAL', debit: '0.00', credit: '10500.00' },
    ],
    entries: [
      entry({ n: 1, date: '2026-01-05', memo: '1月停车场收益', kind: 'receipt', receiptKind: 'parking', counterparty: null, lines: [dr('1001', '1200.00'), cr('490101', '1200.00')] }),
      entry({ n: 2, date: '2026-01-10', memo: '废品回收款', kind: 'receipt', receiptKind: 'recycling', counterparty: null, lines: [dr('1001', '350.50'), cr('490102', '350.50')] }),
      entry({ n: 3, date: '2026-01-15', memo: '居民捐赠', kind: 'receipt', receiptKind: 'donation', counterparty: person('张三丰'), lines: [dr('1002', '2000.00'), cr('4101', '2000.00')] }),
      entry({ n: 4, date: '2026-02-01', memo: '百家宴定向捐赠', kind: 'receipt', receiptKind: 'donation', counterparty: person('平安物业服务有限公司'), lines: [dr('1002', '5000.00', 'R-FEAST'), cr('4101', '5000.00', 'R-FEAST')] }),
      entry({ n: 5, date: '2026-02-10', memo: '百家宴食材', kind: 'payment', counterparty: person('李四', { nameConsent: true }), lines: [dr('5101', '3200.00', 'R-FEAST', 'p-feast'), cr('1002', '3200.00', 'R-FEAST')] }),
      entry({ n: 6, date: '2026-02-20', memo: '更换路灯灯泡', kind: 'payment', counterparty: person('王五'), lines: [dr('5101', '800.00', 'GENERAL', 'p-light'), cr('1001', '800.00')] }),
      entry({ n: 7, date: '2026-03-01', memo: '文具', kind: 'payment', counterparty: null, lines: [dr('5201', '150.25'), cr('1001', '150.25')] }),
      entry({ n: 8, date: '2026-03-05', memo: '匿名捐赠', kind: 'receipt', receiptKind: 'donation', counterparty: person('赵六', { anonymous: true }), lines: [dr('1001', '300.00'), cr('4101', '300.00')] }),
      entry({ n: 9, date: '2026-03-06', memo: '冲销 2026-000008', kind: 'reversal', counterparty: null, reversal: { ofId: 'id-8', ofNumber: '2026-000008', reason: '金额录错，应为 30.00' }, lines: [dr('4101', '300.00'), cr('1001', '300.00')] }),
      entry({ n: 10, date: '2026-03-06', memo: '匿名捐赠（更正）', kind: 'receipt', receiptKind: 'donation', counterparty: person('赵六', { anonymous: true }), lines: [dr('1001', '30.00'), cr('4101', '30.00')] }),
      entry({ n: 11, date: '2026-03-20', memo: '街道补助', kind: 'receipt', receiptKind: 'subsidy', counterparty: person('南岸街道办事处', { nameConsent: true }), lines: [dr('1002', '1000.00'), cr('4401', '1000.00')] }),
    ],
    reconciliations: [
      { date: '2026-03-31', cashCounted: '3100.25', bankStatementBalance: '12800.00', cashBook: '3130.25', bankBook: '12800.00', note: '现金短款 30 元，查找中' },
    ],
    countersignature: null,
    verification: { dataSha256: null, chainHead: 'c'.repeat(64), verifyUrl: 'https://example.org/v/st-1-2026Q1' },
  };
}

export function foundationYear(): ReportInput {
  const opening: ReportInput['opening'] = [
    { accountCode: '1002', fundCode: 'GENERAL', debit: '100000.00', credit: '0.00' },
    { accountCode: '3101', fundCode: 'GENERAL', debit: '0.00', credit: '100000.00' },
    { accountCode: '1002', fundCode: 'R-ROUND', debit: '50000.00', credit: '0.00' },
    { accountCode: '3102', fundCode: 'R-ROUND', debit: '0.00', credit: '50000.00' },
    { accountCode: '1122', fundCode: 'GENERAL', debit: '2000.00', credit: '0.00' },
    { accountCode: '2209', fundCode: 'GENERAL', debit: '0.00', credit: '2000.00' },
  ];
  return {
    entity: { id: 'fd-1', code: 'NAF', name: '南岸区社区发展基金会', kind: 'foundation' },
    period: { label: '2026年度', kind: 'year', from: '2026-01-01', to: '2026-12-31' },
    version: 1,
    supersedes: null,
    publishedAt: '2027-03-01T02:00:00Z',
    accounts: ACCOUNTS,
    funds: [
      { code: 'GENERAL', name: '非限定性基金', restricted: false, purpose: null },
      { code: 'R-ROUND', name: '2026公益创投', restricted: true, purpose: '资助社区公益创投项目' },
    ],
    projects: [{ id: 'g1', name: '长者助餐项目' }],
    opening,
    yearOpening: opening,
    entries: [
      entry({ n: 1, date: '2026-03-01', memo: '公益创投定向捐赠', kind: 'receipt', receiptKind: 'donation', counterparty: { name: '南岸置业集团', anonymous: false, nameConsent: false }, lines: [dr('1002', '200000.00', 'R-ROUND'), cr('4101', '200000.00', 'R-ROUND')] }),
      entry({ n: 2, date: '2026-04-01', memo: '长者助餐项目第一期拨款', kind: 'grant_disbursement', counterparty: { name: '南岸第一社区公益站', anonymous: false, nameConsent: true }, lines: [dr('5101', '120000.00', 'R-ROUND', 'g1'), cr('1002', '120000.00', 'R-ROUND')] }),
      entry({ n: 3, date: '2026-05-01', memo: '非定向捐赠', kind: 'receipt', receiptKind: 'donation', counterparty: { name: '陈明', anonymous: false, nameConsent: false }, lines: [dr('1002', '30000.00'), cr('4101', '30000.00')] }),
      entry({ n: 4, date: '2026-06-30', memo: '定期存款利息', kind: 'journal', counterparty: null, lines: [dr('1002', '1500.00'), cr('4601', '1500.00')] }),
      entry({ n: 5, date: '2026-07-01', memo: '办公室租金', kind: 'payment', counterparty: null, lines: [dr('5201', '8000.00'), cr('1002', '8000.00')] }),
      entry({ n: 6, date: '2026-09-01', memo: '长者助餐项目退回结余', kind: 'grant_refund', counterparty: null, lines: [dr('1002', '5000.00', 'R-ROUND'), cr('5101', '5000.00', 'R-ROUND', 'g1')] }),
      entry({ n: 7, date: '2026-10-01', memo: '收回其他应收款', kind: 'journal', counterparty: null, lines: [dr('1002', '2000.00'), cr('1122', '2000.00')] }),
      entry({
        n: 8,
        date: '2026-12-31',
        memo: '2026年度结转',
        kind: 'year_end_close',
        counterparty: null,
        lines: [
          dr('4101', '30000.00'),
          dr('4601', '1500.00'),
          cr('5201', '8000.00'),
          cr('3101', '23500.00'),
          dr('4101', '200000.00', 'R-ROUND'),
          cr('5101', '115000.00', 'R-ROUND'),
          cr('3102', '85000.00', 'R-ROUND'),
        ],
      }),
    ],
    reconciliations: [],
    countersignature: { name: '李监事', at: '2027-03-02T09:00:00+08:00', note: '已核对' },
    grants: [
      { id: 'g1', title: '长者助餐项目', recipient: '南岸第一社区公益站', amountAwarded: '150000.00', amountDisbursed: '120000.00', status: 'active' },
      { id: 'g2', title: '儿童托管', recipient: '南岸第二社区公益站', amountAwarded: '40000.00', amountDisbursed: '0.00', status: 'approved' },
    ],
    verification: { dataSha256: 'd'.repeat(64), chainHead: 'e'.repeat(64), verifyUrl: 'https://example.org/v/fd-1-2026' },
  };
}

/**
 * A station's first month: the books open with money brought in (not income), cash goes to the
 * bank, an expense is bought on credit and a deposit is prepaid.
 */
export function stationOpeningMonth(): ReportInput {
  return {
    ...stationQuarter(),
    period: { label: '2026年1月', kind: 'month', from: '2026-01-01', to: '2026-01-31' },
    version: 1,
    supersedes: null,
    opening: [],
    yearOpening: [],
    entries: [
      entry({ n: 1, date: '2026-01-02', memo: '期初建账：接收原账户结余', kind: 'journal', counterparty: null, lines: [dr('1001', '3000.00'), dr('1002', '17000.00'), cr('3101', '20000.00')] }),
      entry({ n: 2, date: '2026-01-05', memo: '1月停车场收益', kind: 'receipt', receiptKind: 'parking', counterparty: null, lines: [dr('1001', '1200.00'), cr('490101', '1200.00')] }),
      entry({ n: 3, date: '2026-01-10', memo: '居民捐赠', kind: 'receipt', receiptKind: 'donation', counterparty: null, lines: [dr('1002', '800.00'), cr('4101', '800.00')] }),
      entry({ n: 4, date: '2026-01-12', memo: '现金存入银行', kind: 'journal', counterparty: null, lines: [dr('1002', '2500.00'), cr('1001', '2500.00')] }),
      entry({ n: 5, date: '2026-01-15', memo: '购买灭火器，货款未付', kind: 'journal', counterparty: null, lines: [dr('5101', '600.00', 'GENERAL', 'p-light'), cr('2202', '600.00')] }),
      entry({ n: 6, date: '2026-01-20', memo: '文具', kind: 'payment', counterparty: null, lines: [dr('5201', '150.50'), cr('1001', '150.50')] }),
      entry({ n: 7, date: '2026-01-25', memo: '预付活动场地押金', kind: 'journal', counterparty: null, lines: [dr('1141', '1000.00'), cr('1002', '1000.00')] }),
    ],
    reconciliations: [],
  };
}

describe('buildReport for a station quarter', () => {
  const model = buildReport(stationQuarter());

  test('title block names the entity, period, version and what it supersedes', () => {
    expect(model.title.entity.name).toBe('南岸社区公益站');
    expect(model.title.period.label).toBe('2026年第1季度');
    expect(model.title.version).toBe(2);
    expect(model.title.supersedesNote).toBe('本版本替代第 1 版，原因：补录政府补助');
    // 18:30 UTC on 2 April is 02:30 on 3 April in Shanghai.
    expect(model.title.publishedDate).toBe('2026-04-03');
  });

  test('收支概况: monetary funds open at 10500.00 and close at 15930.25', () => {
    expect(model.summary.openingBalance).toBe('10500.00'); // 2500.00 cash + 8000.00 bank
    // 1200.00 + 350.50 + 2000.00 + 5000.00 + 300.00 − 300.00 + 30.00 + 1000.00
    expect(model.summary.income).toBe('9580.50');
    expect(model.summary.expense).toBe('4150.25'); // 3200.00 + 800.00 + 150.25
    expect(model.summary.closingBalance).toBe('15930.25'); // 3130.25 cash + 12800.00 bank
    expect(model.summary.monetaryAccounts).toEqual([
      { accountCode: '1001', name: '现金', opening: '2500.00', closing: '3130.25' },
      { accountCode: '1002', name: '银行存款', opening: '8000.00', closing: '12800.00' },
      { accountCode: '1009', name: '其他货币资金', opening: '0.00', closing: '0.00' },
    ]);
  });

  test('收入明细 splits each source into 限定性 and 非限定性', () => {
    expect(model.income.rows).toEqual([
      // 2000.00 + 300.00 − 300.00 + 30.00 unrestricted; 5000.00 for 百家宴
      { source: 'donation', label: '捐赠', restricted: '5000.00', unrestricted: '2030.00', total: '7030.00' },
      { source: 'parking', label: '停车场公共收益', restricted: '0.00', unrestricted: '1200.00', total: '1200.00' },
      { source: 'recycling', label: '废旧物品回收', restricted: '0.00', unrestricted: '350.50', total: '350.50' },
      { source: 'subsidy', label: '政府补助', restricted: '0.00', unrestricted: '1000.00', total: '1000.00' },
      { source: 'other', label: '其他', restricted: '0.00', unrestricted: '0.00', total: '0.00' },
    ]);
    expect(model.income.total).toEqual({ restricted: '5000.00', unrestricted: '4580.50', total: '9580.50' });
  });

  test('支出明细 by project and by category', () => {
    expect(model.expenses.byProject).toEqual([
      { projectId: 'p-feast', name: '百家宴2026', amount: '3200.00' },
      { projectId: 'p-light', name: '路灯维修', amount: '800.00' },
      { projectId: null, name: '未归属项目', amount: '150.25' },
    ]);
    expect(model.expenses.byCategory).toEqual([
      { accountCode: '5101', label: '业务活动成本', amount: '4000.00' },
      { accountCode: '5201', label: '管理费用', amount: '150.25' },
      { accountCode: '5301', label: '筹资费用', amount: '0.00' },
      { accountCode: '5401', label: '其他费用', amount: '0.00' },
    ]);
    expect(model.expenses.total).toBe('4150.25');
  });

  test('the release line is the restricted money actually spent', () => {
    expect(model.restrictedRelease).toEqual({
      label: '限定性净资产转为非限定性净资产',
      amount: '3200.00',
      byFund: [{ fundCode: 'R-FEAST', fundName: '百家宴专项', amount: '3200.00' }],
    });
  });

  test('基金余额: the restricted fund keeps what was not spent; an idle fund is left out', () => {
    expect(model.funds.rows.map((r) => [r.fundCode, r.restrictionLabel, r.opening, r.inflow, r.outflow, r.closing])).toEqual([
      ['GENERAL', '非限定性', '10500.00', '4580.50', '950.25', '14130.25'], // 800.00 + 150.25 out
      ['R-FEAST', '限定性', '0.00', '5000.00', '3200.00', '1800.00'],
    ]);
    expect(model.funds.rows[1].purpose).toBe('物业公司指定用于2026年百家宴');
    expect(model.funds.total.closing).toBe('15930.25');
  });

  test('逐笔明细 lists every entry with masked counterparties and signed amounts', () => {
    expect(model.entries.count).toBe(11);
    const byNumber = (n: string) => model.entries.rows.find((r) => r.number === n)!;
    expect(byNumber('2026-000003')).toMatchObject({ counterparty: '张*', income: '2000.00', expense: null });
    // A company that gave without agreeing to be named is masked like a person (API.md).
    expect(byNumber('2026-000004')).toMatchObject({ counterparty: '平*', income: '5000.00' });
    expect(byNumber('2026-000005')).toMatchObject({ counterparty: '李四', income: null, expense: '3200.00' });
    expect(byNumber('2026-000006').counterparty).toBe('王*');
    expect(byNumber('2026-000008').counterparty).toBe('匿名');
    expect(byNumber('2026-000009')).toMatchObject({ kind: 'reversal', kindLabel: '冲销', income: '-300.00', counterparty: null });
    expect(model.entries.total).toEqual({ income: '9580.50', expense: '4150.25' });
  });

  test('对账 shows the difference between counted cash and the books', () => {
    expect(model.reconciliations.rows).toEqual([
      {
        date: '2026-03-31',
        cashCounted: '3100.25',
        cashBook: '3130.25',
        cashDifference: '-30.00',
        bankStatementBalance: '12800.00',
        bankBook: '12800.00',
        bankDifference: '0.00',
        balanced: false,
        note: '现金短款 30 元，查找中',
      },
    ]);
  });

  test('更正说明 names the reversed voucher and the reason', () => {
    expect(model.corrections.rows).toEqual([
      {
        id: expect.any(String),
        date: '2026-03-06',
        number: '2026-000009',
        memo: '冲销 2026-000008',
        originalId: 'id-8',
        originalNumber: '2026-000008',
        reason: '金额录错，应为 30.00',
      },
    ]);
  });

  test('审核 says 尚未审核 without a countersignature; no foundation statements for a station', () => {
    expect(model.review).toMatchObject({ countersigned: false, statusText: '尚未审核', name: null });
    expect(model.balanceSheet).toBeNull();
    expect(model.activityStatement).toBeNull();
    expect(model.grants).toBeNull();
  });

  test('the model is plain JSON with money as two-decimal strings', () => {
    const json = JSON.parse(JSON.stringify(model));
    expect(json).toEqual(model);
    expect(JSON.stringify(model)).not.toMatch(/"(income|expense|amount|closing|opening)":\d/);
  });
});

describe('收支概况 adds up when money moves without income or expense', () => {
  const model = buildReport(stationOpeningMonth());

  test('opening + income − expense + other movements = closing, each figure by hand', () => {
    const { summary } = model;
    expect(summary.openingBalance).toBe('0.00');
    expect(summary.income).toBe('2000.00'); // 1200.00 parking + 800.00 donation
    expect(summary.expense).toBe('750.50'); // 600.00 on credit + 150.50 paid
    // Cash 3000.00 + 1200.00 − 2500.00 − 150.50; bank 17000.00 + 800.00 + 2500.00 − 1000.00.
    expect(summary.monetaryAccounts.map((a) => [a.accountCode, a.closing])).toEqual([
      ['1001', '1549.50'],
      ['1002', '19300.00'],
      ['1009', '0.00'],
    ]);
    expect(summary.closingBalance).toBe('20849.50');
    // 20000.00 brought in + 600.00 spent but not yet paid − 1000.00 prepaid; the 2500.00
    // from cash to bank changes no total and shows nowhere.
    expect(summary.otherMovements).toEqual({
      label: '其他资金变动',
      total: '19600.00',
      rows: [
        { kind: 'net_assets', label: '净资产直接变动（如期初建账）', amount: '20000.00' },
        { kind: 'liability', label: '借款、应付款项变动（如借入、欠款未付）', amount: '600.00' },
        { kind: 'asset', label: '应收、预付款项变动（如借出、预付、收回）', amount: '-1000.00' },
      ],
    });
    // 0.00 + 2000.00 − 750.50 + 19600.00 = 20849.50
    expect(summary.note).toContain('期末货币资金 = 期初货币资金 + 本期收入 − 本期支出 + 其他资金变动');
    expect(model.schemaVersion).toBe(5);
  });

  test('a period with only receipts and payments has no other movement', () => {
    expect(buildReport(stationQuarter()).summary.otherMovements).toEqual({ label: '其他资金变动', total: '0.00', rows: [] });
  });

  test('a foundation collecting a receivable shows it as money from 应收', () => {
    // 150000.00 + 231500.00 − 123000.00 = 258500.00; the books close at 260500.00.
    expect(buildReport(foundationYear()).summary.otherMovements).toEqual({
      label: '其他资金变动',
      total: '2000.00',
      rows: [{ kind: 'asset', label: '应收、预付款项变动（如借出、预付、收回）', amount: '2000.00' }],
    });
  });

  test('a year-end close that moves money or debts breaks the identity and is refused', () => {
    const input = foundationYear();
    const close = input.entries.find((e) => e.kind === 'year_end_close')!;
    close.lines.push(dr('1002', '10.00'), cr('2209', '10.00'));
    expect(() => buildReport(input)).toThrow(/收支概况/);
  });
});

describe('reports published in earlier schema versions rebuild exactly as they were built then', () => {
  /** Entry ids come from a counter shared by the fixtures; fix them so the hash is stable. */
  const withFixedIds = (input: ReportInput): ReportInput => ({
    ...input,
    entries: input.entries.map((e, i) => ({ ...e, id: `entry-${i + 1}` })),
  });
  const sha256 = (value: unknown) => crypto.createHash('sha256').update(canonicalJson(value)).digest('hex');

  // Captured by running this file's fixtures through buildReport at ceffb98, the last code
  // released before version 2 (it showed every organisation in full, consent or not).
  test('the same data hash as the code before version 2 gave (captured from it)', () => {
    expect(sha256(buildReport({ ...withFixedIds(stationQuarter()), schemaVersion: 1 }))).toBe(
      'c42978c795d151de2cccc2382b1b8ac3ae3f91b1733db1fe56799d780acf2c29',
    );
    expect(sha256(buildReport({ ...withFixedIds(foundationYear()), schemaVersion: 1 }))).toBe(
      'dbe97f1642f653fa2da3e6306552e927165ad3bffbd529a161ac9e8c44fd7cd7',
    );
  });

  // Captured from this file's fixtures at 924b07e, the last code before version 3.
  test('version 2 rebuilds to the same data hash as the code before version 3 gave', () => {
    expect(sha256(buildReport({ ...withFixedIds(stationQuarter()), schemaVersion: 2 }))).toBe(
      '50cd8c246ca70603ba0bf55f19679353b05324e892cc93f83587dbc5a3918348',
    );
    expect(sha256(buildReport({ ...withFixedIds(foundationYear()), schemaVersion: 2 }))).toBe(
      'fc19557136657767362074c9c9c8a34c46f8101a33e08e4d3f585ba31575a141',
    );
  });

  test.each([
    ['a public body', '南岸区民政局', 3, 2],
    ['a team or market', '路灯工程队', 5, 4],
  ] as const)('%s (%s) paid shows in full from version %i, and stays masked in a version %i rebuild', (_kind, name, shownFrom, maskedIn) => {
    const input = stationQuarter();
    const payment = input.entries.find((e) => e.kind === 'payment' && e.counterparty?.name === '王五')!;
    payment.counterparty = { name, anonymous: false, nameConsent: null };
    const shown = (schemaVersion: ReportSchemaVersion) => buildReport({ ...input, schemaVersion }).entries.rows.find((row) => row.number === payment.number)!.counterparty;
    expect(shown(shownFrom)).toBe(name);
    expect(shown(maskedIn)).toBe(`${Array.from(name)[0]}*`);
  });

  test('version 1 has no other movements even where money moved without income or expense', () => {
    const model = buildReport({ ...stationOpeningMonth(), schemaVersion: 1 });
    expect(model.schemaVersion).toBe(1);
    expect('otherMovements' in model.summary).toBe(false);
    expect(model.summary.note).toBe('货币资金 = 现金 + 银行存款 + 其他货币资金（微信、支付宝余额）；年终结转不计入本期收入和支出。');
  });

  test('an unknown version is refused', () => {
    expect(() => buildReport({ ...stationQuarter(), schemaVersion: 6 as never })).toThrow(/schema version 6/);
  });
});

describe('buildReport for a foundation year', () => {
  const model = buildReport(foundationYear());

  test('year-end close counts as neither income nor expense', () => {
    expect(model.summary.income).toBe('231500.00'); // 200000.00 + 30000.00 + 1500.00
    expect(model.summary.expense).toBe('123000.00'); // 120000.00 − 5000.00 refund + 8000.00
    const close = model.entries.rows.find((r) => r.kind === 'year_end_close')!;
    expect(close).toMatchObject({ income: null, expense: null, kindLabel: '年终结转' });
    expect(model.restrictedRelease.amount).toBe('115000.00'); // 120000.00 − 5000.00
  });

  test('资产负债表: 年初数 and 期末数 balance, net assets split by fund restriction', () => {
    const sheet = model.balanceSheet!;
    const row = (rows: { label: string; yearStart: string; periodEnd: string }[], label: string) =>
      rows.find((r) => r.label === label)!;
    expect(row(sheet.assets.rows, '银行存款')).toMatchObject({ yearStart: '150000.00', periodEnd: '260500.00' });
    expect(row(sheet.assets.rows, '其他应收款')).toMatchObject({ yearStart: '2000.00', periodEnd: '0.00' });
    expect(sheet.assets.total).toMatchObject({ label: '资产总计', yearStart: '152000.00', periodEnd: '260500.00' });
    expect(sheet.liabilities.total).toMatchObject({ yearStart: '2000.00', periodEnd: '2000.00' });
    expect(sheet.netAssets.rows).toEqual([
      { accountCode: null, label: '非限定性净资产', yearStart: '100000.00', periodEnd: '123500.00' },
      { accountCode: null, label: '限定性净资产', yearStart: '50000.00', periodEnd: '135000.00' },
    ]);
    expect(sheet.totalLiabilitiesAndNetAssets).toMatchObject({ yearStart: '152000.00', periodEnd: '260500.00' });
    expect(sheet.dates).toEqual({ yearStart: '2026-01-01', periodEnd: '2026-12-31' });
  });

  test('业务活动表: income by restriction, expenses unrestricted, release and change in net assets', () => {
    const statement = model.activityStatement!;
    const income = (code: string) => statement.income.rows.find((r) => r.accountCode === code)!;
    expect(income('4101')).toMatchObject({ unrestricted: '30000.00', restricted: '200000.00', total: '230000.00' });
    expect(income('4601')).toMatchObject({ unrestricted: '1500.00', restricted: '0.00', total: '1500.00' });
    expect(statement.income.total).toMatchObject({ unrestricted: '31500.00', restricted: '200000.00', total: '231500.00' });
    const expense = (code: string) => statement.expenses.rows.find((r) => r.accountCode === code)!;
    expect(expense('5101')).toMatchObject({ unrestricted: '115000.00', restricted: '0.00', total: '115000.00' });
    expect(expense('5201')).toMatchObject({ unrestricted: '8000.00', restricted: '0.00', total: '8000.00' });
    expect(statement.expenses.total).toMatchObject({ unrestricted: '123000.00', restricted: '0.00', total: '123000.00' });
    expect(statement.release).toMatchObject({
      label: '限定性净资产转为非限定性净资产',
      unrestricted: '115000.00',
      restricted: '-115000.00',
      total: '0.00',
    });
    expect(statement.otherChanges).toBeNull();
    // 31500.00 + 115000.00 − 123000.00 and 200000.00 − 115000.00
    expect(statement.netAssetChange).toMatchObject({ unrestricted: '23500.00', restricted: '85000.00', total: '108500.00' });
  });

  test('基金余额 and the grants list', () => {
    expect(model.funds.rows.map((r) => [r.fundCode, r.opening, r.inflow, r.outflow, r.closing])).toEqual([
      ['GENERAL', '100000.00', '31500.00', '8000.00', '123500.00'],
      ['R-ROUND', '50000.00', '200000.00', '115000.00', '135000.00'],
    ]);
    expect(model.grants!.rows.map((g) => g.statusLabel)).toEqual(['执行中', '已批准']);
    expect(model.grants!.total).toEqual({ amountAwarded: '190000.00', amountDisbursed: '120000.00' });
    expect(model.review).toMatchObject({ countersigned: true, name: '李监事', date: '2027-03-02', note: '已核对' });
  });

  test('a grant closed (or reporting) by the year\'s end says so from format 2 on; format 1 called it 执行中', () => {
    const input = foundationYear();
    input.grants = input.grants!.map((g, i) => ({ ...g, statusAtEnd: i === 0 ? 'closed' : 'approved' }));
    expect(buildReport(input).grants!.rows.map((g) => [g.status, g.statusLabel])).toEqual([['closed', '已结项'], ['approved', '已批准']]);
    expect(buildReport({ ...input, schemaVersion: 1 }).grants!.rows.map((g) => g.statusLabel)).toEqual(['执行中', '已批准']);
    input.grants![0].statusAtEnd = 'reporting';
    expect(buildReport(input).grants!.rows[0].statusLabel).toBe('结项中');
  });
});

describe('buildReport refuses inconsistent input', () => {
  test('an entry that does not balance per fund', () => {
    const input = stationQuarter();
    input.entries[0].lines[1] = cr('490101', '1200.00', 'R-FEAST');
    expect(() => buildReport(input)).toThrow(/does not balance in fund/);
  });

  test('an unknown account', () => {
    const input = stationQuarter();
    input.entries[0].lines[0] = dr('9999', '1200.00');
    expect(() => buildReport(input)).toThrow(/unknown account 9999/);
  });

  test('money with three decimals or as an exponent', () => {
    const input = stationQuarter();
    input.entries[0].lines = [dr('1001', '1200.001'), cr('490101', '1200.001')];
    expect(() => buildReport(input)).toThrow(/not a non-negative money string/);
    input.entries[0].lines = [dr('1001', '1.2e3'), cr('490101', '1.2e3')];
    expect(() => buildReport(input)).toThrow(/not a non-negative money string/);
  });

  test('an entry dated outside the period', () => {
    const input = stationQuarter();
    input.entries[0].date = '2026-04-01';
    expect(() => buildReport(input)).toThrow(/outside/);
  });

  test('a balance sheet whose year opening does not match the books', () => {
    const input = foundationYear();
    // Without the 3102 credit the year opening no longer balances.
    input.yearOpening = input.yearOpening.filter((row) => row.accountCode !== '3102');
    expect(() => buildReport(input)).toThrow(/资产负债表/);
  });
});
