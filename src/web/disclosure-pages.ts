/**
 * The disclosure parts of the web: published reports and the calendar on an entity's public
 * page, a report page drawn from the frozen snapshot (never recomputed here), the verify page
 * a report's QR code points to, and the treasurer's publish and the supervisor's countersign
 * forms. Everything goes through the disclosure service; figures come from its frozen model.
 */
import type { Request, Response, Router } from 'express';
import * as disclosure from '../disclosure/service';
import { periodOf, type CalendarItem, type Covering } from '../disclosure/calendar';
import { inDateOrder, SECTION_TITLES, type ReportModel } from '../disclosure/model';
import { PublishCommand } from '../disclosure/schemas';
import type { EntityRow } from '../ledger/queries';
import * as ledger from '../ledger/service';
import { shanghaiDate, today } from '../shared/clock';
import { addMonths, monthsBetween } from '../shared/dates';
import { DomainError } from '../shared/errors';
import { barChart } from './charts';
import { chineseDate, chineseMonth } from './views';
import { actorOf, entityFor, FieldErrors, formFailure, page, requireLogin, Web } from './context';
import { textOf } from './forms';
import { hintFor } from './messages';
import { findDisclosureIdByHash } from './queries';
import { requireCsrf } from './session';
import { takeKeptForm } from './kept-forms';
import { UUID_PATTERN as UUID } from '../shared/schemas';

