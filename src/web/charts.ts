/**
 * Server-drawn SVG bar charts for the public pages, so residents see the shape of the money
 * without any chart library or client script. Bar lengths are the only place an amount becomes
 * a geometric proportion; the amounts printed stay decimal strings. Pure: no database.
 */
import Decimal from 'decimal.js';
import { D, ZERO } from '../shared/money';
import { yuan } from './views';

export interface Bar {
  label: string;
  amount: string;
}

const WIDTH = 360;
const ROW = 52;
const BAR_HEIGHT = 16;
const COLOURS = ['#1f6f5c', '#2f5f9e', '#b5651d', '#7a4e9c', '#a23b4f', '#4d6b2f'];

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string);
}

/**
 * Horizontal bars, one row per item: the label and amount on a line above the bar, so the chart
 * stays legible when it shrinks to a phone's width. Negative and zero amounts draw no bar.
 */
export function barChart(title: string, bars: Bar[]): string {
  if (bars.length === 0) return '';
  const max = bars.reduce((top, bar) => Decimal.max(top, D(bar.amount)), ZERO);
  const height = bars.length * ROW + 8;
  const rows = bars
    .map((bar, index) => {
      const y = index * ROW + 4;
      const amount = D(bar.amount);
      const length = max.isZero() || !amount.isPositive() ? ZERO : amount.div(max).times(WIDTH - 4).toDecimalPlaces(1);
      const colour = COLOURS[index % COLOURS.length];
      return [
        `<text x="2" y="${y + 18}" font-size="17" fill="#1a1a1a">${escapeXml(bar.label)}</text>`,
        `<text x="${WIDTH - 2}" y="${y + 18}" font-size="17" fill="#1a1a1a" text-anchor="end">${escapeXml(yuan(bar.amount))}</text>`,
        `<rect x="2" y="${y + 26}" width="${length.toString()}" height="${BAR_HEIGHT}" rx="3" fill="${colour}"/>`,
        `<rect x="2" y="${y + 26}" width="${WIDTH - 4}" height="${BAR_HEIGHT}" rx="3" fill="none" stroke="#d0d0d0"/>`,
      ].join('');
    })
    .join('');
  const summary = bars.map((bar) => `${bar.label} ${yuan(bar.amount)}`).join('，');
  return (
    `<svg class="chart" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${escapeXml(`${title}：${summary}`)}" xmlns="http://www.w3.org/2000/svg">` +
    `<title>${escapeXml(title)}</title>${rows}</svg>`
  );
}
