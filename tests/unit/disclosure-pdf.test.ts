/**
 * The PDF as a reader gets it: text extracted by poppler's pdftotext (an independent oracle)
 * must carry the entity, the period, every section title and the exact totals of the model,
 * and pdffonts must show the CJK font embedded as a subset. poppler-utils is required: without
 * it these tests fail rather than skip (install with `apt-get install -y poppler-utils`).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { syntheticYear } from '../../bench/pdf';
import { buildReport, SECTION_TITLES, type ReportInput, type ReportModel } from '../../src/disclosure/model';
import { renderReportPdf } from '../../src/disclosure/pdf';

const ACCOUNTS = syntheticYear(2).accounts;

function stationInput(): ReportInput {
  const line = (accountCode: string, side: 'debit' | 'credit', amount: string, fundCode = 'GENERAL', projectId: string | null = null) => ({
    accountCode,
    fundCode,
    projectId,
    debit: side === 'debit' ? amount : null,
    credit: side === 'credit' ? amount : null,
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
    ],
    projects: [{ id: 'p-feast', name: '百家宴2026' }],
    opening: [
      { accountCode: '1001', fundCode: 'GENERAL', debit: '2500.00', credit: '0.00' },
      { accountCode: '3101', fundCode: 'GENERAL', debit: '0.00', credit: '2500.00' },
    ],
    yearOpening: [],
    entries: [
      { id: 'e1', number: '2026-000001', date: '2026-01-05', memo: '1月停车场收益', kind: 'receipt', receiptKind: 'parking', counterparty: null, lines: [line('1001', 'debit', '1200.00'), line('490101', 'credit', '1200.00')] },
      { id: 'e2', number: '2026-000002', date: '2026-01-15', memo: '居民捐赠', kind: 'receipt', receiptKind: 'donation', counterparty: { name: '张三丰', anonymous: false, nameConsent: false }, lines: [line('1002', 'debit', '2000.00'), line('4101', 'credit', '2000.00')] },
      { id: 'e3', number: '2026-000003', date: '2026-02-01', memo: '百家宴定向捐赠', kind: 'receipt', receiptKind: 'donation', counterparty: { name: '平安物业服务有限公司', anonymous: false, nameConsent: true }, lines: [line('1002', 'debit', '5000.00', 'R-FEAST'), line('4101', 'credit', '5000.00', 'R-FEAST')] },
      { id: 'e4', number: '2026-000004', date: '2026-02-10', memo: '百家宴食材', kind: 'payment', counterparty: { name: '李四', anonymous: false, nameConsent: true }, lines: [line('5101', 'debit', '3200.00', 'R-FEAST', 'p-feast'), line('1002', 'credit', '3200.00', 'R-FEAST')] },
      { id: 'e5', number: '2026-000005', date: '2026-03-05', memo: '匿名捐赠', kind: 'receipt', receiptKind: 'donation', counterparty: { name: '赵六', anonymous: true, nameConsent: false }, lines: [line('1001', 'debit', '300.00'), line('4101', 'credit', '300.00')] },
      { id: 'e6', number: '2026-000006', date: '2026-03-06', memo: '冲销 2026-000005', kind: 'reversal', counterparty: null, reversal: { ofId: 'e5', ofNumber: '2026-000005', reason: '金额录错，应为 30.00' }, lines: [line('4101', 'debit', '300.00'), line('1001', 'credit', '300.00')] },
    ],
    reconciliations: [
      { date: '2026-03-31', cashCounted: '3670.00', bankStatementBalance: '3800.00', cashBook: '3700.00', bankBook: '3800.00', note: '现金短款 30 元，查找中' },
    ],
    countersignature: null,
    verification: { dataSha256: 'ab'.repeat(32), chainHead: 'cd'.repeat(32), verifyUrl: 'https://example.org/v/st-1-2026Q1' },
  };
}

function requireTool(tool: string): void {
  try {
    execFileSync('which', [tool], { stdio: 'pipe' });
  } catch {
    throw new Error(`${tool} (poppler-utils) is required for the PDF tests: apt-get install -y poppler-utils`);
  }
}

async function renderToFile(model: ReportModel, name: string): Promise<{ file: string; pdf: Buffer }> {
  const pdf = await renderReportPdf(model);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disclosure-pdf-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, pdf);
  return { file, pdf };
}

/** pdftotext -layout output with runs of spaces collapsed, so table cells read as "a b c". */
function extractText(file: string): string {
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).replace(/[ \t]+/g, ' ');
}

