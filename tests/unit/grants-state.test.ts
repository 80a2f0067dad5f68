/**
 * The pure rules of a grant: the status flow, weighted scores, tranche release and amendment.
 */
import { D } from '../../src/shared/money';
import { assertMove, awardProblems, canMove, checkAmendedTranches, checkDisbursement, closingNote, conditionMet, conditionProblems, gateOf, grantCommitment, isMistypedCode, paidTrancheCount, releasableTotal, reviewScore, scoreProblems, STATUSES, unsettledNote, weightedScore } from '../../src/grants/state';

const rubric = [
  { key: 'impact', label: '影响', weight: 3 },
  { key: 'feasibility', label: '可行性', weight: 1 },
];

describe('status flow', () => {
  it('allows exactly the moves of the contract', () => {
    const allowed = STATUSES.flatMap((from) => STATUSES.filter((to) => canMove(from, to)).map((to) => `${from}→${to}`));
    expect(allowed.sort()).toEqual(
      [
        'draft→submitted',
        'draft→withdrawn',
        'submitted→under_review',
        'submitted→withdrawn',
        'under_review→approved',
        'under_review→rejected',
        'approved→active',
        'active→reporting',
        'reporting→closed',
      ].sort(),
    );
  });

  it('throws invalid_state for any other move', () => {
    expect(() => assertMove('under_review', 'withdrawn')).toThrow(expect.objectContaining({ code: 'invalid_state' }));
    expect(() => assertMove('closed', 'active')).toThrow(expect.objectContaining({ code: 'invalid_state' }));
  });
});

describe('scores', () => {
  it('weights each criterion and averages reviews without rounding in between', () => {
    // (3×5 + 1×2)/4 = 4.25 and (3×2 + 1×3)/4 = 2.25; (3×4 + 1×4)/4 = 4 → mean 3.5
    const scores = [reviewScore(rubric, { impact: 5, feasibility: 2 }), reviewScore(rubric, { impact: 2, feasibility: 3 }), reviewScore(rubric, { impact: 4, feasibility: 4 })];
    expect(scores.map((score) => score.toFixed(2))).toEqual(['4.25', '2.25', '4.00']);
    expect(weightedScore(scores)?.toFixed(4)).toBe('3.5000');
    expect(weightedScore([])).toBeNull();
  });

  it('keeps thirds exact until presentation', () => {
    const thirds = [reviewScore([{ key: 'a', label: 'a', weight: 1 }, { key: 'b', label: 'b', weight: 2 }], { a: 1, b: 0 })];
    expect(weightedScore(thirds)?.toDecimalPlaces(2).toFixed(2)).toBe('0.33');
  });

  it('names missing and unknown criteria', () => {
    expect(scoreProblems(rubric, { impact: 3, extra: 1 })).toEqual([
      { path: 'body.scores.feasibility', message: expect.any(String) },
      { path: 'body.scores.extra', message: expect.any(String) },
    ]);
  });
});

