/**
 * Saying no to an entry waiting for approval: a supervisor rejects it, or its author withdraws
 * it. A rejected entry keeps its proposed lines and the record of who refused it and why, never
 * gets a number, and is in no balance, statement, export, chain or report; its month closes.
 * The database allows pending → rejected and refuses every other change of a rejected row.
 */
import Decimal from 'decimal.js';
import { useTestContext } from '../support/context';
import { admin, createUser, receive, stationWithStaff, TestUser } from '../factories';

const ctx = useTestContext();

/** A station with ¥5,000 in cash, a ¥1,000 approval threshold and a ¥2,500 payment waiting. */
async function stationWithPendingPayment() {
  const staff = await stationWithStaff(ctx, { approvalThreshold: '1000.00' });
  const { entity, treasurer } = staff;
  await receive(ctx, treasurer, entity.id, '5000.00', { date: '2026-03-02' });
  const pending = await pay(entity.id, treasurer, { amount: '2500.00', purpose: '修路工程款', date: '2026-03-06' });
  expect(pending).toMatchObject({ status: 'pending_approval', number: null });
  return { ...staff, pending };
}

async function pay(entityId: string, user: TestUser, payment: { amount: string; purpose: string; date?: string }) {
  const res = await ctx.request().post(`/api/entities/${entityId}/payments`).set(user.auth)
    .send({ date: payment.date ?? '2026-03-06', amount: payment.amount, method: 'cash', payee: '施工队', purpose: payment.purpose, category: 'program' });
  expect(res.status).toBe(201);
  return res.body;
}

function reject(entityId: string, entryId: string, user: TestUser | undefined, body: object = { reason: '金额有误，请重新核对' }) {
  const request = ctx.request().post(`/api/entities/${entityId}/entries/${entryId}/reject`);
  return (user ? request.set(user.auth) : request).send(body);
}

function approve(entityId: string, entryId: string, user: TestUser) {
  return ctx.request().post(`/api/entities/${entityId}/entries/${entryId}/approve`).set(user.auth);
}

async function read(entityId: string, url: string, user: TestUser) {
  const res = await ctx.request().get(`/api/entities/${entityId}${url}`).set(user.auth);
  expect(res.status).toBe(200);
  return res;
}

async function cashBalance(entityId: string, user: TestUser): Promise<string | undefined> {
  const tb = (await read(entityId, '/trial-balance?asOf=2026-12-31', user)).body;
  expect(tb.totals.debit).toBe(tb.totals.credit);
  return tb.rows.find((row: { accountCode: string }) => row.accountCode === '1001')?.balance;
}