/** The input with its one payment replaced by one ¥10.00 payment per project (each project's only spending). */
function withProjectPayments(input: ReturnType<typeof stationInput>, projects: { id: string; name: string }[]): ReturnType<typeof stationInput> {
  const payment = input.entries.find((entry) => entry.kind === 'payment')!;
  return {
    ...input,
    projects,
    entries: [
      ...input.entries.filter((entry) => entry !== payment),
      ...projects.map((project, i) => ({
        ...payment,
        id: `pay${i}`,
        number: `2026-2${String(i).padStart(5, '0')}`,
        lines: payment.lines.map((line) => ({ ...line, projectId: line.accountCode === '5101' ? project.id : null, ...(line.debit ? { debit: '10.00' } : { credit: '10.00' }) })),
      })),
    ],
  };
}

describe('renderReportPdf', () => {
  beforeAll(() => {
    requireTool('pdftotext');
    requireTool('pdffonts');
  });

  test('a station quarter carries the entity, period, every section and the exact totals', async () => {
    const model = buildReport(stationInput());
    const { file, pdf } = await renderToFile(model, 'station.pdf');
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = extractText(file);
    // pdftotext drops the narrow spaces around digits inside Chinese phrases, so phrases are
    // compared without whitespace; figures in table rows are compared with it below.
    const squashed = text.replace(/\s+/g, '');

    for (const expected of [
      '南岸社区公益站',
      '2026年第1季度财务公开报告',
      '第 2 版',
      '季度报告 2026年1月1日至3月31日',
      '本版本替代第 1 版，原因：补录政府补助',
      SECTION_TITLES.summary,
      SECTION_TITLES.income,
      SECTION_TITLES.expenses,
      SECTION_TITLES.funds,
      SECTION_TITLES.entries,
      SECTION_TITLES.reconciliations,
      SECTION_TITLES.corrections,
      SECTION_TITLES.review,
      SECTION_TITLES.verification,
      '监委会审核：发布时尚未审核',
      '监委会审核后，审核意见和审核版PDF见这份报告的公开网页',
      '限定性净资产转为非限定性净资产：3200.00',
      'ab'.repeat(32),
      'cd'.repeat(32),
      'https://example.org/v/st-1-2026Q1',
      '金额录错，应为 30.00',
      '现金短款 30 元，查找中',
    ]) {
      expect(squashed).toContain(expected.replace(/\s+/g, ''));
    }
    expect(model.summary.income).toBe('8200.00');
    expect(model.summary.expense).toBe('3200.00');
    // Totals as they read across their table rows (the extracted text keeps the row order).
    expect(text).toMatch(/收入合计 3200\.00 5000\.00 8200\.00/);
    expect(text).toMatch(/货币资金合计 2500\.00 7500\.00/);
    expect(text).toMatch(/支出合计 3200\.00/);
    expect(text).toMatch(/3月31日 3670\.00 3700\.00 -30\.00 3800\.00 3800\.00 0\.00/);
    expect(text).toMatch(/3月6日 2026-000006 2026-000005/);
    // Donors masked as the model says; the organisation in full.
    expect(text).toContain('张*');
    expect(text).not.toContain('张三丰');
    expect(text).toContain('匿名');
    expect(text).toContain('平安物业服务有限公司');
    expect(squashed).toMatch(/第1页\/共\d+页/);
    // Station reports have no foundation statements.
    expect(text).not.toContain(SECTION_TITLES.balanceSheet);
  });

  test('a reconciliation difference without a note reads 差异原因：未说明, a balanced one 账实相符', async () => {
    const input = stationInput();
    input.reconciliations = [
      { date: '2026-03-15', cashCounted: '3700.00', bankStatementBalance: '3800.00', cashBook: '3700.00', bankBook: '3800.00', note: null },
      { date: '2026-03-31', cashCounted: '3656.66', bankStatementBalance: '3800.00', cashBook: '3700.00', bankBook: '3800.00', note: null },
    ];
    const { file } = await renderToFile(buildReport(input), 'unexplained.pdf');
    const text = extractText(file);
    expect(text).toMatch(/3月15日 3700\.00 3700\.00 0\.00 3800\.00 3800\.00 0\.00 账实相符/);
    expect(text).toMatch(/3月31日 3656\.66 3700\.00 -43\.34 3800\.00 3800\.00 0\.00 差异原因：未说明/);
  });

  test('逐笔明细 lists entries by date, and by voucher number within a day, like the web page: a backdated entry sits on its day', async () => {
    const input = stationInput();
    // Entered last, dated in January: the highest voucher number on an early day.
    const late = { ...input.entries[0], id: 'e7', number: '2026-000007', date: '2026-01-05', memo: '补录1月回收收入' };
    input.entries = [...input.entries, late];
    const { file } = await renderToFile(buildReport(input), 'date-order.pdf');
    const text = extractText(file);
    const section = text.slice(text.lastIndexOf(SECTION_TITLES.entries), text.lastIndexOf(SECTION_TITLES.reconciliations));
    const numbers = [...section.matchAll(/\d月\d+日 (2026-00000\d)/g)].map((m) => m[1]);
    expect(numbers).toEqual(['2026-000001', '2026-000007', '2026-000002', '2026-000003', '2026-000004', '2026-000005', '2026-000006']);
  });

  test('逐笔明细 prints a long payer and a long memo in full, wrapped, not cut off', async () => {
    const input = stationInput();
    const payer = '重庆市南岸区社区公益事业发展基金会';
    const memo = '收到基金会拨付的2026年社区公益创投项目“楼栋互助花园”第一笔资助款';
    input.entries = [{ ...input.entries[2], counterparty: { name: payer, anonymous: false, nameConsent: true }, memo }, ...input.entries.slice(3)];
    const { file } = await renderToFile(buildReport(input), 'long-names.pdf');
    const squashed = extractText(file).replace(/\s+/g, '');
    expect(squashed).not.toContain('…');
    // Wrapped cells interleave line by line in the extracted text, so each must appear in order
    // (a subsequence of the row's text), which a cut-off cell would not.
    const row = squashed.slice(squashed.indexOf('2026-000003'), squashed.indexOf('2026-000004'));
    const inOrder = (text: string) => [...text].every(((at) => (ch: string) => (at = row.indexOf(ch, at) + 1) > 0)(0));
    expect([inOrder(payer), inOrder(memo)]).toEqual([true, true]);
  });

  test('a section that opens with a table never leaves its heading alone at a page’s foot', async () => {
    // However many entries push it down, 对账记录 and 更正说明 start on the page their table starts on.
    for (let extra = 0; extra < 44; extra += 1) {
      const input = stationInput();
      const base = input.entries[0];
      const more = Array.from({ length: extra }, (_, i) => ({ ...base, id: `x${i}`, number: `2026-1${String(i).padStart(5, '0')}`, memo: `补录${i}` }));
      input.entries = [...input.entries, ...more];
      // Three counts, the first with a note long enough to wrap onto several lines.
      const note = '月底盘点现金时发现短款，经与经手人逐笔核对单据，确认为找零差错，已由经手人补齐，并在居民议事会上说明。'.repeat(2);
      input.reconciliations = ['2026-03-10', '2026-03-20', '2026-03-31'].map((date, i) => ({ date, cashCounted: '3700.00', bankStatementBalance: '3800.00', cashBook: '3700.00', bankBook: '3800.00', note: i === 0 ? note : null }));
      const { file } = await renderToFile(buildReport(input), `orphan-${extra}.pdf`);
      const pages = extractText(file).split('\f');
      for (const [title, header] of [[SECTION_TITLES.reconciliations, '现金实有'], [SECTION_TITLES.corrections, '更正凭证']]) {
        const page = pages.findIndex((text) => text.includes(title));
        expect([extra, title, pages[page].includes(header)]).toEqual([extra, title, true]);
      }
    }
  }, 60_000);

  test('支出明细 never leaves its heading alone at a page’s foot, however many projects push its tables down', async () => {
    for (let projects = 1; projects <= 30; projects += 1) {
      const input = withProjectPayments(stationInput(), Array.from({ length: projects }, (_, i) => ({ id: `p${i}`, name: `项目${i}` })));
      const { file } = await renderToFile(buildReport(input), `projects-${projects}.pdf`);
      const pages = extractText(file).split('\f');
      const page = pages.findIndex((text) => text.includes(SECTION_TITLES.expenses));
      expect([projects, pages[page].includes('支出类别')]).toEqual([projects, true]);
    }
  }, 60_000);

  test('支出明细 writes a long project name whole, on more lines, and two names with the same long start stay apart', async () => {
    const names = ['南坪街道阳光社区老旧小区加装电梯及无障碍通道改造项目（一期：1号楼至5号楼）', '南坪街道阳光社区老旧小区加装电梯及无障碍通道改造项目（二期：6号楼至9号楼）'];
    const input = withProjectPayments(stationInput(), names.map((name, i) => ({ id: `long${i}`, name })));
    const { file } = await renderToFile(buildReport(input), 'long-project-names.pdf');
    const squashed = extractText(file).replace(/\s+/g, '');
    for (const name of names) expect(squashed).toContain(name.replace(/\s+/g, ''));
  });

  test('收支概况 shows 其他资金变动 so its figures add up, and a version 1 snapshot draws as it was', async () => {
    const input = stationInput();
    const line = (accountCode: string, side: 'debit' | 'credit', amount: string) => ({
      accountCode,
      fundCode: 'GENERAL',
      projectId: null,
      debit: side === 'debit' ? amount : null,
      credit: side === 'credit' ? amount : null,
    });
    input.entries.push(
      { id: 'e7', number: '2026-000007', date: '2026-03-10', memo: '街道拨入启动资金', kind: 'journal', counterparty: null, lines: [line('1002', 'debit', '20000.00'), line('3101', 'credit', '20000.00')] },
      { id: 'e8', number: '2026-000008', date: '2026-03-12', memo: '购买灭火器，货款未付', kind: 'journal', counterparty: null, lines: [line('5201', 'debit', '600.00'), line('2202', 'credit', '600.00')] },
      { id: 'e9', number: '2026-000009', date: '2026-03-15', memo: '现金存入银行', kind: 'journal', counterparty: null, lines: [line('1002', 'debit', '1000.00'), line('1001', 'credit', '1000.00')] },
    );
    const model = buildReport(input);
    // Money 2500.00 → 2500.00 + 8200.00 − 3800.00 + 20600.00 = 27500.00.
    expect([model.summary.income, model.summary.expense, model.summary.otherMovements?.total, model.summary.closingBalance]).toEqual([
      '8200.00',
      '3800.00',
      '20600.00',
      '27500.00',
    ]);
    const { file } = await renderToFile(model, 'other-movements.pdf');
    const text = extractText(file);
    const squashed = text.replace(/\s+/g, '');
    expect(squashed).toContain('期初货币资金（元）本期收入（元）本期支出（元）其他资金变动（元）期末货币资金（元）2500.008200.003800.0020600.0027500.00');
    expect(text).toMatch(/净资产直接变动（如期初建账） 20000\.00/);
    expect(text).toMatch(/借款、应付款项变动（如借入、欠款未付） 600\.00/);
    expect(text).toMatch(/其他资金变动合计 20600\.00/);
    expect(text).not.toContain('应收、预付款项变动');
    expect(squashed).toContain('期末货币资金=期初货币资金+本期收入−本期支出+其他资金变动');

    const old = extractText((await renderToFile(buildReport({ ...input, schemaVersion: 1 }), 'version-1.pdf')).file);
    expect(old.replace(/\s+/g, '')).toContain('期初货币资金（元）本期收入（元）本期支出（元）期末货币资金（元）2500.008200.003800.0027500.00');
    expect(old).not.toContain('其他资金变动');
  });

  test('the QR code decodes to the verification link (rendered by pdftoppm, read by jsQR)', async () => {
    requireTool('pdftoppm');
    requireTool('pdfinfo');
    const model = buildReport(stationInput());
    const { file } = await renderToFile(model, 'qr.pdf');
    // The verification section, with the QR code, closes the report: render its last page.
    const pageCount = /Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))?.[1] as string;
    const prefix = path.join(path.dirname(file), 'page');
    execFileSync('pdftoppm', ['-r', '150', '-png', '-f', pageCount, '-l', pageCount, file, prefix]);
    const pages = fs.readdirSync(path.dirname(file)).filter((name) => name.startsWith('page') && name.endsWith('.png')).sort();
    expect(pages.length).toBeGreaterThan(0);
    const decoded = pages
      .map((name) => PNG.sync.read(fs.readFileSync(path.join(path.dirname(file), name))))
      .map((png) => jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length), png.width, png.height))
      .filter((code) => code !== null)
      .map((code) => code?.data);
    expect(decoded).toEqual(['https://example.org/v/st-1-2026Q1']);
  });

  test('the CJK font is embedded as a subset', async () => {
    const { file } = await renderToFile(buildReport(stationInput()), 'fonts.pdf');
    const fonts = execFileSync('pdffonts', [file], { encoding: 'utf8' }).split('\n').slice(2).filter(Boolean);
    expect(fonts.length).toBeGreaterThan(0);
    for (const row of fonts) {
      const [name, , , , , emb, sub] = row.trim().split(/\s+/);
      expect(name).toMatch(/^[A-Z]{6}\+NotoSansSC-/);
      expect(emb).toBe('yes');
      expect(sub).toBe('yes');
    }
  });

  test('the same model renders to the same bytes', async () => {
    const model = buildReport(stationInput());
    const [first, second] = await Promise.all([renderReportPdf(model), renderReportPdf(model)]);
    expect(first.equals(second)).toBe(true);
  });

  test('a foundation year adds the statements and grants, and long tables repeat their header', async () => {
    const model = buildReport(syntheticYear(400));
    const { file } = await renderToFile(model, 'foundation.pdf');
    const text = extractText(file);
    for (const title of Object.values(SECTION_TITLES)) expect(text).toContain(title);
    expect(text.replace(/\s+/g, '')).toContain('监委会审核：李监事');
    const sheet = model.balanceSheet!;
    expect(text).toContain(`资产总计 ${sheet.assets.total.yearStart} ${sheet.assets.total.periodEnd}`);
    expect(text).toContain(
      `负债和净资产总计 ${sheet.totalLiabilitiesAndNetAssets.yearStart} ${sheet.totalLiabilitiesAndNetAssets.periodEnd}`,
    );
    const activity = model.activityStatement!;
    expect(text).toContain(
      `净资产变动额 ${activity.netAssetChange.unrestricted} ${activity.netAssetChange.restricted} ${activity.netAssetChange.total}`,
    );
    expect(text).toContain(
      `限定性净资产转为非限定性净资产 ${activity.release.unrestricted} ${activity.release.restricted} 0.00`,
    );
    expect(text).toContain(`合计 ${model.entries.total.income} ${model.entries.total.expense}`);
    expect(text).toContain(`${model.grants!.total.amountAwarded} ${model.grants!.total.amountDisbursed}`);
    // 400 entries span several pages; each continuation repeats the caption and header row.
    const continued = text.match(/逐笔明细（续）\s*\n\s*日期 凭证号 摘要 收付对象 收入 支出/g) ?? [];
    expect(continued.length).toBeGreaterThanOrEqual(5);
    for (const row of model.entries.rows.slice(0, 50)) expect(text).toContain(row.number);
  });
});
