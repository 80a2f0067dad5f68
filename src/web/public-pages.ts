/**
 * Pages anyone can open without logging in: the list of stations and foundations, and an
 * entity's page with its money, charts and (once published) reports and calendar. They read
 * aggregates only and never show a donor's name.
 */
import type { Router } from 'express';
import * as ledger from '../ledger/service';
import { DomainError } from '../shared/errors';
import { barChart } from './charts';
import { page, Web } from './context';
import { searchTextOf } from './forms';
import { findEntityByCode } from './queries';
import { entitySummary } from './summary';
import { disclosureSections } from './disclosure-pages';

/** With more units than this, the home page offers a search box. */
const SEARCH_FROM = 12;
/** Names in pinyin order. */
const BY_NAME = new Intl.Collator('zh-Hans-CN');

export function publicPages(router: Router, web: Web): void {
  router.get(
    '/',
    page(async (req, res) => {
      const { items } = await ledger.listPublicEntities(web.db);
      // Foundations first, then the stations by name in pinyin order; a district's seventy
      // stations also get a box to find one by a word of its name.
      const query = searchTextOf(req.query.q, 50);
      const sorted = [...items].sort((a, b) => Number(a.kind !== 'foundation') - Number(b.kind !== 'foundation') || BY_NAME.compare(a.name, b.name));
      const lower = query.toLowerCase();
      const entities = query ? sorted.filter((entity) => entity.name.includes(query) || entity.code.toLowerCase().includes(lower)) : sorted;
      web.render(req, res, 'home', '社区账目公开', { entities, query, total: items.length, searchable: items.length > SEARCH_FROM });
    }),
  );

  router.get(
    '/e/:code',
    page(async (req, res) => {
      const code = String(req.params.code);
      const entity = /^[A-Za-z0-9_-]{1,40}$/.test(code) ? await findEntityByCode(web.db, code) : undefined;
      if (!entity) throw new DomainError('not_found', 'Entity not found.');
      const summary = await entitySummary(web.db, entity, web.clock);
      const sections = await disclosureSections(web, entity);
      web.render(req, res, 'entity', entity.name, {
        entity,
        summary,
        incomeChart: barChart(`${summary.year}年收入来源`, summary.incomeBySource),
        expenseChart: barChart(`${summary.year}年支出（按项目）`, summary.expenseByProject),
        ...sections,
      });
    }),
  );
}