describe('POST /api/entities/:entityId/entries/:id/reject', () => {
  it('rejects a pending entry with a trimmed reason; it stays out of every balance and its month closes', async () => {
    const { entity, treasurer, supervisor, pending } = await stationWithPendingPayment();
    const closeBefore = await ctx.request().post(`/api/entities/${entity.id}/periods/2026-03/close`).set(treasurer.auth);
    expect(closeBefore.status).toBe(409);
    expect(closeBefore.body.code).toBe('pending_entries_in_period');

    const res = await reject(entity.id, pending.id, supervisor, { reason: '  会超支，请分两次付款  ' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: pending.id,
      status: 'rejected',
      number: null,
      hash: null,
      chainIndex: null,
      approvedBy: null,
      createdBy: treasurer.id,
      rejectedBy: supervisor.id,
      rejectionReason: '会超支，请分两次付款',
    });
    expect(new Date(res.body.rejectedAt).getTime()).not.toBeNaN();
    // The record keeps what was proposed.
    expect(res.body.lines).toEqual([
      expect.objectContaining({ accountCode: '5101', debit: '2500.00', credit: null }),
      expect.objectContaining({ accountCode: '1001', debit: null, credit: '2500.00' }),
    ]);
    expect((await read(entity.id, `/entries/${pending.id}`, treasurer)).body).toEqual(res.body);

    const rejected = (await read(entity.id, '/entries?status=rejected', supervisor)).body.items;
    expect(rejected.map((entry: { id: string }) => entry.id)).toEqual([pending.id]);
    expect((await read(entity.id, '/entries?status=pending_approval', supervisor)).body.items).toEqual([]);
    const posted = (await read(entity.id, '/entries?status=posted', supervisor)).body.items;
    expect(posted.map((entry: { id: string }) => entry.id)).not.toContain(pending.id);
    // Without a status, the list keeps to what v1 clients know: posted and pending entries.
    const everything = (await read(entity.id, '/entries', supervisor)).body.items;
    expect(everything.length).toBeGreaterThan(0);
    expect(everything.map((entry: { id: string }) => entry.id)).not.toContain(pending.id);

    expect(await cashBalance(entity.id, treasurer)).toBe('5000.00');
    const statement = (await read(entity.id, '/accounts/1001/statement?from=2026-03-01&to=2026-03-31', treasurer)).body;
    expect(statement.lines.map((line: { entryId: string }) => line.entryId)).not.toContain(pending.id);
    expect(statement.closingBalance).toBe('5000.00');
    const expense = (await read(entity.id, '/accounts/5101/statement?from=2026-03-01&to=2026-03-31', treasurer)).body;
    expect(expense).toMatchObject({ lines: [], closingBalance: '0.00' });
    const journal = (await read(entity.id, '/export/journal?from=2026-01-01&to=2026-12-31', treasurer)).text;
    expect(journal).not.toContain('修路工程款');
    expect(journal).toContain('5000.00');
    expect((await read(entity.id, '/verify', supervisor)).body).toMatchObject({ ok: true, entries: 1 });

    const close = await ctx.request().post(`/api/entities/${entity.id}/periods/2026-03/close`).set(treasurer.auth);
    expect(close.status).toBe(200);
    const published = await ctx.request().post(`/api/entities/${entity.id}/disclosures`).set(treasurer.auth).send({ period: '2026-03' });
    expect(published.status).toBe(201);
    const report = await ctx.request().get(`/api/public/disclosures/${published.body.id}`);
    expect(report.status).toBe(200);
    expect(JSON.stringify(report.body)).not.toContain('修路工程款');

    // The next posted entry takes the next number: the rejected one used none.
    const next = await receive(ctx, treasurer, entity.id, '10.00', { date: '2026-04-01' });
    expect(next.number).toBe('2026-000002');
  });

  it('refuses an entry that is not pending with 409: rejected twice, approved after rejection, already posted', async () => {
    const { entity, treasurer, supervisor, pending } = await stationWithPendingPayment();
    expect((await reject(entity.id, pending.id, supervisor)).status).toBe(200);

    const twice = await reject(entity.id, pending.id, supervisor, { reason: '再退一次' });
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('not_pending');
    const approved = await approve(entity.id, pending.id, supervisor);
    expect(approved.status).toBe(409);
    expect(approved.body.code).toBe('not_pending');

    const small = await pay(entity.id, treasurer, { amount: '100.00', purpose: '文具' });
    expect(small.status).toBe('posted');
    const posted = await reject(entity.id, small.id, supervisor);
    expect(posted.status).toBe(409);
    expect(posted.body.code).toBe('not_pending');

    const after = (await read(entity.id, `/entries/${pending.id}`, supervisor)).body;
    expect(after).toMatchObject({ status: 'rejected', rejectionReason: '金额有误，请重新核对', number: null });
    expect(await cashBalance(entity.id, treasurer)).toBe('4900.00');
  });

  it('lets the author withdraw their own pending entry; the record names them', async () => {
    const { entity, treasurer, pending } = await stationWithPendingPayment();
    const res = await reject(entity.id, pending.id, treasurer, { reason: '记重了，撤回' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'rejected', createdBy: treasurer.id, rejectedBy: treasurer.id, rejectionReason: '记重了，撤回' });
    expect(await cashBalance(entity.id, treasurer)).toBe('5000.00');
  });

  it('answers 403 to other roles and to a treasurer who did not write the entry, 404 outside the scope, 401 without a token', async () => {
    const { entity, treasurer, pending } = await stationWithPendingPayment();
    const otherTreasurer = await createUser(ctx, [{ role: 'treasurer', entityId: entity.id }]);
    const otherStation = await stationWithStaff(ctx);
    const refusals: [TestUser | undefined, number][] = [
      [otherTreasurer, 403],
      [await admin(ctx), 403],
      [await createUser(ctx, [{ role: 'applicant' }]), 403],
      [otherStation.supervisor, 404],
      [otherStation.treasurer, 404],
      [undefined, 401],
    ];
    for (const [user, status] of refusals) {
      expect([user?.username, (await reject(entity.id, pending.id, user)).status]).toEqual([user?.username, status]);
    }
    expect((await read(entity.id, `/entries/${pending.id}`, treasurer)).body).toMatchObject({ status: 'pending_approval', rejectedBy: null });
  });

  it('answers 404 for an unknown entry or an entry of another station, and 400 without a usable reason', async () => {
    const { entity, treasurer, supervisor, pending } = await stationWithPendingPayment();
    const other = await stationWithPendingPayment();
    expect((await reject(entity.id, '00000000-0000-4000-8000-000000000000', supervisor)).status).toBe(404);
    expect((await reject(entity.id, other.pending.id, supervisor)).status).toBe(404);
    for (const body of [{}, { reason: '' }, { reason: '   ' }, { reason: 'x'.repeat(501) }, { reason: 42 }, { reason: '理由', extra: true }]) {
      const res = await reject(entity.id, pending.id, supervisor, body);
      expect([JSON.stringify(body).slice(0, 40), res.status]).toEqual([JSON.stringify(body).slice(0, 40), 400]);
    }
    expect((await reject(entity.id, pending.id, supervisor, { reason: '长'.repeat(500) })).status).toBe(200);
    expect((await read(other.entity.id, `/entries/${other.pending.id}`, other.treasurer)).body.status).toBe('pending_approval');
    expect((await read(entity.id, `/entries/${pending.id}`, treasurer)).body.rejectionReason).toHaveLength(500);
  });

  it('settles an approval and a rejection of the same entry at the same moment: exactly one wins', async () => {
    const { entity, treasurer, supervisor } = await stationWithStaff(ctx, { approvalThreshold: '100.00' });
    const colleague = await createUser(ctx, [{ role: 'supervisor', entityId: entity.id }]);
    await receive(ctx, treasurer, entity.id, '10000.00', { date: '2026-03-02' });
    let expectedCash = new Decimal('10000.00');
    for (let round = 0; round < 6; round += 1) {
      const pending = await pay(entity.id, treasurer, { amount: '500.00', purpose: `第${round}笔` });
      const [byApproval, byRejection] = round % 2 === 0
        ? await Promise.all([approve(entity.id, pending.id, supervisor), reject(entity.id, pending.id, colleague)])
        : (await Promise.all([reject(entity.id, pending.id, colleague), approve(entity.id, pending.id, supervisor)])).reverse();
      expect([byApproval.status, byRejection.status].sort()).toEqual([200, 409]);
      const loser = byApproval.status === 200 ? byRejection : byApproval;
      expect(loser.body.code).toBe('not_pending');
      const entry = (await read(entity.id, `/entries/${pending.id}`, treasurer)).body;
      if (byApproval.status === 200) {
        expect(entry).toMatchObject({ status: 'posted', approvedBy: supervisor.id, rejectedBy: null });
        expectedCash = expectedCash.minus('500.00');
      } else {
        expect(entry).toMatchObject({ status: 'rejected', rejectedBy: colleague.id, number: null, approvedBy: null });
      }
    }
    expect(await cashBalance(entity.id, treasurer)).toBe(expectedCash.toFixed(2));
    expect((await read(entity.id, '/verify', treasurer)).body.ok).toBe(true);
  });

  it('frees the original of a rejected reversal to be reversed again', async () => {
    const { entity, treasurer, supervisor } = await stationWithStaff(ctx, { approvalThreshold: '1000.00' });
    const receipt = await receive(ctx, treasurer, entity.id, '3000.00', { date: '2026-03-02' });
    const reversal = await ctx.request().post(`/api/entities/${entity.id}/entries/${receipt.id}/reverse`).set(treasurer.auth).send({ date: '2026-03-03', reason: '记错了' });
    expect(reversal.body.status).toBe('pending_approval');
    expect((await ctx.request().post(`/api/entities/${entity.id}/entries/${receipt.id}/reverse`).set(treasurer.auth).send({ date: '2026-03-03', reason: '再冲' })).status).toBe(409);
    expect((await reject(entity.id, reversal.body.id, supervisor, { reason: '这笔收入没有错' })).status).toBe(200);
    expect((await read(entity.id, `/entries/${receipt.id}`, treasurer)).body.reversedBy).toBeNull();
    const again = await ctx.request().post(`/api/entities/${entity.id}/entries/${receipt.id}/reverse`).set(treasurer.auth).send({ date: '2026-03-04', reason: '确实记错了' });
    expect(again.status).toBe(201);
    expect((await read(entity.id, `/entries/${receipt.id}`, treasurer)).body.reversedBy).toBe(again.body.id);
  });
});

