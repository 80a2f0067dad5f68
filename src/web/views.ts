/**
 * Rendering of the web pages: one Eta instance over `templates/`, the helpers every template
 * may use (money with thousands separators, Chinese labels), and the page frame data (who is
 * logged in, the CSRF token). Templates escape by default; nothing here touches the database.
 */
import path from 'node:path';
import { Eta } from 'eta';
import type { Request, Response } from 'express';
import { shanghaiTime } from '../shared/clock';
import { chineseDate, chineseMonthDay } from '../shared/dates';
import { formatMoney, type MoneyValue } from '../shared/money';
import { csrfTokenFor, CSRF_FIELD } from './session';
import { normaliseDate } from './forms';

export const TEMPLATES_DIR = path.resolve(__dirname, '../../templates');

const eta = new Eta({ views: TEMPLATES_DIR, cache: process.env.NODE_ENV === 'production', autoEscape: true });

export const RECEIPT_KIND_LABELS: Record<string, string> = {
  donation: '捐赠',
  parking: '停车场公共收益',
  recycling: '废旧物品回收',
  subsidy: '政府补助',
  other: '其他',
};

export const PAYMENT_CATEGORY_LABELS: Record<string, string> = {
  program: '业务活动成本',
  admin: '管理费用',
  fundraising: '筹资费用',
};

export const METHOD_LABELS: Record<string, string> = { cash: '现金', bank: '银行' };

export const ENTITY_KIND_LABELS: Record<string, string> = { station: '社区公益站', foundation: '社区基金会' };

export const ROLE_LABELS: Record<string, string> = {
  admin: '管理员',
  treasurer: '出纳/会计',
  supervisor: '监委会',
  grant_manager: '项目主管',
  reviewer: '评审',
  applicant: '申请方',
};

