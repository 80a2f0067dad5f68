import crypto from 'node:crypto';
import Decimal from 'decimal.js';
import { useTestContext } from '../support/context';
import { admin, createUser, receive, stationWithStaff } from '../factories';
import { postEntryInTransaction } from '../../src/ledger/posting';
import { systemClock, today } from '../../src/shared/clock';

const ctx = useTestContext();

async function countEntries(entityId: string): Promise<number> {
  const row = await ctx.db('entries').where({ entity_id: entityId }).count<{ count: string }[]>('* as count');
  return Number(row[0].count);
}

async function trialBalance(entityId: string, token: string, asOf = '2026-12-31') {
  const res = await ctx.request().get(`/api/entities/${entityId}/trial-balance?asOf=${asOf}`).set('Authorization', `Bearer ${token}`);
  expect(res.status).toBe(200);
  return res.body as { rows: { accountCode: string; debit: string; credit: string; balance: string }[]; totals: { debit: string; credit: string } };
}

describe('POST /api/entities/:entityId/entries', () => {
  it('posts a balanced entry with the first voucher number of the year and a chained hash', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const res = await ctx
      .request()
      .post(`/api/entities/${entity.id}/entries`)
      .set(treasurer.auth)
      .send({ date: '2026-03-02', memo: '停车费', lines: [{ accountCode: '1001', debit: '100.5' }, { accountCode: '490101', credit: '100.50' }] });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ number: '2026-000001', status: 'posted', date: '2026-03-02', memo: '停车费', createdBy: treasurer.id });
    expect(res.body.lines).toEqual([
      expect.objectContaining({ accountCode: '1001', fundCode: 'GENERAL', debit: '100.50', credit: null }),
      expect.objectContaining({ accountCode: '490101', fundCode: 'GENERAL', debit: null, credit: '100.50' }),
    ]);
    expect(res.body.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(res.body.prevHash).toBe('0'.repeat(64));

    const second = await ctx.request().post(`/api/entities/${entity.id}/entries`).set(treasurer.auth)
      .send({ date: '2026-03-03', memo: '废品', lines: [{ accountCode: '1001', debit: '5' }, { accountCode: '490102', credit: '5' }] });
    expect(second.body.number).toBe('2026-000002');
    expect(second.body.prevHash).toBe(res.body.hash);

    const read = await ctx.request().get(`/api/entities/${entity.id}/entries/${res.body.id}`).set(treasurer.auth);
    expect(read.status).toBe(200);
    expect(read.body.hash).toBe(res.body.hash);
  });

  it('numbers vouchers per year', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    await receive(ctx, treasurer, entity.id, '10.00', { date: '2026-12-31' });
    const next = await receive(ctx, treasurer, entity.id, '10.00', { date: '2027-01-01' });
    expect(next.number).toBe('2027-000001');
  });

  it('refuses an unbalanced entry with 422 and writes nothing', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const res = await ctx.request().post(`/api/entities/${entity.id}/entries`).set(treasurer.auth)
      .send({ date: '2026-03-02', memo: 'x', lines: [{ accountCode: '1001', debit: '100.00' }, { accountCode: '490101', credit: '99.99' }] });
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 422, code: 'entry_not_balanced' });
    expect(await countEntries(entity.id)).toBe(0);
  });

  it('refuses an entry balanced in total but not per fund with 422 and writes nothing', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    await ctx.request().post(`/api/entities/${entity.id}/funds`).set(treasurer.auth).send({ code: 'LIGHTS', name: '路灯', restricted: true, purpose: '路灯维修' }).expect(201);
    const res = await ctx.request().post(`/api/entities/${entity.id}/entries`).set(treasurer.auth)
      .send({ date: '2026-03-02', memo: 'x', lines: [{ accountCode: '1001', fundCode: 'GENERAL', debit: '100.00' }, { accountCode: '4101', fundCode: 'LIGHTS', credit: '100.00' }] });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('entry_not_balanced');
    expect(res.body.detail).toMatch(/fund/);
    expect(await countEntries(entity.id)).toBe(0);
  });

  it('refuses a line with both or neither side, unknown and header accounts with 422', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const post = (lines: unknown[]) => ctx.request().post(`/api/entities/${entity.id}/entries`).set(treasurer.auth).send({ date: '2026-03-02', memo: 'x', lines });
    const both = await post([{ accountCode: '1001', debit: '1', credit: '1' }, { accountCode: '490101', credit: '1' }]);
    expect(both.status).toBe(422);
    const neither = await post([{ accountCode: '1001' }, { accountCode: '490101', credit: '1' }]);
    expect(neither.status).toBe(422);
    const unknown = await post([{ accountCode: '1999', debit: '1' }, { accountCode: '490101', credit: '1' }]);
    expect(unknown.status).toBe(422);
    expect(unknown.body.code).toBe('unknown_account');
    const header = await post([{ accountCode: '1001', debit: '1' }, { accountCode: '4901', credit: '1' }]);
    expect(header.status).toBe(422);
    expect(header.body.code).toBe('header_account');
    expect(await countEntries(entity.id)).toBe(0);
  });

  it.each([
    ['a JSON number', 100],
    ['three decimals', '1.005'],
    ['NaN', 'NaN'],
    ['an exponent', '1e3'],
    ['a negative', '-5.00'],
    ['a huge value', '1e309'],
    ['spaces', ' 5.00'],
  ])('refuses money given as %s with 400 problem+json', async (_label, amount) => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const res = await ctx.request().post(`/api/entities/${entity.id}/entries`).set(treasurer.auth)
      .send({ date: '2026-03-02', memo: 'x', lines: [{ accountCode: '1001', debit: amount }, { accountCode: '490101', credit: '5.00' }] });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.errors[0].path).toBe('body.lines.0.debit');
    if (typeof amount === 'number') expect(res.body.errors[0].message).toMatch(/string/);
    expect(await countEntries(entity.id)).toBe(0);
  });

  it('refuses impossible dates, unknown fields and malformed JSON with 400', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const base = { memo: 'x', lines: [{ accountCode: '1001', debit: '1' }, { accountCode: '490101', credit: '1' }] };
    expect((await ctx.request().post(`/api/entities/${entity.id}/entries`).set(treasurer.auth).send({ ...base, date: '2026-02-30' })).status).toBe(400);
    expect((await ctx.request().post(`/api/entities/${entity.id}/entries`).set(treasurer.auth).send({ ...base, date: '2026-03-01', ammount: '1' })).status).toBe(400);
    const malformed = await ctx.request().post(`/api/entities/${entity.id}/entries`).set(treasurer.auth).set('Content-Type', 'application/json').send('{"date": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('malformed_json');
  });

  it('refuses entries dated in a closed month with 409, and closing twice with 409', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    await receive(ctx, treasurer, entity.id, '50.00', { date: '2026-03-05' });
    const close = await ctx.request().post(`/api/entities/${entity.id}/periods/2026-03/close`).set(treasurer.auth);
    expect(close.status).toBe(200);
    const again = await ctx.request().post(`/api/entities/${entity.id}/periods/2026-03/close`).set(treasurer.auth);
    expect(again.status).toBe(409);
    const late = await ctx.request().post(`/api/entities/${entity.id}/receipts`).set(treasurer.auth)
      .send({ kind: 'parking', date: '2026-03-31', amount: '1.00', method: 'cash' });
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ code: 'period_closed', closedThrough: '2026-03', errors: [{ path: 'body.date', message: 'in a closed period' }] });
    expect(late.body.detail).toBe('The period 2026-03 is closed; date the entry in an open month.');
    const april = await ctx.request().post(`/api/entities/${entity.id}/receipts`).set(treasurer.auth)
      .send({ kind: 'parking', date: '2026-04-01', amount: '1.00', method: 'cash' });
    expect(april.status).toBe(201);
  });

  it('freezes every month before a closed one: a back-dated entry, an approval or a count there is a 409 naming the close', async () => {
    const { entity, treasurer, supervisor } = await stationWithStaff(ctx, { approvalThreshold: '100.00' });
    await receive(ctx, treasurer, entity.id, '500.00', { date: '2026-04-02' });
    const waiting = await ctx.request().post(`/api/entities/${entity.id}/payments`).set(treasurer.auth)
      .send({ date: '2026-06-03', amount: '200.00', method: 'cash', payee: '五金店', purpose: '路灯', category: 'program' });
    expect(waiting.body.status).toBe('pending_approval');
    expect((await ctx.request().post(`/api/entities/${entity.id}/periods/2026-05/close`).set(treasurer.auth)).status).toBe(200);
    const before = await trialBalance(entity.id, treasurer.token, '2026-05-31');
    const entriesBefore = await countEntries(entity.id);

    // Closing May closed April with it: May's opening balance is April's closing.
    const april = await ctx.request().post(`/api/entities/${entity.id}/payments`).set(treasurer.auth)
      .send({ date: '2026-04-20', amount: '80.00', method: 'cash', payee: '五金店', purpose: '灯泡', category: 'program' });
    expect(april.status).toBe(409);
    expect(april.body).toMatchObject({ code: 'period_closed', closedThrough: '2026-05' });
    expect(april.body.detail).toBe('The books are closed through 2026-05 (closing a month freezes every month before it), so 2026-04 is closed too; date the entry after 2026-05.');
    const receipt = await ctx.request().post(`/api/entities/${entity.id}/receipts`).set(treasurer.auth)
      .send({ kind: 'parking', date: '2026-01-15', amount: '1.00', method: 'cash' });
    expect(receipt.status).toBe(409);
    expect(receipt.body.code).toBe('period_closed');
    // Nor may an entry wait there for an approval it could never get.
    const large = await ctx.request().post(`/api/entities/${entity.id}/payments`).set(treasurer.auth)
      .send({ date: '2026-04-21', amount: '150.00', method: 'cash', payee: '五金店', purpose: '灯泡', category: 'program' });
    expect(large.status).toBe(409);
    expect(large.body).toMatchObject({ code: 'period_closed', closedThrough: '2026-05' });
    const count = await ctx.request().post(`/api/entities/${entity.id}/reconciliations`).set(treasurer.auth)
      .send({ date: '2026-04-30', cashCounted: '500.00', bankStatementBalance: '0.00' });
    expect(count.status).toBe(409);
    expect(count.body).toMatchObject({ code: 'period_closed', closedThrough: '2026-05' });
    expect(await countEntries(entity.id)).toBe(entriesBefore);
    expect(await trialBalance(entity.id, treasurer.token, '2026-05-31')).toEqual(before);

    // After the close the books stay open; the months before it are closed, not only frozen.
    const june = await ctx.request().post(`/api/entities/${entity.id}/receipts`).set(treasurer.auth)
      .send({ kind: 'parking', date: '2026-06-01', amount: '1.00', method: 'cash' });
    expect(june.status).toBe(201);
    expect((await ctx.request().post(`/api/entities/${entity.id}/entries/${waiting.body.id}/approve`).set(supervisor.auth)).status).toBe(200);
    expect((await ctx.request().post(`/api/entities/${entity.id}/periods/2026-04/close`).set(treasurer.auth)).body.code).toBe('period_already_closed');
    const periods = (await ctx.request().get(`/api/entities/${entity.id}/periods`).set(treasurer.auth)).body.items.map((row: { period: string }) => row.period);
    expect(periods).toEqual(['2026-01', '2026-02', '2026-03', '2026-04', '2026-05']);
  });

  it('keeps the rule when rows are written past the service', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const early = await receive(ctx, treasurer, entity.id, '50.00', { date: '2026-02-03' });
    expect((await ctx.request().post(`/api/entities/${entity.id}/periods/2026-03/close`).set(treasurer.auth)).status).toBe(200);
    const row = await ctx.db('entries').where({ id: early.id }).first();
    const lines = await ctx.db('entry_lines').where({ entry_id: early.id }).orderBy('line_no');
    await expect(ctx.db.transaction(async (tx) => {
      const id = crypto.randomUUID();
      await tx('entries').insert({ ...row, id, seq: undefined, number: '2026-000099', voucher_seq: 99, chain_index: 99, created_at: undefined });
      await tx('entry_lines').insert(lines.map((line) => ({ ...line, id: undefined, entry_id: id })));
    })).rejects.toThrow(/closed through 2026-03/);
  });

  it('refuses to close a month while entries before it wait for approval, since they could never be approved after', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx, { approvalThreshold: '100.00' });
    await receive(ctx, treasurer, entity.id, '1000.00', { date: '2026-02-01' });
    const pending = await ctx.request().post(`/api/entities/${entity.id}/payments`).set(treasurer.auth)
      .send({ date: '2026-02-05', amount: '500.00', method: 'cash', payee: '五金店', purpose: '路灯', category: 'program' });
    expect(pending.body.status).toBe('pending_approval');
    const close = await ctx.request().post(`/api/entities/${entity.id}/periods/2026-03/close`).set(treasurer.auth);
    expect(close.status).toBe(409);
    expect(close.body).toMatchObject({ code: 'pending_entries_in_period', months: ['2026-02'] });
  });

  it('refuses a payment that would overdraw cash or a restricted fund (422 insufficient_funds)', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    await receive(ctx, treasurer, entity.id, '100.00');
    const over = await ctx.request().post(`/api/entities/${entity.id}/payments`).set(treasurer.auth)
      .send({ date: '2026-03-06', amount: '100.01', method: 'cash', payee: '五金店', purpose: '灯泡', category: 'program' });
    expect(over.status).toBe(422);
    expect(over.body.code).toBe('insufficient_funds');
    const exact = await ctx.request().post(`/api/entities/${entity.id}/payments`).set(treasurer.auth)
      .send({ date: '2026-03-06', amount: '100.00', method: 'cash', payee: '五金店', purpose: '灯泡', category: 'program' });
    expect(exact.status).toBe(201);

    await ctx.request().post(`/api/entities/${entity.id}/funds`).set(treasurer.auth).send({ code: 'R1', name: '定向', restricted: true }).expect(201);
    await receive(ctx, treasurer, entity.id, '500.00', { method: 'bank', kind: 'donation', payer: '某公司' });
    await receive(ctx, treasurer, entity.id, '30.00', { method: 'bank', kind: 'donation', fundCode: 'R1' });
    const restricted = await ctx.request().post(`/api/entities/${entity.id}/payments`).set(treasurer.auth)
      .send({ date: '2026-03-07', amount: '30.01', method: 'bank', payee: '电工', purpose: '维修', category: 'program', fundCode: 'R1' });
    expect(restricted.status).toBe(422);
    expect(restricted.body.code).toBe('insufficient_funds');
    expect(restricted.body.fundCode).toBe('R1');
  });

  it("refuses moving a restricted fund's money out past what it received, even into a receivable, a prepayment or a payable", async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const post = (date: string, lines: object[]) => ctx.request().post(`/api/entities/${entity.id}/entries`).set(treasurer.auth).send({ date, memo: '调整', lines });
    await ctx.request().post(`/api/entities/${entity.id}/funds`).set(treasurer.auth).send({ code: 'ELD', name: '敬老', restricted: true }).expect(201);
    await receive(ctx, treasurer, entity.id, '10000.00', { date: '2026-03-01', method: 'bank', kind: 'donation' });
    await receive(ctx, treasurer, entity.id, '60.00', { date: '2026-03-02', method: 'bank', kind: 'donation', fundCode: 'ELD' });
    await receive(ctx, treasurer, entity.id, '40.00', { date: '2026-03-02', method: 'cash', kind: 'donation', fundCode: 'ELD' });
    // The fund's net assets stay 100.00 through each of these, but its money would not.
    for (const debit of ['1141', '1122', '2202']) {
      const out = await post('2026-03-05', [{ accountCode: debit, fundCode: 'ELD', debit: '100.01' }, { accountCode: '1002', fundCode: 'ELD', credit: '100.01' }]);
      expect(out.status).toBe(422);
      expect(out.body).toMatchObject({ code: 'insufficient_funds', fundCode: 'ELD', available: '100.00' });
      expect(out.body.detail).toContain('The restricted fund ELD has 100.00 of money');
    }
    // Dated before a later day's spending, the lowest day counts.
    await ctx.request().post(`/api/entities/${entity.id}/payments`).set(treasurer.auth)
      .send({ date: '2026-03-20', amount: '30.00', method: 'cash', payee: '老年活动室', purpose: '茶叶', category: 'program', fundCode: 'ELD' }).expect(201);
    const early = await post('2026-03-05', [{ accountCode: '1141', fundCode: 'ELD', debit: '70.01' }, { accountCode: '1002', fundCode: 'ELD', credit: '70.01' }]);
    expect(early.body).toMatchObject({ code: 'insufficient_funds', fundCode: 'ELD', available: '70.00', lowestFrom: '2026-03-05' });
    // Moving the fund's cash into its bank nets to nothing; all of its money may then go.
    expect((await post('2026-03-06', [{ accountCode: '1002', fundCode: 'ELD', debit: '10.00' }, { accountCode: '1001', fundCode: 'ELD', credit: '10.00' }])).status).toBe(201);
    expect((await post('2026-03-06', [{ accountCode: '1141', fundCode: 'ELD', debit: '70.00' }, { accountCode: '1002', fundCode: 'ELD', credit: '70.00' }])).status).toBe(201);
    const empty = await post('2026-03-06', [{ accountCode: '1122', fundCode: 'ELD', debit: '0.01' }, { accountCode: '1002', fundCode: 'ELD', credit: '0.01' }]);
    expect(empty.body).toMatchObject({ code: 'insufficient_funds', fundCode: 'ELD', available: '0.00' });
    // Unrestricted money is held only to its accounts' own balances.
    expect((await post('2026-03-06', [{ accountCode: '1141', debit: '9000.00' }, { accountCode: '1002', credit: '9000.00' }])).status).toBe(201);
    expect((await ctx.request().get(`/api/entities/${entity.id}/verify`).set(treasurer.auth)).body.ok).toBe(true);
  });

  it('refuses an entry dated in the past that would take money the later days no longer have, on every path', async () => {
    const { entity, treasurer, supervisor } = await stationWithStaff(ctx, { approvalThreshold: '1000.00' });
    const pay = (date: string, amount: string, extra: Record<string, string> = {}) =>
      ctx.request().post(`/api/entities/${entity.id}/payments`).set(treasurer.auth).send({ date, amount, method: 'cash', payee: '五金店', purpose: '灯泡', category: 'program', ...extra });
    // Cash: 500 on 06-01, −400 on 06-10, +1000 on 06-30, so 100 on the days 06-10..06-29.
    await receive(ctx, treasurer, entity.id, '500.00', { date: '2026-06-01' });
    expect((await pay('2026-06-10', '400.00')).status).toBe(201);
    await receive(ctx, treasurer, entity.id, '1000.00', { date: '2026-06-30' });

    const tooMuch = await pay('2026-06-05', '100.01');
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body).toMatchObject({ code: 'insufficient_funds', accountCode: '1001', available: '100.00', lowestFrom: '2026-06-05' });
    const journal = await ctx.request().post(`/api/entities/${entity.id}/entries`).set(treasurer.auth)
      .send({ date: '2026-06-02', memo: '补记', lines: [{ accountCode: '5201', debit: '100.01' }, { accountCode: '1001', credit: '100.01' }] });
    expect(journal.body.code).toBe('insufficient_funds');
    expect((await pay('2026-06-05', '100.00')).status).toBe(201);
    expect((await pay('2026-06-30', '999.99')).status).toBe(201);
    const statement = await ctx.request().get(`/api/entities/${entity.id}/accounts/1001/statement?from=2026-06-01&to=2026-06-30`).set(treasurer.auth);
    expect(statement.body.lines.map((line: { balance: string }) => line.balance)).toEqual(['500.00', '400.00', '0.00', '1000.00', '0.01']);

    // A restricted fund: 200 in on 07-01, 150 out on 07-20; 100 more dated 07-10 would leave 07-20 at −50.
    await ctx.request().post(`/api/entities/${entity.id}/funds`).set(treasurer.auth).send({ code: 'R1', name: '定向', restricted: true }).expect(201);
    await receive(ctx, treasurer, entity.id, '5000.00', { date: '2026-07-01', method: 'bank', kind: 'donation' });
    await receive(ctx, treasurer, entity.id, '200.00', { date: '2026-07-01', method: 'bank', kind: 'donation', fundCode: 'R1' });
    expect((await pay('2026-07-20', '150.00', { method: 'bank', fundCode: 'R1' })).status).toBe(201);
    const fund = await pay('2026-07-10', '100.00', { method: 'bank', fundCode: 'R1' });
    expect(fund.body).toMatchObject({ code: 'insufficient_funds', fundCode: 'R1', available: '50.00', lowestFrom: '2026-07-10' });

    // Approval: a pending payout dated 08-10 is checked again when approved, against 08-20's payment
    // (cash: 0.01 left from June, +2000 on 08-01, −900 on 08-20).
    await receive(ctx, treasurer, entity.id, '2000.00', { date: '2026-08-01' });
    const pending = await pay('2026-08-10', '1500.00');
    expect(pending.body.status).toBe('pending_approval');
    expect((await pay('2026-08-20', '900.00')).status).toBe(201);
    const approve = await ctx.request().post(`/api/entities/${entity.id}/entries/${pending.body.id}/approve`).set(supervisor.auth);
    expect(approve.body).toMatchObject({ code: 'insufficient_funds', available: '1100.01', lowestFrom: '2026-08-10' });
  });

  it('maps receipts and payments to the postings of the shortcut table', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const cases: [Record<string, unknown>, string, string][] = [
      [{ kind: 'donation', method: 'cash' }, '1001', '4101'],
      [{ kind: 'parking', method: 'bank' }, '1002', '490101'],
      [{ kind: 'recycling', method: 'cash' }, '1001', '490102'],
      [{ kind: 'subsidy', method: 'bank' }, '1002', '4401'],
      [{ kind: 'other', method: 'cash' }, '1001', '490199'],
    ];
    for (const [command, debit, credit] of cases) {
      const res = await ctx.request().post(`/api/entities/${entity.id}/receipts`).set(treasurer.auth).send({ date: '2026-03-01', amount: '10.00', ...command });
      expect(res.status).toBe(201);
      expect(res.body.lines.map((line: { accountCode: string; debit: string | null }) => [line.accountCode, line.debit ? 'D' : 'C'])).toEqual([[debit, 'D'], [credit, 'C']]);
    }
    const project = await ctx.request().post(`/api/entities/${entity.id}/projects`).set(treasurer.auth).send({ code: 'FEAST', name: '百家宴' });
    expect(project.status).toBe(201);
    for (const [category, account] of [['program', '5101'], ['admin', '5201'], ['fundraising', '5301']]) {
      const res = await ctx.request().post(`/api/entities/${entity.id}/payments`).set(treasurer.auth)
        .send({ date: '2026-03-02', amount: '1.00', method: 'cash', payee: '某某', purpose: '采购', category, projectId: project.body.id });
      expect(res.status).toBe(201);
      expect(res.body.lines[0]).toMatchObject({ accountCode: account, debit: '1.00', projectId: project.body.id });
      expect(res.body.lines[1]).toMatchObject({ accountCode: '1001', credit: '1.00' });
    }
  });
});

