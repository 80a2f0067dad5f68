/**
 * The books as the 监委会 and the treasurer read them, read-only: 科目余额表 (every account's
 * debits, credits and balance up to a day, the API's trial balance) and an account's 明细账 for
 * one month (the API's account statement: opening, each line with its running balance, closing).
 */
import type { Router } from 'express';
import * as ledger from '../ledger/service';
import { today } from '../shared/clock';
import { lastDayOfMonth, monthOf } from '../shared/dates';
import { DomainError } from '../shared/errors';
import { AccountParams } from '../ledger/schemas';
import { actorOf, booksPathOf, entityFor, page, requireLogin, Web } from './context';
import { normaliseDate, normaliseMonth, textOf } from './forms';
import { chineseMonth } from './views';

export function balancePages(router: Router, web: Web): void {
  router.get(
    '/app/e/:code/balances',
    requireLogin,
    page(async (req, res) => {
      const entity = await entityFor(web, req, ['treasurer', 'supervisor']);
      const now = today(web.clock);
      const asOf = normaliseDate(textOf(req.query.asOf), now) ?? now;
      const balance = await ledger.trialBalance(web.db, actorOf(req), entity.id, asOf, web.clock);
      web.render(req, res, 'balances', '科目余额表', { entity, base: booksPathOf(entity), balance, month: monthOf(asOf), today: now });
    }),
  );

  router.get(
    '/app/e/:code/accounts/:account',
    requireLogin,
    page(async (req, res) => {
      const entity = await entityFor(web, req, ['treasurer', 'supervisor']);
      const code = String(req.params.account ?? '');
      if (!AccountParams.shape.code.safeParse(code).success) throw new DomainError('not_found', 'Account not found.');
      const month = normaliseMonth(textOf(req.query.month)) ?? monthOf(today(web.clock));
      let json = '';
      for await (const piece of ledger.accountStatement(web.db, actorOf(req), entity.id, code, { from: `${month}-01`, to: lastDayOfMonth(month) }, web.clock)) json += piece;
      const statement = JSON.parse(json);
      web.render(req, res, 'account', `${statement.account.name} ${chineseMonth(month)}明细账`, { entity, base: booksPathOf(entity), statement, month });
    }),
  );
}
