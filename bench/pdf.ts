/**
 * Benchmark of the disclosure PDF: builds a synthetic foundation year of 10,000 posted entries
 * through buildReport, renders it, and prints the time and size against the target
 * (≤ 1.5 s, ≤ 600 KB on a 2-core machine). Run with `npx tsx bench/pdf.ts [entries]`.
 * It only reports; it never fails the process, so it can run in CI for the figures alone.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Decimal from 'decimal.js';
import { buildReport, type EntryInput, type ReportInput } from '../src/disclosure/model';
import { renderReportPdf } from '../src/disclosure/pdf';

const TARGET_MS = 1500;
const TARGET_BYTES = 600 * 1024;

/** A fixed-seed generator so every run benchmarks the same document. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const ACCOUNTS: ReportInput['accounts'] = [
  ['1001', '现金', 'asset'],
  ['1002', '银行存款', 'asset'],
  ['1009', '其他货币资金', 'asset'],
  ['1122', '其他应收款', 'asset'],
  ['1141', '预付账款', 'asset'],
  ['2202', '应付账款', 'liability'],
  ['2209', '其他应付款', 'liability'],
  ['3101', '非限定性净资产', 'net_assets'],
  ['3102', '限定性净资产', 'net_assets'],
  ['4101', '捐赠收入', 'revenue'],
  ['4401', '政府补助收入', 'revenue'],
  ['4601', '投资收益', 'revenue'],
  ['4901', '其他收入', 'revenue'],
  ['490101', '其他收入-停车场公共收益', 'revenue', '4901'],
  ['490102', '其他收入-废旧物品回收', 'revenue', '4901'],
  ['490199', '其他收入-其他', 'revenue', '4901'],
  ['5101', '业务活动成本', 'expense'],
  ['5201', '管理费用', 'expense'],
  ['5301', '筹资费用', 'expense'],
  ['5401', '其他费用', 'expense'],
].map(([code, name, type, parentCode]) => ({
  code,
  name,
  type: type as ReportInput['accounts'][number]['type'],
  parentCode: parentCode ?? null,
}));

export function syntheticYear(entryCount: number): ReportInput {
  const random = lcg(20260101);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const cents = (max: number): string => new Decimal(1 + Math.floor(random() * max)).div(100).toFixed(2);
  const projects = Array.from({ length: 12 }, (_, i) => ({
    id: `p${i + 1}`,
    name: ['百家宴', '路灯维修', '长者助餐', '儿童托管', '楼道清洁', '社区图书角', '义诊', '防汛物资', '加装扶手', '垃圾分类', '邻里节', '读书会'][i],
  }));
  const funds: ReportInput['funds'] = [
    { code: 'GENERAL', name: '非限定性基金', restricted: false, purpose: null },
    { code: 'R-ELDER', name: '长者助餐专项', restricted: true, purpose: '捐赠人指定用于社区长者助餐' },
    { code: 'R-LIGHT', name: '路灯维修专项', restricted: true, purpose: '街道补助，用于老旧小区路灯维修' },
  ];
  const surnames = ['张', '王', '李', '赵', '陈', '刘', '杨', '黄', '周', '吴'];
  const memos = ['停车场本月收益', '废品回收款', '居民捐赠', '购买食材', '维修材料费', '志愿者保险', '办公用品', '宣传物料印刷'];
  const entries: EntryInput[] = [];
  const balances = new Map<string, Decimal>();
  const post = (entry: Omit<EntryInput, 'id' | 'number'>): void => {
    const n = entries.length + 1;
    for (const line of entry.lines) {
      const key = `${line.accountCode}|${line.fundCode}`;
      const net = line.debit !== null ? new Decimal(line.debit) : new Decimal(line.credit as string).negated();
      balances.set(key, (balances.get(key) ?? new Decimal(0)).plus(net));
    }
    entries.push({ id: `e${n}`, number: `2026-${String(n).padStart(6, '0')}`, ...entry });
  };
  const dayOf = (i: number): string => {
    const dayOfYear = Math.floor((i / entryCount) * 364);
    const date = new Date(Date.UTC(2026, 0, 1 + dayOfYear));
    return date.toISOString().slice(0, 10);
  };
  for (let i = 0; i < entryCount - 1; i++) {
    const date = dayOf(i);
    const roll = random();
    if (roll < 0.45) {
      const fund = random() < 0.3 ? pick(['R-ELDER', 'R-LIGHT']) : 'GENERAL';
      const kind = pick(['donation', 'parking', 'recycling', 'subsidy'] as const);
      const account = { donation: '4101', parking: '490101', recycling: '490102', subsidy: '4401' }[kind];
      const amount = cents(200000);
      const surname = pick(surnames);
      post({
        date,
        memo: `${pick(memos)}${i % 5 === 0 ? ` 第${i}号收据` : ''}`,
        kind: 'receipt',
        receiptKind: kind,
        counterparty:
          kind === 'donation'
            ? { name: random() < 0.2 ? `${surname}记超市` : `${surname}某某`, anonymous: random() < 0.15, nameConsent: random() < 0.3 }
            : null,
        lines: [
          { accountCode: pick(['1001', '1002', '1009']), fundCode: fund, projectId: null, debit: amount, credit: null },
          { accountCode: account, fundCode: fund, projectId: null, debit: null, credit: amount },
        ],
      });
    } else {
      // Spend only what the fund holds in the bank so the synthetic books stay plausible.
      const fund = random() < 0.3 ? pick(['R-ELDER', 'R-LIGHT']) : 'GENERAL';
      const cash = ['1001', '1002', '1009']
        .map((code) => ({ code, held: balances.get(`${code}|${fund}`) ?? new Decimal(0) }))
        .sort((a, b) => b.held.comparedTo(a.held))[0];
      const amount = Decimal.min(new Decimal(cents(80000)), cash.held);
      if (amount.lte(0)) continue;
      post({
        date,
        memo: pick(memos),
        kind: 'payment',
        counterparty: { name: random() < 0.5 ? `${pick(surnames)}师傅` : '平安物业服务有限公司', anonymous: false, nameConsent: false },
        lines: [
          { accountCode: pick(['5101', '5101', '5101', '5201', '5301']), fundCode: fund, projectId: pick(projects).id, debit: amount.toFixed(2), credit: null },
          { accountCode: cash.code, fundCode: fund, projectId: null, debit: null, credit: amount.toFixed(2) },
        ],
      });
    }
  }
  // The year-end close moves every revenue and expense balance into 3101/3102 by fund.
  const closeLines: EntryInput['lines'] = [];
  for (const fund of funds) {
    let surplus = new Decimal(0);
    for (const account of ACCOUNTS.filter((a) => a.type === 'revenue' || a.type === 'expense')) {
      const balance = balances.get(`${account.code}|${fund.code}`);
      if (!balance || balance.isZero()) continue;
      surplus = surplus.minus(balance);
      closeLines.push(
        balance.isNegative()
          ? { accountCode: account.code, fundCode: fund.code, projectId: null, debit: balance.negated().toFixed(2), credit: null }
          : { accountCode: account.code, fundCode: fund.code, projectId: null, debit: null, credit: balance.toFixed(2) },
      );
    }
    const target = fund.restricted ? '3102' : '3101';
    if (!surplus.isZero()) {
      closeLines.push(
        surplus.isNegative()
          ? { accountCode: target, fundCode: fund.code, projectId: null, debit: surplus.negated().toFixed(2), credit: null }
          : { accountCode: target, fundCode: fund.code, projectId: null, debit: null, credit: surplus.toFixed(2) },
      );
    }
  }
  post({ date: '2026-12-31', memo: '2026年度结转', kind: 'year_end_close', counterparty: null, lines: closeLines });

  return {
    entity: { id: 'f1', code: 'NAF', name: '南岸区社区发展基金会', kind: 'foundation' },
    period: { label: '2026年度', kind: 'year', from: '2026-01-01', to: '2026-12-31' },
    version: 1,
    supersedes: null,
    publishedAt: '2027-03-15T02:00:00.000Z',
    accounts: ACCOUNTS,
    funds,
    projects,
    opening: [],
    yearOpening: [],
    entries,
    reconciliations: [
      { date: '2026-12-31', cashCounted: '1200.00', bankStatementBalance: '1000.00', cashBook: '1200.00', bankBook: '1000.00', note: null },
    ],
    countersignature: { name: '李监事', at: '2027-03-16T01:00:00.000Z', note: '已核对银行对账单' },
    grants: projects.slice(0, 6).map((p, i) => ({
      id: `g${i}`,
      title: `${p.name}公益创投项目`,
      recipient: `南岸第${i + 1}社区公益站`,
      amountAwarded: '50000.00',
      amountDisbursed: '25000.00',
      status: 'active',
    })),
    verification: {
      dataSha256: 'a'.repeat(64),
      chainHead: 'b'.repeat(64),
      verifyUrl: 'https://ledger.example.org/public/disclosures/f1-2026-v1/verify',
    },
  };
}

async function measure(input: ReportInput): Promise<{ buildMs: number; renderMs: number; pdf: Buffer; entries: number }> {
  const started = process.hrtime.bigint();
  const model = buildReport(input);
  const built = process.hrtime.bigint();
  const pdf = await renderReportPdf(model);
  const rendered = process.hrtime.bigint();
  return {
    buildMs: Number(built - started) / 1e6,
    renderMs: Number(rendered - built) / 1e6,
    pdf,
    entries: model.entries.count,
  };
}

async function main(): Promise<void> {
  const entryCount = Number(process.argv[2] ?? 10000);
  const input = syntheticYear(entryCount);
  // The first run is cold (font files read, code not yet optimised) and is what the target is
  // judged on; the second shows a long-running server's steady state.
  const cold = await measure(input);
  const warm = await measure(input);
  const out = path.join(os.tmpdir(), 'disclosure-bench.pdf');
  fs.writeFileSync(out, cold.pdf);
  const totalMs = cold.buildMs + cold.renderMs;
  console.log(`entries: ${cold.entries}, cpus: ${os.cpus().length}`);
  console.log(`cold: buildReport ${cold.buildMs.toFixed(0)} ms + renderReportPdf ${cold.renderMs.toFixed(0)} ms = ${(totalMs / 1000).toFixed(2)} s`);
  console.log(`warm: buildReport ${warm.buildMs.toFixed(0)} ms + renderReportPdf ${warm.renderMs.toFixed(0)} ms = ${((warm.buildMs + warm.renderMs) / 1000).toFixed(2)} s`);
  console.log(`size: ${(cold.pdf.length / 1024).toFixed(0)} KB (${out}); identical bytes on re-render: ${cold.pdf.equals(warm.pdf)}`);
  console.log('target: ≤1.5 s, ≤600 KB');
  console.log(totalMs <= TARGET_MS && cold.pdf.length <= TARGET_BYTES ? 'PASS' : 'FAIL');
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
