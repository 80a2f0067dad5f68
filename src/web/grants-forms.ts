/**
 * Form reading and wording for the grant pages: repeated rows (rubric criteria, budget lines,
 * tranches) read from parallel form fields, a round's window from two calendar days in
 * Asia/Shanghai, the next payable tranche as a suggestion, the tranche rows of an amendment
 * form and the amendments list, and the Chinese labels of states and conditions. It normalises and suggests only; the grants service decides every rule.
 */
import type { ZodError } from 'zod';
import { addDays } from '../shared/dates';
import { shanghaiDate } from '../shared/clock';
import { D, formatMoney, ZERO } from '../shared/money';
import { CONDITION_NAMES_ZH, conditionMet, gateOf, paidTrancheCount } from '../grants/state';
import type { TrancheCondition } from '../grants/schemas';
import { isChecked, textOf } from './forms';
import { hintFor } from './messages';
import type { FieldErrors } from './context';

export const STATUS_LABELS: Record<string, string> = {
  draft: '草稿',
  submitted: '已提交',
  under_review: '评审中',
  approved: '已批准',
  rejected: '未获批',
  active: '执行中',
  reporting: '结项报告中',
  closed: '已结项',
  withdrawn: '已撤回',
};

export const CONDITION_LABELS: Record<TrancheCondition, string> = CONDITION_NAMES_ZH;

/**
 * A tranche's condition as the pages show it: a gate's code by its Chinese name, any other
 * wording as the decision stated it, and a condition that names no gate says it holds nothing
 * back (the service pays such a tranche like one on signing).
 */
export function conditionLabel(condition: string): string {
  if (gateOf(condition) === null) return `${condition}（仅作记录，不限制拨付）`;
  return Object.hasOwn(CONDITION_LABELS, condition) ? CONDITION_LABELS[condition as TrancheCondition] : condition;
}

export const REPORT_KIND_LABELS: Record<string, string> = { progress: '中期报告', final: '结项报告' };

/** A repeated form field as a list of trimmed texts (one value is a list of one). */
export function listOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((item) => textOf(item));
  if (value === undefined || value === null) return [];
  return [textOf(value)];
}

/**
 * Rows from parallel fields (`budgetItem`, `budgetAmount`…). Blank rows are left out: a row
 * counts as blank when every field is empty except those the form fills in by itself
 * (`prefilled`, such as a weight of 1 or a condition), so a row added and never used never
 * blocks saving. The row whose 删除 button was pressed (`removeRow`, its index) goes too.
 */
export function rowsOf(body: Record<string, unknown>, fields: string[], options: { prefilled?: string[] } = {}): Record<string, string>[] {
  const columns = fields.map((field) => listOf(body[field]));
  const count = Math.max(0, ...columns.map((column) => column.length));
  const removed = textOf(body.removeRow);
  const typed = fields.filter((field) => !options.prefilled?.includes(field));
  const rows: Record<string, string>[] = [];
  for (let index = 0; index < count; index += 1) {
    const row: Record<string, string> = {};
    fields.forEach((field, column) => {
      row[field] = columns[column][index] ?? '';
    });
    if (String(index) !== removed && typed.some((field) => row[field] !== '')) rows.push(row);
  }
  return rows;
}

/** Whether the form was sent to change its rows (再加一行 or 删除) rather than to be saved. */
export function editsRows(body: Record<string, unknown>): boolean {
  return isChecked(body.addRow) || textOf(body.removeRow) !== '';
}

/**
 * A round's window from the days a manager picks: it opens at the start of the first day and
 * closes at the end of the last (the next day's 00:00), both in Shanghai time, so "申报截止
 * 3月31日" means the whole of the 31st.
 */
export function windowOf(opensOn: string | null, closesOn: string | null): { opensAt: string | null; closesAt: string | null } {
  return {
    opensAt: opensOn ? `${opensOn}T00:00:00+08:00` : null,
    closesAt: closesOn ? `${addDays(closesOn, 1)}T00:00:00+08:00` : null,
  };
}

/** The last day a window includes (its end is exclusive). */
export function lastDayOf(closesAt: string): string {
  return shanghaiDate(new Date(new Date(closesAt).getTime() - 1));
}

export function firstDayOf(opensAt: string): string {
  return shanghaiDate(new Date(opensAt));
}

/** Where the round stands now, as a manager or resident would say it. */
export function roundState(round: { opensAt: string | null; closesAt: string | null; open: boolean }, now: Date): string {
  if (round.open) return '申报中';
  return round.opensAt && now.getTime() < new Date(round.opensAt).getTime() ? '未开始' : '已截止';
}

