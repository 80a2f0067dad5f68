import { barChart } from '../../src/web/charts';

/** The y of each <text> in the chart, with its content (a tooltip's text left out). */
function texts(svg: string): { y: number; text: string }[] {
  return [...svg.matchAll(/<text [^>]*y="([\d.]+)"[^>]*>(?:<title>[^<]*<\/title>)?([^<]*)<\/text>/g)].map((match) => ({ y: Number(match[1]), text: match[2] }));
}

describe('barChart', () => {
  it('puts a short label and its amount on one line above the bar', () => {
    const svg = barChart('2026年收入', [{ label: '捐赠', amount: '1200.00' }, { label: '停车场公共收益', amount: '300.50' }]);
    expect(texts(svg)).toEqual([
      { y: 22, text: '捐赠' }, { y: 22, text: '¥1,200.00' },
      { y: 74, text: '停车场公共收益' }, { y: 74, text: '¥300.50' },
    ]);
    expect(svg).toContain('viewBox="0 0 360 112"');
    expect(svg).toContain('aria-label="2026年收入：捐赠 ¥1,200.00，停车场公共收益 ¥300.50"');
  });

  it('gives a label too long to share its line a line of its own, and cuts one longer than the chart', () => {
    const long = '南岸区广阳社区公益站独居老人探访项目（10号）';
    const longer = '南岸区广阳社区公益站独居老人探访与助餐送药上门服务项目（第二期，覆盖广阳社区10号楼至25号楼全部独居老人）';
    const svg = barChart('2026年支出（按项目）', [{ label: long, amount: '123456.78' }, { label: longer, amount: '5.00' }, { label: '路灯', amount: '1.00' }]);
    const [label1a, label1b, amount1, label2a, label2b, amount2, label3, amount3] = texts(svg);
    // Two lines for the long one, the amount on the line after them.
    expect(label1a.text + label1b.text).toBe(long);
    expect([label1a.y, label1b.y, amount1.y]).toEqual([22, 44, 66]);
    expect(amount1.text).toBe('¥123,456.78');
    // The longer one: two lines, the second ending in …, whole in its tooltip.
    expect(label2b.text).toMatch(/…$/);
    expect(longer.startsWith(label2a.text + label2b.text.slice(0, -1))).toBe(true);
    expect(svg).toContain(`<title>${longer}</title>`);
    expect(amount2.y).toBe(label2b.y + 22);
    expect(label2a.y).toBeGreaterThan(amount1.y + 16);
    // The third, short again, shares its line, below the row before.
    expect(label3.y).toBe(amount3.y);
    expect(label3.y).toBeGreaterThan(amount2.y + 16);
    // Wide Latin letters are measured as wide: a label of them does not run into the amount.
    const latin = texts(barChart('支出', [{ label: 'MWMWMWMWMWMWMWMWMWMWMWMW', amount: '1200.00' }]));
    expect(latin[latin.length - 1].text).toBe('¥1,200.00');
    expect(latin[latin.length - 1].y).toBeGreaterThan(latin[0].y);
    // Every label is whole in the description read by screen readers.
    expect(svg).toContain(`${longer} ¥5.00`);
  });
});
