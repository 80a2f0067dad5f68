/**
 * The database side of group commit and of the balance rule, called directly:
 * - ledger_post_batch posts plain entries set-based and every other entry alone, answering in
 *   input order with the same results and errors as ledger_post;
 * - a batch whose set-based part breaks a rule leaves nothing behind (the service then posts
 *   each entry alone);
 * - the deferred balance check still refuses unbalanced lines written by plain SQL, whether
 *   with a new entry, added to an entry of an earlier transaction, or added in a savepoint.
 */
import crypto from 'node:crypto';
import Decimal from 'decimal.js';
import { useTestContext } from '../support/context';
import { receive, stationWithStaff } from '../factories';
import { preparePosting, EntryDraft, LineDraft } from '../../src/ledger/posting';
import { callPostBatch, BatchResult } from '../../src/ledger/queries';

const ctx = useTestContext();

function line(accountCode: string, side: 'debit' | 'credit', amount: string, fundCode = 'GENERAL'): LineDraft {
  return { accountCode, fundCode, projectId: null, debit: side === 'debit' ? new Decimal(amount) : null, credit: side === 'credit' ? new Decimal(amount) : null, memo: null };
}

function draft(entityId: string, authorId: string, date: string, lines: LineDraft[], kind: EntryDraft['kind'] = 'journal'): EntryDraft {
  return { entityId, date, memo: '批量测试', kind, details: {}, lines, authorId, approval: 'auto' };
}

const receipt = (entityId: string, authorId: string, amount: string, date = '2026-03-10', fundCode = 'GENERAL') =>
  draft(entityId, authorId, date, [line('1001', 'debit', amount, fundCode), line(fundCode === 'GENERAL' ? '490101' : '4101', 'credit', amount, fundCode)], 'receipt');
const payment = (entityId: string, authorId: string, amount: string, fundCode = 'GENERAL') =>
  draft(entityId, authorId, '2026-03-11', [line('5101', 'debit', amount, fundCode), line('1001', 'credit', amount, fundCode)], 'payment');

async function balanceOf(entityId: string, accountCode: string, fundCode = 'GENERAL'): Promise<string> {
  const row = await ctx.db('entry_lines').where({ entity_id: entityId, account_code: accountCode, fund_code: fundCode }).select(ctx.db.raw('coalesce(sum(debit), 0) - coalesce(sum(credit), 0) as balance')).first();
  return new Decimal(row.balance).toFixed(2);
}

async function dailyBalanceOf(entityId: string, accountCode: string, fundCode = 'GENERAL'): Promise<string> {
  const row = await ctx.db('daily_balances').where({ entity_id: entityId, account_code: accountCode, fund_code: fundCode }).select(ctx.db.raw('coalesce(sum(debit), 0) - coalesce(sum(credit), 0) as balance')).first();
  return new Decimal(row.balance).toFixed(2);
}

const hintOf = (result: BatchResult) => result.error?.hint ?? null;

