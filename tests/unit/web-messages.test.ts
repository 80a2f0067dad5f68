import { DomainError } from '../../src/shared/errors';
import { sentenceFor } from '../../src/web/messages';

describe('sentenceFor amount_too_large', () => {
  it('tells a treasurer closing the year which account and fund cannot be carried forward and what to do', () => {
    const error = new DomainError('amount_too_large', 'x', { extra: { accountCode: '4101', fundCode: 'GENERAL' } });
    expect(sentenceFor(error, { fundNames: { GENERAL: '非限定性资金' } })).toBe(
      '这一年科目 4101（资金“非限定性资金”）的合计超出了系统能记的最大金额，无法做年度收支结转。请先冲销金额记错的那笔账，再结账。',
    );
  });

  it('asks to check the amount of an entry that would take a total too far', () => {
    expect(sentenceFor(new DomainError('amount_too_large', 'x'))).toBe('金额太大了，账上的合计会超出系统能记的最大金额。请核对金额。');
  });
});

describe('sentenceFor insufficient_funds', () => {
  const short = (extra: Record<string, unknown>) => new DomainError('insufficient_funds', 'x', { extra: { available: '5.00', ...extra } });

  it('names a restricted fund by its name and gives a payment its advice', () => {
    expect(sentenceFor(short({ fundCode: 'R1' }), { fundNames: { R1: '路灯专项' } })).toBe('限定性资金“路灯专项”只剩 ¥5.00，不够这笔支出。请核对金额和日期，或换一个资金来源。');
  });

  it('says what to do where there is no amount or fund to change', () => {
    const sentence = sentenceFor(short({ fundCode: 'R1' }), { fundNames: { R1: '路灯专项' }, payingFor: '冲销这笔账', remedy: '请先冲销后来用掉这笔钱的支出。' });
    expect(sentence).toBe('限定性资金“路灯专项”只剩 ¥5.00，不够冲销这笔账。请先冲销后来用掉这笔钱的支出。');
  });

  it("says a refund is short in the grantee station's books, not in a fund of the foundation", () => {
    const sentence = sentenceFor(short({ fundCode: 'GRANT-BF0A0647EBFF', stationName: '阳光公益站' }), { payingFor: '这次退款', remedy: '请核对退款金额和日期。' });
    expect(sentence).toBe('受资助的阳光公益站账上这个项目的资金只剩 ¥5.00，不够这次退款。请核对退款金额和日期。');
  });
});