/** ¥1,234.50 — grouping on the decimal string, never through a JS number. */
export function yuan(value: MoneyValue | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const text = formatMoney(value);
  const negative = text.startsWith('-');
  const [whole, fraction] = text.replace(/^-/, '').split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}¥${grouped}.${fraction}`;
}

/** An instant as the pages write it, in Shanghai time: 2026年3月10日 10:00 (the minute is enough for a history line). */
export function chineseDateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const [day, clock] = shanghaiTime(new Date(iso)).split(' ');
  return `${chineseDate(day)} ${clock.slice(0, 5)}`;
}

/** 2026-03 → 2026年3月 */
export function chineseMonth(month: string | null | undefined): string {
  if (!month) return '';
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  if (!match) return month;
  return `${match[1]}年${Number.parseInt(match[2], 10)}月`;
}

export { chineseDate, chineseMonthDay };

export const helpers = { yuan, chineseDate, chineseMonthDay, chineseMonth, RECEIPT_KIND_LABELS, PAYMENT_CATEGORY_LABELS, METHOD_LABELS, ENTITY_KIND_LABELS, ROLE_LABELS };

export interface PageFrame {
  title: string;
  user: { displayName: string } | null;
  csrf: string;
  csrfField: string;
  flash: string | null;
}

export interface RenderOptions {
  status?: number;
  flash?: string | null;
}

/**
 * Date fields (named date, …Date or …On in every form) go back to the page as the browser's date
 * picker needs them, YYYY-MM-DD: "2026/3/5" typed where there is no picker would otherwise come
 * back blank when the form returns for another field's mistake. Text that is not a date stays.
 */
function withPickerDates(values: Record<string, unknown>): Record<string, unknown> {
  const shown = { ...values };
  for (const [name, value] of Object.entries(values)) {
    if (typeof value === 'string' && /(^date|Date|On)$/.test(name)) shown[name] = normaliseDate(value) ?? value;
  }
  return shown;
}

/** Renders `templates/<name>.eta` inside the layout, with helpers and the CSRF token. */
export function renderPage(req: Request, res: Response, secret: string, name: string, title: string, data: Record<string, unknown>, options: RenderOptions = {}): void {
  const frame: PageFrame = {
    title,
    user: req.actor ? { displayName: req.actor.displayName } : null,
    csrf: csrfTokenFor(req, res, secret),
    csrfField: CSRF_FIELD,
    flash: options.flash ?? flashOf(req),
  };
  const html = eta.render(`./${name}`, { ...data, page: frame, h: helpers, values: withPickerDates((data.values ?? {}) as Record<string, unknown>), errors: data.errors ?? {} });
  res.status(options.status ?? 200).type('html').set('Cache-Control', 'no-store').send(html);
}

/** One-shot notices travel in the query string (?ok=receipt) so no server state is needed. */
const FLASHES: Record<string, string> = {
  receipt: '收入已记好。',
  payment: '支出已记好。',
  payment_pending: '支出已记好，金额超过审批额度，正在等待监委会审批。',
  deposit: '现金存入银行已记好。',
  deposit_pending: '现金存入银行已记好，金额超过审批额度，正在等待监委会审批。',
  withdrawal: '从银行取现金已记好。',
  withdrawal_pending: '从银行取现金已记好，金额超过审批额度，正在等待监委会审批。',
  reversed: '已冲销。',
  reversed_pending: '冲销已记下，金额超过审批额度，等监委会审批通过后才入账。',
  closed: '已结账。',
  reconciled: '对账结果已保存。',
  approved: '已审批通过。',
  rejected: '已退回，这笔账不会入账。记账人会看到退回原因。',
  withdrawn: '已撤回，这笔账不会入账。',
  published: '报告已发布。',
  countersigned: '已审核签字。',
  logout: '您已退出登录。',
};

/**
 * A recorded receipt, payment or move of cash to or from the bank is named by its amount and
 * voucher number (?amt=150.00&no=2026-000123), so the treasurer can write the number on the
 * paper receipt or bank slip. Both are checked for their shape, and the key is looked up as
 * the tables' own: the query string is the visitor's to change.
 */
function flashOf(req: Request): string | null {
  const key = typeof req.query.ok === 'string' ? req.query.ok : '';
  const base = Object.hasOwn(FLASHES, key) ? FLASHES[key] : undefined;
  if (key === 'closed') return closedFlashOf(req) ?? base ?? null;
  const kind = key.replace(/_pending$/, '');
  const recorded = Object.hasOwn(RECORDED, kind) ? RECORDED[kind] : undefined;
  if (!base || !recorded) return base ?? null;
  const amount = typeof req.query.amt === 'string' && /^\d{1,18}(\.\d{1,2})?$/.test(req.query.amt) ? yuan(req.query.amt) : null;
  const number = typeof req.query.no === 'string' && /^\d{4}-\d{6,}$/.test(req.query.no) ? req.query.no : null;
  if (!amount) return base;
  if (key.endsWith('_pending')) return `${recorded.what} ${amount} 已记好，金额超过审批额度，正在等待监委会审批（审批通过后才有凭证号）。`;
  return `${recorded.what} ${amount} 已记好${number ? `，凭证号 ${number}，可写在${recorded.paper}上` : ''}。`;
}

/**
 * The months a close closed (?from=2026-01&to=2026-03), checked for their shape: "2026年3月已结账。",
 * or the span when it closed earlier months with it. Null when they are missing or malformed.
 */
function closedFlashOf(req: Request): string | null {
  const monthOf = (value: unknown) => (typeof value === 'string' && /^\d{4}-(?:0[1-9]|1[0-2])$/.test(value) ? value : null);
  const from = monthOf(req.query.from);
  const to = monthOf(req.query.to);
  if (!from || !to || from > to) return null;
  // The years whose 结转 the close posted (?carried=2025,2026), each a December inside the span.
  const carried = (typeof req.query.carried === 'string' ? req.query.carried.split(',') : []).filter((year) => /^\d{4}$/.test(year) && `${year}-12` >= from && `${year}-12` <= to);
  const carriedNote = carried.length > 0 ? `已做${carried.map((year) => `${year}年度`).join('、')}收支结转。` : '';
  if (from === to) return `${chineseMonth(to)}已结账。${carriedNote}`;
  return `${chineseMonth(from)}至${chineseMonth(to)}已结账（结账时，之前还没结的月份会一起结掉）。${carriedNote}`;
}

/** The notices that name what was recorded (and their `_pending` forms): what it was, and the paper its number goes on. */
const RECORDED: Record<string, { what: string; paper: string }> = {
  receipt: { what: '收入', paper: '收据' },
  payment: { what: '支出', paper: '收据' },
  deposit: { what: '现金存入银行', paper: '银行回单' },
  withdrawal: { what: '从银行取现金', paper: '银行回单' },
};
