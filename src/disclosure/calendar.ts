/**
 * Disclosure periods and the disclosure calendar, as pure functions of dates: what a period
 * label (YYYY-MM, YYYY-Qn, YYYY) covers, and which reports an entity owes by when. No
 * database and no clock here; the service passes "today" in.
 *
 * The rules (DOMAIN.md, 《慈善组织信息公开办法》), with the due dates this module decides:
 * - a station publishes each quarter by the last day of the month after the quarter
 *   (2026-Q1 by 2026-04-30); a foundation's entity report is its annual report;
 * - every entity publishes its year by 31 May of the following year;
 * - a project lasting over 6 months publishes every 3 months from its start, each window due
 *   one month after it ends (like a quarter); a project without an end date counts as lasting
 *   until today;
 * - every project with an end date is published in full within 3 months of its end; "in full"
 *   means all of its money, so when money of the project moved after its end date (a bill paid
 *   late) or before its start, the final report must cover those days too, and is due 3 months
 *   after the last of them.
 * Months before the books start (the first entry, or the entity's creation) owe nothing, nor
 * does anything before January of the year before the entity joined the system (service.ts
 * passes `since` with that floor: years of paper records typed in later were published, if
 * at all, on the notice board).
 * Entity reports list project spending, so a project window counts as published once every
 * month it touches is inside a published disclosure; a quarter likewise when its months are
 * published one by one, or inside a published year. Each item names the reports that covered
 * it (`coveredBy`), and `disclosureId` only when one report covers the whole of it, so nothing
 * presents a month's report as a quarter's. An annual report is done only by the year's own
 * report: a foundation's has parts no shorter period has (资产负债表, 业务活动表, its grants),
 * and a year's totals in one place are what an annual report is for.
 */
import { addDays, addMonths, lastDayOfMonth, monthsBetween } from '../shared/dates';

const LAST_DATE = '9999-12-31';

export type PeriodKind = 'month' | 'quarter' | 'year';

export interface Period {
  /** The wire form: YYYY-MM, YYYY-Qn or YYYY. */
  code: string;
  kind: PeriodKind;
  /** How the report names it, e.g. 2026年第1季度. */
  label: string;
  from: string;
  to: string;
  months: string[];
}

export function periodOf(code: string): Period {
  const quarter = /^(\d{4})-Q([1-4])$/.exec(code);
  if (quarter) {
    const year = quarter[1];
    const n = parseInt(quarter[2], 10);
    const first = `${year}-${String(3 * n - 2).padStart(2, '0')}`;
    const last = addMonths(first, 2);
    return { code, kind: 'quarter', label: `${year}年第${n}季度`, from: `${first}-01`, to: lastDayOfMonth(last), months: monthsBetween(first, last) };
  }
  if (/^\d{4}$/.test(code)) {
    return { code, kind: 'year', label: `${code}年度`, from: `${code}-01-01`, to: `${code}-12-31`, months: monthsBetween(`${code}-01`, `${code}-12`) };
  }
  const [year, month] = code.split('-');
  return { code, kind: 'month', label: `${year}年${parseInt(month, 10)}月`, from: `${code}-01`, to: lastDayOfMonth(code), months: [code] };
}

export function quarterOf(date: string): string {
  const month = parseInt(date.slice(5, 7), 10);
  return `${date.slice(0, 4)}-Q${Math.ceil(month / 3)}`;
}

export type CalendarStatus = 'done' | 'due' | 'overdue';

/** A published report as the calendar names it: its id and period label (YYYY-MM, YYYY-Qn or YYYY). */
export interface Covering {
  disclosureId: string;
  period: string;
}

export interface CalendarProject {
  id: string;
  name: string;
  startsOn: string | null;
  endsOn: string | null;
}

export interface CalendarItem {
  kind: 'quarterly' | 'annual' | 'project_progress' | 'project_final';
  /** YYYY-Qn or YYYY for entity reports; from..to (YYYY-MM-DD..YYYY-MM-DD) for project windows. */
  period: string;
  from: string;
  to: string;
  dueDate: string;
  status: CalendarStatus;
  /** The one published report that covers every owed month of the item by itself. */
  disclosureId?: string;
  /** When done: the published reports that together cover its owed months, earliest first (empty when no month of it is owed). */
  coveredBy?: Covering[];
  /** When due or overdue but some owed months are published: the reports covering those, earliest first. */
  publishedSoFar?: Covering[];
  /** With publishedSoFar: the owed months (YYYY-MM) no published report covers yet. */
  missingMonths?: string[];
  project?: CalendarProject;
}

export interface CalendarInput {
  today: string;
  /** The first day the entity has books for: its first entry, or its creation. */
  since: string;
  /** Whether the entity owes quarterly reports (stations do; a foundation reports yearly). */
  quarterly: boolean;
  /** With the first and last day the project's money moved in posted entries (null: never). */
  projects: (CalendarProject & { firstMovedOn?: string | null; lastMovedOn?: string | null })[];
  /** The latest version of every published disclosure. */
  published: { id: string; period: string }[];
}