describe('ledger_post_batch', () => {
  test('plain entries post together, the rest one by one, each answered in input order', async () => {
    const a = await stationWithStaff(ctx);
    const b = await stationWithStaff(ctx, { approvalThreshold: '100.00' });
    await receive(ctx, a.treasurer, a.entity.id, '1.00', { date: '2026-02-01' });
    await ctx.request().post(`/api/entities/${a.entity.id}/periods/2026-02/close`).set(a.treasurer.auth).expect(200);
    await receive(ctx, b.treasurer, b.entity.id, '500.00', { date: '2026-03-01' });
    await ctx.request().post(`/api/entities/${b.entity.id}/funds`).set(b.treasurer.auth).send({ code: 'LAMPS', name: '路灯维修专项', restricted: true }).expect(201);

    const A = a.entity.id;
    const B = b.entity.id;
    const ta = a.treasurer.id;
    const tb = b.treasurer.id;
    const drafts: EntryDraft[] = [
      receipt(A, ta, '10.00'), // 0 plain
      receipt(B, tb, '20.00'), // 1 plain
      payment(A, ta, '5.00'), // 2 alone: takes cash out, covered by 0
      receipt(A, ta, '7.00', '2026-02-15'), // 3 closed month
      draft(B, tb, '2026-03-10', [line('1001', 'debit', '3.00'), line('9999', 'credit', '3.00')]), // 4 unknown account
      payment(B, tb, '150.00'), // 5 above the threshold, covered: waits for approval
      payment(B, tb, '99.00'), // 6 alone: under the threshold, covered
      receipt(B, tb, '40.00', '2026-03-10', 'LAMPS'), // 7 plain: a restricted donation
      payment(B, tb, '41.00', 'LAMPS'), // 8 the restricted fund holds 40.00
      receipt(A, ta, '30.00'), // 9 plain
      receipt(crypto.randomUUID(), ta, '1.00'), // 10 no such entity
    ];
    const before = await ctx.db('entries').whereIn('entity_id', [A, B]).count<{ count: string }[]>({ count: '*' });
    const results = await callPostBatch(ctx.db, drafts.map((item) => preparePosting(item).payload));

    expect(results).toHaveLength(drafts.length);
    expect(results.map((result) => (result.ok ? result.ok.status : hintOf(result)))).toEqual([
      'posted', 'posted', 'posted', 'period_closed', 'unknown_account', 'pending_approval', 'posted', 'posted', 'insufficient_funds', 'posted', 'not_found',
    ]);
    // Plain entries are numbered first, in batch order, then the others as they come.
    expect([0, 9, 2].map((index) => results[index].ok?.number)).toEqual(['2026-000002', '2026-000003', '2026-000004']);
    expect([1, 7, 6].map((index) => results[index].ok?.number)).toEqual(['2026-000002', '2026-000003', '2026-000004']);
    expect(results[5].ok).toMatchObject({ status: 'pending_approval' });
    expect(results[5].ok?.number).toBeUndefined();
    // Every answer is what the entry's row says.
    for (const result of results.filter((item) => item.ok?.status === 'posted')) {
      const row = await ctx.db('entries').where({ id: result.ok?.id }).first();
      expect({ number: row.number, seq: row.seq, chainIndex: row.chain_index, hash: row.hash, prevHash: row.prev_hash }).toEqual({
        number: result.ok?.number, seq: result.ok?.seq, chainIndex: result.ok?.chainIndex, hash: result.ok?.hash, prevHash: result.ok?.prevHash,
      });
    }
    const after = await ctx.db('entries').whereIn('entity_id', [A, B]).count<{ count: string }[]>({ count: '*' });
    expect(Number(after[0].count) - Number(before[0].count)).toBe(7);

    // Balances: lines and daily balances agree with the accepted entries.
    expect(await balanceOf(A, '1001')).toBe('36.00');
    expect(await dailyBalanceOf(A, '1001')).toBe('36.00');
    expect(await balanceOf(B, '1001')).toBe('421.00');
    expect(await dailyBalanceOf(B, '1001')).toBe('421.00');
    expect(await balanceOf(B, '1001', 'LAMPS')).toBe('40.00');
    expect(await dailyBalanceOf(B, '1001', 'LAMPS')).toBe('40.00');

    // The chains link up: the service re-hashes every entry.
    for (const { entity, treasurer } of [a, b]) {
      const verify = await ctx.request().get(`/api/entities/${entity.id}/verify`).set(treasurer.auth);
      expect(verify.body).toMatchObject({ ok: true, firstBad: null });
    }
  });

  test('a batch whose set-based part breaks a rule fails as a whole and leaves nothing', async () => {
    const a = await stationWithStaff(ctx);
    const good = preparePosting(receipt(a.entity.id, a.treasurer.id, '10.00')).payload;
    const unbalanced = preparePosting(receipt(a.entity.id, a.treasurer.id, '10.00')).payload;
    unbalanced.lines[1] = { ...unbalanced.lines[1], credit: '9.00' };
    const count = async () => Number((await ctx.db('entries').where({ entity_id: a.entity.id }).count<{ count: string }[]>({ count: '*' }))[0].count);
    await expect(callPostBatch(ctx.db, [good, unbalanced])).rejects.toMatchObject({ code: '23514', hint: 'entry_not_balanced' });
    expect(await count()).toBe(0);
    expect(await ctx.db('daily_balances').where({ entity_id: a.entity.id }).count<{ count: string }[]>({ count: '*' })).toEqual([{ count: '0' }]);
    expect(await ctx.db('voucher_counters').where({ entity_id: a.entity.id })).toEqual([]);
    // The good one posts alone afterwards, as the service's fallback does.
    const results = await callPostBatch(ctx.db, [good]);
    expect(results[0].ok).toMatchObject({ status: 'posted', number: '2026-000001' });
  });
});