describe('tranches', () => {
  const tranches = [
    { amount: '500.00', condition: 'on_signing' as const },
    { amount: '300.00', condition: 'after_progress_report' as const },
    { amount: '200.00', condition: 'after_final_report' as const },
  ];

  it('releases tranches in order, stopping at the first unmet condition', () => {
    expect(releasableTotal(tranches, { progress: false, final: false }).toFixed(2)).toBe('500.00');
    expect(releasableTotal(tranches, { progress: true, final: false }).toFixed(2)).toBe('800.00');
    expect(releasableTotal(tranches, { progress: false, final: true }).toFixed(2)).toBe('1000.00');
  });

  it('reads the gate from a code or one of its names, and nothing from other wording', () => {
    expect(gateOf('after_final_report')).toBe('after_final_report');
    expect(gateOf('结项报告后拨付')).toBe('after_final_report');
    expect(gateOf('  After the Final Report ')).toBe('after_final_report');
    expect(gateOf('after-progress-report')).toBe('after_progress_report');
    expect(gateOf('中期报告后拨付')).toBe('after_progress_report');
    expect(gateOf('On signing')).toBe('on_signing');
    expect(gateOf('签约后拨付')).toBe('on_signing');
    expect(gateOf('居民议事会同意后')).toBeNull();
    expect(conditionMet('居民议事会同意后', { progress: false, final: false })).toBe(true);
    expect(conditionMet('After final report', { progress: true, final: false })).toBe(false);
  });

  it.each([
    ['中期报告提交后拨付', 'after_progress_report'],
    ['进度报告审核通过后', 'after_progress_report'],
    ['项目进展汇报后', 'after_progress_report'],
    ['提交报告后', 'after_progress_report'],
    ['中期验收后', 'after_progress_report'],
    ['after the interim report', 'after_progress_report'],
    ['Mid-term review done', 'after_progress_report'],
    ['upon midterm evaluation', 'after_progress_report'],
    ['once the Progress Report is in', 'after_progress_report'],
    ['after a report is filed', 'after_progress_report'],
    ['结项验收后', 'after_final_report'],
    ['项目验收合格后', 'after_final_report'],
    ['结题后拨付尾款', 'after_final_report'],
    ['终期评估通过后', 'after_final_report'],
    ['决算审计后', 'after_final_report'],
    ['after the final report is approved', 'after_final_report'],
    ['on completion of the project', 'after_final_report'],
    ['after the closing report', 'after_final_report'],
    ['签约并提交结项报告后', 'after_final_report'],
    ['签约后，中期报告提交再拨', 'after_progress_report'],
    ['合同签订后一周内', 'on_signing'],
    ['协议签署当日', 'on_signing'],
    ['首期款', 'on_signing'],
    ['预付款', 'on_signing'],
    ['when the contract is signed', 'on_signing'],
    ['paid upfront', 'on_signing'],
    ['in advance', 'on_signing'],
    ['on signature of the agreement', 'on_signing'],
    ['ＡＦＴＥＲ ＴＨＥ ＦＩＮＡＬ ＲＥＰＯＲＴ', 'after_final_report'],
    ['居民议事会同意后', null],
    ['when the design is delivered', null],
    ['after the contractor is chosen', null],
    ['场地落实后', null],
  ])('reads %j as gate %s', (condition, gate) => {
    expect(gateOf(condition)).toBe(gate);
  });

  it('knows a typo of a code from a code, a name or a sentence', () => {
    expect(['after_final_reprot', 'on_sigining', 'after_report', ' stage_2 '].map(isMistypedCode)).toEqual([true, true, true, true]);
    expect(['after_final_report', ' on_signing ', 'after_the_final_report', 'After_Final_Reprot', 'after final reprot', '结项后', 'upfront', '  final  '].map(isMistypedCode)).toEqual([false, false, false, false, false, false, false, false]);
    // A single word is read for its meaning.
    expect(['upfront', 'final'].map(gateOf)).toEqual(['on_signing', 'after_final_report']);
    expect(conditionProblems([{ condition: 'after_final_reprot' }, { condition: 'on_signing' }, { condition: 'on_sigining' }], 1)).toEqual([
      { path: 'body.tranches.2.condition', message: expect.stringContaining('on_signing, after_progress_report, after_final_report') },
    ]);
  });

  it('holds money behind a named gate like behind its code, and never behind other wording', () => {
    const worded = [
      { amount: '500.00', condition: '签约后拨付' },
      { amount: '300.00', condition: '居民议事会同意后' },
      { amount: '200.00', condition: 'after the final report' },
    ];
    expect(releasableTotal(worded, { progress: false, final: false }).toFixed(2)).toBe('800.00');
    expect(releasableTotal(worded, { progress: false, final: true }).toFixed(2)).toBe('1000.00');
  });

  it('refuses more than the award before more than the released tranches', () => {
    const base = { awarded: D('1000.00'), tranches, filed: { progress: false, final: false } };
    expect(() => checkDisbursement({ ...base, amount: D('600.01'), disbursed: D('400.00') })).toThrow(expect.objectContaining({ code: 'disbursement_exceeds_award' }));
    expect(() => checkDisbursement({ ...base, amount: D('100.01'), disbursed: D('400.00') })).toThrow(expect.objectContaining({ code: 'tranche_condition_unmet' }));
    expect(() => checkDisbursement({ ...base, amount: D('100.00'), disbursed: D('400.00') })).not.toThrow();
  });
});

describe('award', () => {
  const codesOf = (input: Partial<Parameters<typeof awardProblems>[0]>) =>
    awardProblems({ amount: D('1000'), requested: '1000.00', tranches: ['600.00', '400.00'], budget: '5000.00', committed: '0.00', ...input }).map((problem) => problem.code);

  it('finds nothing wrong with an award within the request and the round, its tranches adding up to it', () => {
    expect(codesOf({})).toEqual([]);
    expect(codesOf({ amount: D('800'), tranches: ['800'], committed: '4200.00' })).toEqual([]);
  });

  it('names every problem at once, in the order the service refuses them', () => {
    expect(codesOf({ amount: D('1200'), tranches: ['500', '200'], committed: '4000.00' })).toEqual(['award_exceeds_request', 'tranches_mismatch', 'round_budget_exceeded']);
    expect(codesOf({ tranches: ['600', '300'] })).toEqual(['tranches_mismatch']);
  });

  it('does not add up tranches it was not given', () => {
    expect(codesOf({ amount: D('1200'), tranches: null })).toEqual(['award_exceeds_request']);
  });
});

