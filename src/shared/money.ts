/**
 * Money helpers around decimal.js. Money is a decimal string on the wire and in Postgres
 * (numeric(20,2)), and a Decimal in between; it never passes through a JS number.
 */
import Decimal from 'decimal.js';

// decimal.js rounds every result to 20 significant digits by default, and numeric(20,2) holds
// 20: a sum past 10^18 would lose its cents (999999999999999999.99 + 5000 → …5000). Forty
// digits keep every sum and difference of money exact; this module is loaded before any money
// is computed, and the setting is the library's global one.
Decimal.set({ precision: 40 });

export type Money = Decimal;

/** The largest amount one line (and one day's total of an account and fund) holds: numeric(20,2). */
export const LARGEST_AMOUNT = '999999999999999999.99';

/** Wire format: digits, optional two-place fraction; no sign, exponent or spaces. */
export const MONEY_PATTERN = /^(0|[1-9]\d{0,17})(\.\d{1,2})?$/;

/** Money as it arrives: a decimal string (the wire, the database) or a Decimal; never a JS number. */
export type MoneyValue = Decimal | string;

export function D(value: MoneyValue): Decimal {
  return new Decimal(value);
}

/** Two decimals, half-up, as every response prints money. */
export function formatMoney(value: MoneyValue): string {
  return new Decimal(value).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2);
}

export function sumMoney(values: Iterable<MoneyValue | null | undefined>): Decimal {
  let total = new Decimal(0);
  for (const value of values) {
    if (value !== null && value !== undefined) total = total.plus(value);
  }
  return total;
}

export const ZERO = new Decimal(0);