describe('POST /api/entities/:entityId/entries/:id/reverse', () => {
  it('reverses once with a reason; a second reversal is 409', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const original = await receive(ctx, treasurer, entity.id, '80.00');
    const reversal = await ctx.request().post(`/api/entities/${entity.id}/entries/${original.id}/reverse`).set(treasurer.auth).send({ date: '2026-03-09', reason: '重复登记' });
    expect(reversal.status).toBe(201);
    expect(reversal.body).toMatchObject({ kind: 'reversal', reversalOf: original.id, reversalReason: '重复登记', status: 'posted' });
    expect(reversal.body.lines[0]).toMatchObject({ accountCode: '1001', credit: '80.00' });
    const again = await ctx.request().post(`/api/entities/${entity.id}/entries/${original.id}/reverse`).set(treasurer.auth).send({ date: '2026-03-09', reason: '再次' });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('already_reversed');
    const read = await ctx.request().get(`/api/entities/${entity.id}/entries/${original.id}`).set(treasurer.auth);
    expect(read.body.reversedBy).toBe(reversal.body.id);
    const tb = await trialBalance(entity.id, treasurer.token);
    expect(tb.rows.find((row) => row.accountCode === '1001')?.balance).toBe('0.00');
  });

  it('needs a reason (400)', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const original = await receive(ctx, treasurer, entity.id, '80.00');
    const res = await ctx.request().post(`/api/entities/${entity.id}/entries/${original.id}/reverse`).set(treasurer.auth).send({ date: '2026-03-09', reason: '  ' });
    expect(res.status).toBe(400);
  });

  it('is dated on or after the entry it corrects (422 otherwise, nothing posted)', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const original = await receive(ctx, treasurer, entity.id, '80.00', { date: '2026-03-05' });
    const reverse = (date: string) => ctx.request().post(`/api/entities/${entity.id}/entries/${original.id}/reverse`).set(treasurer.auth).send({ date, reason: '重复登记' });
    const early = await reverse('2026-03-04');
    expect(early.status).toBe(422);
    expect(early.body).toMatchObject({ code: 'reversal_before_original', errors: [{ path: 'body.date', message: 'before 2026-03-05' }] });
    expect(await countEntries(entity.id)).toBe(1);
    expect((await reverse('2026-03-05')).status).toBe(201);
  });

  it('is refused by the database too when a writer skips the service', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const original = await receive(ctx, treasurer, entity.id, '80.00', { date: '2026-03-05' });
    const draft = {
      entityId: entity.id,
      date: '2026-03-04',
      memo: '冲销',
      kind: 'reversal' as const,
      details: {},
      lines: [
        { accountCode: '490101', fundCode: 'GENERAL', projectId: null, debit: new Decimal('80.00'), credit: null, memo: null },
        { accountCode: '1001', fundCode: 'GENERAL', projectId: null, debit: null, credit: new Decimal('80.00'), memo: null },
      ],
      authorId: treasurer.id,
      reversal: { of: original.id, reason: '直接写库' },
      approval: 'exempt' as const,
      // Dated before the receipt, the cash check would refuse it first; the date rule is the one tested.
      checkOverdraft: false,
    };
    await expect(ctx.db.transaction((tx) => postEntryInTransaction(tx, draft))).rejects.toMatchObject({ code: 'reversal_before_original' });
    expect(await countEntries(entity.id)).toBe(1);
  });
});

