import { DomainError } from '../../src/shared/errors';
import { sentenceFor } from '../../src/web/messages';

describe('sentenceFor amount_too_large', () => {
  it('tells a treasurer closing the year which account cannot be carried forward and what to do', () => {
    const error = new DomainError('amount_too_large', 'x', { extra: { accountCode: '4101', fundCode: 'GENERAL' } });
    expect(sentenceFor(error)).toBe('这一年科目 4101 的合计超出了系统能记的最大金额，无法做年度收支结转。请先冲销金额记错的那笔账，再结账。');
  });

  it('asks to check the amount of an entry that would take a total too far', () => {
    expect(sentenceFor(new DomainError('amount_too_large', 'x'))).toBe('金额太大了，账上的合计会超出系统能记的最大金额。请核对金额。');
  });
});