describe('amended tranches', () => {
  const current = [
    { amount: '400.00', condition: 'on_signing' as const, label: '签约' },
    { amount: '600.00', condition: 'after_final_report' as const, label: null },
  ];

  it('counts a tranche as paid once any money went out under it', () => {
    expect(paidTrancheCount(current, '0.00')).toBe(0);
    expect(paidTrancheCount(current, '0.01')).toBe(1);
    expect(paidTrancheCount(current, '400.00')).toBe(1);
    expect(paidTrancheCount(current, '400.01')).toBe(2);
    expect(paidTrancheCount(current, '1000.00')).toBe(2);
  });

  it('keeps the paid tranches exactly and the total at the award', () => {
    const awarded = D('1000.00');
    const resplit = [current[0], { amount: '300.00', condition: 'after_progress_report' as const }, { amount: '300.00', condition: 'after_final_report' as const }];
    expect(checkAmendedTranches({ current, proposed: resplit, awarded, disbursed: '400.00' })).toBe(1);
    expect(() => checkAmendedTranches({ current, proposed: [{ ...current[0], label: '首笔' }, current[1]], awarded, disbursed: '400.00' })).toThrow(expect.objectContaining({ code: 'invalid_state' }));
    expect(() => checkAmendedTranches({ current, proposed: [{ ...current[0], amount: '400.0' }, current[1]], awarded, disbursed: '400.00' })).not.toThrow();
    expect(() => checkAmendedTranches({ current, proposed: [current[0], { amount: '600.01', condition: 'after_final_report' }], awarded, disbursed: '400.00' })).toThrow(
      expect.objectContaining({ code: 'tranches_mismatch' }),
    );
    expect(checkAmendedTranches({ current, proposed: [{ amount: '1000.00', condition: 'on_signing' }], awarded, disbursed: '0.00' })).toBe(0);
  });

  it('says when the tranche that cannot change is paid only in part, and how much of it', () => {
    const current = [{ amount: '800.00', condition: 'on_signing' as const }];
    const split = () => checkAmendedTranches({ current, proposed: [{ amount: '300.00', condition: 'on_signing' }, { amount: '500.00', condition: 'after_final_report' }], awarded: D('800.00'), disbursed: '300.00' });
    expect(split).toThrow(expect.objectContaining({ code: 'invalid_state', message: expect.stringContaining('tranche 1 has 300.00 of its 800.00 paid') }));
    expect(split).toThrow(/The first tranche has money paid against it \(tranche 1 has 300\.00 of its 800\.00 paid: a tranche paid in part counts as paid/);
    const whole = () => checkAmendedTranches({ current, proposed: [{ amount: '700.00', condition: 'on_signing' }, { amount: '100.00', condition: 'on_signing' }], awarded: D('800.00'), disbursed: '800.00' });
    expect(whole).toThrow(/^The first tranche has money paid against it and cannot change/);
  });
});

describe('close', () => {
  it('notes both figures and the gap when the money held differs from the money spent, nothing when they agree', () => {
    expect(unsettledNote(D('1000.00'), '980.00')).toBe('结项时未结清：拨付净额 1000.00 元，决算支出 980.00 元，相差 20.00 元。');
    expect(unsettledNote(D('900.00'), '950.5')).toBe('结项时未结清：拨付净额 900.00 元，决算支出 950.50 元，相差 50.50 元。');
    expect(unsettledNote(D('900.00'), '900')).toBeNull();
  });

  it("keeps the figures ahead of the manager's note when unsettled, and the note alone when settled", () => {
    expect(closingNote(D('1000.00'), '1050.00', '超支50元由申请方自筹')).toBe('结项时未结清：拨付净额 1000.00 元，决算支出 1050.00 元，相差 50.00 元。说明：超支50元由申请方自筹');
    expect(closingNote(D('1000.00'), '1050.00', undefined)).toBe('结项时未结清：拨付净额 1000.00 元，决算支出 1050.00 元，相差 50.00 元。');
    expect(closingNote(D('1000.00'), '1000', '按期结项')).toBe('按期结项');
    expect(closingNote(D('1000.00'), '1000', undefined)).toBeNull();
  });
});

describe('what a grant holds against its round', () => {
  const money = (held: ReturnType<typeof grantCommitment>) => [held.net, held.returnedToRound, held.committed].map((value) => value.toFixed(2));

  it('holds the whole award while open, a refund notwithstanding (the rest may still be paid)', () => {
    for (const status of ['approved', 'active', 'reporting'] as const) {
      expect(money(grantCommitment({ status, awarded: '10000.00', disbursed: '10000.00', refunded: '400.00' }))).toEqual(['9600.00', '0.00', '10000.00']);
    }
  });

  it('keeps what it used once closed and gives the rest of the award back: award − returned = committed', () => {
    expect(money(grantCommitment({ status: 'closed', awarded: '10000.00', disbursed: '10000.00', refunded: '400.00' }))).toEqual(['9600.00', '400.00', '9600.00']);
    expect(money(grantCommitment({ status: 'closed', awarded: '20000.00', disbursed: '10000.00', refunded: '0.00' }))).toEqual(['10000.00', '10000.00', '10000.00']);
    expect(money(grantCommitment({ status: 'closed', awarded: '0.30', disbursed: '0.30', refunded: '0.10' }))).toEqual(['0.20', '0.10', '0.20']);
  });
});
