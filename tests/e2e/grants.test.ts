import path from 'node:path';
import type { Page } from 'playwright-core';
import { createUser, foundationWithStaff, receive, stationWithStaff, FACTORY_PASSWORD, TestUser } from '../factories';
import { fixedClock } from '../../src/shared/clock';
import * as grants from '../../src/grants/service';
import { SHOTS_DIR, useBrowserApp } from './support';

describe('a grant from application to disbursement, in Chromium', () => {
  const e2e = useBrowserApp({ clock: fixedClock('2026-03-10T10:00:00+08:00') });

  async function login(page: Page, user: TestUser, next: string) {
    await page.goto(`${e2e.baseUrl}/login?next=${encodeURIComponent(next)}`);
    await page.getByLabel('用户名').fill(user.username);
    await page.getByLabel('密码').fill(FACTORY_PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
  }

  it('the applicant submits; the grant manager approves with tranches and disburses; the round page shows the money', async () => {
    const foundation = await foundationWithStaff(e2e.ctx, { name: '南岸区社区基金会' });
    await receive(e2e.ctx, foundation.treasurer, foundation.entity.id, '100000.00', { method: 'bank', kind: 'donation' });
    const station = await stationWithStaff(e2e.ctx, { name: '南坪街道公益站' });
    const applicant = await createUser(e2e.ctx, [{ role: 'applicant' }], { displayName: '赵丽' });
    const gm = foundation.grantManager;
    const round = await grants.createRound(
      e2e.ctx.db,
      gm.actor,
      {
        entityId: foundation.entity.id,
        title: '2026年社区公益创投',
        description: '支持居民自组织的公益项目',
        budget: '50000.00',
        opensAt: '2026-03-01T00:00:00+08:00',
        closesAt: '2026-04-01T00:00:00+08:00',
        rubric: [{ key: 'impact', label: '社区影响', weight: 2 }, { key: 'feasibility', label: '可行性', weight: 1 }],
        minReviews: 2,
      },
      e2e.ctx.clock,
    );

    // The applicant, on a phone, fills in the form (one budget line added with the button) and submits.
    const phone = await e2e.newContext({ width: 375, height: 800 });
    const applicantPage = await phone.newPage();
    await login(applicantPage, applicant, '/app');
    await applicantPage.waitForURL('**/app/applications');
    await applicantPage.getByRole('link', { name: /申请：2026年社区公益创投/ }).click();
    await applicantPage.getByLabel('项目名称').fill('楼栋互助花园');
    await applicantPage.getByLabel('申请单位或团队').fill('邻里互助会');
    await applicantPage.getByLabel('联系人和电话').fill('赵丽 138****0000');
    await applicantPage.getByLabel('项目简介').fill('把闲置空地改造成居民共建的花园');
    await applicantPage.getByLabel(/申请金额/).fill('１,２００元');
    await applicantPage.getByLabel('第 1 项用途').fill('苗木');
    await applicantPage.locator('#f-budgetLines_0_amount').fill('600');
    await applicantPage.getByLabel('第 2 项用途').fill('工具');
    await applicantPage.locator('#f-budgetLines_1_amount').fill('¥400');
    await applicantPage.getByRole('button', { name: '＋ 再加一行' }).click();
    await applicantPage.getByLabel('第 3 项用途').fill('宣传');
    await applicantPage.locator('#f-budgetLines_2_amount').fill('200');
    await applicantPage.getByLabel(/收款的公益站/).selectOption({ label: '南坪街道公益站' });
    await applicantPage.screenshot({ path: path.join(SHOTS_DIR, 'grant-application-form-375.png'), fullPage: true });
    await applicantPage.getByRole('button', { name: '保存并提交申请' }).click();
    await applicantPage.getByText('申请已提交').waitFor();
    expect(await applicantPage.getByText('已提交', { exact: true }).count()).toBeGreaterThan(0);
    const applicationId = /\/app\/applications\/([0-9a-f-]{36})/.exec(applicantPage.url())?.[1] as string;
    expect(applicationId).toBeDefined();

    // Reviewers are assigned and review through the service.
    await grants.assignReviewers(e2e.ctx.db, gm.actor, applicationId, { userIds: foundation.reviewers.map((reviewer) => reviewer.id) }, e2e.ctx.clock);
    await grants.submitReview(e2e.ctx.db, foundation.reviewers[0].actor, applicationId, { conflictOfInterest: false, scores: { impact: 5, feasibility: 4 }, comment: '贴近居民需要' });
    await grants.submitReview(e2e.ctx.db, foundation.reviewers[1].actor, applicationId, { conflictOfInterest: false, scores: { impact: 4, feasibility: 4 }, comment: null });

    // The grant manager, on a desktop, approves in two tranches and pays the first.
    const desktop = await e2e.newContext({ width: 1280, height: 900 });
    const gmPage = await desktop.newPage();
    await login(gmPage, gm, '/app');
    await gmPage.waitForURL(`**/app/g/${foundation.entity.code}`);
    await gmPage.getByRole('link', { name: /2026年社区公益创投/ }).click();
    await gmPage.getByRole('link', { name: '楼栋互助花园' }).click();
    await gmPage.getByText('加权平均分').waitFor();
    await gmPage.getByLabel(/批准金额/).fill('1000');
    await gmPage.locator('#f-tranches_0_amount').fill('600');
    await gmPage.getByRole('button', { name: '＋ 再加一期' }).click();
    await gmPage.locator('#f-tranches_1_amount').fill('400');
    await gmPage.locator('#f-tranches_1_condition').selectOption({ label: '结项报告后拨付' });
    await gmPage.getByRole('button', { name: '保存决定' }).click();
    await gmPage.getByText('决定已保存').waitFor();
    expect(await gmPage.getByLabel(/拨付金额/).inputValue()).toBe('600.00');
    await gmPage.screenshot({ path: path.join(SHOTS_DIR, 'grant-manager-application-1280.png'), fullPage: true });
    await gmPage.getByRole('button', { name: '确认拨付' }).click();
    await gmPage.getByText('已拨付，基金会的账已记好').waitFor();
    expect(await gmPage.locator('#app-disbursed').textContent()).toBe('¥600.00');
    // The second tranche waits for the final report: no payment form, a notice instead.
    await gmPage.locator('#next-tranche').waitFor();
    expect(await gmPage.getByRole('button', { name: '确认拨付' }).count()).toBe(0);

    await gmPage.setViewportSize({ width: 375, height: 800 });
    await gmPage.screenshot({ path: path.join(SHOTS_DIR, 'grant-manager-application-375.png'), fullPage: true });
    const desktopForm = await phone.newPage();
    await desktopForm.setViewportSize({ width: 1280, height: 900 });
    await desktopForm.goto(`${e2e.baseUrl}/app/rounds/${round.id}/apply`);
    await desktopForm.screenshot({ path: path.join(SHOTS_DIR, 'grant-application-form-1280.png'), fullPage: true });

    // A resident opens the round page: committed and disbursed.
    const resident = await (await e2e.newContext({ width: 375, height: 800 })).newPage();
    await resident.goto(`${e2e.baseUrl}/e/${foundation.entity.code}/rounds/${round.id}`);
    expect(await resident.locator('#round-committed').textContent()).toBe('¥1,000.00');
    expect(await resident.locator('#round-disbursed').textContent()).toBe('¥600.00');
    expect(await resident.getByText('楼栋互助花园').count()).toBe(1);
    await resident.screenshot({ path: path.join(SHOTS_DIR, 'grant-round-public-375.png'), fullPage: true });

    const stored = await grants.getApplication(e2e.ctx.db, gm.actor, applicationId);
    expect(stored).toMatchObject({ status: 'active', amountAwarded: '1000.00', disbursed: '600.00', requestedAmount: '1200.00' });
    await phone.close();
    await desktop.close();
  });
});
