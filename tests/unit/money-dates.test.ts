import { D, formatMoney, MONEY_PATTERN, sumMoney } from '../../src/shared/money';
import { addDays, addMonths, isValidDate, lastDayOfMonth, monthsBetween } from '../../src/shared/dates';
import { shanghaiDate, shanghaiTime } from '../../src/shared/clock';
import { PositiveMoney, MoneyString } from '../../src/shared/schemas';

describe('money', () => {
  it('adds cents exactly where binary floating point would not', () => {
    expect(formatMoney(sumMoney(['0.10', '0.20']))).toBe('0.30');
    expect(formatMoney(sumMoney(Array.from({ length: 1000 }, () => '0.01')))).toBe('10.00');
    expect(formatMoney(D('999999999999999999.99').plus('0.01'))).toBe('1000000000000000000.00');
    // Past 20 significant digits the cents stay (decimal.js rounds to 20 by default).
    expect(formatMoney(D('999999999999999999.99').plus('5000'))).toBe('1000000000000004999.99');
    expect(formatMoney(sumMoney(['999999999999999999.99', '999999999999999999.99', '0.03']))).toBe('2000000000000000000.01');
  });

  it('prints two decimals, rounding half up', () => {
    expect(formatMoney('5')).toBe('5.00');
    expect(formatMoney('2.345')).toBe('2.35');
    expect(formatMoney('-2.345')).toBe('-2.35');
  });

  it.each([
    ['0', true], ['12', true], ['12.5', true], ['12.50', true], ['999999999999999999.99', true],
    ['12.505', false], ['-1', false], ['1e3', false], ['NaN', false], ['Infinity', false], ['', false], ['01', false], [' 1', false], ['1,000', false], ['1000000000000000000', false],
  ])('the wire pattern accepts %s: %s', (value, ok) => {
    expect(MONEY_PATTERN.test(value)).toBe(ok);
    expect(MoneyString.safeParse(value).success).toBe(ok);
  });

  it('refuses zero where a positive amount is needed, and numbers with a hint to send strings', () => {
    expect(PositiveMoney.safeParse('0.00').success).toBe(false);
    expect(PositiveMoney.safeParse('0.01').success).toBe(true);
    const number = MoneyString.safeParse(12.5);
    expect(number.success).toBe(false);
    expect(number.error?.issues[0].message).toMatch(/JSON string/);
  });
});

describe('calendar dates', () => {
  it('knows real days', () => {
    expect(isValidDate('2028-02-29')).toBe(true);
    expect(isValidDate('2026-02-29')).toBe(false);
    expect(isValidDate('2026-04-31')).toBe(false);
    expect(isValidDate('2026-4-01')).toBe(false);
  });

  it('walks months', () => {
    expect(lastDayOfMonth('2026-02')).toBe('2026-02-28');
    expect(lastDayOfMonth('2026-12')).toBe('2026-12-31');
    expect(addMonths('2026-11', 3)).toBe('2027-02');
    expect(addMonths('2026-01', -1)).toBe('2025-12');
    expect(monthsBetween('2026-11', '2027-02')).toEqual(['2026-11', '2026-12', '2027-01', '2027-02']);
    // Counted by number: the month after 9999-12 ("10000-01") sorts before it as text.
    expect(monthsBetween('9999-01', '9999-12')).toHaveLength(12);
    expect(monthsBetween('2026-03', '2026-02')).toEqual([]);
  });

  it('moves days across months, years and past 9999 without a sign or six-digit year', () => {
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(addDays('2028-03-01', -1)).toBe('2028-02-29');
    expect(addDays('1900-01-01', -1)).toBe('1899-12-31');
    expect(addDays('9999-12-31', 1)).toBe('10000-01-01');
  });

  it('takes no year before 1900, so every year prints with four digits', () => {
    expect(isValidDate('1900-01-01')).toBe(true);
    expect(isValidDate('1899-12-31')).toBe(false);
    expect(isValidDate('0999-12-31')).toBe(false);
  });

  it('takes the calendar day in Asia/Shanghai, not UTC', () => {
    expect(shanghaiDate(new Date('2026-11-21T16:30:00Z'))).toBe('2026-11-22');
    expect(shanghaiDate(new Date('2026-11-21T15:59:59Z'))).toBe('2026-11-21');
  });

  it('prints a Shanghai wall-clock time, with seconds only when they are not zero', () => {
    expect(shanghaiTime(new Date('2026-02-28T16:00:00Z'))).toBe('2026-03-01 00:00');
    expect(shanghaiTime(new Date('2026-10-31T23:59:59+08:00'))).toBe('2026-10-31 23:59:59');
  });
});
