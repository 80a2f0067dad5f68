/**
 * Renders a ReportModel as the A4, Simplified Chinese PDF that goes on the notice board and
 * into the frozen disclosure snapshot. It draws what the model says and computes no figure of
 * its own (chart geometry aside), so the PDF can never disagree with the JSON. Output is
 * deterministic for a given model and layout: the creation date comes from the model's
 * publication time, which also fixes the document ID.
 *
 * Speed matters because a foundation's year can hold 10,000 entries: fontkit's OpenType shaping
 * per string is what makes naive pdfkit slow with a CJK font, so glyph runs are composed per
 * character from a cache (see `composeLayoutsPerCharacter`) and every table cell is a single
 * unwrapped line with a fixed width.
 */
import fs from 'node:fs';
import path from 'node:path';
import Decimal from 'decimal.js';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import layoutJson from '../../templates/report-layout.json';
import { assert } from '../shared/assert';
import { chineseDate, chineseMonthDay } from '../shared/dates';
import { D, formatMoney, sumMoney, ZERO } from '../shared/money';
import { inDateOrder, type ActivityRow, type BalanceSheetRow, type ReportModel } from './model';

export interface ReportLayout {
  page: { size: string; margins: { top: number; bottom: number; left: number; right: number } };
  fontSizes: {
    entityName: number;
    reportTitle: number;
    meta: number;
    section: number;
    body: number;
    table: number;
    tableHeader: number;
    statLabel: number;
    statValue: number;
    small: number;
    footer: number;
  };
  spacing: {
    rowHeight: number;
    headerRowHeight: number;
    cellPaddingX: number;
    sectionGapBefore: number;
    sectionGapAfter: number;
    paragraphGap: number;
    chartBarHeight: number;
    chartBarGap: number;
    qrSize: number;
  };
  colours: {
    text: string;
    muted: string;
    accent: string;
    rule: string;
    headerFill: string;
    zebraFill: string;
    totalFill: string;
    statFill: string;
    warning: string;
    restricted: string;
    unrestricted: string;
    chart: string[];
  };
  columns: {
    entries: { date: number; number: number; counterparty: number; income: number; expense: number };
    funds: { name: number; restriction: number; amount: number };
    reconciliation: { date: number; amount: number };
    corrections: { date: number; number: number; original: number };
    grants: { recipient: number; amount: number; status: number };
    statement: { label: number; amount: number };
  };
  charts: { labelWidth: number; valueWidth: number; maxProjects: number };
}

export const DEFAULT_LAYOUT: ReportLayout = layoutJson;

export interface RenderOptions {
  /** Overrides templates/report-layout.json, e.g. for a larger notice-board print. */
  layout?: ReportLayout;
}

const FONT_PACKAGE_DIR = path.dirname(require.resolve('@expo-google-fonts/noto-sans-sc/package.json'));
const FONT_FILES = {
  regular: path.join(FONT_PACKAGE_DIR, '400Regular', 'NotoSansSC_400Regular.ttf'),
  bold: path.join(FONT_PACKAGE_DIR, '700Bold', 'NotoSansSC_700Bold.ttf'),
} as const;
type FontWeight = keyof typeof FONT_FILES;

/** The 10 MB font files are read once per process; parsing them per document is cheap (lazy tables). */
const fontBytes = new Map<FontWeight, Buffer>();
function fontFile(weight: FontWeight): Buffer {
  let bytes = fontBytes.get(weight);
  if (!bytes) {
    bytes = fs.readFileSync(FONT_FILES[weight]);
    fontBytes.set(weight, bytes);
  }
  return bytes;
}

/** The parts of pdfkit's internal EmbeddedFont that the layout cache replaces. */
interface GlyphRun {
  glyphs: unknown[];
  positions: { xAdvance: number; yAdvance: number; xOffset: number; yOffset: number }[];
  advanceWidth: number;
}
interface EmbeddedFontInternals {
  id: string;
  ascender: number;
  layoutRun(text: string, features?: unknown): GlyphRun;
  layout(text: string, features?: unknown, onlyWidth?: boolean): GlyphRun;
  encode(text: string): [string[], { xAdvance: number; advanceWidth: number; xOffset: number; yOffset: number }[]];
  ref(): unknown;
}

/** What the batched text path needs from pdfkit's document internals. */
interface DocumentInternals {
  _font: Partial<EmbeddedFontInternals> | null;
  page: { fonts: Record<string, unknown>; height: number };
}

function coordinate(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}

/**
 * Replaces the font's per-word OpenType shaping with per-character composition from a cache.
 * For Chinese, digits and Latin text without ligatures this gives the same glyphs; what is lost
 * is kerning between Latin letters, invisible at table sizes. A character whose glyph needs an
 * offset (a combining mark) makes its whole string fall back to real shaping. If pdfkit's
 * internals ever change shape, the patch is skipped and rendering is only slower, never wrong.
 */
function composeLayoutsPerCharacter(font: unknown): void {
  const internals = font as Partial<EmbeddedFontInternals>;
  if (typeof internals.layoutRun !== 'function' || typeof internals.layout !== 'function') return;
  const shape = internals.layoutRun.bind(font) as EmbeddedFontInternals['layoutRun'];
  const shapeWords = internals.layout.bind(font) as EmbeddedFontInternals['layout'];
  const characters = new Map<string, GlyphRun | null>();
  const strings = new Map<string, GlyphRun>();
  internals.layout = (text: string, features?: unknown, onlyWidth?: boolean): GlyphRun => {
    if (features) return shapeWords(text, features, onlyWidth);
    const known = strings.get(text);
    if (known) return known;
    const glyphs: unknown[] = [];
    const positions: GlyphRun['positions'] = [];
    let advanceWidth = 0;
    for (const character of text) {
      let run = characters.get(character);
      if (run === undefined) {
        const shaped = shape(character);
        const simple = shaped.positions.every((p) => p.xOffset === 0 && p.yOffset === 0 && p.yAdvance === 0);
        run = simple ? shaped : null;
        characters.set(character, run);
      }
      if (run === null) {
        const shaped = shapeWords(text, undefined, onlyWidth);
        strings.set(text, shaped);
        return shaped;
      }
      for (let i = 0; i < run.glyphs.length; i++) {
        glyphs.push(run.glyphs[i]);
        positions.push(run.positions[i]);
      }
      // Already in font units scaled to 1000/em: layoutRun scaled the positions it summed.
      advanceWidth += run.advanceWidth;
    }
    const composed: GlyphRun = { glyphs, positions, advanceWidth };
    strings.set(text, composed);
    return composed;
  };
}

