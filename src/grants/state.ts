/**
 * The application's status flow and the pure arithmetic of a grant: weighted review scores,
 * tranche release and the settlement note at close. No database and no HTTP here; the
 * service asks these functions and throws their answers as DomainErrors.
 */
import Decimal from 'decimal.js';
import { DomainError } from '../shared/errors';
import { D, formatMoney, type MoneyValue, sumMoney, ZERO } from '../shared/money';
import { TRANCHE_CONDITIONS, TrancheCondition } from './schemas';

export const STATUSES = ['draft', 'submitted', 'under_review', 'approved', 'rejected', 'active', 'reporting', 'closed', 'withdrawn'] as const;
export type Status = (typeof STATUSES)[number];

/** Every allowed move; anything else is a 409 invalid_state. */
const TRANSITIONS: Record<Status, readonly Status[]> = {
  draft: ['submitted', 'withdrawn'],
  submitted: ['under_review', 'withdrawn'],
  under_review: ['approved', 'rejected'],
  approved: ['active'],
  active: ['reporting'],
  reporting: ['closed'],
  rejected: [],
  closed: [],
  withdrawn: [],
};

export function canMove(from: Status, to: Status): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertMove(from: Status, to: Status): void {
  if (!canMove(from, to)) {
    throw new DomainError('invalid_state', `An application in status ${from} cannot become ${to}.`, { extra: { currentStatus: from } });
  }
}

/** Throws invalid_state unless the application is in one of the statuses. */
export function assertStatus(status: Status, allowed: readonly Status[], action: string): void {
  if (!allowed.includes(status)) {
    throw new DomainError('invalid_state', `Cannot ${action} an application in status ${status} (allowed: ${allowed.join(', ')}).`, { extra: { currentStatus: status } });
  }
}

/** Statuses of an application whose award counts against the round's budget. */
export const AWARDED: readonly Status[] = ['approved', 'active', 'reporting', 'closed'];

export interface Criterion {
  key: string;
  label: string;
  weight: number;
}

/** One review's score: Σ(weight × score) / Σ weight, unrounded. */
export function reviewScore(rubric: Criterion[], scores: Record<string, number>): Decimal {
  let weighted = ZERO;
  let weights = ZERO;
  for (const criterion of rubric) {
    const weight = D(String(criterion.weight));
    weighted = weighted.plus(weight.times(scores[criterion.key]));
    weights = weights.plus(weight);
  }
  return weighted.div(weights);
}

/** Mean of the non-recused reviews' scores; null when there is none. */
export function weightedScore(reviewScores: Decimal[]): Decimal | null {
  if (reviewScores.length === 0) return null;
  return sumMoney(reviewScores).div(reviewScores.length);
}

/** Field errors for scores that miss a rubric key, name an unknown one, or leave 0..5. */
export function scoreProblems(rubric: Criterion[], scores: Record<string, number>): { path: string; message: string }[] {
  const keys = new Set(rubric.map((criterion) => criterion.key));
  const problems: { path: string; message: string }[] = [];
  // Own keys only: `in` would count a criterion named `constructor` as scored on any object.
  for (const key of keys) if (!Object.hasOwn(scores, key)) problems.push({ path: `body.scores.${key}`, message: 'required: every rubric criterion is scored' });
  for (const key of Object.keys(scores)) if (!keys.has(key)) problems.push({ path: `body.scores.${key}`, message: 'not a criterion of this round' });
  return problems;
}

export interface TrancheState {
  amount: MoneyValue;
  /** The condition as the decision stated it: a gate's code, one of its names, or free text. */
  condition: string;
}

export interface ReportsFiled {
  progress: boolean;
  final: boolean;
}

/** Each gate's Chinese name, as the web form offers it. */
export const CONDITION_NAMES_ZH: Record<TrancheCondition, string> = {
  on_signing: '签约后拨付',
  after_progress_report: '中期报告后拨付',
  after_final_report: '结项报告后拨付',
};

/**
 * Other ways people write the gates, compared after `spelledPlainly` (so the codes themselves,
 * "On signing", "after-final-report" and "AFTER FINAL REPORT" all match).
 */