describe('approval above the threshold', () => {
  it('holds a large payment for a supervisor who is not its author; it gets a number only when approved', async () => {
    const { entity, treasurer, supervisor } = await stationWithStaff(ctx, { approvalThreshold: '1000.00' });
    await receive(ctx, treasurer, entity.id, '5000.00');
    const small = await ctx.request().post(`/api/entities/${entity.id}/payments`).set(treasurer.auth)
      .send({ date: '2026-03-06', amount: '1000.00', method: 'cash', payee: 'A', purpose: 'p', category: 'program' });
    expect(small.body.status).toBe('posted');
    const big = await ctx.request().post(`/api/entities/${entity.id}/payments`).set(treasurer.auth)
      .send({ date: '2026-03-06', amount: '1000.01', method: 'cash', payee: 'B', purpose: 'p', category: 'program' });
    expect(big.status).toBe(201);
    expect(big.body).toMatchObject({ status: 'pending_approval', number: null, hash: null });
    let tb = await trialBalance(entity.id, treasurer.token);
    expect(tb.rows.find((row) => row.accountCode === '1001')?.balance).toBe('4000.00');

    const own = await ctx.request().post(`/api/entities/${entity.id}/entries/${big.body.id}/approve`).set(treasurer.auth);
    expect(own.status).toBe(403);
    const dualRole = await createUser(ctx, [{ role: 'treasurer', entityId: entity.id }, { role: 'supervisor', entityId: entity.id }]);
    const selfPosted = await ctx.request().post(`/api/entities/${entity.id}/payments`).set(dualRole.auth)
      .send({ date: '2026-03-06', amount: '1500.00', method: 'cash', payee: 'C', purpose: 'p', category: 'program' });
    const selfApprove = await ctx.request().post(`/api/entities/${entity.id}/entries/${selfPosted.body.id}/approve`).set(dualRole.auth);
    expect(selfApprove.status).toBe(403);
    expect(selfApprove.body.code).toBe('self_approval');

    const pendingList = await ctx.request().get(`/api/entities/${entity.id}/entries?status=pending_approval`).set(supervisor.auth);
    expect(pendingList.body.items.map((item: { id: string }) => item.id).sort()).toEqual([big.body.id, selfPosted.body.id].sort());

    const approved = await ctx.request().post(`/api/entities/${entity.id}/entries/${big.body.id}/approve`).set(supervisor.auth);
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'posted', number: '2026-000003', approvedBy: supervisor.id });
    const twice = await ctx.request().post(`/api/entities/${entity.id}/entries/${big.body.id}/approve`).set(supervisor.auth);
    expect(twice.status).toBe(409);
    tb = await trialBalance(entity.id, treasurer.token);
    expect(tb.rows.find((row) => row.accountCode === '1001')?.balance).toBe('2999.99');
    const verify = await ctx.request().get(`/api/entities/${entity.id}/verify`).set(supervisor.auth);
    expect(verify.body).toMatchObject({ ok: true, entries: 3 });
  });
});