type Align = 'left' | 'right' | 'center';

interface Column {
  header: string;
  width: number;
  align?: Align;
  /** Wrapped onto several lines (small tables only); otherwise cut with an ellipsis. */
  wrap?: boolean;
}

interface RowStyle {
  fill?: string;
  bold?: boolean;
  colour?: string;
}

/**
 * A cursor over the document that batches what it draws. Text goes into one PDF text object
 * and row backgrounds into one path block per run of drawing, instead of pdfkit's
 * save/transform/BT/Tf/ET/restore per call; positions are relative `Td` moves, which repeat
 * from row to row and compress well. For a 10,000-row table that is most of the size and time.
 * Backgrounds are painted before the text they sit under; anything else drawn goes through
 * `canvas`, which writes the batch first, so painting order always holds.
 */
class ReportWriter {
  readonly doc: PDFKit.PDFDocument;
  readonly layout: ReportLayout;
  y: number;
  private weight: FontWeight | null = null;
  private size = 0;
  private colour: string;
  private readonly fitted = new Map<string, string>();
  private backdrops: string[] = [];
  private texts: string[] = [];
  private textFont = '';
  private textColour = '';
  private textX = 0;
  private textY = 0;

  constructor(doc: PDFKit.PDFDocument, layout: ReportLayout) {
    this.doc = doc;
    this.layout = layout;
    this.y = layout.page.margins.top;
    this.colour = layout.colours.text;
  }

  get left(): number {
    return this.layout.page.margins.left;
  }
  get right(): number {
    return this.doc.page.width - this.layout.page.margins.right;
  }
  get width(): number {
    return this.right - this.left;
  }
  get bottom(): number {
    return this.doc.page.height - this.layout.page.margins.bottom;
  }

  addPage(): void {
    this.flush();
    this.doc.addPage();
    this.y = this.layout.page.margins.top;
  }

  /** Starts a new page unless `height` still fits; returns whether it broke. */
  need(height: number): boolean {
    if (this.y + height <= this.bottom) return false;
    this.addPage();
    return true;
  }

  /** The document, for drawing this writer does not wrap, with everything batched written first. */
  get canvas(): PDFKit.PDFDocument {
    this.flush();
    return this.doc;
  }

  /** Writes the batch to the current page; call before changing pages. */
  flush(): void {
    if (this.backdrops.length === 0 && this.texts.length === 0) return;
    const height = coordinate((this.doc as unknown as DocumentInternals).page.height);
    // The page's user space is flipped to top-left by pdfkit; text needs the PDF's own axes back.
    const parts: string[] = [];
    if (this.backdrops.length > 0) parts.push(`q\n${this.backdrops.join('\n')}\nQ`);
    if (this.texts.length > 0) parts.push(`q 1 0 0 -1 0 ${height} cm BT\n${this.texts.join('\n')}\nET Q`);
    this.doc.addContent(parts.join('\n'));
    this.backdrops = [];
    this.texts = [];
    this.textFont = '';
    this.textColour = '';
    this.textX = 0;
    this.textY = 0;
  }

  /** Font and colour for the text that follows. */
  use(weight: FontWeight, size: number, colour: string): void {
    if (weight !== this.weight) {
      this.doc.font(weight);
      this.weight = weight;
      this.size = 0;
    }
    if (size !== this.size) {
      this.doc.fontSize(size);
      this.size = size;
    }
    this.colour = colour;
  }

  measure(text: string): number {
    return this.doc.widthOfString(text);
  }

  /** `text` cut to `width` with an ellipsis, measured once per distinct string and width. */
  fit(text: string, width: number): string {
    const key = `${this.weight}|${this.size}|${width}|${text}`;
    const known = this.fitted.get(key);
    if (known !== undefined) return known;
    let result = text;
    if (this.measure(text) > width) {
      const characters = Array.from(text);
      let low = 0;
      let high = characters.length;
      while (low < high) {
        const mid = Math.ceil((low + high) / 2);
        if (this.measure(`${characters.slice(0, mid).join('')}…`) <= width) low = mid;
        else high = mid - 1;
      }
      result = `${characters.slice(0, low).join('')}…`;
    }
    this.fitted.set(key, result);
    return result;
  }

  /** Greedy line breaking by character: Chinese may break anywhere, and this is for short notes. */
  wrap(text: string, width: number): string[] {
    const lines: string[] = [];
    for (const paragraph of text.split('\n')) {
      let line = '';
      for (const character of paragraph) {
        if (line !== '' && this.measure(line + character) > width) {
          lines.push(line);
          line = character.trim() === '' ? '' : character;
        } else {
          line += character;
        }
      }
      lines.push(line);
    }
    return lines;
  }

  /** One unwrapped line; `y` is the top of the line box, as for pdfkit's `doc.text`. */
  text(text: string, x: number, y: number, options: { width?: number; align?: Align } = {}): void {
    if (text === '') return;
    let shown = text;
    let left = x;
    if (options.width !== undefined) {
      shown = this.fit(text, options.width);
      if (options.align === 'right') left = x + options.width - this.measure(shown);
      else if (options.align === 'center') left = x + (options.width - this.measure(shown)) / 2;
    }
    if (!this.batchText(shown, left, y)) {
      this.flush();
      this.doc.fillColor(this.colour).text(shown, left, y, { lineBreak: false });
    }
  }

  /**
   * Adds one line to the open text object, placed as pdfkit's own `_fragment` would place it
   * (baseline one ascender below `y`). Returns false when pdfkit's internals are not as expected
   * or the glyphs need positioning a plain Tj cannot express; the caller then uses `doc.text`.
   */
  private batchText(text: string, x: number, y: number): boolean {
    const internals = this.doc as unknown as DocumentInternals;
    const font = internals._font;
    if (!font || typeof font.encode !== 'function' || typeof font.ref !== 'function' || !font.id) return false;
    if (typeof font.ascender !== 'number' || !internals.page?.fonts) return false;
    const [glyphs, positions] = font.encode(text);
    for (const p of positions) {
      if (p.xOffset !== 0 || p.yOffset !== 0 || p.xAdvance !== p.advanceWidth) return false;
    }
    if (internals.page.fonts[font.id] == null) internals.page.fonts[font.id] = font.ref();
    const fontOperator = `/${font.id} ${coordinate(this.size)} Tf`;
    if (fontOperator !== this.textFont) {
      this.texts.push(fontOperator);
      this.textFont = fontOperator;
    }
    if (this.colour !== this.textColour) {
      this.texts.push(`${rgb(this.colour)} rg`);
      this.textColour = this.colour;
    }
    const baseline = internals.page.height - y - (font.ascender / 1000) * this.size;
    const bx = round2(x);
    const by = round2(baseline);
    this.texts.push(`${coordinate(bx - this.textX)} ${coordinate(by - this.textY)} Td <${glyphs.join('')}> Tj`);
    this.textX = bx;
    this.textY = by;
    return true;
  }