const GATE_NAMES: Record<TrancheCondition, readonly string[]> = {
  on_signing: ['on signing', 'upon signing', 'at signing', '签约后', '签约时'],
  after_progress_report: ['after progress report', 'after the progress report', 'after a progress report', '中期报告后'],
  after_final_report: ['after final report', 'after the final report', '结项报告后'],
};

/**
 * Words that name a gate inside a sentence, tried on the plainly spelled text in this order:
 * the final report first, then any other report, then signing, so a sentence that names a
 * report is held by that report even when it also names signing. English words are matched
 * whole ("design" is not "sign"); Chinese has no spaces, so its words are matched anywhere,
 * except that 中期验收 (a mid-term review) is not the final 验收.
 */
const GATE_WORDS: readonly (readonly [TrancheCondition, RegExp])[] = [
  ['after_final_report', /结项|结题|终期|决算|(?<!中期|进度)验收|\bfinal\b|\bcompletion\b|\bclosing reports?\b/],
  ['after_progress_report', /中期|进度|进展|报告|汇报|\bprogress\b|\binterim\b|\bmid ?term\b|\breports?\b|\breporting\b/],
  ['on_signing', /签约|签订|签署|签字|协议|合同|首期|首笔|预付|\bsign(?:s|ed|ing|ature)?\b|\bcontracts?\b|\bagreements?\b|\bup ?front\b|\badvance\b/],
];

/**
 * Lower-case letters, digits and at least one underscore: written as a code, not in words (a
 * single word such as "upfront" or "final" is read for its meaning instead).
 */
const CODE_SHAPED = /^[a-z0-9]+(?:_[a-z0-9]+)+$/;

function spelledPlainly(text: string): string {
  return text.normalize('NFKC').trim().toLowerCase().replace(/[\s_-]+/g, ' ');
}

const GATES_BY_NAME = new Map<string, TrancheCondition>(
  TRANCHE_CONDITIONS.flatMap((gate) => [gate, CONDITION_NAMES_ZH[gate], ...GATE_NAMES[gate]].map((name) => [spelledPlainly(name), gate] as const)),
);

/**
 * The gate a tranche's condition names, or null for any other text. The contract lets a
 * decision state a condition in its own words; only the three gates hold money back, and
 * other text is kept as a record of what was agreed. A condition names a gate by its code, by
 * one of its names, or by a word of it in a sentence ("中期报告提交后拨付", "after the final
 * report is approved", "结项验收后"), so a report written in other words still holds the money.
 */
export function gateOf(condition: string): TrancheCondition | null {
  const plain = spelledPlainly(condition);
  const named = GATES_BY_NAME.get(plain);
  if (named) return named;
  return GATE_WORDS.find(([, words]) => words.test(plain))?.[0] ?? null;
}

/**
 * Whether a condition is written like a gate's code but is none of them (`after_final_reprot`):
 * a typo of a code, which a decision refuses rather than read as a sentence.
 */
export function isMistypedCode(condition: string): boolean {
  const text = condition.trim();
  return CODE_SHAPED.test(text) && !GATES_BY_NAME.has(spelledPlainly(text));
}

/**
 * Field errors for tranche conditions written like a code that is none of the gates', from
 * tranche `from` on (an amendment repeats its paid tranches as they were, whatever they say).
 */
export function conditionProblems(tranches: readonly { condition: string }[], from = 0): { path: string; message: string }[] {
  return tranches.flatMap((tranche, index) =>
    index >= from && isMistypedCode(tranche.condition)
      ? [{ path: `body.tranches.${index}.condition`, message: `not a gate code: write ${TRANCHE_CONDITIONS.join(', ')}, or the condition in words` }]
      : [],
  );
}

/** Whether a tranche may be paid now; a condition that names no gate never holds it back. */
export function conditionMet(condition: string, filed: ReportsFiled): boolean {
  switch (gateOf(condition) ?? 'on_signing') {
    case 'on_signing':
      return true;
    case 'after_progress_report':
      // A final report covers the progress too.
      return filed.progress || filed.final;
    case 'after_final_report':
      return filed.final;
  }
}

/**
 * How much may be paid now: the tranches are paid in order, and payment stops at the first
 * tranche whose condition is not met. Returns the releasable total (cumulative, before
 * subtracting what was already paid).
 */