describe('GET /api/entities/:entityId/trial-balance and statements', () => {
  it('reports balances as of a date with equal totals, and a statement with running balance', async () => {
    const { entity, treasurer, supervisor } = await stationWithStaff(ctx);
    await receive(ctx, treasurer, entity.id, '100.00', { date: '2026-01-10' });
    await receive(ctx, treasurer, entity.id, '250.25', { date: '2026-02-10' });
    await ctx.request().post(`/api/entities/${entity.id}/payments`).set(treasurer.auth)
      .send({ date: '2026-02-11', amount: '50.10', method: 'cash', payee: 'X', purpose: '文具', category: 'admin' }).expect(201);
    const january = await trialBalance(entity.id, supervisor.token, '2026-01-31');
    expect(january.rows.find((row) => row.accountCode === '1001')).toMatchObject({ debit: '100.00', credit: '0.00', balance: '100.00' });
    expect(january.totals).toEqual({ debit: '100.00', credit: '100.00' });
    const february = await trialBalance(entity.id, supervisor.token, '2026-02-28');
    expect(february.rows.find((row) => row.accountCode === '1001')?.balance).toBe('300.15');
    expect(february.rows.find((row) => row.accountCode === '490101')?.balance).toBe('350.25');
    expect(february.totals.debit).toBe(february.totals.credit);

    const statement = await ctx.request().get(`/api/entities/${entity.id}/accounts/1001/statement?from=2026-02-01&to=2026-02-28`).set(treasurer.auth);
    expect(statement.status).toBe(200);
    expect(statement.body.openingBalance).toBe('100.00');
    expect(statement.body.lines.map((line: { balance: string }) => line.balance)).toEqual(['350.25', '300.15']);
    expect(statement.body.closingBalance).toBe('300.15');
    expect(statement.body.totals).toEqual({ debit: '250.25', credit: '50.10' });

    // A range without lines: the opening carries through.
    const march = await ctx.request().get(`/api/entities/${entity.id}/accounts/1001/statement?from=2026-03-01&to=2026-03-31`).set(treasurer.auth);
    expect(march.body).toMatchObject({ openingBalance: '300.15', lines: [], totals: { debit: '0.00', credit: '0.00' }, closingBalance: '300.15' });
    // A header account covers its leaves (4901 → 490101…), credit-normal.
    const income = await ctx.request().get(`/api/entities/${entity.id}/accounts/4901/statement?from=2026-02-01&to=2026-02-28`).set(treasurer.auth);
    expect(income.body).toMatchObject({ openingBalance: '100.00', totals: { debit: '0.00', credit: '250.25' }, closingBalance: '350.25' });
    expect(income.body.lines.map((line: { accountCode: string; balance: string }) => [line.accountCode, line.balance])).toEqual([['490101', '350.25']]);
  });

  it('writes each statement line as the entry has it: free text escaped, project, memo fallback, key order', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const project = await ctx.request().post(`/api/entities/${entity.id}/projects`).set(treasurer.auth).send({ code: 'P-1', name: '路灯' }).expect(201);
    const hostile = '引号"反斜杠\\ 换行\n制表\t控制\u0001 表情😀 </script>';
    const entry = await ctx.request().post(`/api/entities/${entity.id}/entries`).set(treasurer.auth)
      .send({
        date: '2026-04-03',
        memo: '凭证摘要 "A\\B"',
        lines: [
          { accountCode: '1001', debit: '12.30', memo: hostile },
          { accountCode: '1001', debit: '0.70', projectId: project.body.id },
          { accountCode: '490101', credit: '13.00' },
        ],
      })
      .expect(201);
    const response = await ctx.request().get(`/api/entities/${entity.id}/accounts/1001/statement?from=2026-04-01&to=2026-04-30`).set(treasurer.auth).expect(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(Object.keys(response.body)).toEqual(['account', 'from', 'to', 'openingBalance', 'lines', 'totals', 'closingBalance']);
    const expectedKeys = ['date', 'entryId', 'number', 'memo', 'accountCode', 'fundCode', 'projectId', 'debit', 'credit', 'balance'];
    for (const line of response.body.lines) expect(Object.keys(line)).toEqual(expectedKeys);
    const common = { date: '2026-04-03', entryId: entry.body.id, number: entry.body.number, accountCode: '1001', fundCode: 'GENERAL', credit: null };
    expect(response.body.lines).toEqual([
      { ...common, memo: hostile, projectId: null, debit: '12.30', balance: '12.30' },
      { ...common, memo: '凭证摘要 "A\\B"', projectId: project.body.id, debit: '0.70', balance: '13.00' },
    ]);
    expect(response.body).toMatchObject({ from: '2026-04-01', to: '2026-04-30', openingBalance: '0.00', totals: { debit: '13.00', credit: '0.00' }, closingBalance: '13.00' });
    expect(response.body.account).toMatchObject({ code: '1001' });

    // A row written by plain SQL without a voucher year is not held to the number's pattern:
    // its number is escaped like free text. Its line's memo looks like a statement line: the
    // service finds the last line of a day's group all the same (it checks the running balance).
    const oddId = crypto.randomUUID();
    const lookalike = '{"date":"2026-04-20","balance":"0.00"}';
    await ctx.db.transaction(async (tx) => {
      await tx('entries').insert({
        id: oddId, entity_id: entity.id, number: 'X"1\\', date: '2026-04-20', memo: '手工', status: 'posted', kind: 'journal',
        chain_index: 900001, prev_hash: 'x', hash: 'h-odd', details: {},
      });
      await tx('entry_lines').insert([
        { entry_id: oddId, entity_id: entity.id, date: '2026-04-20', line_no: 1, account_code: '1001', fund_code: 'GENERAL', debit: '1.00', memo: lookalike },
        { entry_id: oddId, entity_id: entity.id, date: '2026-04-20', line_no: 2, account_code: '490101', fund_code: 'GENERAL', credit: '1.00' },
      ]);
      await tx('daily_balances').insert({ entity_id: entity.id, account_code: '1001', fund_code: 'GENERAL', day: '2026-04-20', debit: '1.00', credit: '0.00' });
    });
    const again = await ctx.request().get(`/api/entities/${entity.id}/accounts/1001/statement?from=2026-04-01&to=2026-04-30`).set(treasurer.auth).expect(200);
    expect(again.body.lines[2]).toMatchObject({ entryId: oddId, number: 'X"1\\', memo: lookalike, debit: '1.00', balance: '14.00' });
  });

  it('streams a long statement (over 64 K characters) and it still adds up', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const lines = Array.from({ length: 300 }, (_, i) => ({ accountCode: '1001', debit: '1.00', memo: `第${i + 1}笔 零钱` }));
    await ctx.request().post(`/api/entities/${entity.id}/entries`).set(treasurer.auth)
      .send({ date: '2026-05-06', memo: '零钱入账', lines: [...lines, { accountCode: '490101', credit: '300.00' }] })
      .expect(201);
    const response = await ctx.request().get(`/api/entities/${entity.id}/accounts/1001/statement?from=2026-05-01&to=2026-05-31`).set(treasurer.auth).expect(200);
    expect(response.headers['transfer-encoding']).toBe('chunked');
    expect(response.text.length).toBeGreaterThan(64 * 1024);
    expect(response.body.lines).toHaveLength(300);
    expect(response.body.lines.map((line: { balance: string }) => line.balance)).toEqual(lines.map((_, i) => `${i + 1}.00`));
    expect(response.body.lines[299].memo).toBe('第300笔 零钱');
    expect(response.body).toMatchObject({ openingBalance: '0.00', totals: { debit: '300.00', credit: '0.00' }, closingBalance: '300.00' });
  });

  it('refuses an unknown account before a reversed range, and an unknown entity, each without keeping a connection', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    await receive(ctx, treasurer, entity.id, '5.00', { date: '2026-01-10' });
    const statement = (entityId: string, code: string, from: string, to: string) => `/api/entities/${entityId}/accounts/${code}/statement?from=${from}&to=${to}`;
    const unknown = await ctx.request().get(statement(entity.id, '9999', '2026-01-01', '2026-01-31')).set(treasurer.auth).expect(404);
    expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/);
    await ctx.request().get(statement(entity.id, '9999', '2026-02-01', '2026-01-31')).set(treasurer.auth).expect(404);
    const reversed = await ctx.request().get(statement(entity.id, '1001', '2026-02-01', '2026-01-31')).set(treasurer.auth).expect(400);
    expect(reversed.body.errors).toEqual([{ path: 'query.from', message: 'after to' }]);
    // An admin may read every entity, so the lines' query starts before the entity is looked up:
    // more unknown entities than the pool has connections, then a statement still comes.
    const root = await admin(ctx);
    for (let i = 0; i < 45; i++) {
      await ctx.request().get(statement(crypto.randomUUID(), '1001', '2026-01-01', '2026-01-31')).set(root.auth).expect(404);
    }
    const known = await ctx.request().get(statement(entity.id, '1001', '2026-01-01', '2026-01-31')).set(root.auth).expect(200);
    expect(known.body).toMatchObject({ openingBalance: '0.00', closingBalance: '5.00' });
  });
});

