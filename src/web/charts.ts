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
/** A second line of text in a row whose label needs the whole width. */
const LINE = 22;
const COLOURS = ['#1f6f5c', '#2f5f9e', '#b5651d', '#7a4e9c', '#a23b4f', '#4d6b2f'];

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string);
}

/**
 * About how wide a text is at 17 px, erring wide: a CJK character is a square, a capital or a
 * wide small letter (m, w) about three quarters of one, anything else about 10 px.
 */
function textWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += /[\u2E80-\uFFEF]/.test(ch) ? 17 : /[A-Zmw@%]/.test(ch) ? 13 : 10;
  return width;
}

/** The text in lines that fit a width, at most `most` of them, the last cut with … if need be. */
function wrapped(text: string, width: number, most: number): string[] {
  const lines: string[] = [''];
  for (const ch of text) {
    if (textWidth(lines[lines.length - 1] + ch) > width) lines.push('');
    lines[lines.length - 1] += ch;
  }
  if (lines.length <= most) return lines;
  const kept = lines.slice(0, most);
  let last = kept[most - 1];
  while (last && textWidth(`${last}…`) > width) last = [...last].slice(0, -1).join('');
  kept[most - 1] = `${last}…`;
  return kept;
}

/**
 * Horizontal bars, one row per item: the label and amount on a line above the bar, so the chart
 * stays legible when it shrinks to a phone's width. A label too long to share its line with the
 * amount takes up to two lines of its own, the amount under them (a label longer still is cut
 * with …, and is whole in the chart's description and the label's tooltip). Negative and zero
 * amounts draw no bar.
 */
export function barChart(title: string, bars: Bar[]): string {
  if (bars.length === 0) return '';
  const max = bars.reduce((top, bar) => Decimal.max(top, D(bar.amount)), ZERO);
  let y = 4;
  const rows = bars
    .map((bar, index) => {
      const amount = D(bar.amount);
      const length = max.isZero() || !amount.isPositive() ? ZERO : amount.div(max).times(WIDTH - 4).toDecimalPlaces(1);
      const colour = COLOURS[index % COLOURS.length];
      const shown = yuan(bar.amount);
      const sharesLine = textWidth(bar.label) + textWidth(shown) + 12 <= WIDTH - 4;
      const lines = sharesLine ? [bar.label] : wrapped(bar.label, WIDTH - 4, 2);
      const cut = lines.join('') !== bar.label;
      const labels = lines.map((line, n) => `<text x="2" y="${y + 18 + n * LINE}" font-size="17" fill="#1a1a1a">${cut && n === 0 ? `<title>${escapeXml(bar.label)}</title>` : ''}${escapeXml(line)}</text>`);
      const extra = sharesLine ? 0 : lines.length * LINE;
      const amountY = y + 18 + extra;
      const barY = amountY + 8;
      const drawn = [
        ...labels,
        `<text x="${WIDTH - 2}" y="${amountY}" font-size="17" fill="#1a1a1a" text-anchor="end">${escapeXml(shown)}</text>`,
        `<rect x="2" y="${barY}" width="${length.toString()}" height="${BAR_HEIGHT}" rx="3" fill="${colour}"/>`,
        `<rect x="2" y="${barY}" width="${WIDTH - 4}" height="${BAR_HEIGHT}" rx="3" fill="none" stroke="#d0d0d0"/>`,
      ].join('');
      y += ROW + extra;
      return drawn;
    })
    .join('');
  const height = y + 4;
  const summary = bars.map((bar) => `${bar.label} ${yuan(bar.amount)}`).join('，');
  return (
    `<svg class="chart" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${escapeXml(`${title}：${summary}`)}" xmlns="http://www.w3.org/2000/svg">` +
    `<title>${escapeXml(title)}</title>${rows}</svg>`
  );
}