export interface PayableTranche {
  position: number;
  amount: string;
  condition: string;
  ready: boolean;
}

/**
 * The next tranche not yet fully paid and what is left of it, with whether its condition is
 * met now — the disbursement form's suggestion. The service checks the same rule again.
 */
export function nextPayable(
  tranches: { position: number; amount: string; condition: string }[],
  disbursed: string,
  reports: { kind: string }[],
): PayableTranche | null {
  const filed = { progress: reports.some((report) => report.kind === 'progress'), final: reports.some((report) => report.kind === 'final') };
  let before = ZERO;
  for (const tranche of tranches) {
    const through = before.plus(tranche.amount);
    if (through.gt(disbursed)) {
      const left = D(tranche.amount).minus(D(disbursed).gt(before) ? D(disbursed).minus(before) : ZERO);
      return { position: tranche.position, amount: formatMoney(left), condition: tranche.condition, ready: conditionMet(tranche.condition, filed) };
    }
    before = through;
  }
  return null;
}

/** A tranche as the amendment form's row holds it (the form's field names). */
export interface TrancheRowValues {
  trancheAmount: string;
  trancheCondition: string;
  trancheLabel: string;
}

export const TRANCHE_ROW_FIELDS = ['trancheAmount', 'trancheCondition', 'trancheLabel'] as const;

interface TrancheTerms {
  amount: string;
  condition: string;
  label: string | null;
}

export function trancheRowOf(tranche: TrancheTerms): TrancheRowValues {
  return { trancheAmount: tranche.amount, trancheCondition: tranche.condition, trancheLabel: tranche.label ?? '' };
}

/**
 * The amendment form's rows: the paid tranches always as they are now (they cannot change, and
 * a refused form must not carry a tampered or stale copy into the next try), then the rows as
 * typed for the rest. Returns how many leading rows are paid, by the service's own rule.
 */
export function amendmentRows(current: TrancheTerms[], disbursed: string, typed: TrancheRowValues[]): { rows: TrancheRowValues[]; paid: number } {
  const paid = paidTrancheCount(current, disbursed);
  return { rows: [...current.slice(0, paid).map(trancheRowOf), ...typed.slice(paid)], paid };
}

/** Whether typed rows say the same as the current tranches (amounts compared as money). */
export function sameTranches(current: TrancheTerms[], typed: { amount: string; condition: string; label: string | null }[]): boolean {
  return (
    current.length === typed.length &&
    current.every((tranche, index) => {
      const row = typed[index];
      return D(row.amount).eq(tranche.amount) && row.condition === tranche.condition && (row.label ?? null) === (tranche.label ?? null);
    })
  );
}

interface AmendmentView {
  note: string;
  previousTranches: TrancheTerms[];
  tranches: TrancheTerms[];
  previousEndsOn: string | null;
  endsOn: string | null;
  by: string;
  byName: string;
  at: string | null;
}

/**
 * The amendments list as the pages show it, newest first: who acted (named by the caller, so
 * an applicant sees "the foundation"), and whether the tranches changed at all — a note-only
 * amendment shows no before/after.
 */
export function amendmentsListOf(amendments: AmendmentView[], who: (amendment: AmendmentView) => string) {
  return amendments
    .slice()
    .reverse()
    .map((amendment) => ({
      at: amendment.at,
      who: who(amendment),
      note: amendment.note,
      previousTranches: amendment.previousTranches,
      tranches: amendment.tranches,
      tranchesChanged: !sameTranches(amendment.previousTranches, amendment.tranches),
      previousEndsOn: amendment.previousEndsOn,
      endsOn: amendment.endsOn,
    }));
}

/**
 * Field hints from a zod error, with row fields named `<prefix>_<row>_<column>` so the
 * hint lands next to the input that needs fixing. `rename` maps command fields to inputs.
 */
export function fieldErrorsOf(error: ZodError, rename: Record<string, string> = {}): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const [head, row, column] = issue.path;
    const field = rename[String(head)] ?? String(head ?? '');
    if (!field) continue;
    // A mistake in one row is said at that row; the group's own hint ("fill in at least one
    // row…") is for a mistake of the rows as a whole, and would be wrong next to a bad amount.
    if (typeof row === 'number' && column !== undefined) {
      const name = `${field}_${row}_${String(column)}`;
      errors[name] ??= hintFor(`${field}.${String(column)}`);
    } else {
      errors[field] ??= hintFor(field);
    }
  }
  return errors;
}