describe('year-end close', () => {
  it('closing December carries revenue and expenses into 3101/3102 by fund and closes the year', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    await ctx.request().post(`/api/entities/${entity.id}/funds`).set(treasurer.auth).send({ code: 'R1', name: '定向', restricted: true }).expect(201);
    await receive(ctx, treasurer, entity.id, '1000.00', { date: '2026-05-01' });
    await receive(ctx, treasurer, entity.id, '300.00', { date: '2026-06-01', kind: 'donation', fundCode: 'R1' });
    await ctx.request().post(`/api/entities/${entity.id}/payments`).set(treasurer.auth)
      .send({ date: '2026-07-01', amount: '120.00', method: 'cash', payee: 'X', purpose: 'p', category: 'program', fundCode: 'R1' }).expect(201);
    await ctx.request().post(`/api/entities/${entity.id}/payments`).set(treasurer.auth)
      .send({ date: '2026-07-02', amount: '200.00', method: 'cash', payee: 'Y', purpose: 'q', category: 'admin' }).expect(201);
    const close = await ctx.request().post(`/api/entities/${entity.id}/periods/2026-12/close`).set(treasurer.auth);
    expect(close.status).toBe(200);
    expect(close.body.monthsClosed).toHaveLength(12);
    expect(close.body.closingEntry).toMatchObject({ kind: 'year_end_close', date: '2026-12-31' });
    const tb = await trialBalance(entity.id, treasurer.token, '2026-12-31');
    const balance = (code: string) => tb.rows.find((row) => row.accountCode === code)?.balance;
    expect(balance('3101')).toBe('800.00');
    expect(balance('3102')).toBe('180.00');
    for (const code of ['490101', '4101', '5101', '5201']) expect(balance(code)).toBe('0.00');
    const may = await ctx.request().post(`/api/entities/${entity.id}/receipts`).set(treasurer.auth).send({ kind: 'parking', date: '2026-05-02', amount: '1.00', method: 'cash' });
    expect(may.status).toBe(409);
  });
});

