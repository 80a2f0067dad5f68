/**
 * The figures of an entity's public page: money on hand, fund balances, income by source and
 * spending by project for the current year, all as of today (Asia/Shanghai, by the app's
 * clock). It reads aggregates only (see queries.ts) and classifies income sources through the
 * disclosure report's own function, so the page and the PDF agree; a source or project whose
 * money cancelled out in the year is left out, and the rows add up to the year's figure.
 */
import type { Knex } from 'knex';
import Decimal from 'decimal.js';
import * as ledgerQueries from '../ledger/queries';
import type { EntityRow } from '../ledger/queries';
import { Clock, today } from '../shared/clock';
import { assert } from '../shared/assert';
import { INCOME_SOURCE_LABELS, incomeSourceOfChain, UNASSIGNED_PROJECT_LABEL, type IncomeSource } from '../disclosure/model';
import { D, formatMoney, sumMoney, ZERO } from '../shared/money';
import type { Bar } from './charts';
import * as queries from './queries';

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

  // Income by source, classified as the disclosure report classifies it (a sub-account counts
  // with the source its parents lead to). A source whose money cancelled out (a receipt and
  // its reversal) has nothing to show; the rows must still add up to the year's income.
  const parentOf = new Map(accounts.map((account) => [account.code, account.parent_code]));
  const chainOf = (code: string): string[] => {
    const chain: string[] = [];
    for (let current: string | null = code; current !== null && !chain.includes(current); current = parentOf.get(current) ?? null) chain.push(current);
    return chain;
  };
  const income = new Map<IncomeSource, Decimal>();
  let incomeTotal = ZERO;
  for (const row of await queries.revenueByAccount(db, entity.id, range)) {
    const net = D(row.credit).minus(row.debit);
    const source = incomeSourceOfChain(chainOf(row.account_code));
    income.set(source, (income.get(source) ?? ZERO).plus(net));
    incomeTotal = incomeTotal.plus(net);
  }
  const incomeBySource = INCOME_SOURCE_LABELS.filter(({ source }) => !(income.get(source) ?? ZERO).isZero()).map(({ source, label }) => ({
    label,
    amount: formatMoney(income.get(source) as Decimal),
  }));
  assert(sumMoney(incomeBySource.map((bar) => bar.amount)).equals(incomeTotal), 'income by source adds up to the year’s income');

  const spending = (await queries.expenseByProject(db, entity.id, range)).map((row) => ({
    label: row.project_name ?? UNASSIGNED_PROJECT_LABEL,
    amount: D(row.debit).minus(row.credit),
  }));
  const expenseTotal = sumMoney(spending.map((row) => row.amount));
  const expenseByProject = spending.filter((row) => !row.amount.isZero()).map((row) => ({ label: row.label, amount: formatMoney(row.amount) }));

  return {
    asOf,
    year,
    monetary,
    monetaryTotal: formatMoney(sumMoney(monetary.map((row) => row.amount))),
    funds,
    incomeBySource,
    incomeTotal: formatMoney(incomeTotal),
    expenseByProject,
    expenseTotal: formatMoney(expenseTotal),
  };
}
