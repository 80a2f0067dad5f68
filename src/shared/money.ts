/**
 * Money helpers around decimal.js. Money is a decimal string on the wire and in Postgres
 * (numeric(20,2)), and a Decimal in between; it never passes through a JS number.
 */
import Decimal from 'decimal.js';

export type Money = Decimal;

/** Wire format: digits, optional two-place fraction; no sign, exponent or spaces. */
export const MONEY_PATTERN = /^(0|[1-9]\d{0,17})(\.\d{1,2})?$/;

export function D(value: Decimal.Value): Decimal {
  return new Decimal(value);
}

/** Two decimals, half-up, as every response prints money. */
export function formatMoney(value: Decimal.Value): string {
  return new Decimal(value).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2);
}

export function sumMoney(values: Iterable<Decimal.Value | null | undefined>): Decimal {
  let total = new Decimal(0);
  for (const value of values) {
    if (value !== null && value !== undefined) total = total.plus(value);
  }
  return total;
}

export const ZERO = new Decimal(0);