describe('closing a month closes every month before it', () => {
  it('posts the year-end close of an earlier year it freezes, and counts the same months closed for posting, publishing and the periods list', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const base = `/api/entities/${entity.id}`;
    await receive(ctx, treasurer, entity.id, '100.00', { date: '2025-12-20', kind: 'donation' });
    await ctx.request().post(`${base}/payments`).set(treasurer.auth)
      .send({ date: '2025-12-21', amount: '30.00', method: 'cash', payee: 'X', purpose: 'p', category: 'program' }).expect(201);
    await receive(ctx, treasurer, entity.id, '50.00', { date: '2026-03-01' });

    // Closing March 2026 freezes 2025 as well: 2025 is closed, with its 结转, at once.
    const march = (await ctx.request().post(`${base}/periods/2026-03/close`).set(treasurer.auth).expect(200)).body;
    expect(march.monthsClosed[0]).toBe('2025-01');
    expect(march.monthsClosed).toHaveLength(15);
    expect(march.closingEntry).toBeNull();
    expect(march.closingEntries).toEqual([expect.objectContaining({ kind: 'year_end_close', date: '2025-12-31', memo: '2025年度收支结转' })]);
    const balanceOn = async (asOf: string) => {
      const tb = await trialBalance(entity.id, treasurer.token, asOf);
      return (code: string) => tb.rows.find((row) => row.accountCode === code)?.balance ?? '0.00';
    };
    const endOf2025 = await balanceOn('2025-12-31');
    expect(['4101', '5101'].map(endOf2025)).toEqual(['0.00', '0.00']);
    expect(endOf2025('3101')).toBe('70.00');

    const periods = (await ctx.request().get(`${base}/periods`).set(treasurer.auth).expect(200)).body.items.map((row: { period: string }) => row.period);
    expect(periods).toEqual(march.monthsClosed);
    const december = periods.indexOf('2025-12');
    expect((await ctx.request().get(`${base}/periods`).set(treasurer.auth)).body.items[december].closingEntryId).toBe(march.closingEntries[0].id);
    expect((await ctx.request().post(`${base}/periods/2025-12/close`).set(treasurer.auth)).status).toBe(409);
    // A month before the books begin is frozen by the close, with nothing in it: closing it is a 409 too.
    const early = await ctx.request().post(`${base}/periods/2021-03/close`).set(treasurer.auth);
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('period_already_closed');
    await ctx.request().post(`${base}/disclosures`).set(treasurer.auth).send({ period: '2025' }).expect(201);

    // The year 2026 closes on its own December; 3101 then holds both years' surplus.
    const year = (await ctx.request().post(`${base}/periods/2026-12/close`).set(treasurer.auth).expect(200)).body;
    expect(year.monthsClosed).toHaveLength(9);
    expect(year.closingEntries).toEqual([year.closingEntry]);
    const endOf2026 = await balanceOn('2026-12-31');
    expect(endOf2026('3101')).toBe('120.00');
    expect(['4101', '490101', '5101'].map(endOf2026)).toEqual(['0.00', '0.00', '0.00']);
  });

  it('closes the years between a receipt dated long ago and the month closed, each year that has money getting its 结转', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    await receive(ctx, treasurer, entity.id, '1.00', { date: '1900-01-01', kind: 'other' });
    await receive(ctx, treasurer, entity.id, '2.00', { date: '2024-06-01' });
    const closed = (await ctx.request().post(`/api/entities/${entity.id}/periods/2026-12/close`).set(treasurer.auth).expect(200)).body;
    expect(closed.monthsClosed).toHaveLength(127 * 12);
    expect(closed.closingEntries.map((entry: { date: string }) => entry.date)).toEqual(['1900-12-31', '2024-12-31']);
    const tb = await trialBalance(entity.id, treasurer.token, '2026-12-31');
    expect(tb.rows.filter((row) => /^[45]/.test(row.accountCode) && row.balance !== '0.00')).toEqual([]);
    expect(tb.rows.find((row) => row.accountCode === '3101')?.balance).toBe('3.00');
  });
});

describe('net assets by the kind of their fund', () => {
  it('refuses 3101 on a restricted fund, 3102 on an unrestricted one and a release posted by hand, naming the line', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const base = `/api/entities/${entity.id}`;
    await ctx.request().post(`${base}/funds`).set(treasurer.auth).send({ code: 'RX', name: '定向', restricted: true }).expect(201);
    // A sub-account of 3101 is 3101 for this rule.
    await ctx.request().post(`${base}/accounts`).set(treasurer.auth).send({ code: '310101', name: '非限定性净资产-期初', parentCode: '3101' }).expect(201);
    const post = (lines: object[]) => ctx.request().post(`${base}/entries`).set(treasurer.auth).send({ date: '2026-03-01', memo: '期初', lines });
    // Opening balances on the right side are fine.
    await post([{ accountCode: '1002', debit: '1000.00' }, { accountCode: '310101', credit: '1000.00' }]).expect(201);
    await post([{ accountCode: '1002', fundCode: 'RX', debit: '200.00' }, { accountCode: '3102', fundCode: 'RX', credit: '200.00' }]).expect(201);
    const before = await countEntries(entity.id);

    const wrongSide = await post([{ accountCode: '1002', debit: '10.00' }, { accountCode: '3102', credit: '10.00' }]);
    expect(wrongSide.status).toBe(422);
    expect(wrongSide.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(wrongSide.body).toMatchObject({ code: 'net_assets_fund_mismatch', errors: [{ path: 'body.lines.1.fundCode' }] });
    expect((await post([{ accountCode: '1002', fundCode: 'RX', debit: '10.00' }, { accountCode: '310101', fundCode: 'RX', credit: '10.00' }])).body.code).toBe('net_assets_fund_mismatch');
    const release = await post([{ accountCode: '3102', fundCode: 'RX', debit: '50.00' }, { accountCode: '310101', fundCode: 'RX', credit: '50.00' }]);
    expect(release.status).toBe(422);
    expect(release.body.errors).toEqual([expect.objectContaining({ path: 'body.lines.1.fundCode' })]);
    expect(await countEntries(entity.id)).toBe(before);
  });

  it('refuses a debit to 3102 by hand, even with every line on its own kind of fund: a restriction is released by spending only', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const base = `/api/entities/${entity.id}`;
    await ctx.request().post(`${base}/funds`).set(treasurer.auth).send({ code: 'OLD', name: '定向捐赠', restricted: true }).expect(201);
    await receive(ctx, treasurer, entity.id, '100.00', { kind: 'donation', fundCode: 'OLD', date: '2026-03-01' });
    const before = await countEntries(entity.id);
    // Restricted cash out through 3102, the same cash in as unrestricted through 3101: each fund balances.
    const moved = await ctx.request().post(`${base}/entries`).set(treasurer.auth).send({
      date: '2026-03-02',
      memo: '转为非限定性',
      lines: [
        { accountCode: '3102', fundCode: 'OLD', debit: '100.00' },
        { accountCode: '1001', fundCode: 'OLD', credit: '100.00' },
        { accountCode: '1001', debit: '100.00' },
        { accountCode: '3101', credit: '100.00' },
      ],
    });
    expect(moved.status).toBe(422);
    expect(moved.body).toMatchObject({ code: 'restricted_release_by_hand', errors: [{ path: 'body.lines.0.debit', message: '3102 限定性净资产 cannot be debited by hand' }] });
    expect(await countEntries(entity.id)).toBe(before);
    // Crediting 3102 (an opening balance of a restricted fund) is still how books start.
    await ctx.request().post(`${base}/entries`).set(treasurer.auth)
      .send({ date: '2026-03-02', memo: '期初', lines: [{ accountCode: '1002', fundCode: 'OLD', debit: '5.00' }, { accountCode: '3102', fundCode: 'OLD', credit: '5.00' }] }).expect(201);
  });

  it('is kept by the database too when a writer skips the service, on the batched path and through ledger_post', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    await ctx.request().post(`/api/entities/${entity.id}/funds`).set(treasurer.auth).send({ code: 'OLD', name: '定向捐赠', restricted: true }).expect(201);
    await receive(ctx, treasurer, entity.id, '100.00', { kind: 'donation', fundCode: 'OLD', date: '2026-03-01' });
    const line = (accountCode: string, fundCode: string, side: 'debit' | 'credit') => ({
      accountCode, fundCode, projectId: null, memo: null, debit: side === 'debit' ? new Decimal('10.00') : null, credit: side === 'credit' ? new Decimal('10.00') : null,
    });
    const journal = (lines: ReturnType<typeof line>[]) => ({ entityId: entity.id, date: '2026-03-02', memo: '直接写库', kind: 'journal' as const, details: {}, lines, authorId: treasurer.id, approval: 'exempt' as const });
    const before = await countEntries(entity.id);
    // Plain (nothing leaves a monetary account): the batched path.
    await expect(postEntryInTransaction(ctx.db, journal([line('1002', 'GENERAL', 'debit'), line('3102', 'GENERAL', 'credit')]))).rejects.toMatchObject({ code: 'net_assets_fund_mismatch' });
    await expect(ctx.db.transaction((tx) => postEntryInTransaction(tx, journal([line('1002', 'OLD', 'debit'), line('3101', 'OLD', 'credit')])))).rejects.toMatchObject({ code: 'net_assets_fund_mismatch' });
    const release = [line('3102', 'OLD', 'debit'), line('1001', 'OLD', 'credit'), line('1001', 'GENERAL', 'debit'), line('3101', 'GENERAL', 'credit')];
    await expect(ctx.db.transaction((tx) => postEntryInTransaction(tx, journal(release)))).rejects.toMatchObject({ code: 'restricted_release_by_hand' });
    expect(await countEntries(entity.id)).toBe(before);
    // The service's own entries are not journal entries: the 结转 debits 3102 when a restricted fund spent more than it took in that year.
    await expect(postEntryInTransaction(ctx.db, journal([line('1002', 'GENERAL', 'debit'), line('3101', 'GENERAL', 'credit')]))).resolves.toBeDefined();
  });
});

