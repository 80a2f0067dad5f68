/**
 * Grant rounds through the HTTP API: one application walked through every state, then one
 * test per rule. Each test makes its own foundation, station and users.
 */
import Decimal from 'decimal.js';
import { postEntryInTransaction } from '../../src/ledger/posting';
import { useTestContext } from '../support/context';
import { createUser, foundationWithStaff, receive, stationWithStaff, TestUser } from '../factories';
import type { Clock } from '../../src/shared/clock';

let now = new Date('2026-03-10T10:00:00+08:00');
const clock: Clock = { now: () => now };

const RUBRIC = [
  { key: 'impact', label: '社区影响', weight: 2 },
  { key: 'feasibility', label: '可行性', weight: 1 },
];

describe('grants workflow', () => {
  const ctx = useTestContext({ clock });

  beforeEach(() => {
    now = new Date('2026-03-10T10:00:00+08:00');
  });

  async function setup(options: { budget?: string; minReviews?: number; fund?: string; opensAt?: string } = {}) {
    const foundation = await foundationWithStaff(ctx);
    await receive(ctx, foundation.treasurer, foundation.entity.id, options.fund ?? '100000.00', { method: 'bank', kind: 'donation' });
    const station = await stationWithStaff(ctx);
    const applicant = await createUser(ctx, [{ role: 'applicant' }], { displayName: '申请人赵丽' });
    const round = await ctx
      .request()
      .post('/api/rounds')
      .set(foundation.grantManager.auth)
      .send({
        entityId: foundation.entity.id,
        title: '2026年社区公益创投',
        description: '支持社区居民自组织的公益项目',
        budget: options.budget ?? '50000.00',
        opensAt: options.opensAt ?? '2026-03-01T00:00:00+08:00',
        closesAt: '2026-04-01T00:00:00+08:00',
        rubric: RUBRIC,
        minReviews: options.minReviews ?? 2,
      });
    expect(round.status).toBe(201);
    return { foundation, station, applicant, round: round.body, gm: foundation.grantManager, reviewers: foundation.reviewers };
  }

  type Setup = Awaited<ReturnType<typeof setup>>;

  async function draft(s: Setup, overrides: Record<string, unknown> = {}) {
    const res = await ctx
      .request()
      .post(`/api/rounds/${s.round.id}/applications`)
      .set(s.applicant.auth)
      .send({
        title: '楼栋互助花园',
        organization: '邻里互助会',
        contact: '赵丽 138****0000',
        summary: '把闲置空地改造成居民共建的花园',
        requestedAmount: '1000.00',
        budgetLines: [
          { item: '苗木', amount: '600.00' },
          { item: '工具', amount: '400.00' },
        ],
        stationEntityId: s.station.entity.id,
        ...overrides,
      });
    expect(res.status).toBe(201);
    return res.body;
  }

  async function underReview(s: Setup, overrides: Record<string, unknown> = {}) {
    const app = await draft(s, overrides);
    expect((await ctx.request().post(`/api/applications/${app.id}/submit`).set(s.applicant.auth)).status).toBe(200);
    const assigned = await ctx.request().post(`/api/applications/${app.id}/reviewers`).set(s.gm.auth).send({ userIds: s.reviewers.map((r) => r.id) });
    expect(assigned.status).toBe(200);
    return app;
  }

  async function review(app: { id: string }, reviewer: TestUser, scores: Record<string, number> | null, comment = '很好') {
    return ctx
      .request()
      .post(`/api/applications/${app.id}/reviews`)
      .set(reviewer.auth)
      .send(scores ? { conflictOfInterest: false, scores, comment } : { conflictOfInterest: true, comment: '申请人是我的亲属' });
  }

  async function reviewed(s: Setup, overrides: Record<string, unknown> = {}) {
    const app = await underReview(s, overrides);
    expect((await review(app, s.reviewers[0], { impact: 5, feasibility: 2 }, '影响大，执行有难度')).status).toBe(201);
    expect((await review(app, s.reviewers[1], { impact: 3, feasibility: 5 })).status).toBe(201);
    return app;
  }

  async function approved(s: Setup, decision: Record<string, unknown> = {}, overrides: Record<string, unknown> = {}) {
    const app = await reviewed(s, overrides);
    const res = await ctx.request().post(`/api/applications/${app.id}/decision`).set(s.gm.auth).send({ decision: 'approved', reason: '评审通过', ...decision });
    expect(res.status).toBe(200);
    return res.body;
  }

  const get = (app: { id: string }, user: TestUser) => ctx.request().get(`/api/applications/${app.id}`).set(user.auth);
  const disburse = (app: { id: string }, s: Setup, amount: string, date = '2026-03-15') =>
    ctx.request().post(`/api/applications/${app.id}/disbursements`).set(s.gm.auth).send({ amount, date, method: 'bank' });

  it('walks one application through every state, with the money in both books', async () => {
    const s = await setup();
    const app = await draft(s);
    expect(app.status).toBe('draft');

    const patched = await ctx.request().patch(`/api/applications/${app.id}`).set(s.applicant.auth).send({ title: '楼栋互助花园（一期）' });
    expect(patched.status).toBe(200);
    expect(patched.body.title).toBe('楼栋互助花园（一期）');

    const submitted = await ctx.request().post(`/api/applications/${app.id}/submit`).set(s.applicant.auth);
    expect(submitted.body.status).toBe('submitted');
    const assigned = await ctx.request().post(`/api/applications/${app.id}/reviewers`).set(s.gm.auth).send({ userIds: s.reviewers.map((r) => r.id) });
    expect(assigned.body.status).toBe('under_review');
    await review(app, s.reviewers[0], { impact: 5, feasibility: 2 });
    await review(app, s.reviewers[1], { impact: 3, feasibility: 5 });

    const decided = await ctx
      .request()
      .post(`/api/applications/${app.id}/decision`)
      .set(s.gm.auth)
      .send({
        decision: 'approved',
        amount: '1000.00',
        tranches: [
          { amount: '600.00', condition: 'on_signing', label: '签约后拨付60%' },
          { amount: '400.00', condition: 'after_final_report', label: '结项报告后拨付40%' },
        ],
        reason: '评审通过',
      });
    expect(decided.status).toBe(200);
    expect(decided.body.status).toBe('approved');
    expect(decided.body.decision.amount).toBe('1000.00');
    // Weighted: (2×5+1×2)/3 = 4 and (2×3+1×5)/3 = 3.6667; mean 3.8333.
    expect(decided.body.weightedScore).toBe('3.83');
    const fundCode = decided.body.stationFundCode;
    expect(fundCode).toMatch(/^GRANT-[0-9A-F]{12}$/);

    const first = await disburse(app, s, '600.00');
    expect(first.status).toBe(201);
    expect(first.body.amount).toBe('600.00');
    expect(first.body.entry.kind).toBe('grant_disbursement');
    expect(first.body.entry.lines).toEqual([
      expect.objectContaining({ accountCode: '5101', fundCode: 'GENERAL', projectId: decided.body.projectId, debit: '600.00', credit: null }),
      expect.objectContaining({ accountCode: '1002', fundCode: 'GENERAL', debit: null, credit: '600.00' }),
    ]);
    expect(first.body.stationEntry.entityId).toBe(s.station.entity.id);
    expect(first.body.stationEntry.kind).toBe('grant_receipt');
    expect(first.body.stationEntry.lines).toEqual([
      expect.objectContaining({ accountCode: '1002', fundCode, debit: '600.00' }),
      expect.objectContaining({ accountCode: '4101', fundCode, credit: '600.00' }),
    ]);
    const funds = await ctx.request().get(`/api/entities/${s.station.entity.id}/funds`).set(s.station.treasurer.auth);
    expect(funds.body.items).toContainEqual(expect.objectContaining({ code: fundCode, restricted: true, purpose: '楼栋互助花园（一期）' }));
    expect((await get(app, s.gm)).body.status).toBe('active');

    const progress = await ctx.request().post(`/api/applications/${app.id}/reports`).set(s.applicant.auth).send({ kind: 'progress', narrative: '完成场地清理', spent: '300.00' });
    expect(progress.status).toBe(201);
    const final = await ctx
      .request()
      .post(`/api/applications/${app.id}/reports`)
      .set(s.applicant.auth)
      .send({ kind: 'final', narrative: '花园建成', spent: '900.00', lines: [{ item: '苗木', spent: '550.00' }, { item: '工具', spent: '350.00' }] });
    expect(final.status).toBe(201);
    expect(final.body.applicationStatus).toBe('reporting');
    expect(final.body.lines).toEqual([
      { item: '苗木', budget: '600.00', spent: '550.00', remaining: '50.00' },
      { item: '工具', budget: '400.00', spent: '350.00', remaining: '50.00' },
    ]);

    expect((await disburse(app, s, '400.00', '2026-03-25')).status).toBe(201);

    const refund = await ctx.request().post(`/api/applications/${app.id}/refunds`).set(s.gm.auth).send({ amount: '100.00', date: '2026-03-28' });
    expect(refund.status).toBe(201);
    expect(refund.body.entry.lines).toEqual([
      expect.objectContaining({ accountCode: '1002', debit: '100.00' }),
      expect.objectContaining({ accountCode: '5101', credit: '100.00', projectId: decided.body.projectId }),
    ]);
    expect(refund.body.stationEntry.lines).toEqual([
      expect.objectContaining({ accountCode: '4101', fundCode, debit: '100.00' }),
      expect.objectContaining({ accountCode: '1002', fundCode, credit: '100.00' }),
    ]);

    const closed = await ctx.request().post(`/api/applications/${app.id}/close`).set(s.gm.auth).send({});
    expect(closed.status).toBe(200);
    expect(closed.body.status).toBe('closed');
    expect(closed.body.history.map((h: { from: string | null; to: string }) => `${h.from}→${h.to}`)).toEqual([
      'null→draft',
      'draft→submitted',
      'submitted→under_review',
      'under_review→approved',
      'approved→active',
      'active→reporting',
      'reporting→closed',
    ]);
    // The ¥100 refunded was never used: the close gives it back to the round.
    expect(closed.body.history.at(-1).note).toBe('未使用的资助额度 100.00 元退回本轮预算。');
    expect(closed.body.history[0].by).toBe(s.applicant.id);
    expect(closed.body.history[3].by).toBe(s.gm.id);
    expect(closed.body.disbursed).toBe('1000.00');
    expect(closed.body.refunded).toBe('100.00');

    const round = await ctx.request().get(`/api/public/rounds/${s.round.id}`);
    expect(round.body).toMatchObject({ budget: '50000.00', committed: '900.00', disbursed: '1000.00', refunded: '100.00', remaining: '49100.00' });

    const foundationTb = await ctx.request().get(`/api/entities/${s.foundation.entity.id}/trial-balance?asOf=2026-03-31`).set(s.foundation.treasurer.auth);
    expect(foundationTb.body.rows).toContainEqual(expect.objectContaining({ accountCode: '5101', balance: '900.00' }));
    expect(foundationTb.body.rows).toContainEqual(expect.objectContaining({ accountCode: '1002', balance: '99100.00' }));
    const stationTb = await ctx.request().get(`/api/entities/${s.station.entity.id}/trial-balance?asOf=2026-03-31`).set(s.station.treasurer.auth);
    expect(stationTb.body.rows).toContainEqual(expect.objectContaining({ accountCode: '1002', balance: '900.00' }));
    expect(stationTb.body.rows).toContainEqual(expect.objectContaining({ accountCode: '4101', balance: '900.00' }));
    expect(stationTb.body.totals.debit).toBe(stationTb.body.totals.credit);
  });

  it('refuses a round whose window starts or ends outside the years a book date can name (400)', async () => {
    const s = await setup();
    const round = (opensAt: string, closesAt: string) =>
      ctx.request().post('/api/rounds').set(s.gm.auth).send({ entityId: s.foundation.entity.id, title: 't', description: 'd', budget: '10.00', opensAt, closesAt, rubric: RUBRIC, minReviews: 1 });
    const ancient = await round('0001-01-01T00:00:00+08:00', '2026-04-01T00:00:00+08:00');
    expect(ancient.status).toBe(400);
    expect(ancient.body.errors).toEqual([{ path: 'body.opensAt', message: 'a moment from 1900 to 9999, Beijing time' }]);
    // 9999-12-31 at 23:59 in UTC−12 is already the year 10000 in Beijing.
    expect((await round('2026-03-01T00:00:00+08:00', '9999-12-31T23:59:59-12:00')).status).toBe(400);
    // Not a moment at all is a 400 too, never a 500 from the year check.
    for (const text of ['now', '2026-03-01T25:00:00+08:00', '']) expect((await round(text, '2026-04-01T00:00:00+08:00')).status).toBe(400);
  });

  it('refuses a round or a decision to a caller without the role (403)', async () => {
    const s = await setup();
    const asApplicant = await ctx
      .request()
      .post('/api/rounds')
      .set(s.applicant.auth)
      .send({ entityId: s.foundation.entity.id, title: 't', description: 'd', budget: '10.00', opensAt: '2026-03-01T00:00:00+08:00', closesAt: '2026-04-01T00:00:00+08:00', rubric: RUBRIC, minReviews: 1 });
    expect(asApplicant.status).toBe(403);
    const app = await reviewed(s);
    const asReviewer = await ctx.request().post(`/api/applications/${app.id}/decision`).set(s.reviewers[0].auth).send({ decision: 'approved', reason: 'x' });
    expect(asReviewer.status).toBe(403);
    const asTreasurer = await disburse(app, { ...s, gm: s.foundation.treasurer }, '1.00');
    expect(asTreasurer.status).toBe(403);
    expect((await get(app, s.gm)).body.status).toBe('under_review');
  });

  it("hides an application from another foundation's grant manager (404)", async () => {
    const s = await setup();
    const other = await foundationWithStaff(ctx);
    const app = await reviewed(s);
    expect((await get(app, other.grantManager)).status).toBe(404);
    const decision = await ctx.request().post(`/api/applications/${app.id}/decision`).set(other.grantManager.auth).send({ decision: 'approved', reason: 'x' });
    expect(decision.status).toBe(404);
    expect((await ctx.request().get(`/api/rounds/${s.round.id}/applications`).set(other.grantManager.auth)).status).toBe(404);
    const stranger = await createUser(ctx, [{ role: 'applicant' }]);
    expect((await get(app, stranger)).status).toBe(404);
  });

  it('answers 409 invalid_state for an action in the wrong state', async () => {
    const s = await setup();
    const app = await draft(s);
    const early = await ctx.request().post(`/api/applications/${app.id}/decision`).set(s.gm.auth).send({ decision: 'approved', reason: 'x' });
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('invalid_state');
    await ctx.request().post(`/api/applications/${app.id}/submit`).set(s.applicant.auth);
    const edit = await ctx.request().patch(`/api/applications/${app.id}`).set(s.applicant.auth).send({ title: '改名' });
    expect(edit.status).toBe(409);
    expect((await ctx.request().post(`/api/applications/${app.id}/submit`).set(s.applicant.auth)).status).toBe(409);
    expect((await disburse(app, s, '1.00')).body.code).toBe('invalid_state');
    const withdrawn = await ctx.request().post(`/api/applications/${app.id}/withdraw`).set(s.applicant.auth).send({ note: '项目取消' });
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body.status).toBe('withdrawn');
    expect((await ctx.request().post(`/api/applications/${app.id}/withdraw`).set(s.applicant.auth).send({})).status).toBe(409);
    expect((await get(app, s.applicant)).body.title).toBe('楼栋互助花园');
  });

  it('makes and edits drafts whatever the round window; only submit needs the round open, by the injected clock', async () => {
    const s = await setup({ opensAt: '2026-03-20T00:00:00+08:00' });
    const submit = (app: { id: string }) => ctx.request().post(`/api/applications/${app.id}/submit`).set(s.applicant.auth);
    const edit = (app: { id: string }, title: string) => ctx.request().patch(`/api/applications/${app.id}`).set(s.applicant.auth).send({ title });

    const early = await draft(s);
    expect(early.status).toBe('draft');
    const notYet = await submit(early);
    expect([notYet.status, notYet.body.code]).toEqual([409, 'round_not_open']);
    // The window in the applicant's own time, not UTC (2026-03-19T16:00:00.000Z).
    expect(notYet.body.detail).toBe('The round accepts applications from 2026-03-20 00:00 (北京时间) until 2026-04-01 00:00 (北京时间).');

    now = new Date('2026-04-01T00:00:00+08:00');
    expect((await ctx.request().get(`/api/public/rounds/${s.round.id}`)).body.open).toBe(false);
    const late = await draft(s, { title: '截止后才写的草稿' });
    expect(late.status).toBe('draft');
    expect((await edit(late, '截止后改过的草稿')).status).toBe(200);
    expect((await edit(early, '开始前写的草稿')).status).toBe(200);
    const closed = await submit(late);
    expect([closed.status, closed.body.code]).toEqual([409, 'round_not_open']);
    expect((await get(late, s.applicant)).body).toMatchObject({ status: 'draft', title: '截止后改过的草稿' });

    now = new Date('2026-03-20T00:00:00+08:00');
    const inTime = await submit(early);
    expect([inTime.status, inTime.body.status, inTime.body.title]).toEqual([200, 'submitted', '开始前写的草稿']);
  });

  it('submits a draft whose budget lines do not add up to the request, and shows staff both totals', async () => {
    const s = await setup();
    const app = await draft(s, { requestedAmount: '1200.00' });
    expect(app.budgetLinesTotal).toBe('1000.00');
    const submitted = await ctx.request().post(`/api/applications/${app.id}/submit`).set(s.applicant.auth);
    expect([submitted.status, submitted.body.status]).toEqual([200, 'submitted']);
    expect((await get(app, s.gm)).body).toMatchObject({ status: 'submitted', requestedAmount: '1200.00', budgetLinesTotal: '1000.00' });
  });

  it('refuses a decision that passes the round budget (409) and leaves committed as it was', async () => {
    const s = await setup({ budget: '1500.00' });
    await approved(s, { amount: '800.00' });
    const app = await reviewed(s);
    const over = await ctx.request().post(`/api/applications/${app.id}/decision`).set(s.gm.auth).send({ decision: 'approved', amount: '800.00', reason: '通过' });
    expect(over.status).toBe(409);
    expect(over.body.code).toBe('round_budget_exceeded');
    expect((await get(app, s.gm)).body.status).toBe('under_review');
    expect((await ctx.request().get(`/api/public/rounds/${s.round.id}`)).body).toMatchObject({ committed: '800.00', remaining: '700.00' });
  });

  it('refuses an award above the request (422) and tranches that do not sum to the award (422)', async () => {
    const s = await setup();
    const app = await reviewed(s);
    const decide = (body: Record<string, unknown>) => ctx.request().post(`/api/applications/${app.id}/decision`).set(s.gm.auth).send({ decision: 'approved', reason: '通过', ...body });
    const above = await decide({ amount: '1000.01' });
    expect(above.status).toBe(422);
    expect(above.body.code).toBe('award_exceeds_request');
    const mismatch = await decide({ amount: '900.00', tranches: [{ amount: '500.00', condition: 'on_signing' }, { amount: '300.00', condition: 'after_final_report' }] });
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.code).toBe('tranches_mismatch');
    const blankCondition = await decide({ amount: '900.00', tranches: [{ amount: '900.00', condition: '   ' }] });
    expect([blankCondition.status, blankCondition.body.errors?.[0]?.path]).toEqual([400, 'body.tranches.0.condition']);
    const longCondition = await decide({ amount: '900.00', tranches: [{ amount: '900.00', condition: '条'.repeat(201) }] });
    expect(longCondition.status).toBe(400);
    expect((await ctx.request().get(`/api/public/rounds/${s.round.id}`)).body.committed).toBe('0.00');
  });

  it('needs a reason to reject (400) and records it in the history', async () => {
    const s = await setup();
    const app = await reviewed(s);
    const bare = await ctx.request().post(`/api/applications/${app.id}/decision`).set(s.gm.auth).send({ decision: 'rejected' });
    expect(bare.status).toBe(400);
    expect(bare.body.errors).toContainEqual(expect.objectContaining({ path: 'body.reason' }));
    const rejected = await ctx.request().post(`/api/applications/${app.id}/decision`).set(s.gm.auth).send({ decision: 'rejected', reason: '与本轮主题不符' });
    expect(rejected.status).toBe(200);
    expect(rejected.body.status).toBe('rejected');
    expect(rejected.body.history.at(-1)).toMatchObject({ from: 'under_review', to: 'rejected', by: s.gm.id, note: '与本轮主题不符' });
    expect((await get(app, s.applicant)).body.decision.reason).toBe('与本轮主题不符');
  });

  it('stamps every history row with the injected clock, not the database clock', async () => {
    const s = await setup();
    const steps = ['2026-03-10T10:00:00+08:00'];
    const app = await draft(s);
    const at = (iso: string) => {
      steps.push(iso);
      now = new Date(iso);
    };
    at('2026-03-11T09:00:00+08:00');
    expect((await ctx.request().post(`/api/applications/${app.id}/submit`).set(s.applicant.auth)).status).toBe(200);
    at('2026-03-12T09:30:00+08:00');
    expect((await ctx.request().post(`/api/applications/${app.id}/reviewers`).set(s.gm.auth).send({ userIds: s.reviewers.map((r) => r.id) })).status).toBe(200);
    await review(app, s.reviewers[0], { impact: 4, feasibility: 4 });
    await review(app, s.reviewers[1], { impact: 4, feasibility: 4 });
    at('2026-03-13T15:00:00+08:00');
    expect((await ctx.request().post(`/api/applications/${app.id}/decision`).set(s.gm.auth).send({ decision: 'approved', reason: '通过' })).status).toBe(200);
    at('2026-03-14T08:00:00+08:00');
    expect((await disburse(app, s, '1000.00', '2026-03-14')).status).toBe(201);
    at('2026-03-20T17:45:00+08:00');
    expect((await ctx.request().post(`/api/applications/${app.id}/reports`).set(s.applicant.auth).send({ kind: 'final', narrative: '完成', spent: '1000.00' })).status).toBe(201);
    at('2026-03-21T11:00:00+08:00');
    expect((await ctx.request().post(`/api/applications/${app.id}/close`).set(s.gm.auth).send({})).status).toBe(200);

    const history = (await get(app, s.gm)).body.history;
    expect(history.map((entry: { to: string }) => entry.to)).toEqual(['draft', 'submitted', 'under_review', 'approved', 'active', 'reporting', 'closed']);
    expect(history.map((entry: { at: string }) => entry.at)).toEqual(steps.map((iso) => new Date(iso).toISOString()));
  });

  it('lets an applicant withdraw with the history stamped by the injected clock', async () => {
    const s = await setup();
    const app = await draft(s);
    now = new Date('2026-03-15T12:00:00+08:00');
    const withdrawn = await ctx.request().post(`/api/applications/${app.id}/withdraw`).set(s.applicant.auth).send({ note: '改下一轮申请' });
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body.history.at(-1)).toEqual(expect.objectContaining({ from: 'draft', to: 'withdrawn', at: '2026-03-15T04:00:00.000Z', note: '改下一轮申请', kind: 'transition' }));
  });

  it('needs minReviews non-recused reviews before a decision (409)', async () => {
    const s = await setup({ minReviews: 2 });
    const app = await underReview(s);
    await review(app, s.reviewers[0], { impact: 4, feasibility: 4 });
    await review(app, s.reviewers[1], null);
    const res = await ctx.request().post(`/api/applications/${app.id}/decision`).set(s.gm.auth).send({ decision: 'approved', reason: 'x' });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('not_enough_reviews');
  });

  it('lets a reviewer review once, with every rubric key scored 0..5', async () => {
    const s = await setup();
    const app = await underReview(s);
    expect((await review(app, s.reviewers[0], { impact: 4 })).status).toBe(400);
    expect((await review(app, s.reviewers[0], { impact: 4, feasibility: 6 })).status).toBe(400);
    expect((await review(app, s.reviewers[0], { impact: 4, feasibility: 3, budget: 2 })).status).toBe(400);
    expect((await review(app, s.reviewers[0], { impact: 5.5, feasibility: 3 })).status).toBe(400);
    expect((await review(app, s.reviewers[0], { impact: -0.5, feasibility: 3 })).status).toBe(400);
    const halves = await review(app, s.reviewers[0], { impact: 3.5, feasibility: 4.5 });
    expect(halves.status).toBe(201);
    // (2×3.5 + 1×4.5)/3 = 3.83
    expect(halves.body).toMatchObject({ scores: { impact: 3.5, feasibility: 4.5 }, score: '3.83' });
    const twice = await review(app, s.reviewers[0], { impact: 1, feasibility: 1 });
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('already_reviewed');
    const outsider = await createUser(ctx, [{ role: 'reviewer', entityId: s.foundation.entity.id }]);
    expect((await review(app, outsider, { impact: 1, feasibility: 1 })).status).toBe(403);
    const notReviewer = await ctx.request().post(`/api/applications/${app.id}/reviewers`).set(s.gm.auth).send({ userIds: [s.station.treasurer.id] });
    expect(notReviewer.status).toBe(422);
  });

  it('withdraws a reviewer who has not reviewed yet; a given review or recusal stays', async () => {
    const s = await setup({ minReviews: 1 });
    const app = await underReview(s);
    const [first, second] = s.reviewers;
    expect((await review(app, first, null)).status).toBe(201);
    const path = (user: TestUser) => `/api/applications/${app.id}/reviewers/${user.id}`;

    const byReviewer = await ctx.request().delete(path(second)).set(first.auth);
    expect(byReviewer.status).toBe(403);
    const recused = await ctx.request().delete(path(first)).set(s.gm.auth);
    expect([recused.status, recused.body.code]).toEqual([409, 'already_reviewed']);
    const outsider = await createUser(ctx, [{ role: 'reviewer', entityId: s.foundation.entity.id }]);
    const notAssigned = await ctx.request().delete(path(outsider)).set(s.gm.auth);
    expect(notAssigned.status).toBe(404);
    const malformed = await ctx.request().delete(`/api/applications/${app.id}/reviewers/not-a-uuid`).set(s.gm.auth);
    expect([malformed.status, malformed.body.code, malformed.body.errors?.[0]?.path]).toEqual([404, 'not_found', 'params.userId']);

    const removed = await ctx.request().delete(path(second)).set(s.gm.auth);
    expect(removed.status).toBe(200);
    expect(removed.body.status).toBe('under_review');
    expect(removed.body.reviewers.map((reviewer: { userId: string }) => reviewer.userId)).toEqual([first.id]);
    // The withdrawn reviewer can no longer review or see it; the recusal is still on the record.
    expect((await review(app, second, { impact: 4, feasibility: 4 })).status).toBe(403);
    expect((await get(app, second)).status).toBe(404);
    expect((await get(app, s.gm)).body.reviews).toHaveLength(1);
    // Once decided, the assignments are part of the record too.
    const [third, fourth] = [await createUser(ctx, [{ role: 'reviewer', entityId: s.foundation.entity.id }]), await createUser(ctx, [{ role: 'reviewer', entityId: s.foundation.entity.id }])];
    await ctx.request().post(`/api/applications/${app.id}/reviewers`).set(s.gm.auth).send({ userIds: [third.id, fourth.id] }).expect(200);
    expect((await review(app, third, { impact: 2, feasibility: 2 })).status).toBe(201);
    await ctx.request().post(`/api/applications/${app.id}/decision`).set(s.gm.auth).send({ decision: 'rejected', reason: '不符合本轮方向' }).expect(200);
    const afterDecision = await ctx.request().delete(path(fourth)).set(s.gm.auth);
    expect([afterDecision.status, afterDecision.body.code]).toEqual([409, 'invalid_state']);
  });

  it('lets a reviewer with a conflict of interest recuse, never score, and no longer see the application', async () => {
    const s = await setup();
    const app = await underReview(s);
    expect((await get(app, s.reviewers[1])).status).toBe(200);
    const recusal = await review(app, s.reviewers[1], null);
    expect(recusal.status).toBe(201);
    expect(recusal.body).toMatchObject({ conflictOfInterest: true, scores: null, score: null });
    const later = await review(app, s.reviewers[1], { impact: 5, feasibility: 5 });
    expect(later.status).toBe(409);
    expect((await get(app, s.reviewers[1])).status).toBe(404);
    const own = await ctx.request().get(`/api/applications/${app.id}/reviews/mine`).set(s.reviewers[1].auth);
    expect(own.status).toBe(200);
    expect(own.body.conflictOfInterest).toBe(true);
    const list = await ctx.request().get(`/api/rounds/${s.round.id}/applications`).set(s.reviewers[1].auth);
    expect(list.body.items.map((item: { id: string }) => item.id)).not.toContain(app.id);
    const listOther = await ctx.request().get(`/api/rounds/${s.round.id}/applications`).set(s.reviewers[0].auth);
    expect(listOther.body.items.map((item: { id: string }) => item.id)).toContain(app.id);
  });

  it('records a recusal that also sends scores, and stores and counts none of them', async () => {
    const s = await setup({ minReviews: 2 });
    const app = await underReview(s);
    const recusal = await ctx.request().post(`/api/applications/${app.id}/reviews`).set(s.reviewers[1].auth).send({ conflictOfInterest: true, scores: { impact: 5, feasibility: 5 }, comment: '申请人是我的亲属' });
    expect(recusal.status).toBe(201);
    expect(recusal.body).toMatchObject({ conflictOfInterest: true, scores: null, score: null, comment: '申请人是我的亲属' });
    expect((await review(app, s.reviewers[0], { impact: 2, feasibility: 2 })).status).toBe(201);
    const staff = (await get(app, s.gm)).body;
    expect(staff.reviews).toHaveLength(2);
    expect(staff.weightedScore).toBe('2.00');
    const decision = await ctx.request().post(`/api/applications/${app.id}/decision`).set(s.gm.auth).send({ decision: 'approved', reason: 'x' });
    expect([decision.status, decision.body.code]).toEqual([409, 'not_enough_reviews']);
    const stored = await ctx.db('grant_reviews').where({ application_id: app.id, reviewer_id: s.reviewers[1].id }).first('scores');
    expect(stored.scores).toEqual({});
  });

  it('takes rubric keys with capitals, digits, underscores and dashes, and scores them', async () => {
    const s = await setup();
    const createRound = (rubric: { key: string; label: string; weight: number }[]) =>
      ctx.request().post('/api/rounds').set(s.gm.auth).send({ entityId: s.foundation.entity.id, title: '键名宽松的轮次', description: 'd', budget: '10000.00', opensAt: '2026-03-01T00:00:00+08:00', closesAt: '2026-04-01T00:00:00+08:00', rubric, minReviews: 1 });
    const round = await createRound([
      { key: 'Impact', label: '社区影响', weight: 2 },
      { key: 'budget-fit', label: '预算合理', weight: 1 },
      { key: '2nd_round', label: '延续性', weight: 1 },
    ]);
    expect(round.status).toBe(201);
    expect(round.body.rubric.map((criterion: { key: string }) => criterion.key)).toEqual(['Impact', 'budget-fit', '2nd_round']);
    for (const key of ['has space', '-lead', '_lead', 'k'.repeat(41), 'a.b', 'x[0]']) {
      expect([key, (await createRound([{ key, label: 'x', weight: 1 }])).status]).toEqual([key, 400]);
    }
    const app = await underReview({ ...s, round: round.body });
    const scored = await review(app, s.reviewers[0], { Impact: 4, 'budget-fit': 3, '2nd_round': 5 });
    expect(scored.status).toBe(201);
    // (2×4 + 1×3 + 1×5)/4 = 4
    expect(scored.body.score).toBe('4.00');
  });

  it('never shows the applicant scores, comments or reviewer names', async () => {
    const s = await setup();
    const app = await approved(s);
    const staff = await get(app, s.gm);
    expect(staff.body.weightedScore).toBe('3.83');
    expect(staff.body.reviews).toHaveLength(2);
    expect(staff.body.reviews[0]).toHaveProperty('reviewerName');
    const mine = await get(app, s.applicant);
    expect(mine.status).toBe(200);
    expect(mine.body.weightedScore).toBeNull();
    expect(mine.body.reviewers).toBeNull();
    expect(mine.body.reviews).toHaveLength(2);
    for (const review of mine.body.reviews) expect(Object.keys(review).sort()).toEqual(['id', 'submittedAt']);
    const text = JSON.stringify(mine.body);
    for (const reviewer of s.reviewers) {
      expect(text).not.toContain(reviewer.id);
      expect(text).not.toContain(reviewer.actor.displayName);
    }
    expect(text).not.toContain('影响大，执行有难度');
    const asReviewer = await get(app, s.reviewers[0]);
    expect(asReviewer.body.reviews).toHaveLength(1);
    expect(asReviewer.body.reviews[0].reviewerId).toBe(s.reviewers[0].id);
  });

  it('refuses a disbursement past the award (409) and replays an Idempotency-Key', async () => {
    const s = await setup();
    const app = await approved(s, { amount: '1000.00' });
    const key = `disb-${app.id}`;
    const send = () => ctx.request().post(`/api/applications/${app.id}/disbursements`).set(s.gm.auth).set('Idempotency-Key', key).send({ amount: '700.00', date: '2026-03-15', method: 'bank' });
    const first = await send();
    const again = await send();
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    const over = await disburse(app, s, '300.01');
    expect(over.status).toBe(409);
    expect(over.body.code).toBe('disbursement_exceeds_award');
    expect((await get(app, s.gm)).body.disbursed).toBe('700.00');
  });

  it('holds a tranche conditioned on a report until the report is filed', async () => {
    const s = await setup();
    const app = await approved(s, {
      amount: '1000.00',
      tranches: [
        { amount: '500.00', condition: 'on_signing' },
        { amount: '500.00', condition: 'after_progress_report' },
      ],
    });
    expect((await disburse(app, s, '500.00')).status).toBe(201);
    const waiting = await disburse(app, s, '500.00');
    expect(waiting.status).toBe(409);
    expect(waiting.body.code).toBe('tranche_condition_unmet');
    const report = await ctx.request().post(`/api/applications/${app.id}/reports`).set(s.applicant.auth).send({ kind: 'progress', narrative: '进展顺利', spent: '450.00' });
    expect(report.status).toBe(201);
    expect((await disburse(app, s, '500.00')).status).toBe(201);
  });

  it("keeps tranche conditions in the decision's own words; a gate's name holds money back like its code, other wording holds nothing", async () => {
    const s = await setup();
    const app = await approved(s, {
      amount: '1000.00',
      tranches: [
        { amount: '300.00', condition: '  居民议事会同意后  ' },
        { amount: '300.00', condition: 'After the final report' },
        { amount: '400.00', condition: '结项报告后拨付' },
      ],
    });
    const asStated = [
      ['300.00', '居民议事会同意后', null],
      ['300.00', 'After the final report', 'after_final_report'],
      ['400.00', '结项报告后拨付', 'after_final_report'],
    ];
    const termsOf = (body: { tranches: { amount: string; condition: string; gate: string | null }[] }) => body.tranches.map((tranche) => [tranche.amount, tranche.condition, tranche.gate]);
    expect(termsOf(app)).toEqual(asStated);
    expect(termsOf((await get(app, s.applicant)).body)).toEqual(asStated);

    expect((await disburse(app, s, '300.00')).status).toBe(201);
    const waiting = await disburse(app, s, '0.01');
    expect([waiting.status, waiting.body.code]).toEqual([409, 'tranche_condition_unmet']);
    expect((await ctx.request().post(`/api/applications/${app.id}/reports`).set(s.applicant.auth).send({ kind: 'final', narrative: '完成', spent: '300.00' })).status).toBe(201);
    expect((await disburse(app, s, '700.00')).status).toBe(201);
  });

  it('holds a tranche whose condition names a report in a sentence until that report is filed', async () => {
    const s = await setup();
    const app = await approved(s, {
      amount: '1000.00',
      tranches: [
        { amount: '300.00', condition: '合同签订后' },
        { amount: '300.00', condition: '中期报告提交后拨付' },
        { amount: '400.00', condition: 'after the final report is approved' },
      ],
    });
    expect(app.tranches.map((tranche: { gate: string | null }) => tranche.gate)).toEqual(['on_signing', 'after_progress_report', 'after_final_report']);
    const file = (kind: string) => ctx.request().post(`/api/applications/${app.id}/reports`).set(s.applicant.auth).send({ kind, narrative: '进展', spent: '300.00' });

    expect((await disburse(app, s, '300.00')).status).toBe(201);
    const beforeProgress = await disburse(app, s, '0.01');
    expect([beforeProgress.status, beforeProgress.body.code]).toEqual([409, 'tranche_condition_unmet']);
    expect((await file('progress')).status).toBe(201);
    expect((await disburse(app, s, '300.00')).status).toBe(201);
    const beforeFinal = await disburse(app, s, '0.01');
    expect([beforeFinal.status, beforeFinal.body.code]).toEqual([409, 'tranche_condition_unmet']);
    expect((await file('final')).status).toBe(201);
    expect((await disburse(app, s, '400.00')).status).toBe(201);
    expect((await get(app, s.gm)).body.disbursed).toBe('1000.00');
  });

  it('refuses a condition written like a code that is none of the gates (400), in a decision and an amendment, and writes nothing', async () => {
    const s = await setup();
    const app = await reviewed(s);
    const typo = await ctx
      .request()
      .post(`/api/applications/${app.id}/decision`)
      .set(s.gm.auth)
      .send({ decision: 'approved', amount: '1000.00', tranches: [{ amount: '500.00', condition: 'on_signing' }, { amount: '500.00', condition: 'after_final_reprot' }], reason: '评审通过' });
    expect([typo.status, typo.body.code]).toEqual([400, 'invalid_request']);
    expect(typo.body.errors).toEqual([{ path: 'body.tranches.1.condition', message: expect.stringContaining('on_signing, after_progress_report, after_final_report') }]);
    expect((await get(app, s.gm)).body).toMatchObject({ status: 'under_review', tranches: [] });

    const awarded = await approved(s);
    const amendment = await ctx
      .request()
      .post(`/api/applications/${awarded.id}/amendments`)
      .set(s.gm.auth)
      .send({ note: '尾款改到结项后', tranches: [{ amount: '400.00', condition: 'on_signing' }, { amount: '600.00', condition: 'after_fnial_report' }] });
    expect([amendment.status, amendment.body.errors?.[0]?.path]).toEqual([400, 'body.tranches.1.condition']);
    expect((await get(awarded, s.gm)).body).toMatchObject({ tranches: [{ amount: '1000.00', condition: 'on_signing' }], amendments: [] });
  });

  it('accepts reports only from the owner, with lines that name budget lines', async () => {
    const s = await setup();
    const app = await approved(s);
    await disburse(app, s, '1000.00');
    const bySomeoneElse = await ctx.request().post(`/api/applications/${app.id}/reports`).set(s.gm.auth).send({ kind: 'progress', narrative: 'x', spent: '1.00' });
    expect(bySomeoneElse.status).toBe(403);
    const unknownLine = await ctx.request().post(`/api/applications/${app.id}/reports`).set(s.applicant.auth).send({ kind: 'progress', narrative: 'x', spent: '1.00', lines: [{ item: '差旅', spent: '1.00' }] });
    expect(unknownLine.status).toBe(422);
    const mismatch = await ctx.request().post(`/api/applications/${app.id}/reports`).set(s.applicant.auth).send({ kind: 'progress', narrative: 'x', spent: '2.00', lines: [{ item: '苗木', spent: '1.00' }] });
    expect([mismatch.status, mismatch.body.code, mismatch.body.linesTotal, mismatch.body.spent]).toEqual([422, 'report_lines_mismatch', '1.00', '2.00']);
    expect((await get(app, s.applicant)).body.reports).toHaveLength(0);
  });

  it('refunds at most what is held, in both books', async () => {
    const s = await setup();
    const app = await approved(s);
    await disburse(app, s, '1000.00');
    const tooMuch = await ctx.request().post(`/api/applications/${app.id}/refunds`).set(s.gm.auth).send({ amount: '1000.01', date: '2026-03-20' });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.code).toBe('refund_exceeds_disbursed');
    // Money comes back after it went out: a refund dated before the disbursement is refused.
    const early = await ctx.request().post(`/api/applications/${app.id}/refunds`).set(s.gm.auth).send({ amount: '250.00', date: '2026-01-01' });
    expect(early.status).toBe(422);
    expect(early.body).toMatchObject({ code: 'refund_before_disbursement', refundableOn: '0.00', errors: [{ path: 'body.date', message: 'before the money was disbursed' }] });
    expect((await ctx.request().post(`/api/applications/${app.id}/refunds`).set(s.gm.auth).send({ amount: '250.00', date: '2026-03-20' })).status).toBe(201);
    // The database keeps the date rule for a writer that skips the service.
    const [paid] = await ctx.db('grant_disbursements').where({ application_id: app.id });
    await expect(
      ctx.db('grant_refunds').insert({ application_id: app.id, amount: '1.00', date: '2026-01-01', entry_id: paid.entry_id, created_by: s.gm.id }),
    ).rejects.toMatchObject({ hint: 'refund_before_disbursement' });
    const stationTb = await ctx.request().get(`/api/entities/${s.station.entity.id}/trial-balance?asOf=2026-03-31`).set(s.station.treasurer.auth);
    expect(stationTb.body.rows).toContainEqual(expect.objectContaining({ accountCode: '1002', balance: '750.00' }));
    expect((await get(app, s.gm)).body.refunded).toBe('250.00');
  });

  it('names the grantee and the foundation on a refund, as on a disbursement, and the published reports show them in full', async () => {
    const s = await setup();
    const app = await approved(s);
    expect((await disburse(app, s, '1000.00')).status).toBe(201);
    const refund = await ctx.request().post(`/api/applications/${app.id}/refunds`).set(s.gm.auth).send({ amount: '250.00', date: '2026-03-20' });
    expect(refund.status).toBe(201);
    const named = (name: string) => ({ name, anonymous: false, nameConsent: true });
    expect(refund.body.entry.details.counterparty).toEqual(named('邻里互助会'));
    expect(refund.body.stationEntry.details.counterparty).toEqual(named(s.foundation.entity.name));

    const publish = async (entityId: string, treasurer: TestUser) => {
      expect((await ctx.request().post(`/api/entities/${entityId}/periods/2026-03/close`).set(treasurer.auth)).status).toBe(200);
      const published = await ctx.request().post(`/api/entities/${entityId}/disclosures`).set(treasurer.auth).send({ period: '2026-03' });
      expect(published.status).toBe(201);
      const report = await ctx.request().get(`/api/public/disclosures/${published.body.id}`);
      const verified = await ctx.request().get(`/api/public/disclosures/${published.body.id}/verify`);
      expect(verified.body).toMatchObject({ ok: true, dataMatches: true });
      const rows = report.body.entries.rows as { kind: string; counterparty: string | null }[];
      return Object.fromEntries(rows.filter((row) => row.kind.startsWith('grant_')).map((row) => [row.kind, row.counterparty]));
    };
    // 邻里互助会 carries no organisation marker, so only the grant's own consent shows it in full.
    expect(await publish(s.foundation.entity.id, s.foundation.treasurer)).toEqual({ grant_disbursement: '邻里互助会', grant_refund: '邻里互助会' });
    expect(await publish(s.station.entity.id, s.station.treasurer)).toEqual({ grant_receipt: s.foundation.entity.name, grant_refund: s.foundation.entity.name });
  });

  it('refuses to reverse a grant posting on one side (409): the two books and the grant would disagree', async () => {
    const s = await setup();
    const app = await approved(s);
    const paid = await disburse(app, s, '600.00');
    expect(paid.status).toBe(201);
    const back = await ctx.request().post(`/api/applications/${app.id}/refunds`).set(s.gm.auth).send({ amount: '100.00', date: '2026-03-20' });
    expect(back.status).toBe(201);
    const attempts = [
      [s.foundation.entity.id, paid.body.entry.id, s.foundation.treasurer],
      [s.station.entity.id, paid.body.stationEntry.id, s.station.treasurer],
      [s.foundation.entity.id, back.body.entry.id, s.foundation.treasurer],
    ] as const;
    for (const [entityId, entryId, treasurer] of attempts) {
      const before = await ctx.request().get(`/api/entities/${entityId}/trial-balance?asOf=2026-12-31`).set(treasurer.auth);
      const reversal = await ctx.request().post(`/api/entities/${entityId}/entries/${entryId}/reverse`).set(treasurer.auth).send({ date: '2026-03-25', reason: '记错了' });
      expect([reversal.status, reversal.body.code]).toEqual([409, 'invalid_state']);
      expect(reversal.body.detail).toMatch(/posted by a grant/);
      expect((await ctx.request().get(`/api/entities/${entityId}/trial-balance?asOf=2026-12-31`).set(treasurer.auth)).body).toEqual(before.body);
    }
    // The database keeps the rule for a writer that skips the service.
    const draft = {
      entityId: s.station.entity.id,
      date: '2026-03-25',
      memo: '直接写库冲销',
      kind: 'reversal' as const,
      details: {},
      lines: paid.body.stationEntry.lines.map((line: { accountCode: string; fundCode: string; debit: string | null; credit: string | null }) => ({
        accountCode: line.accountCode,
        fundCode: line.fundCode,
        projectId: null,
        debit: line.credit === null ? null : new Decimal(line.credit),
        credit: line.debit === null ? null : new Decimal(line.debit),
        memo: null,
      })),
      authorId: s.station.treasurer.id,
      reversal: { of: paid.body.stationEntry.id, reason: '直接写库' },
      approval: 'exempt' as const,
      checkOverdraft: false,
    };
    await expect(ctx.db.transaction((tx) => postEntryInTransaction(tx, draft))).rejects.toMatchObject({ code: 'invalid_state' });
  });

  it('the database holds a round\'s committed to what its grants hold: closing a grant past the service without giving the rest back is refused', async () => {
    const s = await setup();
    const app = await approved(s);
    expect((await disburse(app, s, '600.00')).status).toBe(201);
    await expect(ctx.db.transaction((tx) => tx('grant_applications').where({ id: app.id }).update({ status: 'closed' }))).rejects.toMatchObject({ hint: 'accounting_rule' });
    await expect(ctx.db.transaction((tx) => tx('grant_rounds').where({ id: s.round.id }).update({ committed: '1.00' }))).rejects.toMatchObject({ hint: 'accounting_rule' });
    expect((await ctx.request().get(`/api/public/rounds/${s.round.id}`)).body.committed).toBe('1000.00');
  });

  it('closing gives the part of the award never used back to the round, so another project can have it', async () => {
    const s = await setup({ budget: '2500.00' });
    const app = await approved(s, { amount: '2000.00', tranches: [{ amount: '1000.00', condition: 'on_signing' }, { amount: '1000.00', condition: 'after_final_report' }] }, { requestedAmount: '2000.00', budgetLines: [{ item: '苗木', amount: '2000.00' }] });
    const round = () => ctx.request().get(`/api/public/rounds/${s.round.id}`);
    expect((await round()).body).toMatchObject({ committed: '2000.00', remaining: '500.00' });
    expect((await disburse(app, s, '1000.00')).status).toBe(201);
    expect((await ctx.request().post(`/api/applications/${app.id}/reports`).set(s.applicant.auth).send({ kind: 'final', narrative: '完成', spent: '900.00' })).status).toBe(201);
    expect((await ctx.request().post(`/api/applications/${app.id}/refunds`).set(s.gm.auth).send({ amount: '100.00', date: '2026-03-20' })).status).toBe(201);
    // Before the close the second tranche is still owed: the budget stays committed.
    const tooBig = await approved(s, { amount: '600.00' }, { requestedAmount: '600.00', budgetLines: [{ item: '工具', amount: '600.00' }] }).catch((error: Error) => error);
    expect(tooBig).toBeInstanceOf(Error);

    const closed = await ctx.request().post(`/api/applications/${app.id}/close`).set(s.gm.auth).send({ note: '按期结项' });
    expect(closed.status).toBe(200);
    expect(closed.body.history.at(-1).note).toBe('未使用的资助额度 1100.00 元退回本轮预算。说明：按期结项');
    expect(closed.body).toMatchObject({ amountAwarded: '2000.00', disbursed: '1000.00', refunded: '100.00' });
    expect((await round()).body).toMatchObject({ budget: '2500.00', committed: '900.00', disbursed: '1000.00', refunded: '100.00', remaining: '1600.00' });
    const next = await approved(s, { amount: '1600.00' }, { requestedAmount: '1600.00', budgetLines: [{ item: '工具', amount: '1600.00' }] });
    expect(next.status).toBe('approved');
    expect((await round()).body).toMatchObject({ committed: '2500.00', remaining: '0.00' });
  });

  it('closes an unsettled grant; the history states both figures, then the manager\'s note when given', async () => {
    const s = await setup();
    const close = (app: { id: string }, body: object, user = s.gm) => ctx.request().post(`/api/applications/${app.id}/close`).set(user.auth).send(body);
    const finished = async (spent: string) => {
      const app = await approved(s);
      await disburse(app, s, '1000.00');
      expect((await ctx.request().post(`/api/applications/${app.id}/reports`).set(s.applicant.auth).send({ kind: 'final', narrative: '完成', spent })).status).toBe(201);
      return app;
    };
    const early = await approved(s);
    expect((await close(early, {})).body.code).toBe('invalid_state');

    const underspent = await finished('980.00');
    expect((await close(underspent, { note: 'x' }, s.applicant)).status).toBe(403);
    const closed = await close(underspent, {});
    expect([closed.status, closed.body.status]).toEqual([200, 'closed']);
    expect(closed.body.history.at(-1)).toMatchObject({ from: 'reporting', to: 'closed', by: s.gm.id, note: '结项时未结清：拨付净额 1000.00 元，决算支出 980.00 元，相差 20.00 元。' });
    expect(closed.body).toMatchObject({ disbursed: '1000.00', refunded: '0.00' });

    const overspent = await finished('1050.00');
    const explained = await close(overspent, { note: '超支50元由申请方自筹' });
    expect(explained.status).toBe(200);
    expect(explained.body.history.at(-1)).toMatchObject({ from: 'reporting', to: 'closed', note: '结项时未结清：拨付净额 1000.00 元，决算支出 1050.00 元，相差 50.00 元。说明：超支50元由申请方自筹' });
    expect((await get(overspent, s.gm)).body.history.at(-1).note).toBe(explained.body.history.at(-1).note);

    const settled = await close(await finished('1000.00'), { note: '按期结项' });
    expect(settled.body.history.at(-1)).toMatchObject({ from: 'reporting', to: 'closed', note: '按期结项' });
  });

  it('refuses a disbursement the foundation cannot pay (422) and writes nothing', async () => {
    const s = await setup({ fund: '100.00' });
    const app = await approved(s);
    const res = await disburse(app, s, '500.00');
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('insufficient_funds');
    const view = (await get(app, s.gm)).body;
    expect(view).toMatchObject({ status: 'approved', disbursed: '0.00', disbursements: [] });
  });

  it('exports the awarded grants as 360Giving JSON with the required fields typed', async () => {
    const s = await setup();
    const awarded = await approved(s, { amount: '800.00' });
    await disburse(awarded, s, '800.00');
    const external = await approved(s, {}, { stationEntityId: null, organization: '河畔读书会 ABC' });
    // The same organisation again, spelt with an ideographic space run, full-width letters in another case and padding.
    const again = await approved(s, {}, { stationEntityId: null, organization: '  河畔读书会　 ＡｂＣ ' });
    const other = await approved(s, {}, { stationEntityId: null, organization: '河畔读书会ABC' });
    const rejected = await reviewed(s);
    await ctx.request().post(`/api/applications/${rejected.id}/decision`).set(s.gm.auth).send({ decision: 'rejected', reason: '不符合' });

    const res = await ctx.request().get(`/api/public/rounds/${s.round.id}/360giving.json`);
    expect(res.status).toBe(200);
    expect(res.body.grants).toHaveLength(4);
    const prefix = `360G-${s.foundation.entity.code}-`;
    for (const grant of res.body.grants) {
      expect(typeof grant.id).toBe('string');
      expect(grant.id).toMatch(new RegExp(`^${prefix}`));
      expect(typeof grant.title).toBe('string');
      expect(typeof grant.description).toBe('string');
      expect(grant.currency).toBe('CNY');
      expect(grant.amountAwarded).toMatch(/^\d+\.\d{2}$/);
      expect(grant.awardDate).toBe('2026-03-10');
      expect(grant.recipientOrganization).toEqual({ id: expect.stringMatching(new RegExp(`^${prefix}(ENTITY|ORG)-[A-Za-z0-9_-]+$`)), name: expect.any(String) });
      expect(grant.fundingOrganization).toEqual([{ id: `${prefix}ENTITY-${s.foundation.entity.code}`, name: s.foundation.entity.name }]);
      expect(grant.amountAppliedFor).toBe('1000.00');
      expect(grant.grantProgramme).toEqual([{ code: s.round.id, title: '2026年社区公益创投' }]);
    }
    const byId = new Map<string, any>(res.body.grants.map((grant: { id: string }) => [grant.id, grant]));
    expect(byId.get(`${prefix}${awarded.id}`)).toMatchObject({
      amountAwarded: '800.00',
      amountDisbursed: '800.00',
      // A station in the system is named as it is known, so one id always carries one name.
      recipientOrganization: { id: `${prefix}ENTITY-${s.station.entity.code}`, name: s.station.entity.name },
    });
    const recipient = (app: { id: string }) => byId.get(`${prefix}${app.id}`).recipientOrganization;
    expect(byId.get(`${prefix}${external.id}`)).toMatchObject({ amountDisbursed: '0.00', recipientOrganization: { name: '河畔读书会 ABC' } });
    expect(recipient(external).id).toMatch(new RegExp(`^${prefix}ORG-[0-9a-f]{16}$`));
    expect(recipient(again).id).toBe(recipient(external).id);
    expect(recipient(other).id).not.toBe(recipient(external).id);
  });
});