  /** A filled rectangle painted under the batched text (row shading, header bands, stat boxes). */
  backdrop(x: number, y: number, width: number, height: number, colour: string): void {
    this.backdrops.push(`${rgb(colour)} rg ${coordinate(x)} ${coordinate(y)} ${coordinate(width)} ${coordinate(height)} re f`);
  }

  /** A filled rectangle painted over what came before (chart bars, markers). */
  rect(x: number, y: number, width: number, height: number, colour: string): void {
    this.canvas.rect(x, y, width, height).fill(colour);
  }

  rule(x1: number, y: number, x2: number, colour: string, lineWidth = 0.5): void {
    this.canvas.save().moveTo(x1, y).lineTo(x2, y).lineWidth(lineWidth).strokeColor(colour).stroke().restore();
  }
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/** "#rrggbb" as the operands of the PDF `rg` operator. */
function rgb(hex: string): string {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  assert(match, `colour "${hex}" is #rrggbb`);
  return match
    .slice(1, 4)
    .map((part) => coordinate(parseInt(part, 16) / 255))
    .join(' ');
}

const CHINESE_NUMERALS = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十', '十一', '十二', '十三', '十四', '十五'];

export async function renderReportPdf(model: ReportModel, options: RenderOptions = {}): Promise<Buffer> {
  const layout = options.layout ?? DEFAULT_LAYOUT;
  const createdAt = new Date(model.title.publishedAt);
  assert(!Number.isNaN(createdAt.getTime()), 'model.title.publishedAt is a timestamp');
  const doc = new PDFDocument({
    size: layout.page.size,
    margins: layout.page.margins,
    bufferPages: true,
    autoFirstPage: true,
    lang: 'zh-CN',
    displayTitle: true,
    info: {
      Title: `${model.title.entity.name} ${model.title.reportTitle}`,
      Author: model.title.entity.name,
      Subject: '财务公开',
      Creator: '社区公益基金账本',
      CreationDate: createdAt,
      ModDate: createdAt,
    },
  });
  const chunks: Buffer[] = [];
  const finished = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  for (const weight of Object.keys(FONT_FILES) as FontWeight[]) {
    doc.registerFont(weight, fontFile(weight));
    doc.font(weight);
    composeLayoutsPerCharacter((doc as unknown as { _font: unknown })._font);
  }

  const w = new ReportWriter(doc, layout);
  let sectionNumber = 0;
  const section = (title: string): string => `${CHINESE_NUMERALS[sectionNumber++] ?? sectionNumber}、${title}`;

  drawTitle(w, model);
  drawSummary(w, model, section(model.summary.title));
  drawIncome(w, model, section(model.income.title));
  drawExpenses(w, model, section(model.expenses.title));
  drawFunds(w, model, section(model.funds.title));
  if (model.balanceSheet) drawBalanceSheet(w, model, section(model.balanceSheet.title));
  if (model.activityStatement) drawActivityStatement(w, model, section(model.activityStatement.title));
  if (model.grants) drawGrants(w, model, section(model.grants.title));
  drawEntries(w, model, section(model.entries.title));
  drawReconciliations(w, model, section(model.reconciliations.title));
  drawCorrections(w, model, section(model.corrections.title));
  drawReview(w, model, section(model.review.title));
  drawVerification(w, model, section(model.verification.title));
  drawFooters(w, model);

  doc.end();
  return finished;
}

function drawTitle(w: ReportWriter, model: ReportModel): void {
  const { layout } = w;
  const { title } = model;
  w.use('bold', layout.fontSizes.entityName, layout.colours.text);
  w.text(title.entity.name, w.left, w.y, { width: w.width });
  w.y += layout.fontSizes.entityName * 1.45;
  w.use('bold', layout.fontSizes.reportTitle, layout.colours.accent);
  w.text(title.reportTitle, w.left, w.y, { width: w.width });
  w.y += layout.fontSizes.reportTitle * 1.6;
  w.use('regular', layout.fontSizes.meta, layout.colours.muted);
  const meta = [
    title.entity.kindLabel,
    `${title.period.kindLabel}报告 ${chineseDate(title.period.from)}至${title.period.to.slice(0, 4) === title.period.from.slice(0, 4) ? chineseMonthDay(title.period.to) : chineseDate(title.period.to)}`,
    `第 ${title.version} 版`,
    `发布日期 ${chineseDate(title.publishedDate)}`,
  ].join('　·　');
  w.text(meta, w.left, w.y, { width: w.width });
  w.y += layout.fontSizes.meta * 1.6;
  if (title.supersedesNote) {
    w.use('bold', layout.fontSizes.meta, layout.colours.warning);
    for (const line of w.wrap(title.supersedesNote, w.width)) {
      w.text(line, w.left, w.y);
      w.y += layout.fontSizes.meta * 1.5;
    }
  }
  w.y += 2;
  w.rule(w.left, w.y, w.right, layout.colours.accent, 1.2);
  w.y += 4;
}

function drawSectionTitle(w: ReportWriter, title: string, minimumBody: number): void {
  const { layout } = w;
  w.y += layout.spacing.sectionGapBefore;
  // Keep a heading with the start of its content rather than alone at a page's foot: the
  // heading's own block (as drawn below) and the content's first part fit, or both move on.
  w.need(layout.fontSizes.section * 1.5 + layout.spacing.sectionGapAfter + minimumBody);
  w.backdrop(w.left, w.y + 2, 3, layout.fontSizes.section, layout.colours.accent);
  w.use('bold', layout.fontSizes.section, layout.colours.text);
  w.text(title, w.left + 8, w.y);
  w.y += layout.fontSizes.section * 1.5 + layout.spacing.sectionGapAfter;
}

/** A table's header and first rows (up to three) at one line each: what a heading above text and a table keeps with it. */
function tableLead(layout: ReportLayout, rows: number): number {
  return layout.spacing.headerRowHeight + layout.spacing.rowHeight * Math.min(3, Math.max(1, rows));
}

function paragraph(w: ReportWriter, text: string, options: { colour?: string; size?: number; bold?: boolean } = {}): void {
  const { layout } = w;
  const size = options.size ?? layout.fontSizes.body;
  w.use(options.bold ? 'bold' : 'regular', size, options.colour ?? layout.colours.text);
  for (const line of w.wrap(text, w.width)) {
    w.need(size * 1.5);
    w.use(options.bold ? 'bold' : 'regular', size, options.colour ?? layout.colours.text);
    w.text(line, w.left, w.y);
    w.y += size * 1.5;
  }
  w.y += layout.spacing.paragraphGap;
}

/**
 * A table whose rows never wrap (except columns marked `wrap`), breaking across pages with the
 * header row repeated under a "（续）" caption. `flex` columns share the width left over.
 */
function table(
  w: ReportWriter,
  options: {
    caption: string;
    columns: Column[];
    rows: string[][];
    styles?: (RowStyle | undefined)[];
    x?: number;
    width?: number;
    zebra?: boolean;
    /** The caption is the section's heading: drawn here, on the page the table starts on. */
    headed?: boolean;
  },
): void {
  const { layout } = w;
  const x0 = options.x ?? w.left;
  const totalWidth = options.width ?? w.width;
  const fixed = options.columns.reduce((t, c) => t + c.width, 0);
  const flexCount = options.columns.filter((c) => c.width === 0).length;
  const flexWidth = flexCount > 0 ? (totalWidth - fixed) / flexCount : 0;
  const widths = options.columns.map((c) => (c.width === 0 ? flexWidth : c.width));
  const xs: number[] = [];
  widths.reduce((x, width) => (xs.push(x), x + width), x0);
  const pad = layout.spacing.cellPaddingX;
  const size = layout.fontSizes.table;
  const rowHeight = layout.spacing.rowHeight;
  const headerHeight = layout.spacing.headerRowHeight;
  const textOffset = (rowHeight - size * 1.25) / 2 + 0.5;

  const drawHeader = (continued: boolean): void => {
    if (continued) {
      w.use('regular', layout.fontSizes.small, layout.colours.muted);
      w.text(`${options.caption}（续）`, x0, w.y);
      w.y += layout.fontSizes.small * 1.6;
    }
    w.backdrop(x0, w.y, totalWidth, headerHeight, layout.colours.headerFill);
    w.use('bold', layout.fontSizes.tableHeader, layout.colours.text);
    const offset = (headerHeight - layout.fontSizes.tableHeader * 1.25) / 2 + 0.5;
    options.columns.forEach((column, i) => {
      w.text(column.header, xs[i] + pad, w.y + offset, { width: widths[i] - 2 * pad, align: column.align ?? 'left' });
    });
    w.y += headerHeight;
  };

  const laidOut = options.rows.map((cells, rowIndex) => {
    const style = options.styles?.[rowIndex];
    const wrapped = options.columns.map((column, i) => {
      if (!column.wrap) return null;
      w.use(style?.bold ? 'bold' : 'regular', size, layout.colours.text);
      return w.wrap(cells[i] ?? '', widths[i] - 2 * pad);
    });
    const lineCount = Math.max(1, ...wrapped.map((lines) => (lines ? lines.length : 1)));
    return { wrapped, height: rowHeight + (lineCount - 1) * size * 1.3 };
  });
  // The header and the first rows (up to three, as tall as they wrap) start on one page, and a
  // section's heading with them rather than alone at a page's foot (an acceptance pass found
  // 对账记录 so at the bottom of page 2, its one row's long note wrapped onto the next).
  const lead = headerHeight + (laidOut.length === 0 ? rowHeight : laidOut.slice(0, 3).reduce((total, row) => total + row.height, 0));
  if (options.headed) drawSectionTitle(w, options.caption, lead);
  else w.need(lead);
  drawHeader(false);
  options.rows.forEach((cells, rowIndex) => {
    const style = options.styles?.[rowIndex];
    const { wrapped, height } = laidOut[rowIndex];
    if (w.need(height)) drawHeader(true);
    const fill = style?.fill ?? (options.zebra !== false && rowIndex % 2 === 1 ? layout.colours.zebraFill : undefined);
    if (fill) w.backdrop(x0, w.y, totalWidth, height, fill);
    w.use(style?.bold ? 'bold' : 'regular', size, style?.colour ?? layout.colours.text);
    options.columns.forEach((column, i) => {
      const lines = wrapped[i];
      if (lines) {
        lines.forEach((line, n) => w.text(line, xs[i] + pad, w.y + textOffset + n * size * 1.3));
      } else {
        w.text(cells[i] ?? '', xs[i] + pad, w.y + textOffset, {
          width: widths[i] - 2 * pad,
          align: column.align ?? 'left',
        });
      }
    });
    w.y += height;
  });
  if (options.rows.length === 0) {
    w.use('regular', size, layout.colours.muted);
    w.text('本期无记录', x0 + pad, w.y + textOffset);
    w.y += rowHeight;
  }
  w.rule(x0, w.y, x0 + totalWidth, layout.colours.rule);
  w.y += 2;
}

function drawSummary(w: ReportWriter, model: ReportModel, title: string): void {
  const { layout } = w;
  const { summary } = model;
  // Absent in snapshots of schema version 1, which are drawn again when countersigned.
  const other = summary.otherMovements;
  drawSectionTitle(w, title, 60);
  const stats: { label: string; value: string; accent?: boolean }[] = [
    { label: '期初货币资金', value: summary.openingBalance },
    { label: '本期收入', value: summary.income },
    { label: '本期支出', value: summary.expense, accent: true },
    ...(other ? [{ label: other.label, value: other.total }] : []),
    { label: '期末货币资金', value: summary.closingBalance },
  ];
  const gap = 8;
  const boxWidth = (w.width - gap * (stats.length - 1)) / stats.length;
  // One size for every box, shrunk only when the widest figure would not fit (a foundation's millions).
  w.use('bold', layout.fontSizes.statValue, layout.colours.text);
  const widest = Math.max(...stats.map((stat) => w.measure(stat.value)));
  const valueSize = Math.min(layout.fontSizes.statValue, (layout.fontSizes.statValue * (boxWidth - 16)) / widest);
  const boxHeight = layout.fontSizes.statLabel * 1.6 + layout.fontSizes.statValue * 1.5 + 10;
  stats.forEach((stat, i) => {
    const x = w.left + i * (boxWidth + gap);
    w.backdrop(x, w.y, boxWidth, boxHeight, layout.colours.statFill);
    w.use('regular', layout.fontSizes.statLabel, layout.colours.muted);
    w.text(`${stat.label}（元）`, x + 8, w.y + 5, { width: boxWidth - 16 });
    w.use('bold', valueSize, stat.accent ? layout.colours.accent : layout.colours.text);
    const baselineShift = (layout.fontSizes.statValue - valueSize) * 0.8;
    w.text(stat.value, x + 8, w.y + 5 + layout.fontSizes.statLabel * 1.6 + baselineShift, { width: boxWidth - 16 });
  });
  w.y += boxHeight + 8;
  if (other && other.rows.length > 0) {
    table(w, {
      caption: other.label,
      columns: [
        { header: `${other.label}明细（不属于收入、支出的资金增减）`, width: 0 },
        { header: '金额', width: 110, align: 'right' },
      ],
      rows: [...other.rows.map((row) => [row.label, row.amount]), [`${other.label}合计`, other.total]],
      styles: [...other.rows.map(() => undefined), { bold: true, fill: layout.colours.totalFill }],
    });
    w.y += 4;
  }
  table(w, {
    caption: title,
    columns: [
      { header: '科目', width: 0 },
      { header: '期初余额', width: 110, align: 'right' },
      { header: '期末余额', width: 110, align: 'right' },
    ],
    rows: [
      ...summary.monetaryAccounts.map((a) => [`${a.accountCode} ${a.name}`, a.opening, a.closing]),
      ['货币资金合计', summary.openingBalance, summary.closingBalance],
    ],
    styles: [...summary.monetaryAccounts.map(() => undefined), { bold: true, fill: layout.colours.totalFill }],
  });
  paragraph(w, summary.note, { colour: layout.colours.muted, size: layout.fontSizes.small });
}

interface Bar {
  label: string;
  /** Segments drawn left to right; amounts are money strings from the model. */
  segments: { amount: string; colour: string }[];
  value: string;
}

/**
 * Horizontal bars scaled to the largest total. Bar lengths are drawing geometry, not money:
 * the ratio is computed with Decimal and only the final ratio becomes a number for pdfkit.
 */
function barChart(w: ReportWriter, caption: string, bars: Bar[], legend: { label: string; colour: string }[]): void {
  const { layout } = w;
  const { chartBarHeight, chartBarGap } = layout.spacing;
  const captionHeight = layout.fontSizes.small * 1.8;
  const labelWidth = layout.charts.labelWidth;
  const valueWidth = layout.charts.valueWidth;
  const barArea = w.width - labelWidth - valueWidth - 8;
  // A negative amount (more refunds than income) draws no bar; its value is still printed.
  const totals = bars.map((bar) => sumMoney(bar.segments.map((s) => D(s.amount)).filter((a) => a.isPositive())));
  const max = Decimal.max(ZERO, ...totals);
  const height = captionHeight + bars.length * (chartBarHeight + chartBarGap) + (legend.length > 0 ? 16 : 0) + 4;
  w.need(height);
  // A caption names the chart, which matters when it lands on the page after its table.
  w.use('bold', layout.fontSizes.small, layout.colours.muted);
  w.text(caption, w.left, w.y);
  w.y += captionHeight;
  const top = w.y;
  bars.forEach((bar, i) => {
    const y = top + i * (chartBarHeight + chartBarGap);
    w.use('regular', layout.fontSizes.small, layout.colours.text);
    w.text(bar.label, w.left, y + (chartBarHeight - layout.fontSizes.small * 1.25) / 2 + 0.5, {
      width: labelWidth - 6,
      align: 'right',
    });
    let x = w.left + labelWidth;
    for (const segment of bar.segments) {
      const amount = D(segment.amount);
      if (max.isZero() || !amount.isPositive() || amount.isZero()) continue;
      // Drawing geometry, not money: only the final ratio becomes a JS number.
      const length = amount.div(max).toNumber() * barArea;
      w.rect(x, y, length, chartBarHeight, segment.colour);
      x += length;
    }
    w.use('regular', layout.fontSizes.small, layout.colours.muted);
    w.text(bar.value, x + 4, y + (chartBarHeight - layout.fontSizes.small * 1.25) / 2 + 0.5, { width: valueWidth });
  });
  w.canvas
    .save()
    .moveTo(w.left + labelWidth, top - 2)
    .lineTo(w.left + labelWidth, top + bars.length * (chartBarHeight + chartBarGap) - chartBarGap + 2)
    .lineWidth(0.6)
    .strokeColor(layout.colours.muted)
    .stroke()
    .restore();
  w.y = top + bars.length * (chartBarHeight + chartBarGap);
  if (legend.length > 0) {
    let x = w.left + labelWidth;
    for (const item of legend) {
      w.rect(x, w.y + 2, 8, 8, item.colour);
      w.use('regular', layout.fontSizes.small, layout.colours.muted);
      w.text(item.label, x + 11, w.y + 1);
      x += 11 + w.measure(item.label) + 14;
    }
    w.y += 16;
  }
  w.y += 4;
}

function drawIncome(w: ReportWriter, model: ReportModel, title: string): void {
  const { layout } = w;
  const { income } = model;
  table(w, {
    caption: title,
    headed: true,
    columns: [
      { header: '收入来源', width: 0 },
      { header: '非限定性', width: 100, align: 'right' },
      { header: '限定性', width: 100, align: 'right' },
      { header: '合计', width: 100, align: 'right' },
    ],
    rows: [
      ...income.rows.map((r) => [r.label, r.unrestricted, r.restricted, r.total]),
      ['收入合计', income.total.unrestricted, income.total.restricted, income.total.total],
    ],
    styles: [...income.rows.map(() => undefined), { bold: true, fill: layout.colours.totalFill }],
  });
  w.y += 6;
  barChart(
    w,
    `图：${title.replace(/^.*、/, '')}（按来源，单位：元）`,
    income.rows.map((r) => ({
      label: r.label,
      segments: [
        { amount: r.unrestricted, colour: layout.colours.unrestricted },
        { amount: r.restricted, colour: layout.colours.restricted },
      ],
      value: r.total,
    })),
    [
      { label: '非限定性', colour: layout.colours.unrestricted },
      { label: '限定性', colour: layout.colours.restricted },
    ],
  );
}

function drawExpenses(w: ReportWriter, model: ReportModel, title: string): void {
  const { layout } = w;
  const { expenses, restrictedRelease } = model;
  const categoryTable = (x: number, width: number): void =>
    table(w, {
      caption: title,
      x,
      width,
      columns: [
        { header: '支出类别', width: 0 },
        { header: '金额', width: 80, align: 'right' },
      ],
      rows: [...expenses.byCategory.map((c) => [c.label, c.amount]), ['支出合计', expenses.total]],
      styles: [...expenses.byCategory.map(() => undefined), { bold: true, fill: layout.colours.totalFill }],
    });
  const projectTable = (x: number, width: number): void =>
    table(w, {
      caption: title,
      x,
      width,
      // Wrapped, never cut: the frozen report is the only place a long project name is whole.
      columns: [
        { header: '项目', width: 0, wrap: true },
        { header: '金额', width: 80, align: 'right' },
      ],
      rows: [...expenses.byProject.map((p) => [p.name, p.amount]), ['支出合计', expenses.total]],
      styles: [...expenses.byProject.map(() => undefined), { bold: true, fill: layout.colours.totalFill }],
    });
  const rowsHeight = (rows: number): number => layout.spacing.headerRowHeight + rows * layout.spacing.rowHeight + 2;
  const tallest = Math.max(rowsHeight(expenses.byCategory.length + 1), rowsHeight(expenses.byProject.length + 1));
  // Side by side only when no project's name needs a second line in half the width (its height
  // above counts one line a row); otherwise one table under the other, names wrapped in full width.
  w.use('regular', layout.fontSizes.table, layout.colours.text);
  const nameRoom = (w.width - 12) / 2 - 80 - 2 * layout.spacing.cellPaddingX;
  const oneLineNames = expenses.byProject.every((p) => w.measure(p.name) <= nameRoom);
  const sideBySide = oneLineNames && tallest <= w.bottom - layout.page.margins.top;
  // The heading goes with the tables: both whole when side by side, else the first one's start
  // (a month of fourteen projects left 支出明细 alone at the foot of page 1).
  drawSectionTitle(w, title, sideBySide ? tallest : tableLead(layout, expenses.byCategory.length + 1));
  if (sideBySide) {
    // Side by side when both fit on one page: the two views of the same total belong together.
    const half = (w.width - 12) / 2;
    const top = w.y;
    categoryTable(w.left, half);
    const belowCategories = w.y;
    w.y = top;
    projectTable(w.left + half + 12, half);
    w.y = Math.max(w.y, belowCategories);
  } else {
    categoryTable(w.left, w.width);
    w.y += 6;
    projectTable(w.left, w.width);
  }
  w.y += 6;
  const maxBars = layout.charts.maxProjects;
  const shown = expenses.byProject.slice(0, maxBars);
  const rest = expenses.byProject.slice(maxBars);
  const bars: Bar[] = shown.map((p, i) => ({
    label: p.name,
    segments: [{ amount: p.amount, colour: layout.colours.chart[i % layout.colours.chart.length] }],
    value: p.amount,
  }));
  if (rest.length > 0) {
    // Money summed for the chart's last bar only; the table above lists every project.
    const restTotal = formatMoney(sumMoney(rest.map((p) => p.amount)));
    bars.push({
      label: `其他 ${rest.length} 个项目`,
      segments: [{ amount: restTotal, colour: layout.colours.muted }],
      value: restTotal,
    });
  }
  if (bars.length > 0) barChart(w, `图：各项目支出（单位：元）`, bars, []);
  paragraph(
    w,
    `${restrictedRelease.label}：${restrictedRelease.amount} 元（本期从限定性基金中实际支出的金额，按规定同额解除限制）`,
    { size: layout.fontSizes.body },
  );
}

function drawFunds(w: ReportWriter, model: ReportModel, title: string): void {
  const { layout } = w;
  const { funds } = model;
  const c = layout.columns.funds;
  const showOther = funds.rows.some((r) => r.otherChange !== '0.00');
  const columns: Column[] = [
    { header: '基金', width: c.name, wrap: true },
    { header: '性质', width: c.restriction },
    { header: '用途', width: 0, wrap: true },
    { header: '期初', width: c.amount, align: 'right' },
    { header: '本期收入', width: c.amount, align: 'right' },
    { header: '本期支出', width: c.amount, align: 'right' },
    ...(showOther ? [{ header: '其他变动', width: c.amount, align: 'right' as const }] : []),
    { header: '期末', width: c.amount, align: 'right' },
  ];
  const row = (cells: string[], other: string): string[] =>
    showOther ? [...cells.slice(0, 6), other, cells[6]] : cells;
  table(w, {
    caption: title,
    headed: true,
    columns,
    rows: [
      ...funds.rows.map((r) =>
        row([r.name, r.restrictionLabel, r.purpose ?? '—', r.opening, r.inflow, r.outflow, r.closing], r.otherChange),
      ),
      row(['合计', '', '', funds.total.opening, funds.total.inflow, funds.total.outflow, funds.total.closing], funds.total.otherChange),
    ],
    styles: [...funds.rows.map(() => undefined), { bold: true, fill: layout.colours.totalFill }],
  });
  paragraph(w, funds.note, { colour: layout.colours.muted, size: layout.fontSizes.small });
}

/** A financial statement's groups as table rows: a bold heading, indented items, a shaded total. */
function statementTable<T>(
  groups: { heading: string | null; rows: T[]; total: T | null }[],
  cellsOf: (row: T, indent: string) => string[],
  blank: string[],
  totalFill: string,
): { rows: string[][]; styles: (RowStyle | undefined)[] } {
  const rows: string[][] = [];
  const styles: (RowStyle | undefined)[] = [];
  for (const group of groups) {
    if (group.heading !== null) {
      rows.push([group.heading, ...blank]);
      styles.push({ bold: true });
    }
    for (const row of group.rows) {
      rows.push(cellsOf(row, group.heading === null ? '' : '　'));
      styles.push(undefined);
    }
    if (group.total) {
      rows.push(cellsOf(group.total, ''));
      styles.push({ bold: true, fill: totalFill });
    }
  }
  return { rows, styles };
}

/** Height of a statement table with its one-line note, to keep it on one page. */
function statementHeight(w: ReportWriter, rowCount: number): number {
  const { spacing, fontSizes } = w.layout;
  const height = fontSizes.small * 1.5 + spacing.paragraphGap + spacing.headerRowHeight + rowCount * spacing.rowHeight + 4;
  return Math.min(height, w.bottom - w.layout.page.margins.top - fontSizes.section * 2);
}

function drawBalanceSheet(w: ReportWriter, model: ReportModel, title: string): void {
  const sheet = model.balanceSheet;
  assert(sheet, 'balance sheet present');
  const { layout } = w;
  // A statement is read as a whole: keep it on one page with its title when it fits.
  const rowCount = sheet.assets.rows.length + sheet.liabilities.rows.length + sheet.netAssets.rows.length + 7;
  drawSectionTitle(w, title, statementHeight(w, rowCount));
  paragraph(w, `年初数为 ${sheet.dates.yearStart} 的余额，期末数为 ${sheet.dates.periodEnd} 的余额。单位：元`, {
    colour: layout.colours.muted,
    size: layout.fontSizes.small,
  });
  const { rows, styles } = statementTable<BalanceSheetRow>(
    [
      { heading: '资产', rows: sheet.assets.rows, total: sheet.assets.total },
      { heading: '负债', rows: sheet.liabilities.rows, total: sheet.liabilities.total },
      { heading: '净资产', rows: sheet.netAssets.rows, total: sheet.netAssets.total },
      { heading: null, rows: [], total: sheet.totalLiabilitiesAndNetAssets },
    ],
    (r, indent) => [`${indent}${r.label}`, r.yearStart, r.periodEnd],
    ['', ''],
    layout.colours.totalFill,
  );
  const amount = layout.columns.statement.amount;
  table(w, {
    caption: title,
    columns: [
      { header: '项目', width: 0 },
      { header: sheet.columns.yearStart, width: amount, align: 'right' },
      { header: sheet.columns.periodEnd, width: amount, align: 'right' },
    ],
    rows,
    styles,
    zebra: false,
  });
}

function drawActivityStatement(w: ReportWriter, model: ReportModel, title: string): void {
  const statement = model.activityStatement;
  assert(statement, 'activity statement present');
  const { layout } = w;
  const rowCount = statement.income.rows.length + statement.expenses.rows.length + 7;
  drawSectionTitle(w, title, statementHeight(w, rowCount));
  paragraph(w, '费用全部列入非限定性栏：使用限定性资金时先按实际支出额解除限制。单位：元', {
    colour: layout.colours.muted,
    size: layout.fontSizes.small,
  });
  const { rows, styles } = statementTable<ActivityRow>(
    [
      { heading: '收入', rows: statement.income.rows, total: statement.income.total },
      { heading: '费用', rows: statement.expenses.rows, total: statement.expenses.total },
      { heading: null, rows: [statement.release, ...(statement.otherChanges ? [statement.otherChanges] : [])], total: null },
      { heading: null, rows: [], total: statement.netAssetChange },
    ],
    (r, indent) => [`${indent}${r.label}`, r.unrestricted, r.restricted, r.total],
    ['', '', ''],
    layout.colours.totalFill,
  );
  const amount = layout.columns.statement.amount;
  table(w, {
    caption: title,
    columns: [
      { header: '项目', width: 0 },
      { header: statement.columns.unrestricted, width: amount, align: 'right' },
      { header: statement.columns.restricted, width: amount, align: 'right' },
      { header: statement.columns.total, width: amount, align: 'right' },
    ],
    rows,
    styles,
    zebra: false,
  });
}

function drawGrants(w: ReportWriter, model: ReportModel, title: string): void {
  const grants = model.grants;
  assert(grants, 'grants present');
  const { layout } = w;
  const c = layout.columns.grants;
  table(w, {
    caption: title,
    headed: true,
    columns: [
      { header: '项目名称', width: 0, wrap: true },
      { header: '受资助方', width: c.recipient, wrap: true },
      { header: '资助金额', width: c.amount, align: 'right' },
      { header: '拨付净额', width: c.amount, align: 'right' },
      { header: '状态', width: c.status, align: 'center' },
    ],
    rows: [
      ...grants.rows.map((g) => [g.title, g.recipient, g.amountAwarded, g.amountDisbursed, g.statusLabel]),
      ['合计', '', grants.total.amountAwarded, grants.total.amountDisbursed, ''],
    ],
    styles: [...grants.rows.map(() => undefined), { bold: true, fill: layout.colours.totalFill }],
  });
}

function drawEntries(w: ReportWriter, model: ReportModel, title: string): void {
  const { layout } = w;
  const { entries } = model;
  const c = layout.columns.entries;
  // The count line above the table, then the table's start.
  drawSectionTitle(w, title, layout.fontSizes.small * 3 + layout.spacing.paragraphGap + tableLead(layout, entries.rows.length));
  paragraph(w, `共 ${entries.count} 笔，按日期排列，同一天按凭证号排列。个人捐赠人除本人同意公开外显示为“张*”或“匿名”。单位：元`, {
    colour: layout.colours.muted,
    size: layout.fontSizes.small,
  });
  table(w, {
    caption: title,
    columns: [
      { header: '日期', width: c.date },
      { header: '凭证号', width: c.number },
      { header: '摘要', width: 0, wrap: true },
      { header: '收付对象', width: c.counterparty, wrap: true },
      { header: '收入', width: c.income, align: 'right' },
      { header: '支出', width: c.expense, align: 'right' },
    ],
    rows: [
      ...inDateOrder(entries.rows).map((e) => [
        chineseMonthDay(e.date),
        e.number,
        e.kind === 'year_end_close' ? `${e.memo}（年终结转，不计入收支）` : e.memo,
        e.counterparty ?? '',
        e.income ?? '',
        e.expense ?? '',
      ]),
      ['', '', '合计', '', entries.total.income, entries.total.expense],
    ],
    styles: [
      ...entries.rows.map((e): RowStyle | undefined =>
        e.kind === 'reversal' ? { colour: layout.colours.warning } : e.kind === 'year_end_close' ? { colour: layout.colours.muted } : undefined,
      ),
      { bold: true, fill: layout.colours.totalFill },
    ],
  });
}

/**
 * What a difference nobody explained reads as, in the warning colour of its row. Only PDFs
 * rendered from now on say it: a published PDF is frozen bytes, and verification hashes those
 * stored bytes and rebuilds the data, never the PDF, so the wording can change safely.
 */
export const UNEXPLAINED_DIFFERENCE = '差异原因：未说明';

function drawReconciliations(w: ReportWriter, model: ReportModel, title: string): void {
  const { layout } = w;
  const c = layout.columns.reconciliation;
  const rows = model.reconciliations.rows;
  table(w, {
    caption: title,
    headed: true,
    columns: [
      { header: '日期', width: c.date },
      { header: '现金实有', width: c.amount, align: 'right' },
      { header: '现金账面', width: c.amount, align: 'right' },
      { header: '现金差额', width: c.amount, align: 'right' },
      { header: '银行对账单', width: c.amount, align: 'right' },
      { header: '银行账面', width: c.amount, align: 'right' },
      { header: '银行差额', width: c.amount, align: 'right' },
      { header: '说明', width: 0, wrap: true },
    ],
    rows: rows.map((r) => [
      chineseMonthDay(r.date),
      r.cashCounted,
      r.cashBook,
      r.cashDifference,
      r.bankStatementBalance,
      r.bankBook,
      r.bankDifference,
      [r.note ?? (r.balanced ? '账实相符' : UNEXPLAINED_DIFFERENCE), r.laterEntries].filter(Boolean).join(' '),
    ]),
    styles: rows.map((r) => (r.balanced ? undefined : { colour: layout.colours.warning })),
  });
}

function drawCorrections(w: ReportWriter, model: ReportModel, title: string): void {
  const { layout } = w;
  const c = layout.columns.corrections;
  table(w, {
    caption: title,
    headed: true,
    columns: [
      { header: '日期', width: c.date },
      { header: '更正凭证', width: c.number },
      { header: '被冲销凭证', width: c.original },
      { header: '更正原因', width: 0, wrap: true },
    ],
    rows: model.corrections.rows.map((r) => [chineseMonthDay(r.date), r.number, r.originalNumber, r.reason]),
  });
}

function drawReview(w: ReportWriter, model: ReportModel, title: string): void {
  const { layout } = w;
  const { review } = model;
  drawSectionTitle(w, title, 40);
  if (!review.countersigned) {
    // These bytes are frozen when the report is published and never change, so they say when
    // the statement was true and where a later countersignature is shown (an acceptance pass
    // read 尚未审核 in a PDF whose web page already showed the review).
    paragraph(w, `${review.label}：发布时${review.statusText}`, { colour: layout.colours.warning, bold: true });
    paragraph(w, '本文件是发布时的原始版本，此后不再改动。监委会审核后，审核意见和审核版 PDF 见这份报告的公开网页（扫描下方验证二维码即可到达）。');
    return;
  }
  paragraph(w, `${review.label}：${review.name ?? ''}　审核日期：${chineseDate(review.date)}`, { bold: true });
  if (review.note) paragraph(w, `审核意见：${review.note}`);
}

function drawVerification(w: ReportWriter, model: ReportModel, title: string): void {
  const { layout } = w;
  const { verification } = model;
  const qrSize = layout.spacing.qrSize;
  drawSectionTitle(w, title, qrSize + 10);
  const top = w.y;
  const textWidth = w.width - qrSize - 16;
  const lines: [string, string][] = [
    ['报告数据 SHA-256', verification.dataSha256 ?? '（发布时生成）'],
    ['账本哈希链头', verification.chainHead ?? '（无）'],
    ['在线核验', verification.verifyUrl],
  ];
  for (const [label, value] of lines) {
    w.use('bold', layout.fontSizes.small, layout.colours.muted);
    w.text(label, w.left, w.y);
    w.y += layout.fontSizes.small * 1.5;
    w.use('regular', layout.fontSizes.body, layout.colours.text);
    // Hashes and URLs must print in full to be checkable, so they wrap rather than being cut.
    for (const line of w.wrap(value, textWidth)) {
      w.text(line, w.left, w.y);
      w.y += layout.fontSizes.body * 1.45;
    }
    w.y += 3;
  }
  w.use('regular', layout.fontSizes.small, layout.colours.muted);
  for (const line of w.wrap('扫描二维码或访问上述网址，可核对本报告与账本是否一致。', textWidth)) {
    w.text(line, w.left, w.y);
    w.y += layout.fontSizes.small * 1.5;
  }
  drawQrCode(w, verification.verifyUrl, w.right - qrSize, top, qrSize);
  w.y = Math.max(w.y, top + qrSize) + 6;
}

/** The QR code as vector squares, one rectangle per horizontal run of dark modules. */
function drawQrCode(w: ReportWriter, text: string, x: number, y: number, size: number): void {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const quiet = 2;
  const cell = size / (modules.size + quiet * 2);
  const doc = w.canvas;
  for (let row = 0; row < modules.size; row++) {
    let col = 0;
    while (col < modules.size) {
      if (!modules.get(row, col)) {
        col++;
        continue;
      }
      const start = col;
      while (col < modules.size && modules.get(row, col)) col++;
      doc.rect(x + (start + quiet) * cell, y + (row + quiet) * cell, (col - start) * cell, cell);
    }
  }
  doc.fill('#000000');
}

function drawFooters(w: ReportWriter, model: ReportModel): void {
  const { doc, layout } = w;
  const range = doc.bufferedPageRange();
  const label = `${model.title.entity.name}　${model.title.reportTitle}　第 ${model.title.version} 版`;
  for (let i = 0; i < range.count; i++) {
    w.flush();
    doc.switchToPage(range.start + i);
    // Footers sit inside the bottom margin; pdfkit would start a new page for text below it.
    const bottomMargin = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    const y = doc.page.height - layout.page.margins.bottom + 16;
    w.rule(w.left, y - 5, w.right, layout.colours.rule);
    w.use('regular', layout.fontSizes.footer, layout.colours.muted);
    w.text(label, w.left, y, { width: w.width * 0.7 });
    w.text(`第 ${i + 1} 页 / 共 ${range.count} 页`, w.left, y, { width: w.width, align: 'right' });
    w.flush();
    doc.page.margins.bottom = bottomMargin;
  }
}