describe('amounts at the edge of what the books hold', () => {
  it('says an overdraft past 18 digits in digits, not in #', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    await receive(ctx, treasurer, entity.id, '120.00', { date: '2026-03-01' });
    const huge = '999999999999999999.99';
    const res = await ctx.request().post(`/api/entities/${entity.id}/entries`).set(treasurer.auth).send({
      date: '2026-03-02',
      memo: '过大',
      lines: [{ accountCode: '1002', debit: huge }, { accountCode: '1002', debit: huge }, { accountCode: '1001', credit: huge }, { accountCode: '1001', credit: huge }],
    });
    expect(res.status).toBe(422);
    expect(res.body.detail).toContain('120.00 available, 1999999999999999999.98 needed');
    expect(res.body.detail).not.toContain('#');
  });

  it('refuses a JSON body that is not UTF-8 instead of storing U+FFFD in its place', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const body = Buffer.concat([Buffer.from('{"kind":"donation","date":"2026-03-01","amount":"5.00","method":"cash","payer":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const res = await ctx.request().post(`/api/entities/${entity.id}/receipts`).set(treasurer.auth).set('Content-Type', 'application/json').serialize((raw: unknown) => raw as string).send(body as never);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'malformed_json', detail: 'The request body is not valid UTF-8.' });
    expect(await countEntries(entity.id)).toBe(0);
  });

  it('names the field holding a NUL or half a surrogate pair, which the books cannot store', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const receipt = (extra: object) => ctx.request().post(`/api/entities/${entity.id}/receipts`).set(treasurer.auth)
      .send({ kind: 'donation', date: '2026-03-01', amount: '5.00', method: 'cash', ...extra });
    const nul = await receipt({ memo: 'a\u0000b' });
    expect(nul.status).toBe(400);
    expect(nul.body.errors).toEqual([expect.objectContaining({ path: 'body.memo' })]);
    const surrogate = await receipt({ payer: '张\ud800' });
    expect(surrogate.status).toBe(400);
    expect(surrogate.body.errors).toEqual([expect.objectContaining({ path: 'body.payer' })]);
    // In a field's name, the 400 names the object holding it, and says it is a name.
    const inName = await ctx.request().post(`/api/entities/${entity.id}/entries`).set(treasurer.auth)
      .send({ date: '2026-03-01', memo: 'x', lines: [{ accountCode: '1001', fundCode: 'GENERAL', debit: '1.00', 'no\u0000te': 'x' }] });
    expect(inName.status).toBe(400);
    expect(inName.body.errors).toEqual([{ path: 'body.lines.0', message: expect.stringMatching(/^a field name here contains a NUL/) }]);
    // Each one is listed, a value's and a name's alike, up to 20.
    const both = await ctx.request().post(`/api/entities/${entity.id}/entries`).set(treasurer.auth)
      .send({ date: '2026-03-01', memo: 'x\u0000', lines: [{ accountCode: '1001', fundCode: 'GENERAL', debit: '1.00', 'no\u0000te': 'x' }] });
    expect(both.status).toBe(400);
    expect(both.body.errors).toEqual([
      { path: 'body.memo', message: expect.stringMatching(/^contains a NUL/) },
      { path: 'body.lines.0', message: expect.stringMatching(/^a field name here contains a NUL/) },
    ]);
    const many = await receipt({ memo: 'x', tags: Array.from({ length: 50 }, () => '\u0000') });
    expect(many.status).toBe(400);
    expect(many.body.errors).toHaveLength(20);
    // A whole pair (an emoji) is text like any other.
    expect((await receipt({ payer: '张😀' })).status).toBe(201);
    expect(await countEntries(entity.id)).toBe(1);
  });

  it('keeps totals exact past 10^18 and answers 422 amount_too_large when a total would overflow, leaving nothing behind', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const receipt = (amount: string) => ctx.request().post(`/api/entities/${entity.id}/receipts`).set(treasurer.auth).send({ kind: 'donation', date: '2026-03-01', amount, method: 'cash' });
    expect((await receipt('999999999999999999.99')).status).toBe(201);
    const over = await receipt('0.01');
    expect(over.status).toBe(422);
    expect(over.body.code).toBe('amount_too_large');
    expect(await countEntries(entity.id)).toBe(1);
    const tb = await trialBalance(entity.id, treasurer.token);
    expect(tb.totals).toEqual({ debit: '999999999999999999.99', credit: '999999999999999999.99' });
  });

  it("refuses to close a year whose revenue in one account and fund adds up past the largest amount, naming it, until the mistyped entry is reversed", async () => {
    const { entity, treasurer } = await stationWithStaff(ctx, { approvalThreshold: '999999999999999999.99' });
    const receipt = (date: string, amount: string) => ctx.request().post(`/api/entities/${entity.id}/receipts`).set(treasurer.auth).send({ kind: 'donation', date, amount, method: 'bank' });
    const typo = await receipt('2025-03-10', '999999999999999999.99');
    expect(typo.status).toBe(201);
    expect((await receipt('2025-03-11', '1.00')).status).toBe(201);
    const close = await ctx.request().post(`/api/entities/${entity.id}/periods/2025-12/close`).set(treasurer.auth);
    expect(close.status).toBe(422);
    expect(close.body).toMatchObject({ code: 'amount_too_large', accountCode: '4101', fundCode: 'GENERAL' });
    expect(close.body.detail).toContain("2025's 4101");
    expect(close.body.detail).toContain('totals 1000000000000000000.99');
    expect((await ctx.request().get(`/api/entities/${entity.id}/periods`).set(treasurer.auth)).body.items).toEqual([]);
    await ctx.request().post(`/api/entities/${entity.id}/entries/${typo.body.id}/reverse`).set(treasurer.auth).send({ date: '2025-03-12', reason: '金额输错' }).expect(201);
    const again = await ctx.request().post(`/api/entities/${entity.id}/periods/2025-12/close`).set(treasurer.auth);
    expect(again.status).toBe(200);
    expect(again.body.closingEntry.lines).toEqual(expect.arrayContaining([expect.objectContaining({ accountCode: '4101', fundCode: 'GENERAL', debit: '1.00' })]));
  });
});

describe('a payment that would wait for approval', () => {
  it('is refused at once when the money could not cover it: it could never be approved', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx, { approvalThreshold: '100.00' });
    await receive(ctx, treasurer, entity.id, '500.00', { date: '2026-03-01' });
    const before = await countEntries(entity.id);
    const over = await ctx.request().post(`/api/entities/${entity.id}/payments`).set(treasurer.auth)
      .send({ date: '2026-03-06', amount: '99999.00', method: 'cash', payee: '五金店', purpose: '路灯', category: 'program' });
    expect(over.status).toBe(422);
    expect(over.body).toMatchObject({ code: 'insufficient_funds', accountCode: '1001', available: '500.00' });
    expect(await countEntries(entity.id)).toBe(before);
    const covered = await ctx.request().post(`/api/entities/${entity.id}/payments`).set(treasurer.auth)
      .send({ date: '2026-03-06', amount: '400.00', method: 'cash', payee: '五金店', purpose: '路灯', category: 'program' });
    expect(covered.body.status).toBe('pending_approval');
  });
});