export function releasableTotal(tranches: TrancheState[], filed: ReportsFiled): Decimal {
  let total = ZERO;
  for (const tranche of tranches) {
    if (!conditionMet(tranche.condition, filed)) break;
    total = total.plus(tranche.amount);
  }
  return total;
}

/**
 * What is wrong with an award's figures, in the order the service refuses them: more than was
 * requested, tranches that do not add up to it, more than the round has left. The service
 * throws the first; the decision form shows them all at once, so a manager fixes every figure
 * in one go. Tranches the caller could not read yet (null) are not added up.
 */
export function awardProblems(input: { amount: Decimal; requested: MoneyValue; tranches: MoneyValue[] | null; budget: MoneyValue; committed: MoneyValue }): DomainError[] {
  const problems: DomainError[] = [];
  if (input.amount.gt(input.requested)) {
    problems.push(
      new DomainError('award_exceeds_request', `The award may not pass the requested ${formatMoney(input.requested)}.`, {
        errors: [{ path: 'body.amount', message: 'more than requested' }],
      }),
    );
  }
  const trancheTotal = input.tranches === null ? null : sumMoney(input.tranches);
  if (trancheTotal !== null && !trancheTotal.eq(input.amount)) {
    problems.push(
      new DomainError('tranches_mismatch', `The tranches total ${formatMoney(trancheTotal)}, the award is ${formatMoney(input.amount)}.`, {
        errors: [{ path: 'body.tranches', message: 'must add up to amount' }],
      }),
    );
  }
  const remaining = D(input.budget).minus(input.committed);
  if (input.amount.gt(remaining)) {
    problems.push(
      new DomainError('round_budget_exceeded', `The round has ${formatMoney(remaining)} left of its ${formatMoney(input.budget)} budget.`, {
        extra: { remaining: formatMoney(remaining) },
      }),
    );
  }
  return problems;
}

/** Checks a disbursement against the award and the tranche conditions. */
export function checkDisbursement(input: { amount: Decimal; awarded: Decimal; disbursed: Decimal; tranches: TrancheState[]; filed: ReportsFiled }): void {
  const left = input.awarded.minus(input.disbursed);
  if (input.amount.gt(left)) {
    throw new DomainError('disbursement_exceeds_award', `Only ${formatMoney(left)} of the ${formatMoney(input.awarded)} award is left to disburse.`, {
      extra: { remaining: formatMoney(left) },
    });
  }
  const releasable = releasableTotal(input.tranches, input.filed).minus(input.disbursed);
  if (input.amount.gt(releasable)) {
    const waiting = input.tranches.find((tranche) => !conditionMet(tranche.condition, input.filed));
    throw new DomainError(
      'tranche_condition_unmet',
      `Only ${formatMoney(releasable.isNegative() ? ZERO : releasable)} is released now; the next tranche waits for ${waiting ? describeCondition(waiting.condition) : 'its condition'}.`,
      { extra: { releasable: formatMoney(releasable.isNegative() ? ZERO : releasable) } },
    );
  }
}

export interface LabelledTranche extends TrancheState {
  label?: string | null;
}

/**
 * How many tranches, from the first, have money paid against them. Tranches are paid in order,
 * so the paid ones are a prefix; a tranche paid in part counts as paid, because its condition
 * was already met and money went out under it.
 */
export function paidTrancheCount(tranches: TrancheState[], disbursed: MoneyValue): number {
  let before = ZERO;
  let count = 0;
  for (const tranche of tranches) {
    if (!D(disbursed).gt(before)) break;
    count += 1;
    before = before.plus(tranche.amount);
  }
  return count;
}

/**
 * Checks an amendment's new tranche list: the paid tranches come first, exactly as they were
 * (409 invalid_state otherwise), and the whole list adds up to the unchanged award (422
 * tranches_mismatch). Returns how many leading tranches are paid and kept.
 */
