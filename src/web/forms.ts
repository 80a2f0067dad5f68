/**
 * Forgiving form input for people who type on a phone: amounts written as "１５０", "¥150",
 * "150元", "1,500.00", "1.5万" or "3千" and dates written as "2026/3/5", "2026年3月5日" or, for a
 * book date, "3月5日" become the strict strings the domain schemas expect. It only normalises
 * spelling (a book date without its year is the latest such day, never a future one); it never
 * rounds money or guesses a value, so anything it cannot read is left for the schema to refuse.
 */
import Decimal from 'decimal.js';
import { formatMoney } from '../shared/money';
import { isValidDate } from '../shared/dates';

const CURRENCY_PREFIX = /^(?:¥|￥|rmb|cny|人民币)\s*/i;
const CURRENCY_SUFFIX = /\s*(?:元整|元|圆|块钱|块)$/;
const PLAIN_AMOUNT = /^-?\d+(?:\.\d+)?$/;
const GROUPED_AMOUNT = /^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/;
const SPACE_GROUPED_AMOUNT = /^-?\d{1,3}(?: \d{3})+(?:\.\d+)?$/;
/** "1万" and "1.25万", "3千": a plain number before the unit (at most 6 or 5 decimals, so cents at most). */
const UNITS: readonly { pattern: RegExp; times: string }[] = [
  { pattern: /^(\d+(?:\.\d{1,6})?)万$/, times: '10000' },
  { pattern: /^(\d+(?:\.\d{1,5})?)千$/, times: '1000' },
];

/**
 * Full-width digits and signs become ASCII (NFKC), 。 and ， read as . and , ; whitespace goes
 * except between two digits, where it stays for the reader to judge: "1 000" is a grouping,
 * "12 3" may be a slipped decimal point and is refused rather than read as 123.
 */
function asciiOf(input: string): string {
  return input
    .normalize('NFKC')
    .replace(/[。．]/g, '.')
    .replace(/[，、]/g, ',')
    .trim()
    .replace(/(?<!\d)\s+|\s+(?!\d)/g, '');
}

/**
 * The amount as a decimal string with two places ("150" → "150.00"), or null when it is not an
 * amount we can read without guessing: more than two decimals, a European "1.500,00", words,
 * or more than the 18 digits before the point the books keep (amountTooLarge says which).
 * A leading minus survives so signed fields (a bank balance) can use the same reader.
 */
export function normaliseAmount(input: string | undefined | null): string | null {
  const text = spelledAmount(input);
  if (text === null || integerDigitsOf(text).length > 18) return null;
  return formatMoney(new Decimal(text));
}

/**
 * Whether the input reads as an amount but has more digits before the point than the books
 * keep, so the form can say it is too large rather than ask for an amount above zero.
 */
export function amountTooLarge(input: string | undefined | null): boolean {
  const text = spelledAmount(input);
  return text !== null && integerDigitsOf(text).length > 18;
}

/** The amount as plain digits ("-1234.5"), however it was spelled; null when it cannot be read without guessing. */
function spelledAmount(input: string | undefined | null): string | null {
  if (input === undefined || input === null) return null;
  let text = asciiOf(String(input));
  text = text.replace(CURRENCY_PREFIX, '').replace(CURRENCY_SUFFIX, '');
  if (text.startsWith('+')) text = text.slice(1);
  // "1万", "1.25万", "3千": as people write large sums. Only a plain number before the unit;
  // "1万2千" and words are left for the schema to refuse rather than guessed.
  for (const unit of UNITS) {
    const match = unit.pattern.exec(text);
    if (match) text = new Decimal(match[1]).times(unit.times).toFixed();
  }
  // "5." and ".5", as a calculator shows them: plain digits on one side of the point only. A
  // point alone, or one more after a decimal ("5.5."), stays unreadable.
  text = text.replace(/^(-?)\.(\d+)$/, '$10.$2').replace(/^(-?\d+)\.$/, '$1');
  if (GROUPED_AMOUNT.test(text)) text = text.replace(/,/g, '');
  if (SPACE_GROUPED_AMOUNT.test(text)) text = text.replace(/ /g, '');
  if (!PLAIN_AMOUNT.test(text)) return null;
  const fraction = text.split('.')[1];
  return fraction !== undefined && fraction.length > 2 ? null : text;
}

function integerDigitsOf(text: string): string {
  return text.replace(/^-/, '').split('.')[0].replace(/^0+(?=\d)/, '');
}

/**
 * A calendar day from "2026-03-05", "2026/3/5", "2026.3.5" or "2026年3月5日"; null otherwise.
 * Given today, a day written without its year ("11月3日", "3/5", "3.5") is read as the latest
 * such day not after today (this year's, or last year's when this year's is still to come): the
 * forms that pass today take book dates, which are never in the future. 2月29日 goes back to
 * the last leap year within four years.
 */
export function normaliseDate(input: string | undefined | null, today?: string): string | null {
  if (input === undefined || input === null) return null;
  const text = String(input).normalize('NFKC').replace(/\s+/g, '');
  const match = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(text);
  if (match) return validDate(match[1], match[2], match[3]);
  const yearless = today ? /^(\d{1,2})[-/.月](\d{1,2})日?$/.exec(text) : null;
  if (!yearless || !today) return null;
  const thisYear = Number.parseInt(today.slice(0, 4), 10);
  for (let year = thisYear; year >= thisYear - 4; year -= 1) {
    const date = validDate(String(year).padStart(4, '0'), yearless[1], yearless[2]);
    if (date && date <= today) return date;
  }
  return null;
}

function validDate(year: string, month: string, day: string): string | null {
  const date = `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`;
  return isValidDate(date) ? date : null;
}

/** A month "2026-03" from "2026-03", "2026/3" or "2026年3月"; null otherwise. */
export function normaliseMonth(input: string | undefined | null): string | null {
  if (input === undefined || input === null) return null;
  const text = String(input).normalize('NFKC').replace(/\s+/g, '');
  const match = /^(\d{4})[-/.年](\d{1,2})月?$/.exec(text);
  if (!match) return null;
  const month = Number.parseInt(match[2], 10);
  if (month < 1 || month > 12) return null;
  return `${match[1]}-${String(month).padStart(2, '0')}`;
}

/** What was typed into a search box: one value, width-normalised (１２０ → 120), trimmed, at most `max` characters. */
export function searchTextOf(value: unknown, max: number): string {
  return textOf(value).normalize('NFKC').trim().slice(0, max);
}

/** A checkbox or yes/no radio: present and not "0"/"false"/"no". */
export function isChecked(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(isChecked);
  if (value === undefined || value === null) return false;
  const text = String(value).trim().toLowerCase();
  return text !== '' && text !== '0' && text !== 'false' && text !== 'no' && text !== 'off';
}

/** A form field as trimmed text ('' when missing); repeated fields keep the last value. */
export function textOf(value: unknown): string {
  if (Array.isArray(value)) return textOf(value[value.length - 1]);
  if (value === undefined || value === null) return '';
  return String(value).trim();
}
