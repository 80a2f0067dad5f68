/**
 * Approval-threshold splitting: a payment cut into pieces below the threshold on one day to
 * one payee is flagged to the supervisor; legitimate patterns are not.
 */
import { useTestContext } from '../support/context';
import { createUser, receive, stationWithStaff } from '../factories';

const ctx = useTestContext();

function pay(entityId: string, auth: { Authorization: string }, body: Record<string, unknown>) {
  return ctx
    .request()
    .post(`/api/entities/${entityId}/payments`)
    .set(auth)
    .send({ method: 'cash', purpose: '路灯维修', category: 'program', ...body });
}

describe('GET /api/entities/:id/approval-flags', () => {
  test('flags three payments to one payee on one day that each stay under the threshold but together exceed it', async () => {
    const { entity, treasurer, supervisor } = await stationWithStaff(ctx, { approvalThreshold: '1000.00' });
    await receive(ctx, treasurer, entity.id, '5000.00', { date: '2026-03-01' });
    const split = [];
    for (const amount of ['400.00', '400.00', '399.99']) {
      const response = await pay(entity.id, treasurer.auth, { date: '2026-03-09', amount, payee: '张记五金店' });
      expect(response.status).toBe(201);
      expect(response.body.status).toBe('posted');
      split.push(response.body);
    }
    // Not flagged: same payee another day, another payee the same day, one payment at the threshold.
    expect((await pay(entity.id, treasurer.auth, { date: '2026-03-10', amount: '900.00', payee: '张记五金店' })).status).toBe(201);
    expect((await pay(entity.id, treasurer.auth, { date: '2026-03-09', amount: '900.00', payee: '李氏电工' })).status).toBe(201);
    expect((await pay(entity.id, treasurer.auth, { date: '2026-03-11', amount: '1000.00', payee: '王师傅' })).status).toBe(201);
    expect((await pay(entity.id, treasurer.auth, { date: '2026-03-11', amount: '0.01', payee: '王师傅' })).status).toBe(201);

    const flags = await ctx.request().get(`/api/entities/${entity.id}/approval-flags`).set(supervisor.auth);
    expect(flags.status).toBe(200);
    expect(flags.body).toEqual({
      approvalThreshold: '1000.00',
      items: [
        {
          kind: 'split_payment',
          date: '2026-03-09',
          payee: '张记五金店',
          payments: 3,
          total: '1199.99',
          largest: '400.00',
          entries: split.map((entry) => ({ id: entry.id, number: entry.number, amount: entry.lines[0].debit })),
        },
        {
          kind: 'split_payment',
          date: '2026-03-11',
          payee: '王师傅',
          payments: 2,
          total: '1000.01',
          largest: '1000.00',
          entries: expect.any(Array),
        },
      ],
      nextCursor: null,
    });

    const forTreasurer = await ctx.request().get(`/api/entities/${entity.id}/approval-flags?from=2026-03-10`).set(treasurer.auth);
    expect(forTreasurer.status).toBe(200);
    expect(forTreasurer.body.items.map((item: { date: string }) => item.date)).toEqual(['2026-03-11']);
  });

  test('a reversed piece no longer counts, and books without a threshold have no flags', async () => {
    const { entity, treasurer, supervisor } = await stationWithStaff(ctx, { approvalThreshold: '500.00' });
    await receive(ctx, treasurer, entity.id, '2000.00', { date: '2026-03-01' });
    const first = await pay(entity.id, treasurer.auth, { date: '2026-03-12', amount: '300.00', payee: '保洁公司' });
    await pay(entity.id, treasurer.auth, { date: '2026-03-12', amount: '300.00', payee: '保洁公司' });
    expect((await ctx.request().get(`/api/entities/${entity.id}/approval-flags`).set(supervisor.auth)).body.items).toHaveLength(1);
    const reversal = await ctx.request().post(`/api/entities/${entity.id}/entries/${first.body.id}/reverse`).set(treasurer.auth).send({ date: '2026-03-13', reason: '重复付款' });
    expect(reversal.status).toBe(201);
    expect((await ctx.request().get(`/api/entities/${entity.id}/approval-flags`).set(supervisor.auth)).body.items).toEqual([]);

    const open = await stationWithStaff(ctx);
    const none = await ctx.request().get(`/api/entities/${open.entity.id}/approval-flags`).set(open.supervisor.auth);
    expect(none.body).toEqual({ approvalThreshold: null, items: [], nextCursor: null });
  });

  test('only the supervisor and the treasurer of the entity see the flags', async () => {
    const { entity } = await stationWithStaff(ctx, { approvalThreshold: '500.00' });
    const other = await stationWithStaff(ctx);
    const applicant = await createUser(ctx, [{ role: 'applicant' }]);
    expect((await ctx.request().get(`/api/entities/${entity.id}/approval-flags`)).status).toBe(401);
    expect((await ctx.request().get(`/api/entities/${entity.id}/approval-flags`).set(other.treasurer.auth)).status).toBe(404);
    expect((await ctx.request().get(`/api/entities/${entity.id}/approval-flags`).set(applicant.auth)).status).toBe(403);
  });
});