export function checkAmendedTranches(input: { current: LabelledTranche[]; proposed: LabelledTranche[]; awarded: Decimal; disbursed: MoneyValue }): number {
  const paid = paidTrancheCount(input.current, input.disbursed);
  const changed: { path: string; message: string }[] = [];
  let before = ZERO;
  let partly: string | undefined;
  for (let index = 0; index < paid; index += 1) {
    const was = input.current[index];
    const now = input.proposed[index];
    // Money paid against this tranche (the last paid one may be paid only in part).
    const paidHere = Decimal.min(D(was.amount), D(input.disbursed).minus(before));
    before = before.plus(was.amount);
    const state = paidHere.lt(was.amount) ? `has ${formatMoney(paidHere)} of its ${formatMoney(was.amount)} paid` : 'is paid';
    if (paidHere.lt(was.amount)) partly = `tranche ${index + 1} ${state}`;
    const same = now !== undefined && D(now.amount).eq(was.amount) && now.condition === was.condition && (now.label ?? null) === (was.label ?? null);
    if (!same) changed.push({ path: `body.tranches.${index}`, message: `tranche ${index + 1} ${state} and stays ${formatMoney(was.amount)} ${was.condition}${was.label ? ` (${was.label})` : ''}` });
  }
  if (changed.length > 0) {
    const which = paid === 1 ? 'The first tranche has money paid against it' : `The first ${paid} tranches have money paid against them`;
    const note = partly ? ` (${partly}: a tranche paid in part counts as paid, since its condition was met)` : '';
    throw new DomainError('invalid_state', `${which}${note} and cannot change; an amendment re-splits only the unpaid ones.`, {
      errors: changed,
      extra: { paidTranches: paid },
    });
  }
  const total = sumMoney(input.proposed.map((tranche) => tranche.amount));
  if (!total.eq(input.awarded)) {
    throw new DomainError('tranches_mismatch', `The tranches total ${formatMoney(total)}, the award is ${formatMoney(input.awarded)} and an amendment keeps it.`, {
      errors: [{ path: 'body.tranches', message: 'must add up to the award' }],
    });
  }
  return paid;
}

export function describeCondition(condition: string): string {
  switch (gateOf(condition) ?? 'on_signing') {
    case 'on_signing':
      return 'signing';
    case 'after_progress_report':
      return 'a progress report';
    case 'after_final_report':
      return 'the final report';
  }
}

/** Money held by the grantee: paid out minus refunded. */
export function netDisbursed(disbursed: MoneyValue, refunded: MoneyValue): Decimal {
  return D(disbursed).minus(refunded);
}

/**
 * What an awarded grant holds against its round's budget. While it is open, its award (the
 * rest may still be paid, a refund notwithstanding); once closed no money moves, so it keeps
 * what it used (disbursed − refunded) and the rest of the award is back in the round. The
 * round's `committed` is the sum of `committed` over its grants (migration 002100 checks it),
 * so `awarded − returnedToRound = committed` holds grant by grant and in total.
 */
export function grantCommitment(grant: { status: Status; awarded: MoneyValue; disbursed: MoneyValue; refunded: MoneyValue }) {
  const net = netDisbursed(grant.disbursed, grant.refunded);
  const returnedToRound = grant.status === 'closed' ? D(grant.awarded).minus(net) : ZERO;
  return { net, returnedToRound, committed: D(grant.awarded).minus(returnedToRound) };
}

/**
 * The history note of a grant closed while what the grantee holds differs from what its final
 * report says was spent, in Chinese as the pages show it; null when the two agree.
 */
export function unsettledNote(held: Decimal, spent: MoneyValue): string | null {
  if (held.eq(spent)) return null;
  return `结项时未结清：拨付净额 ${formatMoney(held)} 元，决算支出 ${formatMoney(spent)} 元，相差 ${formatMoney(held.minus(spent).abs())} 元。`;
}

/**
 * The history note of a close: the unsettled sentence when the money is not settled, the part
 * of the award never used and given back to the round's budget, then the manager's note when
 * one is given, so a note of theirs never hides the money; null when there is nothing to say.
 */
export function closingNote(held: Decimal, spent: MoneyValue, managerNote: string | null | undefined, released: Decimal = ZERO): string | null {
  const facts = [unsettledNote(held, spent), released.gt(ZERO) ? `未使用的资助额度 ${formatMoney(released)} 元退回本轮预算。` : null].filter(Boolean).join('');
  if (facts && managerNote) return `${facts}说明：${managerNote}`;
  return facts || managerNote || null;
}