const SHA256 = /^[0-9a-f]{64}$/i;
/** A report's id in one of its addresses: the verify link the PDF prints, the page, the API. */
const REPORT_ADDRESS = /\/(?:verify|reports|api\/public\/disclosures)\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?=[/?#]|$)/i;

/**
 * What a resident pasted into the verify box, reduced to an id or a hash: the PDF prints the
 * whole verify URL under 在线核验, and a phone copies the report page's address, so either is
 * read for the id it carries. Anything else is compared as typed (trimmed, lower case).
 */
function reportKeyOf(typed: string): string {
  const text = typed.trim();
  return (REPORT_ADDRESS.exec(text)?.[1] ?? text).toLowerCase();
}

export interface ReportListItem {
  id: string;
  period: string;
  periodLabel: string;
  version: number;
  publishedDate: string;
  superseded: boolean;
  countersigned: boolean;
  /** Who countersigned, when (a Beijing day) and what they noted; null before. */
  countersignature: { name: string; date: string; note: string | null } | null;
  pdfUrl: string;
}

function deps(web: Web): disclosure.DisclosureDeps {
  return { db: web.db, clock: web.clock, publicUrl: web.config.publicUrl };
}

async function reportsOf(web: Web, entityId: string): Promise<ReportListItem[]> {
  const { items } = await disclosure.listPublic(web.db, entityId);
  return items
    .map((item) => ({
      id: item.id,
      period: item.period,
      // A year's report is listed under its own title's name (2026年度), so the list and the report agree.
      periodLabel: periodOf(item.period).kind === 'year' ? periodOf(item.period).label : periodLabel(item.period),
      version: item.version,
      publishedDate: shanghaiDate(new Date(item.publishedAt)),
      superseded: !item.latest,
      countersigned: item.countersigned,
      countersignature: item.countersignature ? { name: item.countersignature.name ?? '', date: shanghaiDate(new Date(item.countersignature.at)), note: item.countersignature.note } : null,
      pdfUrl: item.countersignedPdfUrl ?? item.pdfUrl,
    }))
    // Latest period end first (a quarter among its months, not above them by the letter Q); a
    // wider period before a narrower one ending the same day; versions newest first.
    .sort((a, b) => {
      const [pa, pb] = [periodOf(a.period), periodOf(b.period)];
      if (pa.to !== pb.to) return pa.to < pb.to ? 1 : -1;
      if (pa.from !== pb.from) return pa.from < pb.from ? -1 : 1;
      return b.version - a.version;
    });
}

/** 2026年第3季度（7–9月）, 2026年全年（1–12月）, 2026年9月: a period as the pages name it to residents. */
export function periodLabel(code: string): string {
  const period = periodOf(code);
  if (period.kind === 'month') return period.label;
  const [first, last] = [period.months[0], period.months[period.months.length - 1]].map((month) => Number.parseInt(month.slice(5, 7), 10));
  return period.kind === 'year' ? `${code}年全年（${first}–${last}月）` : `${period.label}（${first}–${last}月）`;
}

/** A day as a row names it: without the year when the row's year already says it (9月30日). */
function dayIn(date: string, year: string): string {
  return date.startsWith(`${year}-`) ? chineseDate(date).slice(year.length + 1) : chineseDate(date);
}

function calendarLabel(item: CalendarItem): string {
  const dates = `${chineseDate(item.from)}至${dayIn(item.to, item.from.slice(0, 4))}`;
  switch (item.kind) {
    case 'quarterly':
      return `${periodLabel(item.period)}财务公开`;
    case 'annual':
      return `${item.period}年度报告`;
    case 'project_progress':
      return `项目「${item.project?.name ?? ''}」进展公开（${dates}）`;
    case 'project_final':
      return `项目「${item.project?.name ?? ''}」结项公开（${dates}）`;
    default:
      return item.period;
  }
}

/**
 * Months (in order) as a resident reads them, runs of the row's year shortened: 7月, 1–7月、
 * 10月; a month of another year in full (2025年12月).
 */
function monthNames(months: string[], year: string): string {
  const number = (month: string) => Number.parseInt(month.slice(5, 7), 10);
  const runs: string[][] = [];
  for (const month of months) {
    const run = runs[runs.length - 1];
    if (run && month.startsWith(`${year}-`) && run[run.length - 1].startsWith(`${year}-`) && number(month) === number(run[run.length - 1]) + 1) run.push(month);
    else runs.push([month]);
  }
  return runs
    .map((run) => (!run[0].startsWith(`${year}-`) ? chineseMonth(run[0]) : run.length === 1 ? `${number(run[0])}月` : `${number(run[0])}–${number(run[run.length - 1])}月`))
    .join('、');
}

/**
 * What a calendar row says beyond its label: which reports satisfied it when it is not simply
 * its own period's report (a quarter published month by month, a project inside the months'
 * reports), the months it did not owe because the books had not started, and for a project
 * why its final report runs past the planned dates (its money moved then).
 */
function calendarNotes(item: CalendarItem): { covering: { label: string; url: string }[]; soFar: { label: string; url: string }[]; notes: string[] } {
  const own = item.coveredBy?.length === 1 && item.coveredBy[0].period === item.period;
  const year = item.from.slice(0, 4);
  const reportLabel = (period: string) => `${period.startsWith(`${year}-`) && period.length === 7 ? `${Number.parseInt(period.slice(5, 7), 10)}月` : periodLabel(period)}报告`;
  const linked = (reports: Covering[] | undefined) => (reports ?? []).map((report) => ({ label: reportLabel(report.period), url: `/reports/${report.disclosureId}` }));
  const covering = own || item.status !== 'done' ? [] : linked(item.coveredBy);
  // Not done yet, but part of it is out: say which reports and which months are still to come.
  const soFar = item.status === 'done' ? [] : linked(item.publishedSoFar);
  const notes: string[] = [];
  if (soFar.length > 0 && item.missingMonths?.length) notes.push(`还差${monthNames(item.missingMonths, year)}没有公开。`);
  if (covering.length > 0) {
    const coveredMonths = new Set((item.coveredBy ?? []).flatMap((report) => periodOf(report.period).months));
    const notOwed = monthsBetween(item.from.slice(0, 7), item.to.slice(0, 7)).filter((month) => !coveredMonths.has(month));
    if (notOwed.length > 0) notes.push(`${monthNames(notOwed, year)}还没有开始记账，不用公开。`);
  }
  const project = item.project;
  if (item.kind === 'project_final' && project?.startsOn && project.endsOn) {
    if (item.from < project.startsOn) notes.push(`项目原定${dayIn(project.startsOn, year)}开始，${dayIn(item.from, year)}已有这个项目的收支，结项公开要从这一天算起。`);
    if (item.to > project.endsOn) notes.push(`项目原定${dayIn(project.endsOn, year)}结束，${dayIn(item.to, year)}还有这个项目的收支，结项公开要包括到这一天。`);
  }
  return { covering, soFar, notes };
}

/**
 * Every part of the report model as the report heads it, for the verify page's list of parts
 * that no longer match. Typed over the model's keys, so a new part cannot ship unnamed.
 */
const REPORT_PART_LABELS: Record<keyof ReportModel, string> = {
  schemaVersion: '报告格式',
  title: '报告标题',
  summary: SECTION_TITLES.summary,
  income: SECTION_TITLES.income,
  expenses: SECTION_TITLES.expenses,
  restrictedRelease: `${SECTION_TITLES.expenses}（限定性净资产转为非限定性净资产）`,
  funds: SECTION_TITLES.funds,
  entries: SECTION_TITLES.entries,
  reconciliations: SECTION_TITLES.reconciliations,
  corrections: SECTION_TITLES.corrections,
  review: SECTION_TITLES.review,
  verification: SECTION_TITLES.verification,
  balanceSheet: SECTION_TITLES.balanceSheet,
  activityStatement: SECTION_TITLES.activityStatement,
  grants: SECTION_TITLES.grants,
};

/** Section names in report order, each once (two parts may share a heading). */
function reportPartLabels(keys: string[]): string[] {
  const order = Object.keys(REPORT_PART_LABELS);
  const sorted = [...keys].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  return [...new Set(sorted.map((key) => REPORT_PART_LABELS[key as keyof ReportModel] ?? '其他部分'))];
}

/** Reports and calendar for an entity's public page. */
export async function disclosureSections(web: Web, entity: EntityRow) {
  const reports = await reportsOf(web, entity.id);
  const { items } = await disclosure.calendar(deps(web), entity.id);
  // A row done with nothing owed (before the books started) has nothing to show.
  // A period counts as published on its first version's day (a later correction does not make
  // it late); an item as published on the day its last covering period was.
  const firstPublished = new Map<string, string>();
  for (const report of reports) {
    const known = firstPublished.get(report.period);
    if (!known || report.publishedDate < known) firstPublished.set(report.period, report.publishedDate);
  }
  const publishedLate = (item: CalendarItem): string | null => {
    if (item.status !== 'done' || !item.coveredBy?.length) return null;
    const on = item.coveredBy.map((report) => firstPublished.get(report.period) ?? '').sort().pop() ?? '';
    return on > item.dueDate ? on : null;
  };
  const calendar = items
    .filter((item) => item.status !== 'done' || (item.coveredBy ?? []).length > 0)
    .slice(-12)
    .reverse()
    .map((item) => ({ label: calendarLabel(item), dueDate: item.dueDate, status: item.status, publishedLate: publishedLate(item), reportUrl: item.disclosureId ? `/reports/${item.disclosureId}` : null, ...calendarNotes(item) }));
  return { reports, calendar };
}

/** The publish form as typed: what a refused form, or one kept across a lost session, shows again. */
function publishValuesOf(body: Record<string, unknown>): Record<string, string> {
  return { period: textOf(body.period), reason: textOf(body.reason) };
}

export function disclosurePages(router: Router, web: Web, refuseCsrf: (req: Request, res: Response) => void): void {
  const csrf = requireCsrf(web.config.jwtSecret, refuseCsrf);

  router.get(
    '/reports/:id',
    page(async (req, res) => {
      const id = String(req.params.id);
      if (!UUID.test(id)) throw new DomainError('not_found', 'Disclosure not found.');
      const model = JSON.parse(await disclosure.publicReportJson(web.db, id)) as ReportModel;
      const meta = (await disclosure.listPublic(web.db, model.title.entity.id)).items.find((item) => item.id === id);
      web.render(req, res, 'report', `${model.title.entity.name} ${model.title.reportTitle}`, {
        id,
        model,
        meta,
        entryRows: inDateOrder(model.entries.rows),
        incomeChart: barChart('收入来源', model.income.rows.map((row) => ({ label: row.label, amount: row.total }))),
        expenseChart: barChart('支出（按项目）', model.expenses.byProject.map((row) => ({ label: row.name, amount: row.amount }))),
      });
    }),
  );

  router.get(
    '/verify',
    page(async (req, res) => {
      const typed = textOf(req.query.q);
      if (!typed) return web.render(req, res, 'verify', '验证报告', { values: {}, errors: {}, result: null });
      const query = reportKeyOf(typed);
      const id = UUID.test(query) ? query : SHA256.test(query) ? await findDisclosureIdByHash(web.db, query) : null;
      if (!id) {
        return web.render(req, res, 'verify', '验证报告', { values: { q: typed }, errors: { q: UUID.test(query) || SHA256.test(query) ? '没有找到这份报告，请核对编号或校验码。' : hintFor('hash') }, result: null }, { status: 404 });
      }
      res.redirect(303, `/verify/${id}`);
    }),
  );

  router.get(
    '/verify/:id',
    page(async (req, res) => {
      const id = String(req.params.id);
      if (!UUID.test(id)) throw new DomainError('not_found', 'Disclosure not found.');
      const result = await disclosure.verifyForPublic(web.db, id);
      const model = JSON.parse(await disclosure.publicReportJson(web.db, id)) as ReportModel;
      web.render(req, res, 'verify', `验证报告：${model.title.entity.name} ${model.title.reportTitle}`, { values: { q: id }, errors: {}, result, model, differingParts: reportPartLabels(result.differingSections) });
    }),
  );

  // Treasurer: publish a closed period.

  /**
   * The periods the treasurer may publish, as API.md allows them (YYYY-MM, YYYY-Qn, YYYY), each
   * only once every month in it is closed; and the quarters and years that are over and have
   * some months closed but not all, with the months still open, so a quarter is never simply
   * missing from the list without a reason.
   */
  async function publishablePeriods(req: Request, entity: EntityRow) {
    const closed = new Set((await ledger.listPeriods(web.db, actorOf(req), entity.id)).items.map((row) => row.period));
    const now = today(web.clock);
    const december = `${now.slice(0, 4)}-12`;
    const groups = { quarter: [] as string[], month: [] as string[], year: [] as string[] };
    const waiting: { label: string; open: string; year: boolean }[] = [];
    const consider = (code: string) => {
      const period = periodOf(code);
      const open = period.months.filter((month) => !closed.has(month));
      if (open.length === 0) groups[period.kind].push(code);
      // Only periods already over: a month still to come is closed when it ends, not early.
      else if (period.kind !== 'month' && open.length < period.months.length && period.to < now) waiting.push({ label: periodLabel(code), open: monthNames(open, code.slice(0, 4)), year: period.kind === 'year' });
    };
    // Three years back from this year's December (a month of this year may close early).
    for (let back = 0; back < 36; back += 1) {
      const month = addMonths(december, -back);
      const n = Number.parseInt(month.slice(5, 7), 10);
      if (n === 12) consider(month.slice(0, 4));
      if (n % 3 === 0) consider(`${month.slice(0, 4)}-Q${n / 3}`);
      consider(month);
    }
    return { groups, waiting };
  }

  async function showPublish(req: Request, res: Response, entity: EntityRow, values: Record<string, string>, failure: { message?: string; errors?: FieldErrors; status?: number } = {}) {
    const { groups, waiting } = await publishablePeriods(req, entity);
    const reports = await reportsOf(web, entity.id);
    const latest = latestVersions(reports);
    const optionOf = (code: string) => {
      const published = latest.get(code);
      const label = periodLabel(code);
      return { value: code, published: published !== undefined, label: published ? `${label}（已发布第${published.version}版${published.countersigned ? '，监委会已审核' : ''}）` : label };
    };
    const optionGroups = [
      { label: '季度报告', options: groups.quarter.map(optionOf) },
      { label: '月度报告', options: groups.month.map(optionOf) },
      { label: '全年报告', options: groups.year.map(optionOf) },
    ].filter((group) => group.options.length > 0);
    // A period not yet published is the usual choice; a published one is never preselected,
    // so one tap cannot put a new version over a report the 监委会 has countersigned.
    const selected = values.period ?? optionGroups.flatMap((group) => group.options).find((option) => !option.published)?.value ?? '';
    web.render(
      req,
      res,
      'publish',
      '发布公开报告',
      { entity, base: `/app/e/${encodeURIComponent(entity.code)}`, groups: optionGroups, waiting, reports, values: { ...values, period: selected }, errors: failure.errors ?? {}, message: failure.message ?? null },
      { status: failure.status },
    );
  }

  /** The latest version of each published period. */
  function latestVersions(reports: ReportListItem[]): Map<string, ReportListItem> {
    return new Map(reports.filter((report) => !report.superseded).map((report) => [report.period, report]));
  }

  router.get(
    '/app/e/:code/publish',
    requireLogin,
    page(async (req, res) => {
      const entity = await entityFor(web, req, ['treasurer']);
      const kept = await takeKeptForm(web, req, res);
      await showPublish(req, res, entity, kept ? publishValuesOf(kept.fields) : {}, { message: kept?.notice });
    }),
  );

  router.post(
    '/app/e/:code/publish',
    requireLogin,
    csrf,
    page(async (req, res) => {
      const entity = await entityFor(web, req, ['treasurer']);
      const values = publishValuesOf(req.body ?? {});
      const parsed = PublishCommand.safeParse({ period: values.period, reason: values.reason || undefined });
      if (!parsed.success) return showPublish(req, res, entity, values, { message: '请选择要公开的期间。', errors: { period: hintFor('period') }, status: 400 });
      const earlier = latestVersions(await reportsOf(web, entity.id)).get(parsed.data.period);
      if (earlier && !parsed.data.reason) {
        const signed = earlier.countersigned ? '，监委会已经审核签字，新版本要重新审核签字' : '';
        return showPublish(req, res, entity, values, {
          message: `${earlier.periodLabel}已经发布过第${earlier.version}版${signed}。确实要发布新版本，请写明改了什么。`,
          errors: { reason: '发布新版本要写明原因，居民会在报告上看到' },
          status: 400,
        });
      }
      try {
        const published = await disclosure.publish(deps(web), actorOf(req), entity.id, parsed.data);
        res.redirect(303, `/reports/${published.id}?ok=published`);
      } catch (error) {
        const failure = formFailure(error);
        if (!failure) throw error;
        if (error instanceof DomainError && error.code === 'period_not_closed') failure.message = '这个期间还有月份没有结账，请先结账再发布。';
        await showPublish(req, res, entity, values, failure);
      }
    }),
  );

  // Supervisor: countersign.

  /** `values` holds a note typed for one report, under `note-<report id>`. */
  async function showCountersign(req: Request, res: Response, entity: EntityRow, failure: { message?: string; status?: number } = {}, values: Record<string, string> = {}) {
    const reports = (await reportsOf(web, entity.id)).filter((report) => !report.superseded);
    web.render(req, res, 'countersign', '审核签字', { entity, base: `/app/e/${encodeURIComponent(entity.code)}`, reports, values, message: failure.message ?? null, errors: {} }, { status: failure.status });
  }

  router.get(
    '/app/e/:code/countersign',
    requireLogin,
    page(async (req, res) => {
      const entity = await entityFor(web, req, ['supervisor']);
      const kept = await takeKeptForm(web, req, res);
      const reportId = kept ? /\/reports\/([^/]+)\/countersign$/.exec(kept.action)?.[1] : undefined;
      if (kept && reportId && UUID.test(reportId)) return showCountersign(req, res, entity, { message: kept.notice }, { [`note-${reportId}`]: textOf(kept.fields.note) });
      await showCountersign(req, res, entity);
    }),
  );

  router.post(
    '/app/e/:code/reports/:id/countersign',
    requireLogin,
    csrf,
    page(async (req, res) => {
      const entity = await entityFor(web, req, ['supervisor']);
      const id = String(req.params.id);
      if (!UUID.test(id)) throw new DomainError('not_found', 'Disclosure not found.');
      const note = textOf(req.body?.note);
      try {
        await disclosure.countersign(deps(web), actorOf(req), id, { note: note || undefined });
        res.redirect(303, `/app/e/${encodeURIComponent(entity.code)}/countersign?ok=countersigned`);
      } catch (error) {
        const failure = formFailure(error);
        if (!failure || failure.status === 404) throw error;
        if (error instanceof DomainError && error.code === 'already_countersigned') {
          const signed = (await reportsOf(web, entity.id)).find((report) => report.id === id)?.countersignature;
          const by = signed ? `${signed.name}已在${chineseDate(signed.date)}审核签字` : '已经审核签字过了';
          failure.message = `这份报告${by}，不用再审核签字。${note ? `您填写的意见没有保存：“${note}”，可以复制后告诉记账人或写进下一期的审核意见。` : ''}`;
        }
        await showCountersign(req, res, entity, failure);
      }
    }),
  );
}