describe('the deferred balance check, for writers other than the service', () => {
  async function plainEntry(tx: typeof ctx.db, entityId: string, index: number) {
    const id = crypto.randomUUID();
    await tx('entries').insert({
      id, entity_id: entityId, number: `2026-${String(900000 + index)}`, voucher_year: 2026, voucher_seq: 900000 + index, date: '2026-03-10', memo: '手工', status: 'posted', kind: 'journal',
      chain_index: 900000 + index, prev_hash: 'x', hash: `h${index}`,
    });
    return id;
  }
  const lineRow = (entryId: string, entityId: string, lineNo: number, accountCode: string, side: 'debit' | 'credit', amount: string) => ({
    entry_id: entryId, entity_id: entityId, date: '2026-03-10', line_no: lineNo, account_code: accountCode, fund_code: 'GENERAL', [side]: amount,
  });

  test('voucher numbers and reversals stay unique: a number must be its year and sequence, a second reversal of an entry is refused', async () => {
    const staff = await stationWithStaff(ctx);
    const entityId = staff.entity.id;
    const insertEntry = (tx: typeof ctx.db, row: Record<string, unknown>) =>
      tx('entries').insert({ id: crypto.randomUUID(), entity_id: entityId, date: '2026-03-10', memo: '手工', status: 'posted', kind: 'journal', prev_hash: 'x', ...row });
    const withLines = async (row: Record<string, unknown>) =>
      ctx.db.transaction(async (tx) => {
        const id = crypto.randomUUID();
        await insertEntry(tx, { id, ...row });
        await tx('entry_lines').insert([lineRow(id, entityId, 1, '1001', 'debit', '1.00'), lineRow(id, entityId, 2, '490101', 'credit', '1.00')]);
      });
    await withLines({ number: '2026-900010', voucher_year: 2026, voucher_seq: 900010, chain_index: 900010, hash: 'h10' });
    // The control above commits; a number that is not its year and sequence does not.
    await expect(withLines({ number: '2026-900099', voucher_year: 2026, voucher_seq: 900011, chain_index: 900011, hash: 'h11' })).rejects.toMatchObject({ code: '23514' });
    // The same year and sequence again (so the same number) is a duplicate.
    await expect(withLines({ number: '2026-900010', voucher_year: 2026, voucher_seq: 900010, chain_index: 900012, hash: 'h12' })).rejects.toMatchObject({ code: '23505' });

    const original = await receive(ctx, staff.treasurer, entityId, '5.00', { date: '2026-03-10' });
    const reversal = { kind: 'reversal', reversal_of: original.id, reversal_reason: '录错了' };
    await withLines({ ...reversal, number: '2026-900020', voucher_year: 2026, voucher_seq: 900020, chain_index: 900020, hash: 'h20' });
    await expect(withLines({ ...reversal, number: '2026-900021', voucher_year: 2026, voucher_seq: 900021, chain_index: 900021, hash: 'h21' })).rejects.toMatchObject({ code: '23505' });
    expect(await ctx.db('entries').where({ reversal_of: original.id })).toHaveLength(1);
  });

  test('balanced lines written with their entry commit (the control)', async () => {
    const { entity } = await stationWithStaff(ctx);
    await ctx.db.transaction(async (tx) => {
      const id = await plainEntry(tx, entity.id, 1);
      await tx('entry_lines').insert([lineRow(id, entity.id, 1, '1001', 'debit', '5.00'), lineRow(id, entity.id, 2, '490101', 'credit', '5.00')]);
    });
    expect(await ctx.db('entries').where({ entity_id: entity.id })).toHaveLength(1);
  });

  test('an entry written with unbalanced lines is refused at commit', async () => {
    const { entity } = await stationWithStaff(ctx);
    await expect(
      ctx.db.transaction(async (tx) => {
        const id = await plainEntry(tx, entity.id, 2);
        await tx('entry_lines').insert([lineRow(id, entity.id, 1, '1001', 'debit', '5.00'), lineRow(id, entity.id, 2, '490101', 'credit', '4.00')]);
      }),
    ).rejects.toMatchObject({ code: '23514', hint: 'entry_not_balanced' });
    expect(await ctx.db('entries').where({ entity_id: entity.id })).toHaveLength(0);
  });

  test('a line added later to a posted entry is refused at commit', async () => {
    const staff = await stationWithStaff(ctx);
    const posted = await receive(ctx, staff.treasurer, staff.entity.id, '8.00', { date: '2026-03-10' });
    await expect(ctx.db('entry_lines').insert(lineRow(posted.id, staff.entity.id, 3, '1001', 'debit', '1.00'))).rejects.toMatchObject({ code: '23514', hint: 'entry_not_balanced' });
    expect(await ctx.db('entry_lines').where({ entry_id: posted.id })).toHaveLength(2);
  });

  test('a line added in a savepoint to an entry of the same transaction is refused at commit', async () => {
    const { entity } = await stationWithStaff(ctx);
    await expect(
      ctx.db.transaction(async (tx) => {
        const id = await plainEntry(tx, entity.id, 3);
        await tx('entry_lines').insert([lineRow(id, entity.id, 1, '1001', 'debit', '5.00'), lineRow(id, entity.id, 2, '490101', 'credit', '5.00')]);
        await tx.transaction(async (savepoint) => {
          await savepoint('entry_lines').insert(lineRow(id, entity.id, 3, '1001', 'debit', '2.00'));
        });
      }),
    ).rejects.toMatchObject({ code: '23514', hint: 'entry_not_balanced' });
    expect(await ctx.db('entries').where({ entity_id: entity.id })).toHaveLength(0);
  });

  test('lines of an entry written in a savepoint are checked at the end of their statement', async () => {
    const { entity } = await stationWithStaff(ctx);
    // The control: the entry in a savepoint, then all its lines in one statement.
    await ctx.db.transaction(async (tx) => {
      const id = await tx.transaction((savepoint) => plainEntry(savepoint, entity.id, 4));
      await tx('entry_lines').insert([lineRow(id, entity.id, 1, '1001', 'debit', '5.00'), lineRow(id, entity.id, 2, '490101', 'credit', '5.00')]);
    });
    expect(await ctx.db('entries').where({ entity_id: entity.id })).toHaveLength(1);
    // One line per statement: the first statement leaves the entry unbalanced and is refused.
    await expect(
      ctx.db.transaction(async (tx) => {
        const id = await tx.transaction((savepoint) => plainEntry(savepoint, entity.id, 5));
        await tx('entry_lines').insert(lineRow(id, entity.id, 1, '1001', 'debit', '5.00'));
        await tx('entry_lines').insert(lineRow(id, entity.id, 2, '490101', 'credit', '5.00'));
      }),
    ).rejects.toMatchObject({ code: '23514', hint: 'entry_not_balanced' });
    expect(await ctx.db('entries').where({ entity_id: entity.id })).toHaveLength(1);
  });

  test('a balanced pair of lines added to an entry posted earlier is checked with all its lines', async () => {
    const staff = await stationWithStaff(ctx);
    const posted = await receive(ctx, staff.treasurer, staff.entity.id, '8.00', { date: '2026-03-10' });
    // Two statements that would balance together at commit: the first is refused on its own.
    await expect(
      ctx.db.transaction(async (tx) => {
        await tx('entry_lines').insert(lineRow(posted.id, staff.entity.id, 3, '1001', 'debit', '1.00'));
        await tx('entry_lines').insert(lineRow(posted.id, staff.entity.id, 4, '490101', 'credit', '1.00'));
      }),
    ).rejects.toMatchObject({ code: '23514', hint: 'entry_not_balanced' });
    expect(await ctx.db('entry_lines').where({ entry_id: posted.id })).toHaveLength(2);
  });

  test('no row posts into a closed month, inserted or approved by plain SQL', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    await ctx.request().post(`/api/entities/${entity.id}/periods/2026-03/close`).set(treasurer.auth).expect(200);
    await expect(
      ctx.db.transaction(async (tx) => {
        const id = await plainEntry(tx, entity.id, 6);
        await tx('entry_lines').insert([lineRow(id, entity.id, 1, '1001', 'debit', '5.00'), lineRow(id, entity.id, 2, '490101', 'credit', '5.00')]);
      }),
    ).rejects.toMatchObject({ code: 'P0001', hint: 'period_closed' });
    // Nor does an entry wait for approval there (migration 001900).
    const pending = (date: string) => ({
      id: crypto.randomUUID(), entity_id: entity.id, date, memo: '待审批', status: 'pending_approval', kind: 'payment',
      pending_lines: JSON.stringify([{ lineNo: 1 }]), details: {},
    });
    await expect(ctx.db('entries').insert(pending('2026-03-12'))).rejects.toMatchObject({ code: 'P0001', hint: 'period_closed' });
    // A pending entry of a month closed after it was made cannot be turned into a posted one either.
    const waiting = pending('2026-04-12');
    const pendingId = waiting.id;
    await ctx.db('entries').insert(waiting);
    await ctx.db('periods').insert({ entity_id: entity.id, period: '2026-04', closed_by: treasurer.id });
    await expect(
      ctx.db('entries').where({ id: pendingId }).update({
        status: 'posted', pending_lines: null, number: '2026-900007', voucher_year: 2026, voucher_seq: 900007, chain_index: 900007, prev_hash: 'x', hash: 'h7',
      }),
    ).rejects.toMatchObject({ code: 'P0001', hint: 'period_closed' });
    expect(await ctx.db('entries').where({ entity_id: entity.id, status: 'posted' })).toHaveLength(0);
    // (The same insert into an open month commits: 'balanced lines written with their entry commit'.)
  });
});
