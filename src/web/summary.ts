/**
 * The figures of an entity's public page: money on hand, fund balances, income by source and
 * spending by project for the current year, all as of today (Asia/Shanghai, by the app's
 * clock). It reads aggregates only (see queries.ts) and names income sources the way the
 * disclosure report does, so the page and the PDF agree.
 */
import type { Knex } from 'knex';
import Decimal from 'decimal.js';
import * as ledgerQueries from '../ledger/queries';
import type { EntityRow } from '../ledger/queries';
import { Clock, today } from '../shared/clock';
import { D, formatMoney, sumMoney, ZERO } from '../shared/money';
import type { Bar } from './charts';
import * as queries from './queries';

/** Income sources by account code prefix; sub-accounts follow their parent (as in disclosure). */
const SOURCES: { prefix: string; label: string }[] = [
  { prefix: '4101', label: '捐赠' },
  { prefix: '490101', label: '停车场公共收益' },
  { prefix: '490102', label: '废旧物品回收' },
  { prefix: '4401', label: '政府补助' },
];
const OTHER_SOURCE = '其他';

const MONETARY_GROUPS: { prefix: string; label: string }[] = [
  { prefix: '1001', label: '现金' },
  { prefix: '1002', label: '银行存款' },
  { prefix: '1009', label: '其他货币资金（微信/支付宝）' },
];

export interface EntitySummary {
  asOf: string;
  year: string;
  monetary: { label: string; amount: string }[];
  monetaryTotal: string;
  funds: { code: string; name: string; restricted: boolean; purpose: string | null; balance: string }[];
  incomeBySource: Bar[];
  incomeTotal: string;
  expenseByProject: Bar[];
  expenseTotal: string;
}

export function sourceOf(accountCode: string): string {
  return SOURCES.find((source) => accountCode.startsWith(source.prefix))?.label ?? OTHER_SOURCE;
}

export async function entitySummary(db: Knex, entity: EntityRow, clock: Clock): Promise<EntitySummary> {
  const asOf = today(clock);
  const year = asOf.slice(0, 4);
  const range = { from: `${year}-01-01`, to: asOf };

  const accounts = await ledgerQueries.listAccounts(db, entity.id);
  const monetaryCodes = accounts.filter((account) => account.monetary && account.is_leaf).map((account) => account.code);
  const balances = await queries.accountBalancesAsOf(db, entity.id, monetaryCodes, asOf);
  const monetary = MONETARY_GROUPS.map((group) => ({
    label: group.label,
    amount: formatMoney(sumMoney([...balances].filter(([code]) => code.startsWith(group.prefix)).map(([, balance]) => balance))),
  })).filter((row, index) => index < 2 || !D(row.amount).isZero());

  const fundRows = await ledgerQueries.listFunds(db, entity.id);
  const fundBalances = await queries.fundNetAssetsAsOf(db, entity.id, fundRows.map((fund) => fund.code), asOf);
  const funds = fundRows.map((fund) => ({
    code: fund.code,
    name: fund.name,
    restricted: fund.restricted,
    purpose: fund.purpose,
    balance: formatMoney(fundBalances.get(fund.code) ?? '0'),
  }));

  const income = new Map<string, Decimal>();
  for (const row of await queries.revenueByAccount(db, entity.id, range)) {
    const label = sourceOf(row.account_code);
    income.set(label, (income.get(label) ?? ZERO).plus(D(row.credit).minus(row.debit)));
  }
  const incomeBySource = [...SOURCES.map((source) => source.label), OTHER_SOURCE]
    .filter((label) => income.has(label))
    .map((label) => ({ label, amount: formatMoney(income.get(label) as Decimal) }));

  const expenseByProject = (await queries.expenseByProject(db, entity.id, range)).map((row) => ({
    label: row.project_name ?? '未归属项目',
    amount: formatMoney(D(row.debit).minus(row.credit)),
  }));

  return {
    asOf,
    year,
    monetary,
    monetaryTotal: formatMoney(sumMoney(monetary.map((row) => row.amount))),
    funds,
    incomeBySource,
    incomeTotal: formatMoney(sumMoney(incomeBySource.map((bar) => bar.amount))),
    expenseByProject,
    expenseTotal: formatMoney(sumMoney(expenseByProject.map((bar) => bar.amount))),
  };
}
