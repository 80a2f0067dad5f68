/**
 * Amendments of awarded grants through the HTTP API: unpaid tranches are re-split, paid ones
 * stay as they were, the award never changes, the history and the amendments list record it,
 * and disbursements afterwards follow the new tranches.
 */
import { useTestContext } from '../support/context';
import { createUser, foundationWithStaff, receive, stationWithStaff, TestUser } from '../factories';
import type { Clock } from '../../src/shared/clock';

let now = new Date('2026-03-10T10:00:00+08:00');
const clock: Clock = { now: () => now };

describe('POST /api/applications/:id/amendments', () => {
  const ctx = useTestContext({ clock });

  beforeEach(() => {
    now = new Date('2026-03-10T10:00:00+08:00');
  });

  async function setup() {
    const foundation = await foundationWithStaff(ctx);
    await receive(ctx, foundation.treasurer, foundation.entity.id, '100000.00', { method: 'bank', kind: 'donation' });
    const station = await stationWithStaff(ctx);
    const applicant = await createUser(ctx, [{ role: 'applicant' }], { displayName: '申请人钱芳' });
    const round = await ctx
      .request()
      .post('/api/rounds')
      .set(foundation.grantManager.auth)
      .send({
        entityId: foundation.entity.id,
        title: '2026年社区公益创投',
        description: '支持社区居民自组织的公益项目',
        budget: '50000.00',
        opensAt: '2026-03-01T00:00:00+08:00',
        closesAt: '2026-04-01T00:00:00+08:00',
        rubric: [{ key: 'impact', label: '社区影响', weight: 1 }],
        minReviews: 1,
      });
    expect(round.status).toBe(201);
    return { foundation, station, applicant, round: round.body, gm: foundation.grantManager };
  }

  type Setup = Awaited<ReturnType<typeof setup>>;

  async function underReview(s: Setup) {
    const created = await ctx
      .request()
      .post(`/api/rounds/${s.round.id}/applications`)
      .set(s.applicant.auth)
      .send({
        title: '长者助餐点',
        organization: '邻里互助会',
        contact: '钱芳 139****0000',
        summary: '为独居长者提供午餐',
        requestedAmount: '1000.00',
        budgetLines: [{ item: '食材', amount: '1000.00' }],
        stationEntityId: s.station.entity.id,
      });
    expect(created.status).toBe(201);
    const app = created.body;
    expect((await ctx.request().post(`/api/applications/${app.id}/submit`).set(s.applicant.auth)).status).toBe(200);
    const reviewer = s.foundation.reviewers[0];
    expect((await ctx.request().post(`/api/applications/${app.id}/reviewers`).set(s.gm.auth).send({ userIds: [reviewer.id] })).status).toBe(200);
    expect((await ctx.request().post(`/api/applications/${app.id}/reviews`).set(reviewer.auth).send({ conflictOfInterest: false, scores: { impact: 4 } })).status).toBe(201);
    return app;
  }

  /** Awarded 1000.00: 400.00 on signing, 600.00 after the final report. */
  async function approved(s: Setup) {
    const app = await underReview(s);
    const decided = await ctx
      .request()
      .post(`/api/applications/${app.id}/decision`)
      .set(s.gm.auth)
      .send({
        decision: 'approved',
        amount: '1000.00',
        tranches: [
          { amount: '400.00', condition: 'on_signing', label: '签约' },
          { amount: '600.00', condition: 'after_final_report', label: '结项' },
        ],
        reason: '通过',
      });
    expect(decided.status).toBe(200);
    return decided.body;
  }

  const amend = (app: { id: string }, user: TestUser, body: Record<string, unknown>) => ctx.request().post(`/api/applications/${app.id}/amendments`).set(user.auth).send(body);
  const get = (app: { id: string }, user: TestUser) => ctx.request().get(`/api/applications/${app.id}`).set(user.auth);
  const disburse = (app: { id: string }, s: Setup, amount: string) =>
    ctx.request().post(`/api/applications/${app.id}/disbursements`).set(s.gm.auth).send({ amount, date: '2026-03-15', method: 'bank' });
  const tranchesOf = (body: { tranches: { amount: string; condition: string }[] }) => body.tranches.map((tranche) => [tranche.amount, tranche.condition]);

  it('re-splits the unpaid tranches, keeps the award, records it, and later disbursements follow the new tranches', async () => {
    const s = await setup();
    const app = await approved(s);
    expect((await disburse(app, s, '400.00')).status).toBe(201);

    now = new Date('2026-05-06T09:15:00+08:00');
    const amended = await amend(app, s.gm, {
      note: '项目延期两个月，尾款拆为中期和结项两笔',
      tranches: [
        { amount: '400.00', condition: 'on_signing', label: '签约' },
        { amount: '250.00', condition: 'after_progress_report', label: '中期' },
        { amount: '350.00', condition: 'after_final_report', label: '结项' },
      ],
      endsOn: '2026-12-31',
    });
    expect(amended.status).toBe(201);
    expect(amended.body.status).toBe('active');
    expect(amended.body.amountAwarded).toBe('1000.00');
    expect(amended.body.decision.amount).toBe('1000.00');
    expect(tranchesOf(amended.body)).toEqual([
      ['400.00', 'on_signing'],
      ['250.00', 'after_progress_report'],
      ['350.00', 'after_final_report'],
    ]);

    const view = (await get(app, s.gm)).body;
    expect(view.amendments).toEqual([
      {
        id: expect.any(String),
        note: '项目延期两个月，尾款拆为中期和结项两笔',
        amountAwarded: '1000.00',
        previousTranches: [
          { position: 1, amount: '400.00', condition: 'on_signing', gate: 'on_signing', label: '签约' },
          { position: 2, amount: '600.00', condition: 'after_final_report', gate: 'after_final_report', label: '结项' },
        ],
        tranches: [
          { position: 1, amount: '400.00', condition: 'on_signing', gate: 'on_signing', label: '签约' },
          { position: 2, amount: '250.00', condition: 'after_progress_report', gate: 'after_progress_report', label: '中期' },
          { position: 3, amount: '350.00', condition: 'after_final_report', gate: 'after_final_report', label: '结项' },
        ],
        previousEndsOn: null,
        endsOn: '2026-12-31',
        by: s.gm.id,
        byName: s.gm.actor.displayName,
        at: '2026-05-06T01:15:00.000Z',
      },
    ]);
    expect(view.history.at(-1)).toEqual({
      from: 'active',
      to: 'active',
      by: s.gm.id,
      byName: s.gm.actor.displayName,
      at: '2026-05-06T01:15:00.000Z',
      note: 'amendment: 项目延期两个月，尾款拆为中期和结项两笔',
      kind: 'amendment',
    });
    // The applicant sees the amendment too: it changes when they get paid.
    expect((await get(app, s.applicant)).body.amendments).toHaveLength(1);
    expect((await ctx.request().get(`/api/public/rounds/${s.round.id}`)).body).toMatchObject({ committed: '1000.00', remaining: '49000.00' });
    const projects = await ctx.request().get(`/api/entities/${s.foundation.entity.id}/projects`).set(s.gm.auth);
    expect(projects.body.items).toContainEqual(expect.objectContaining({ id: view.projectId, endsOn: '2026-12-31' }));

    const early = await disburse(app, s, '250.00');
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('tranche_condition_unmet');
    expect((await ctx.request().post(`/api/applications/${app.id}/reports`).set(s.applicant.auth).send({ kind: 'progress', narrative: '已开餐', spent: '380.00' })).status).toBe(201);
    expect((await disburse(app, s, '250.00')).status).toBe(201);
    const beyond = await disburse(app, s, '0.01');
    expect(beyond.status).toBe(409);
    expect(beyond.body.code).toBe('tranche_condition_unmet');
    expect((await get(app, s.gm)).body).toMatchObject({ disbursed: '650.00', amountAwarded: '1000.00' });
  });

  it('re-splits every tranche while nothing is paid, and again after payments, keeping each list in the amendments', async () => {
    const s = await setup();
    const app = await approved(s);
    const first = await amend(app, s.gm, { note: '改为一次拨付', tranches: [{ amount: '1000.00', condition: 'on_signing' }] });
    expect(first.status).toBe(201);
    expect(first.body.status).toBe('approved');
    expect(tranchesOf(first.body)).toEqual([['1000.00', 'on_signing']]);
    expect((await disburse(app, s, '1000.00')).status).toBe(201);
    const noteOnly = await amend(app, s.gm, { note: '项目负责人变更为孙伟' });
    expect(noteOnly.status).toBe(201);
    expect(noteOnly.body.amendments.map((amendment: { tranches: unknown[] }) => amendment.tranches.length)).toEqual([1, 1]);
    expect(noteOnly.body.amendments[1]).toMatchObject({ previousTranches: noteOnly.body.amendments[1].tranches, endsOn: null, previousEndsOn: null });
    expect(noteOnly.body.history.filter((entry: { kind: string }) => entry.kind === 'amendment').map((entry: { from: string; to: string }) => [entry.from, entry.to])).toEqual([
      ['approved', 'approved'],
      ['active', 'active'],
    ]);
  });

  it('refuses to change a paid tranche (409), a partly paid one included, and writes nothing', async () => {
    const s = await setup();
    const app = await approved(s);
    expect((await disburse(app, s, '400.00')).status).toBe(201);
    const moreOnPaid = await amend(app, s.gm, { note: '首笔改为500', tranches: [{ amount: '500.00', condition: 'on_signing', label: '签约' }, { amount: '500.00', condition: 'after_final_report', label: '结项' }] });
    expect(moreOnPaid.status).toBe(409);
    expect(moreOnPaid.body.code).toBe('invalid_state');
    expect(moreOnPaid.body.errors).toEqual([expect.objectContaining({ path: 'body.tranches.0' })]);
    const otherCondition = await amend(app, s.gm, { note: '首笔改条件', tranches: [{ amount: '400.00', condition: 'after_progress_report', label: '签约' }, { amount: '600.00', condition: 'after_final_report', label: '结项' }] });
    expect(otherCondition.status).toBe(409);
    const dropped = await amend(app, s.gm, { note: '只留尾款', tranches: [{ amount: '1000.00', condition: 'after_final_report' }] });
    expect(dropped.status).toBe(409);

    // 100.00 of the 600.00 tranche goes out once the final report is in: that tranche is paid too.
    expect((await ctx.request().post(`/api/applications/${app.id}/reports`).set(s.applicant.auth).send({ kind: 'final', narrative: '完成', spent: '500.00' })).status).toBe(201);
    expect((await disburse(app, s, '100.00')).status).toBe(201);
    const partlyPaid = await amend(app, s.gm, { note: '尾款拆分', tranches: [{ amount: '400.00', condition: 'on_signing', label: '签约' }, { amount: '300.00', condition: 'after_final_report', label: '结项' }, { amount: '300.00', condition: 'after_final_report' }] });
    expect(partlyPaid.status).toBe(409);
    expect(partlyPaid.body.errors).toEqual([expect.objectContaining({ path: 'body.tranches.1' })]);

    const view = (await get(app, s.gm)).body;
    expect(tranchesOf(view)).toEqual([
      ['400.00', 'on_signing'],
      ['600.00', 'after_final_report'],
    ]);
    expect(view.amendments).toEqual([]);
    expect(view.history.some((entry: { kind: string }) => entry.kind === 'amendment')).toBe(false);
  });

  it('refuses tranches that do not add up to the award (422) and writes nothing', async () => {
    const s = await setup();
    const app = await approved(s);
    const more = await amend(app, s.gm, { note: '追加', tranches: [{ amount: '400.00', condition: 'on_signing', label: '签约' }, { amount: '700.00', condition: 'after_final_report' }] });
    expect(more.status).toBe(422);
    expect(more.body.code).toBe('tranches_mismatch');
    const less = await amend(app, s.gm, { note: '减少', tranches: [{ amount: '900.00', condition: 'on_signing' }], endsOn: '2026-10-31' });
    expect(less.status).toBe(422);
    const view = (await get(app, s.gm)).body;
    expect(view).toMatchObject({ amountAwarded: '1000.00', amendments: [] });
    expect(tranchesOf(view)).toEqual([
      ['400.00', 'on_signing'],
      ['600.00', 'after_final_report'],
    ]);
    const projects = await ctx.request().get(`/api/entities/${s.foundation.entity.id}/projects`).set(s.gm.auth);
    expect(projects.body.items).toContainEqual(expect.objectContaining({ id: view.projectId, endsOn: null }));
    expect((await ctx.request().get(`/api/public/rounds/${s.round.id}`)).body.committed).toBe('1000.00');
  });

  it('answers 409 before the award and after close, 403 to other roles, 404 to another foundation, 400 without a note', async () => {
    const s = await setup();
    const pending = await underReview(s);
    const early = await amend(pending, s.gm, { note: '提前修订' });
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('invalid_state');

    const app = await approved(s);
    expect((await amend(app, s.foundation.treasurer, { note: '财务修订' })).status).toBe(403);
    expect((await amend(app, s.foundation.reviewers[0], { note: '评审修订' })).status).toBe(403);
    const other = await foundationWithStaff(ctx);
    expect((await amend(app, other.grantManager, { note: '别家修订' })).status).toBe(404);
    const noNote = await amend(app, s.gm, { tranches: [{ amount: '1000.00', condition: 'on_signing' }] });
    expect(noNote.status).toBe(400);
    expect(noNote.body.errors).toContainEqual(expect.objectContaining({ path: 'body.note' }));
    expect((await get(app, s.gm)).body.amendments).toEqual([]);

    expect((await disburse(app, s, '400.00')).status).toBe(201);
    await ctx.request().post(`/api/applications/${app.id}/reports`).set(s.applicant.auth).send({ kind: 'final', narrative: '完成', spent: '1000.00' });
    expect((await disburse(app, s, '600.00')).status).toBe(201);
    const inReporting = await amend(app, s.gm, { note: '结项后补充说明' });
    expect(inReporting.status).toBe(201);
    expect(inReporting.body.history.at(-1)).toMatchObject({ from: 'reporting', to: 'reporting', kind: 'amendment' });
    expect((await ctx.request().post(`/api/applications/${app.id}/close`).set(s.gm.auth).send({})).status).toBe(200);
    const late = await amend(app, s.gm, { note: '关闭后修订' });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('invalid_state');
  });
});
