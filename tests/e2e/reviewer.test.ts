import { createUser, foundationWithStaff, receive, FACTORY_PASSWORD } from '../factories';
import { fixedClock } from '../../src/shared/clock';
import { useBrowserApp } from './support';

describe('a reviewer with a conflict of interest, in Chromium', () => {
  const e2e = useBrowserApp({ clock: fixedClock('2026-03-10T10:00:00+08:00') });

  it('declares the conflict first and then cannot score', async () => {
    const foundation = await foundationWithStaff(e2e.ctx);
    await receive(e2e.ctx, foundation.treasurer, foundation.entity.id, '100000.00', { method: 'bank', kind: 'donation' });
    const applicant = await createUser(e2e.ctx, [{ role: 'applicant' }]);
    const api = e2e.ctx.request;
    const round = await api().post('/api/rounds').set(foundation.grantManager.auth).send({
      entityId: foundation.entity.id,
      title: '2026年社区公益创投',
      description: '支持居民自组织的公益项目',
      budget: '50000.00',
      opensAt: '2026-03-01T00:00:00+08:00',
      closesAt: '2026-04-01T00:00:00+08:00',
      rubric: [{ key: 'impact', label: '社区影响', weight: 2 }, { key: 'feasibility', label: '可行性', weight: 1 }],
      minReviews: 1,
    }).expect(201);
    const application = await api().post(`/api/rounds/${round.body.id}/applications`).set(applicant.auth).send({
      title: '楼栋互助花园',
      organization: '邻里互助会',
      contact: '赵丽',
      summary: '把闲置空地改造成居民共建的花园',
      requestedAmount: '1000.00',
      budgetLines: [{ item: '苗木', amount: '1000.00' }],
    }).expect(201);
    await api().post(`/api/applications/${application.body.id}/submit`).set(applicant.auth).expect(200);
    const [reviewer] = foundation.reviewers;
    await api().post(`/api/applications/${application.body.id}/reviewers`).set(foundation.grantManager.auth).send({ userIds: [reviewer.id] }).expect(200);

    const context = await e2e.newContext({ width: 375, height: 800 });
    const page = await context.newPage();
    await page.goto(`${e2e.baseUrl}/login?next=/app/review/${application.body.id}`);
    await page.getByLabel('用户名').fill(reviewer.username);
    await page.getByLabel('密码').fill(FACTORY_PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByText('楼栋互助花园').waitFor();
    // The declaration comes first: no score inputs until it is answered.
    expect(await page.getByText('0 分').count()).toBe(0);
    await page.getByText('有利益冲突，我回避').click();
    await page.getByRole('button', { name: '提交声明' }).click();
    await page.getByText('已回避').first().waitFor();
    expect(await page.getByText('0 分').count()).toBe(0);

    // Going to the score step by hand and posting scores is refused.
    await page.goto(`${e2e.baseUrl}/app/review/${application.body.id}?step=scores`);
    expect(await page.getByRole('button', { name: '提交评分' }).count()).toBe(0);
    const token = await page.locator('input[name="_csrf"]').first().getAttribute('value');
    const status = await page.evaluate(
      `fetch('/app/review/${application.body.id}/scores', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: '_csrf=${encodeURIComponent(token ?? '')}&score_impact=5&score_feasibility=5' }).then((r) => r.status)`,
    );
    expect(status).toBe(409);
    const stored = await api().get(`/api/applications/${application.body.id}`).set(foundation.grantManager.auth).expect(200);
    const review = stored.body.reviews.find((r: { reviewerId: string }) => r.reviewerId === reviewer.id);
    expect(review.conflictOfInterest).toBe(true);
    expect(review.scores).toBeNull();
    await context.close();
  });
});