export function disclosureCalendar(input: CalendarInput): CalendarItem[] {
  const { today } = input;
  // Months before the books start have nothing to disclose, so they count as covered.
  const firstMonth = input.since.slice(0, 7);
  const published = input.published.map((disclosure) => ({ ...disclosure, months: periodOf(disclosure.period).months }));
  const status = (from: string, to: string, dueDate: string): Pick<CalendarItem, 'status' | 'disclosureId' | 'coveredBy' | 'publishedSoFar' | 'missingMonths'> => {
    const owed = monthsBetween(from.slice(0, 7), to.slice(0, 7)).filter((month) => month >= firstMonth);
    const covering = coveringReports(published, owed);
    if (!covering) {
      const missingMonths = owed.filter((month) => !published.some((disclosure) => disclosure.months.includes(month)));
      const soFar = coveringReports(published, owed.filter((month) => !missingMonths.includes(month)));
      return { status: today > dueDate ? 'overdue' : 'due', ...(soFar && soFar.length > 0 ? { publishedSoFar: soFar, missingMonths } : {}) };
    }
    return { status: 'done', ...(covering.length === 1 ? { disclosureId: covering[0].disclosureId } : {}), coveredBy: covering };
  };
  // An annual report is the year's own report; quarters or months do not make one.
  const annualStatus = (year: string, dueDate: string): Pick<CalendarItem, 'status' | 'disclosureId' | 'coveredBy'> => {
    const own = input.published.find((disclosure) => disclosure.period === year);
    if (!own) return { status: today > dueDate ? 'overdue' : 'due' };
    return { status: 'done', disclosureId: own.id, coveredBy: [{ disclosureId: own.id, period: own.period }] };
  };
  // A period ending in 9999 is due on the last day a date can name, not in year 10000 (which
  // would also sort before every other date as text).
  const dueBy = (date: string): string => (date.length > 10 ? LAST_DATE : date);
  const items: CalendarItem[] = [];

  // Quarters from the one the books start in; the first quarter not yet over is the next due.
  for (let code = quarterOf(input.since); input.quarterly; code = nextQuarter(code)) {
    const period = periodOf(code);
    const dueDate = dueBy(lastDayOfMonth(addMonths(period.to.slice(0, 7), 1)));
    items.push({ kind: 'quarterly', period: code, from: period.from, to: period.to, dueDate, ...status(period.from, period.to, dueDate) });
    if (period.to >= today) break;
  }
  for (let year = parseInt(input.since.slice(0, 4), 10); ; year += 1) {
    const period = periodOf(String(year));
    const dueDate = dueBy(`${year + 1}-05-31`);
    items.push({ kind: 'annual', period: period.code, from: period.from, to: period.to, dueDate, ...annualStatus(period.code, dueDate) });
    if (period.to >= today) break;
  }

  for (const project of input.projects) {
    if (!project.startsOn) continue;
    const ref: CalendarProject = { id: project.id, name: project.name, startsOn: project.startsOn, endsOn: project.endsOn };
    const lastsUntil = project.endsOn ?? today;
    const halfYearEnds = addDays(addMonthsToDate(project.startsOn, 6), -1);
    if (halfYearEnds.length === 10 && halfYearEnds < lastsUntil) {
      for (let from = project.startsOn; from <= lastsUntil; from = addMonthsToDate(from, 3)) {
        const to = addDays(addMonthsToDate(from, 3), -1);
        // The window that holds the end is covered by the final report.
        if (project.endsOn && to >= project.endsOn) break;
        const dueDate = dueBy(lastDayOfMonth(addMonths(to.slice(0, 7), 1)));
        items.push({ kind: 'project_progress', period: `${from}..${to}`, from, to, dueDate, ...status(from, to, dueDate), project: ref });
        if (to >= today) break;
      }
    }
    if (project.endsOn) {
      // In full: from the first to the last day the project's money moved, when those fall
      // outside its planned dates.
      const from = project.firstMovedOn && project.firstMovedOn < project.startsOn ? project.firstMovedOn : project.startsOn;
      const to = project.lastMovedOn && project.lastMovedOn > project.endsOn ? project.lastMovedOn : project.endsOn;
      const dueDate = dueBy(addMonthsToDate(to, 3));
      items.push({ kind: 'project_final', period: `${from}..${to}`, from, to, dueDate, ...status(from, to, dueDate), project: ref });
    }
  }
  return items.sort((a, b) => (a.dueDate === b.dueDate ? a.period.localeCompare(b.period) : a.dueDate.localeCompare(b.dueDate)));
}

function nextQuarter(code: string): string {
  const year = parseInt(code.slice(0, 4), 10);
  const n = parseInt(code.slice(6), 10);
  return n === 4 ? `${year + 1}-Q1` : `${year}-Q${n + 1}`;
}

/** The same day n months later, clamped to the month's last day (2026-08-31 + 6 → 2027-02-28). */
function addMonthsToDate(date: string, months: number): string {
  const month = addMonths(date.slice(0, 7), months);
  const last = lastDayOfMonth(month);
  const day = `${month}-${date.slice(8, 10)}`;
  return day > last ? last : day;
}

/**
 * The published reports that cover every owed month, earliest first, or undefined when a month
 * is not covered. One report covering them all is named alone (the narrowest such, e.g. the
 * quarter's own rather than the year's); otherwise each month's narrowest report, so a quarter
 * published month by month names its months' reports. No owed month: covered by nothing ([]).
 */
function coveringReports(published: (CalendarInput['published'][number] & { months: string[] })[], owed: string[]): Covering[] | undefined {
  if (owed.length === 0) return [];
  const whole = published
    .filter((disclosure) => owed.every((month) => disclosure.months.includes(month)))
    .sort((a, b) => a.months.length - b.months.length)[0];
  if (whole) return [{ disclosureId: whole.id, period: whole.period }];
  const covering: Covering[] = [];
  for (const month of owed) {
    const narrowest = published.filter((disclosure) => disclosure.months.includes(month)).sort((a, b) => a.months.length - b.months.length)[0];
    if (!narrowest) return undefined;
    if (!covering.some((report) => report.disclosureId === narrowest.id)) covering.push({ disclosureId: narrowest.id, period: narrowest.period });
  }
  return covering;
}
