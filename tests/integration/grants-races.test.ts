/**
 * Grant limits under concurrent requests: the round budget against concurrent decisions, the
 * award against concurrent disbursements, and a disbursement that fails in the station's
 * books leaving nothing in the foundation's (both or neither).
 */
import { useTestContext } from '../support/context';
import { createUser, foundationWithStaff, receive, stationWithStaff } from '../factories';
import { fixedClock } from '../../src/shared/clock';

describe('grants under concurrency', () => {
  const ctx = useTestContext({ clock: fixedClock('2026-03-10T10:00:00+08:00') });

  async function setup(budget: string) {
    const foundation = await foundationWithStaff(ctx);
    await receive(ctx, foundation.treasurer, foundation.entity.id, '100000.00', { method: 'bank', kind: 'donation' });
    const station = await stationWithStaff(ctx);
    const applicant = await createUser(ctx, [{ role: 'applicant' }]);
    const gm = foundation.grantManager;
    const round = await ctx
      .request()
      .post('/api/rounds')
      .set(gm.auth)
      .send({
        entityId: foundation.entity.id,
        title: '并发测试轮次',
        description: '并发',
        budget,
        opensAt: '2026-03-01T00:00:00+08:00',
        closesAt: '2026-04-01T00:00:00+08:00',
        rubric: [{ key: 'impact', label: '影响', weight: 1 }],
        minReviews: 1,
      });
    expect(round.status).toBe(201);

    async function reviewed(requestedAmount: string) {
      const created = await ctx
        .request()
        .post(`/api/rounds/${round.body.id}/applications`)
        .set(applicant.auth)
        .send({ title: '项目', organization: '互助会', contact: 'c', summary: 's', requestedAmount, budgetLines: [{ item: '全部', amount: requestedAmount }], stationEntityId: station.entity.id });
      const id = created.body.id as string;
      expect((await ctx.request().post(`/api/applications/${id}/submit`).set(applicant.auth)).status).toBe(200);
      expect((await ctx.request().post(`/api/applications/${id}/reviewers`).set(gm.auth).send({ userIds: [foundation.reviewers[0].id] })).status).toBe(200);
      expect((await ctx.request().post(`/api/applications/${id}/reviews`).set(foundation.reviewers[0].auth).send({ conflictOfInterest: false, scores: { impact: 4 } })).status).toBe(201);
      return id;
    }
    return { foundation, station, applicant, gm, round: round.body, reviewed };
  }

  it('approves exactly as many of 10 concurrent decisions as the round budget allows', async () => {
    const s = await setup('1000.00');
    const ids: string[] = [];
    for (let i = 0; i < 10; i += 1) ids.push(await s.reviewed('300.00'));
    const results = await Promise.all(ids.map((id) => ctx.request().post(`/api/applications/${id}/decision`).set(s.gm.auth).send({ decision: 'approved', amount: '300.00', reason: '通过' })));
    const statuses = results.map((res) => res.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(3);
    expect(statuses.filter((status) => status === 409)).toHaveLength(7);
    expect(results.filter((res) => res.status === 409).every((res) => res.body.code === 'round_budget_exceeded')).toBe(true);
    const round = await ctx.request().get(`/api/public/rounds/${s.round.id}`);
    expect(round.body).toMatchObject({ budget: '1000.00', committed: '900.00', remaining: '100.00' });
    const list = await ctx.request().get(`/api/rounds/${s.round.id}/applications?limit=50`).set(s.gm.auth);
    expect(list.body.items.filter((item: { status: string }) => item.status === 'approved')).toHaveLength(3);
  });

  it('never disburses past the award under 10 concurrent requests, and both books still balance and verify', async () => {
    const s = await setup('5000.00');
    const id = await s.reviewed('1000.00');
    expect((await ctx.request().post(`/api/applications/${id}/decision`).set(s.gm.auth).send({ decision: 'approved', reason: '通过' })).status).toBe(200);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => ctx.request().post(`/api/applications/${id}/disbursements`).set(s.gm.auth).send({ amount: '150.00', date: '2026-03-15', method: 'bank' })),
    );
    expect(results.filter((res) => res.status === 201)).toHaveLength(6);
    const refused = results.filter((res) => res.status !== 201);
    expect(refused).toHaveLength(4);
    expect(refused.every((res) => res.status === 409 && res.body.code === 'disbursement_exceeds_award')).toBe(true);

    const app = await ctx.request().get(`/api/applications/${id}`).set(s.gm.auth);
    expect(app.body).toMatchObject({ status: 'active', disbursed: '900.00' });
    expect(app.body.disbursements).toHaveLength(6);
    expect(app.body.history.filter((h: { to: string }) => h.to === 'active')).toHaveLength(1);

    for (const [entityId, user, cashAccount, expected] of [
      [s.foundation.entity.id, s.foundation.treasurer, '1002', '99100.00'],
      [s.station.entity.id, s.station.treasurer, '1002', '900.00'],
    ] as const) {
      const tb = await ctx.request().get(`/api/entities/${entityId}/trial-balance?asOf=2026-03-31`).set(user.auth);
      expect(tb.status).toBe(200);
      expect(tb.body.totals.debit).toBe(tb.body.totals.credit);
      expect(tb.body.rows).toContainEqual(expect.objectContaining({ accountCode: cashAccount, balance: expected }));
      const verify = await ctx.request().get(`/api/entities/${entityId}/verify`).set(user.auth);
      expect(verify.body.ok).toBe(true);
    }
  });

  it("leaves nothing in the foundation's books when the station's half fails", async () => {
    const s = await setup('5000.00');
    const id = await s.reviewed('1000.00');
    expect((await ctx.request().post(`/api/applications/${id}/decision`).set(s.gm.auth).send({ decision: 'approved', reason: '通过' })).status).toBe(200);
    // The station has closed March, so its receipt cannot be posted; the foundation's March is open.
    expect((await ctx.request().post(`/api/entities/${s.station.entity.id}/periods/2026-03/close`).set(s.station.treasurer.auth)).status).toBe(200);

    const res = await ctx.request().post(`/api/applications/${id}/disbursements`).set(s.gm.auth).send({ amount: '400.00', date: '2026-03-20', method: 'bank' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'period_closed', closedThrough: '2026-03', stationEntityId: s.station.entity.id });
    // The manager sees whose books refused: the foundation's own March is open.
    expect(res.body.detail).toMatch(/^In the books of the grantee station .+: The period 2026-03 is closed; date the entry in an open month\.$/);

    const expense = await ctx.request().get(`/api/entities/${s.foundation.entity.id}/entries?accountCode=5101`).set(s.foundation.treasurer.auth);
    expect(expense.status).toBe(200);
    expect(expense.body.items).toEqual([]);
    const tb = await ctx.request().get(`/api/entities/${s.foundation.entity.id}/trial-balance?asOf=2026-03-31`).set(s.foundation.treasurer.auth);
    expect(tb.body.rows).toContainEqual(expect.objectContaining({ accountCode: '1002', balance: '100000.00' }));
    const app = await ctx.request().get(`/api/applications/${id}`).set(s.gm.auth);
    expect(app.body).toMatchObject({ status: 'approved', disbursed: '0.00', disbursements: [] });
    expect((await ctx.request().get(`/api/entities/${s.foundation.entity.id}/verify`).set(s.foundation.treasurer.auth)).body.ok).toBe(true);
  });
});
