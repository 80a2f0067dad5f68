import { amountTooLarge, normaliseAmount, normaliseDate, normaliseMonth, isChecked } from '../../src/web/forms';

describe('normaliseAmount', () => {
  it.each([
    ['150', '150.00'],
    ['150.5', '150.50'],
    ['150.05', '150.05'],
    ['１５０', '150.00'],
    ['１５０．５', '150.50'],
    ['¥150', '150.00'],
    ['￥ 150', '150.00'],
    ['150元', '150.00'],
    ['150 元', '150.00'],
    ['人民币150元整', '150.00'],
    ['1,500.00', '1500.00'],
    ['１，５００', '1500.00'],
    ['12,345,678.9', '12345678.90'],
    [' 80 ', '80.00'],
    ['0150', '150.00'],
    ['0', '0.00'],
    ['-20.5', '-20.50'],
    ['150。5', '150.50'],
    ['1万', '10000.00'],
    ['1.25万元', '12500.00'],
    ['¥３万', '30000.00'],
    ['0.00015万', '1.50'],
    ['1.000001万', '10000.01'],
    ['3千', '3000.00'],
    ['1.5千元', '1500.00'],
    ['1 000', '1000.00'],
    ['12 345 678.90', '12345678.90'],
    ['¥ 1 000 元', '1000.00'],
    ['5.', '5.00'],
    ['.5', '0.50'],
    ['５。', '5.00'],
    ['．５元', '0.50'],
    ['-.5', '-0.50'],
  ])('reads %p as %p', (input, expected) => {
    expect(normaliseAmount(input)).toBe(expected);
  });

  it.each([[''], ['abc'], ['一百五'], ['150.555'], ['1.500,00'], ['15,00'], ['1e3'], ['150元5角'], ['--5'], ['1234567890123456789'], ['1万2千'], ['一万'], ['1.0000001万'], ['万'], ['1,000万'], [' 12 3 '], ['1 00'], ['10 00.5'], ['1.5 0'], ['3千5'], ['千'], ['1.000001千'], ['.'], ['5.5.'], ['.5.'], ['..5']])('refuses %p rather than guess', (input) => {
    expect(normaliseAmount(input)).toBeNull();
  });

  it('says which refused amounts are only too large', () => {
    expect(amountTooLarge('1000000000000000000')).toBe(true);
    expect(amountTooLarge('¥1,000,000,000,000,000,000元')).toBe(true);
    expect(amountTooLarge('999999999999999999')).toBe(false);
    expect(amountTooLarge('一百')).toBe(false);
    expect(amountTooLarge(undefined)).toBe(false);
  });

  it('refuses a missing value', () => {
    expect(normaliseAmount(undefined)).toBeNull();
    expect(normaliseAmount(null)).toBeNull();
  });
});

describe('normaliseDate', () => {
  it.each([
    ['2026-03-05', '2026-03-05'],
    ['2026/3/5', '2026-03-05'],
    ['2026.3.5', '2026-03-05'],
    ['2026年3月5日', '2026-03-05'],
    ['２０２６年３月５日', '2026-03-05'],
  ])('reads %p as %p', (input, expected) => {
    expect(normaliseDate(input)).toBe(expected);
  });

  it.each([['2026-02-30'], ['2026-13-01'], ['5/3/2026'], ['昨天'], ['']])('refuses %p', (input) => {
    expect(normaliseDate(input)).toBeNull();
  });

  it.each([
    ['11月3日', '2026-11-22', '2026-11-03'],
    ['11月22日', '2026-11-22', '2026-11-22'],
    ['11月23日', '2026-11-22', '2025-11-23'],
    ['12/31', '2026-11-22', '2025-12-31'],
    ['1.5', '2026-11-22', '2026-01-05'],
    ['３月５日', '2026-11-22', '2026-03-05'],
    ['2月29日', '2026-11-22', '2024-02-29'],
    ['2月29日', '2028-03-01', '2028-02-29'],
  ])('reads %p, given today %p, as the latest such day not after today: %p', (input, now, expected) => {
    expect(normaliseDate(input, now)).toBe(expected);
  });

  it('reads a day without its year only when given today, and never a day that does not exist', () => {
    expect(normaliseDate('11月3日')).toBeNull();
    expect(normaliseDate('2月30日', '2026-11-22')).toBeNull();
    expect(normaliseDate('13月1日', '2026-11-22')).toBeNull();
    expect(normaliseDate('2025年11月30日', '2025-11-22')).toBe('2025-11-30');
  });
});

describe('normaliseMonth', () => {
  it('reads a month in the usual spellings', () => {
    expect(normaliseMonth('2026-03')).toBe('2026-03');
    expect(normaliseMonth('2026/3')).toBe('2026-03');
    expect(normaliseMonth('2026年3月')).toBe('2026-03');
    expect(normaliseMonth('2026-13')).toBeNull();
    expect(normaliseMonth('2026-03-01')).toBeNull();
  });
});

describe('isChecked', () => {
  it('treats a present checkbox as checked and explicit no-values as unchecked', () => {
    expect(isChecked('1')).toBe(true);
    expect(isChecked('on')).toBe(true);
    expect(isChecked(['0', '1'])).toBe(true);
    expect(isChecked(undefined)).toBe(false);
    expect(isChecked('0')).toBe(false);
    expect(isChecked('')).toBe(false);
  });
});
