/**
 * The journal in hledger's plain-text format: one transaction per posted entry, accounts
 * named by code and name, the fund and project as tags. `hledger -f - bal` over it gives the
 * same per-account figures as the trial balance — an independent check of our arithmetic.
 * An export that starts at `from` opens with one transaction of the balances before that day
 * (hledger's own way to start a file mid-way, as `hledger close --open` writes), so its
 * totals still equal the trial balance as of its end.
 */
import type { Knex } from 'knex';
import { addDays } from '../shared/dates';
import { D, formatMoney } from '../shared/money';
import * as queries from './queries';

/** hledger ends an account name at two spaces and starts a comment at ';'. */
function clean(text: string): string {
  return text.replace(/[\r\n\t]+/g, ' ').replace(/;/g, '；').replace(/ {2,}/g, ' ').trim();
}

export async function* hledgerJournal(db: Knex, entityId: string, range: { from?: string; to?: string }): AsyncGenerator<string> {
  const accounts = new Map((await queries.listAccounts(db, entityId)).map((account) => [account.code, account.name]));
  yield `; 社区公益基金账本 — hledger journal\ncommodity 1,000.00 CNY\n\n`;
  if (range.from) yield await openingBalances(db, entityId, range.from, accounts);
  let after: { date: string; seq: string } | undefined;
  for (;;) {
    const rows = await queries.listEntries(db, entityId, { from: range.from, to: range.to, status: 'posted', after, limit: 1000 });
    const page = rows.slice(0, 1000);
    if (page.length === 0) break;
    const lines = await queries.linesOf(db, page.map((row) => row.id));
    const byEntry = new Map<string, typeof lines>();
    for (const line of lines) byEntry.set(line.entry_id, [...(byEntry.get(line.entry_id) ?? []), line]);
    let chunk = '';
    for (const row of page) {
      chunk += `${row.date} (${row.number}) ${clean(row.memo)}\n    ; entry:${row.id}\n`;
      for (const line of byEntry.get(row.id) ?? []) {
        const amount = line.debit !== null ? formatMoney(line.debit) : `-${formatMoney(line.credit as string)}`;
        const account = clean(`${line.account_code} ${accounts.get(line.account_code) ?? ''}`);
        chunk += `    ${account}  ${amount} CNY  ; fund:${line.fund_code}${line.project_id ? `, project:${line.project_id}` : ''}\n`;
      }
      chunk += '\n';
    }
    yield chunk;
    if (rows.length <= 1000) break;
    const last = page[page.length - 1];
    after = { date: last.date, seq: last.seq };
  }
}

/** The balances of posted entries dated before `from`, as one transaction the day before; '' when there are none. */
async function openingBalances(db: Knex, entityId: string, from: string, accounts: Map<string, string>): Promise<string> {
  const rows = (await queries.balancesAsOf(db, entityId, from, true)).map((row) => ({ code: row.account_code, balance: D(row.debit).minus(row.credit) })).filter((row) => !row.balance.isZero());
  if (rows.length === 0) return '';
  let text = `${addDays(from, -1)} 期初余额（${from} 之前的凭证）\n    ; opening:\n`;
  for (const row of rows) text += `    ${clean(`${row.code} ${accounts.get(row.code) ?? ''}`)}  ${formatMoney(row.balance)} CNY\n`;
  return `${text}\n`;
}
