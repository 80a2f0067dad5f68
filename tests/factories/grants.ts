/**
 * A grant round with applications in every workflow state, made through the HTTP API the way
 * staff and applicants make them, for tests that need real targets in a given state (the
 * security fuzzer and the authorization matrix). The round is open now by the wall clock, so
 * it works with the system clock the security suites run on. Each call to `application(state)`
 * makes a fresh application: a test whose request would move one on uses its own.
 */
import type { TestContext } from '../support/context';
import { createUser, foundationWithStaff, receive, stationWithStaff, TestUser } from './index';

export const GRANT_RUBRIC = [
  { key: 'impact', label: '社区影响', weight: 2 },
  { key: 'feasibility', label: '可行性', weight: 1 },
];

/**
 * draft; submitted; under_review (reviewer 0 assigned, no review yet); reviewed (under_review
 * with reviewer 0's review, enough for a decision); active (300.00 awarded in three on-signing
 * tranches of 100.00, the first paid); reporting (300.00 awarded and paid, final report of
 * 300.00 spent: settled, so it can close).
 */
export type GrantState = 'draft' | 'submitted' | 'under_review' | 'reviewed' | 'active' | 'reporting';

const DAY_MS = 24 * 60 * 60 * 1000;

export async function grantScenario(ctx: TestContext) {
  const foundation = await foundationWithStaff(ctx);
  const foundationId = foundation.entity.id;
  const supervisor = await createUser(ctx, [{ role: 'supervisor', entityId: foundationId }]);
  await receive(ctx, foundation.treasurer, foundationId, '100000.00', { method: 'bank', kind: 'donation' });
  const station = await stationWithStaff(ctx);
  const applicant = await createUser(ctx, [{ role: 'applicant' }], { displayName: '申请人赵丽' });
  const gm = foundation.grantManager;
  const [reviewer, otherReviewer] = foundation.reviewers;

  const expectStatus = async (promise: PromiseLike<{ status: number; body: any }>, status: number, what: string) => {
    const response = await promise;
    if (response.status !== status) throw new Error(`${what}: expected ${status}, got ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  };

  const roundBody = {
    entityId: foundationId,
    title: '社区公益创投',
    description: '支持居民自组织的公益项目',
    budget: '50000.00',
    opensAt: new Date(Date.now() - DAY_MS).toISOString(),
    closesAt: new Date(Date.now() + 30 * DAY_MS).toISOString(),
    rubric: GRANT_RUBRIC,
    minReviews: 1,
  };
  const round = await expectStatus(ctx.request().post('/api/rounds').set(gm.auth).send(roundBody), 201, 'create round');

  const applicationBody = {
    title: '楼栋互助花园',
    organization: '邻里互助会',
    contact: '赵丽 138****0000',
    summary: '把闲置空地改造成居民共建的花园',
    requestedAmount: '300.00',
    budgetLines: [
      { item: '苗木', amount: '200.00' },
      { item: '工具', amount: '100.00' },
    ],
    stationEntityId: station.entity.id,
  };
  const post = (user: TestUser, path: string, body: object = {}) => ctx.request().post(path).set(user.auth).send(body);

  async function application(state: GrantState): Promise<{ id: string }> {
    const app = await expectStatus(post(applicant, `/api/rounds/${round.id}/applications`, applicationBody), 201, 'draft');
    const at = `/api/applications/${app.id}`;
    if (state === 'draft') return app;
    await expectStatus(post(applicant, `${at}/submit`), 200, 'submit');
    if (state === 'submitted') return app;
    await expectStatus(post(gm, `${at}/reviewers`, { userIds: [reviewer.id] }), 200, 'assign');
    if (state === 'under_review') return app;
    await expectStatus(post(reviewer, `${at}/reviews`, { conflictOfInterest: false, scores: { impact: 4, feasibility: 3 }, comment: '可行' }), 201, 'review');
    if (state === 'reviewed') return app;
    const tranches = state === 'active' ? ['100.00', '100.00', '100.00'] : ['300.00'];
    await expectStatus(post(gm, `${at}/decision`, { decision: 'approved', amount: '300.00', tranches: tranches.map((amount) => ({ amount, condition: 'on_signing' })), reason: '评审通过' }), 200, 'decide');
    await expectStatus(post(gm, `${at}/disbursements`, { amount: tranches[0], date: '2026-03-20', method: 'bank' }), 201, 'disburse');
    if (state === 'active') return app;
    await expectStatus(post(applicant, `${at}/reports`, { kind: 'final', narrative: '花园建成', spent: '300.00' }), 201, 'final report');
    return app;
  }

  return { foundation, foundationId, supervisor, station, applicant, gm, reviewer, otherReviewer, round, roundBody, applicationBody, application };
}