describe('the database guards rejected entries', () => {
  const refused = { code: 'P0001', hint: 'append_only' };

  it('allows pending → rejected only with the rejection recorded, and no other change of status', async () => {
    const { entity, treasurer, supervisor, pending } = await stationWithPendingPayment();
    const posted = await receive(ctx, treasurer, entity.id, '10.00', { date: '2026-03-03' });
    const row = () => ctx.db('entries').where({ id: pending.id });
    const now = new Date();

    await expect(row().update({ status: 'rejected' })).rejects.toMatchObject(refused);
    await expect(row().update({ rejected_by: supervisor.id, rejected_at: now, rejection_reason: '不行' })).rejects.toMatchObject(refused);
    await expect(row().update({ status: 'rejected', rejected_by: supervisor.id, rejected_at: now, rejection_reason: '不行', memo: '改过的' })).rejects.toMatchObject(refused);
    await expect(row().update({ status: 'rejected', rejected_by: supervisor.id, rejected_at: now, rejection_reason: '不行', pending_lines: null })).rejects.toMatchObject(refused);
    await expect(row().update({ status: 'rejected', rejected_by: supervisor.id, rejected_at: now, rejection_reason: '  ' })).rejects.toMatchObject({ code: '23514' });
    // A row written as rejected (a restore writes rows so) must carry its rejection too.
    const proposed = JSON.stringify([{ lineNo: 1, accountCode: '1001', fundCode: 'GENERAL', projectId: null, debit: '1.00', credit: null, memo: null }]);
    await expect(ctx.db('entries').insert({ entity_id: entity.id, date: '2026-03-07', memo: '直接写入', status: 'rejected', pending_lines: proposed }))
      .rejects.toMatchObject({ code: '23514' });
    await expect(ctx.db('entries').where({ id: posted.id }).update({ status: 'rejected', rejected_by: supervisor.id, rejected_at: now, rejection_reason: '不行' })).rejects.toMatchObject(refused);

    await row().update({ status: 'rejected', rejected_by: supervisor.id, rejected_at: now, rejection_reason: '不行' });
    await expect(row().update({ status: 'pending_approval', rejected_by: null, rejected_at: null, rejection_reason: null })).rejects.toMatchObject(refused);
    await expect(row().update({ rejection_reason: '改个理由' })).rejects.toMatchObject(refused);
    await expect(row().update({ status: 'posted', pending_lines: null, rejected_by: null, rejected_at: null, rejection_reason: null, number: '2026-000099', voucher_year: 2026, voucher_seq: 99, chain_index: 99, prev_hash: '0'.repeat(64), hash: 'f'.repeat(64) }))
      .rejects.toMatchObject(refused);
    await expect(row().delete()).rejects.toMatchObject(refused);

    expect((await read(entity.id, `/entries/${pending.id}`, treasurer)).body).toMatchObject({ status: 'rejected', rejectionReason: '不行', number: null });
    expect((await read(entity.id, '/verify', supervisor)).body).toMatchObject({ ok: true, entries: 2 });
  });
});
