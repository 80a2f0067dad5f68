/**
 * Calendar arithmetic on YYYY-MM-DD strings and YYYY-MM periods, without time zones:
 * a book date is a calendar day, not an instant.
 */
export const DATE_PATTERN = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
export const MONTH_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;

/**
 * The first year a book date may fall in. Anything earlier is a typo, and years below 1000
 * would print with fewer than four digits wherever a year is computed ("1-12-31", which
 * Postgres reads as 2031-01-12): a black-box test closed 0001-12 that way.
 */
export const FIRST_YEAR = 1900;

export function isValidDate(value: string): boolean {
  if (!DATE_PATTERN.test(value)) return false;
  const [y, m, d] = value.split('-').map((part) => parseInt(part, 10));
  if (y < FIRST_YEAR) return false;
  const probe = new Date(Date.UTC(y, m - 1, d));
  return probe.getUTCFullYear() === y && probe.getUTCMonth() === m - 1 && probe.getUTCDate() === d;
}

export function isValidMonth(value: string): boolean {
  return MONTH_PATTERN.test(value) && parseInt(value.slice(0, 4), 10) >= FIRST_YEAR;
}

export function monthOf(date: string): string {
  return date.slice(0, 7);
}

export function yearOf(date: string): number {
  return parseInt(date.slice(0, 4), 10);
}

export function lastDayOfMonth(month: string): string {
  const [y, m] = month.split('-').map((part) => parseInt(part, 10));
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return `${month}-${String(last).padStart(2, '0')}`;
}

export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map((part) => parseInt(part, 10));
  const moved = new Date(Date.UTC(y, m - 1, d + days));
  // Not toISOString: it writes year 10000 as "+010000".
  const pad = (value: number): string => String(value).padStart(2, '0');
  return `${String(moved.getUTCFullYear()).padStart(4, '0')}-${pad(moved.getUTCMonth() + 1)}-${pad(moved.getUTCDate())}`;
}

export function addMonths(month: string, count: number): string {
  const [y, m] = month.split('-').map((part) => parseInt(part, 10));
  const index = y * 12 + (m - 1) + count;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/**
 * Months from `first` to `last` inclusive, both YYYY-MM. Counted by number, not compared as
 * text: the month after 9999-12 is "10000-01", which sorts before "9999-12", and publishing the
 * year 9999 once looped until the process ran out of memory.
 */
export function monthsBetween(first: string, last: string): string[] {
  const index = (month: string) => parseInt(month.slice(0, 4), 10) * 12 + parseInt(month.slice(5, 7), 10) - 1;
  const months: string[] = [];
  for (let i = index(first), end = index(last); i <= end; i += 1) months.push(addMonths(first, i - index(first)));
  return months;
}

/** 2026-03-05 → 2026年3月5日, as people write a day (anything else is given back as it is). */
export function chineseDate(date: string | null | undefined): string {
  if (!date) return '';
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(date);
  if (!match) return date;
  return `${match[1]}年${Number.parseInt(match[2], 10)}月${Number.parseInt(match[3], 10)}日`;
}

/** A day within a report's year, without the year: 2026-10-02 → 10月2日. */
export function chineseMonthDay(date: string | null | undefined): string {
  return chineseDate(date).replace(/^\d{4}年/, '');
}