describe('closing December after a later month', () => {
  it('still posts the year-end close on the 31st: the 结转 is the one entry a later close does not freeze', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    await receive(ctx, treasurer, entity.id, '300.00', { date: '2025-11-10', kind: 'parking' });
    await receive(ctx, treasurer, entity.id, '20.00', { date: '2026-01-05', kind: 'parking' });
    // Books closed by the rule before this one, when closing 2026-01 recorded that month alone
    // and left 2025 frozen without its close: closing 2025-12 afterwards still carries 2025.
    await ctx.db('periods').insert({ entity_id: entity.id, period: '2026-01', closed_by: treasurer.id });
    const december = await ctx.request().post(`/api/entities/${entity.id}/periods/2025-12/close`).set(treasurer.auth);
    expect(december.status).toBe(200);
    expect(december.body.closingEntry).toMatchObject({ kind: 'year_end_close', date: '2025-12-31' });
    const tb = await trialBalance(entity.id, treasurer.token, '2025-12-31');
    expect(tb.rows.find((row) => row.accountCode === '490101')).toMatchObject({ balance: '0.00' });
    expect(tb.rows.find((row) => row.accountCode === '3101')).toMatchObject({ balance: '300.00' });
  });
});

describe('closing a month of a later year', () => {
  it('is a 409: closing freezes every month before it for good, so a mistyped year would end the books', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const nextYear = Number(today(systemClock).slice(0, 4)) + 1;
    const later = await ctx.request().post(`/api/entities/${entity.id}/periods/${nextYear}-01/close`).set(treasurer.auth);
    expect(later.status).toBe(409);
    expect(later.body).toMatchObject({ code: 'period_in_future', errors: [{ path: 'params.period', message: `after ${nextYear - 1}-12` }] });
    expect((await ctx.request().get(`/api/entities/${entity.id}/periods`).set(treasurer.auth)).body.items).toEqual([]);
    // Nor a month before 1900: years below 1000 printed as "1-12-31" once computed, which
    // Postgres read as 2031-01-12, and closing 0001-12 posted a 结转 that broke the chain.
    for (const period of ['0001-12', '0999-12', '1899-12']) {
      const early = await ctx.request().post(`/api/entities/${entity.id}/periods/${period}/close`).set(treasurer.auth);
      expect(early.status).toBe(400);
      expect(early.body.errors).toEqual([{ path: 'params.period', message: 'a month YYYY-MM, from 1900 on' }]);
    }
    const ancient = await ctx.request().post(`/api/entities/${entity.id}/receipts`).set(treasurer.auth).send({ kind: 'parking', date: '0999-12-31', amount: '1.00', method: 'cash' });
    expect(ancient.status).toBe(400);
    expect(await countEntries(entity.id)).toBe(0);
    expect((await ctx.request().get(`/api/entities/${entity.id}/periods`).set(treasurer.auth)).body.items).toEqual([]);
    // December of this year closes early, as year-end closing needs.
    expect((await ctx.request().post(`/api/entities/${entity.id}/periods/${nextYear - 1}-12/close`).set(treasurer.auth)).status).toBe(200);
  });
});

describe('closing a period with entries waiting for approval', () => {
  it('is a 409 that names the months where entries wait, not every month it would close', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx, { approvalThreshold: '100.00' });
    await receive(ctx, treasurer, entity.id, '1000.00', { date: '2025-09-01' });
    const pending = await ctx.request().post(`/api/entities/${entity.id}/payments`).set(treasurer.auth)
      .send({ date: '2025-09-05', amount: '500.00', method: 'cash', payee: '五金店', purpose: '路灯', category: 'program' });
    expect(pending.body.status).toBe('pending_approval');
    const close = await ctx.request().post(`/api/entities/${entity.id}/periods/2025-12/close`).set(treasurer.auth);
    expect(close.status).toBe(409);
    expect(close.body).toMatchObject({ code: 'pending_entries_in_period', months: ['2025-09'] });
    expect(close.body.detail).toBe('1 entry waits for approval in 2025-09; approve or reject them before closing.');
  });
});

describe('GET /api/entities/:entityId/verify', () => {
  it('detects a line changed behind the service and names the entry', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    await receive(ctx, treasurer, entity.id, '10.00');
    const victim = await receive(ctx, treasurer, entity.id, '20.00');
    await receive(ctx, treasurer, entity.id, '30.00');
    expect((await ctx.request().get(`/api/entities/${entity.id}/verify`).set(treasurer.auth)).body.ok).toBe(true);

    await expect(ctx.db('entry_lines').where({ entry_id: victim.id }).update({ debit: '2000.00' })).rejects.toThrow(/append-only/);
    await ctx.db.transaction(async (tx) => {
      await tx.raw(`set local session_replication_role = replica`);
      await tx('entry_lines').where({ entry_id: victim.id, line_no: 1 }).update({ debit: '2000.00' });
      await tx('entry_lines').where({ entry_id: victim.id, line_no: 2 }).update({ credit: '2000.00' });
    });
    const verify = await ctx.request().get(`/api/entities/${entity.id}/verify`).set(treasurer.auth);
    expect(verify.status).toBe(200);
    expect(verify.body.ok).toBe(false);
    expect(verify.body.firstBad).toMatchObject({ id: victim.id, number: victim.number });
  });
});

describe('GET /api/entities/:entityId/export/journal', () => {
  it('exports an hledger journal whose balances equal the trial balance (checked by hledger itself)', async () => {
    const { execFileSync } = await import('node:child_process');
    const { entity, treasurer } = await stationWithStaff(ctx);
    await ctx.request().post(`/api/entities/${entity.id}/funds`).set(treasurer.auth).send({ code: 'R1', name: '定向', restricted: true }).expect(201);
    await receive(ctx, treasurer, entity.id, '1234.56', { date: '2026-02-01' });
    await receive(ctx, treasurer, entity.id, '300.00', { date: '2026-02-02', kind: 'donation', method: 'bank', fundCode: 'R1', payer: '张三; 李四' });
    await ctx.request().post(`/api/entities/${entity.id}/payments`).set(treasurer.auth)
      .send({ date: '2026-02-03', amount: '99.99', method: 'bank', payee: 'X', purpose: '路灯  维修; 换灯', category: 'program', fundCode: 'R1' }).expect(201);
    const journal = await ctx.request().get(`/api/entities/${entity.id}/export/journal`).set(treasurer.auth);
    expect(journal.status).toBe(200);
    expect(journal.headers['content-type']).toMatch(/text\/plain/);
    const tb = await trialBalance(entity.id, treasurer.token);
    expectSameFigures(hledgerBal(execFileSync, journal.text), tb.rows);
    expect(journal.text).not.toContain('期初余额');

    // From a later day: the balances before it open the file, so the totals are still the trial balance's.
    const later = await ctx.request().get(`/api/entities/${entity.id}/export/journal?from=2026-02-02&to=2026-02-28`).set(treasurer.auth);
    expect(later.text).toContain('2026-02-01 期初余额（2026-02-02 之前的凭证）');
    expect(later.text.match(/^2026-02-0\d \(2026-/gm)).toHaveLength(2);
    expectSameFigures(hledgerBal(execFileSync, later.text), (await trialBalance(entity.id, treasurer.token, '2026-02-28')).rows);
  });

  function hledgerBal(execFileSync: typeof import('node:child_process').execFileSync, journal: string): Map<string, Decimal> {
    const output = execFileSync('hledger', ['-f', '-', 'bal', '--flat', '--no-total', '-O', 'csv'], { input: journal }).toString();
    return new Map(
      output.trim().split('\n').slice(1).map((line) => {
        const [account, amount] = line.split('","').map((cell) => cell.replace(/"/g, ''));
        return [account.split(' ')[0], new Decimal(amount.replace(/[^0-9.-]/g, ''))];
      }),
    );
  }

  function expectSameFigures(hledger: Map<string, Decimal>, rows: { accountCode: string; debit: string; credit: string }[]) {
    expect(rows.length).toBeGreaterThan(3);
    for (const row of rows) {
      const net = new Decimal(row.debit).minus(row.credit);
      expect([row.accountCode, (hledger.get(row.accountCode) ?? new Decimal(0)).toFixed(2)]).toEqual([row.accountCode, net.toFixed(2)]);
    }
  }
});
