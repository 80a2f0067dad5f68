import { canonicalJson, chainHash, ChainEntry, GENESIS_HASH } from '../../src/ledger/hash';
import { checkDraftShape } from '../../src/ledger/posting';
import { D } from '../../src/shared/money';

const entry: ChainEntry = {
  entityId: 'e1', chainIndex: '1', number: '2026-000001', date: '2026-03-01', memo: '停车费', kind: 'receipt',
  reversalOf: null, reversalReason: null, details: { b: 1, a: { d: 2, c: 3 } }, createdBy: 'u1', approvedBy: null,
  lines: [
    { lineNo: 2, accountCode: '490101', fundCode: 'GENERAL', projectId: null, debit: null, credit: '100.5', memo: null },
    { lineNo: 1, accountCode: '1001', fundCode: 'GENERAL', projectId: null, debit: '100.50', credit: null, memo: null },
  ],
};

describe('hash chain', () => {
  it('writes JSON with sorted keys, so equal values give equal bytes', () => {
    expect(canonicalJson({ b: 1, a: [{ z: 1, y: null }] })).toBe('{"a":[{"y":null,"z":1}],"b":1}');
  });

  it('gives the same hash for the same entry however its lines and amounts are written', () => {
    const reordered = { ...entry, details: { a: { c: 3, d: 2 }, b: 1 }, lines: [...entry.lines].reverse().map((line) => ({ ...line, credit: line.credit ? '100.50' : null, debit: line.debit ? '100.5' : null })) };
    expect(chainHash(GENESIS_HASH, reordered)).toBe(chainHash(GENESIS_HASH, entry));
  });

  it('changes the hash when an amount, a memo or the previous hash changes', () => {
    const base = chainHash(GENESIS_HASH, entry);
    expect(chainHash(GENESIS_HASH, { ...entry, memo: '停车费 ' })).not.toBe(base);
    expect(chainHash(GENESIS_HASH, { ...entry, lines: entry.lines.map((line) => (line.debit ? { ...line, debit: '100.51' } : line)) })).not.toBe(base);
    expect(chainHash('1'.repeat(64), entry)).not.toBe(base);
  });
});

describe('checkDraftShape', () => {
  const line = (accountCode: string, fundCode: string, side: 'debit' | 'credit', amount: string) => ({
    accountCode, fundCode, projectId: null, memo: null, debit: side === 'debit' ? D(amount) : null, credit: side === 'credit' ? D(amount) : null,
  });

  it('accepts entries balanced in total and per fund', () => {
    expect(() => checkDraftShape([line('1001', 'GENERAL', 'debit', '5'), line('1002', 'R', 'debit', '3'), line('4101', 'GENERAL', 'credit', '5'), line('4101', 'R', 'credit', '3')])).not.toThrow();
  });

  it('refuses one-line, unbalanced and per-fund-unbalanced entries', () => {
    expect(() => checkDraftShape([line('1001', 'GENERAL', 'debit', '5')])).toThrow(/exactly one|two/);
    expect(() => checkDraftShape([line('1001', 'GENERAL', 'debit', '5'), line('4101', 'GENERAL', 'credit', '4.99')])).toThrow(/do not equal/);
    expect(() => checkDraftShape([line('1001', 'GENERAL', 'debit', '5'), line('4101', 'R', 'credit', '5')])).toThrow(/within each fund/);
  });
});
