/**
 * The grant pages through real forms: a grant manager opens a round, an applicant drafts and
 * submits, the manager assigns reviewers, decides with tranches and disburses — and the
 * journal entry shows up in the foundation's books. Also: CSRF refusal, forms that keep what
 * was typed, an applicant page that names no reviewer and shows no score, and amendments of an
 * active grant (unpaid tranches re-split, paid ones fixed, the award unchanged).
 */
import { useTestContext } from '../support/context';
import { fixedClock } from '../../src/shared/clock';
import { D, sumMoney } from '../../src/shared/money';
import * as grants from '../../src/grants/service';
import * as ledger from '../../src/ledger/service';
import { createUser, foundationWithStaff, receive, stationWithStaff } from '../factories';
import { csrfOf, formToken, webLogin } from './web-support';

/** Form body as a browser sends it: repeated fields repeat the name (no `name[0]`). */
function form(fields: Record<string, string | string[]>): string {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const item of Array.isArray(value) ? value : [value]) body.append(name, item);
  return body.toString();
}

describe('grant pages', () => {
  const ctx = useTestContext({ clock: fixedClock('2026-03-10T10:00:00+08:00') });

  async function setup() {
    const foundation = await foundationWithStaff(ctx);
    await receive(ctx, foundation.treasurer, foundation.entity.id, '100000.00', { method: 'bank', kind: 'donation' });
    const reviewers = [
      await createUser(ctx, [{ role: 'reviewer', entityId: foundation.entity.id }], { displayName: '评审王老师' }),
      await createUser(ctx, [{ role: 'reviewer', entityId: foundation.entity.id }], { displayName: '评审李老师' }),
    ];
    const station = await stationWithStaff(ctx, { name: '南岸公益站' });
    const applicant = await createUser(ctx, [{ role: 'applicant' }], { displayName: '申请人赵丽' });
    const manager = ctx.request();
    await webLogin(manager, foundation.grantManager);
    const base = `/app/g/${foundation.entity.code}`;
    return { foundation, reviewers, station, applicant, manager, base };
  }

  type Setup = Awaited<ReturnType<typeof setup>>;

  /** The round form as a manager fills it in; `fields` replace what was typed (the window, the keys…). */
  async function createRound(s: Setup, fields: Record<string, string | string[]> = {}) {
    const token = await formToken(s.manager, `${s.base}/rounds/new`);
    const response = await s.manager
      .post(`${s.base}/rounds/new`)
      .type('form')
      .send(
        form({
          _csrf: token,
          title: '2026年社区公益创投',
          description: '支持居民自组织的公益项目',
          budget: '50,000.00',
          fundCode: 'GENERAL',
          opensOn: '2026-03-01',
          closesOn: '2026/3/31',
          rubricLabel: ['社区影响', '可行性', ''],
          rubricWeight: ['2', '１', ''],
          rubricKey: ['impact', '', ''],
          minReviews: '２',
          ...fields,
        }),
      )
      .expect(303);
    const match = new RegExp(`^${s.base}/rounds/([0-9a-f-]{36})\\?ok=round_created$`).exec(response.headers.location);
    expect(match).not.toBeNull();
    return (match as RegExpExecArray)[1];
  }

  async function draftAndSubmit(s: Setup, roundId: string) {
    const agent = ctx.request();
    await webLogin(agent, s.applicant);
    const token = await formToken(agent, `/app/rounds/${roundId}/apply`);
    const saved = await agent
      .post(`/app/rounds/${roundId}/apply`)
      .type('form')
      .send(
        form({
          _csrf: token,
          title: '楼栋互助花园',
          organization: '邻里互助会',
          contact: '赵丽 138****0000',
          summary: '把闲置空地改造成居民共建的花园',
          beneficiaries: '',
          requestedAmount: '¥1,000',
          budgetItem: ['苗木', '工具', ''],
          budgetAmount: ['600元', '４００', ''],
          stationEntityId: s.station.entity.id,
          then: 'save',
        }),
      )
      .expect(303);
    const id = /^\/app\/applications\/([0-9a-f-]{36})\?ok=saved$/.exec(saved.headers.location)?.[1] as string;
    expect(id).toBeDefined();
    const draftPage = await agent.get(`/app/applications/${id}`).expect(200);
    expect(draftPage.text).toContain('草稿');
    await agent.post(`/app/applications/${id}/submit`).type('form').send(form({ _csrf: csrfOf(draftPage.text) })).expect(303);
    return { agent, id };
  }

  async function apiApplication(s: Setup, id: string) {
    return (await ctx.request().get(`/api/applications/${id}`).set(s.foundation.grantManager.auth).expect(200)).body;
  }

  it('walks a round from the forms: create, apply, assign, decide with tranches, disburse into the books', async () => {
    const s = await setup();
    // The grant manager's home is the rounds list.
    const home = await s.manager.get('/app').expect(303);
    expect(home.headers.location).toBe(s.base);

    const roundId = await createRound(s);
    const round = (await ctx.request().get(`/api/public/rounds/${roundId}`).expect(200)).body;
    expect(round).toMatchObject({ budget: '50000.00', minReviews: 2, fundCode: 'GENERAL', opensAt: '2026-02-28T16:00:00.000Z', closesAt: '2026-03-31T16:00:00.000Z' });
    expect(round.rubric).toEqual([
      { key: 'impact', label: '社区影响', weight: 2 },
      { key: 'c2', label: '可行性', weight: 1 },
    ]);

    const { agent: applicantAgent, id } = await draftAndSubmit(s, roundId);
    let application = await apiApplication(s, id);
    expect(application).toMatchObject({ status: 'submitted', requestedAmount: '1000.00', stationEntityId: s.station.entity.id });
    expect(application.budgetLines).toEqual([
      { item: '苗木', amount: '600.00' },
      { item: '工具', amount: '400.00' },
    ]);

    const appPath = `${s.base}/applications/${id}`;
    let pageHtml = (await s.manager.get(appPath).expect(200)).text;
    expect(pageHtml).toContain('评审王老师');
    await s.manager
      .post(`${appPath}/reviewers`)
      .type('form')
      .send(form({ _csrf: csrfOf(pageHtml), userIds: s.reviewers.map((reviewer) => reviewer.id) }))
      .expect(303);
    expect((await apiApplication(s, id)).status).toBe('under_review');

    // A reviewer's home is the task list, linking to the existing review page.
    const reviewerAgent = ctx.request();
    await webLogin(reviewerAgent, s.reviewers[0]);
    expect((await reviewerAgent.get('/app').expect(303)).headers.location).toBe('/app/reviews');
    const tasks = (await reviewerAgent.get('/app/reviews').expect(200)).text;
    expect(tasks).toMatch(/待评审（1）/);
    expect(tasks).toContain(`href="/app/review/${id}"`);

    for (const [reviewer, impact] of [[s.reviewers[0], 5], [s.reviewers[1], 3]] as const) {
      await ctx.request().post(`/api/applications/${id}/reviews`).set(reviewer.auth).send({ conflictOfInterest: false, scores: { impact, c2: 4 }, comment: '值得支持' }).expect(201);
    }
    expect((await reviewerAgent.get('/app/reviews').expect(200)).text).toMatch(/已完成（1）[\s\S]*已评分/);
    pageHtml = (await s.manager.get(appPath).expect(200)).text;
    // (2×5+1×4)/3 = 4.67 and (2×3+1×4)/3 = 3.33: the mean is 4.00.
    expect(pageHtml).toMatch(/id="weighted-score">4\.00</);

    // Tranches that do not add up to the award come back with the typed rows and the reason.
    const mismatch = await s.manager
      .post(`${appPath}/decision`)
      .type('form')
      .send(form({ _csrf: csrfOf(pageHtml), decision: 'approved', awardAmount: '1000', trancheAmount: ['600', '300'], trancheCondition: ['on_signing', 'after_final_report'], rejectReason: '' }))
      .expect(422);
    expect(mismatch.text).toContain('各期拨款加起来要等于批准金额');
    expect(mismatch.text).toContain('value="300"');
    expect((await apiApplication(s, id)).status).toBe('under_review');

    await s.manager
      .post(`${appPath}/decision`)
      .type('form')
      .send(form({ _csrf: csrfOf(pageHtml), decision: 'approved', awardAmount: '１,０００元', trancheAmount: ['600', '400'], trancheCondition: ['on_signing', 'after_final_report'], rejectReason: '' }))
      .expect(303);
    application = await apiApplication(s, id);
    expect(application).toMatchObject({ status: 'approved', amountAwarded: '1000.00' });
    expect(application.tranches.map((t: { amount: string; condition: string }) => [t.amount, t.condition])).toEqual([
      ['600.00', 'on_signing'],
      ['400.00', 'after_final_report'],
    ]);

    // The disbursement form suggests the first tranche.
    pageHtml = (await s.manager.get(appPath).expect(200)).text;
    expect(pageHtml).toMatch(/name="disburseAmount" type="text" inputmode="decimal" autocomplete="off" value="600.00"/);
    await s.manager
      .post(`${appPath}/disburse`)
      .type('form')
      .send(form({ _csrf: csrfOf(pageHtml), formKey: /name="formKey" value="([0-9a-f]{32})"/.exec(pageHtml)?.[1] ?? '', disburseAmount: '600.00', disburseDate: '2026/3/12', method: 'bank' }))
      .expect(303);
    application = await apiApplication(s, id);
    expect(application).toMatchObject({ status: 'active', disbursed: '600.00' });

    const entries = (await ctx.request().get(`/api/entities/${s.foundation.entity.id}/entries`).set(s.foundation.treasurer.auth).expect(200)).body.items;
    const entry = entries.find((item: { kind: string }) => item.kind === 'grant_disbursement');
    expect(entry).toMatchObject({ date: '2026-03-12', status: 'posted' });
    expect(entry.lines.map((line: { accountCode: string; debit: string | null; credit: string | null }) => [line.accountCode, line.debit, line.credit])).toEqual([
      ['5101', '600.00', null],
      ['1002', null, '600.00'],
    ]);
    expect(application.disbursements[0].entryId).toBe(entry.id);
    const stationEntries = (await ctx.request().get(`/api/entities/${s.station.entity.id}/entries`).set(s.station.treasurer.auth).expect(200)).body.items;
    expect(stationEntries.find((item: { kind: string }) => item.kind === 'grant_receipt')?.lines.find((line: { accountCode: string }) => line.accountCode === '1002').debit).toBe('600.00');

    // The second tranche waits for the final report: refused in Chinese, amount kept, nothing posted.
    const early = await s.manager
      .post(`${appPath}/disburse`)
      .type('form')
      .send(form({ _csrf: csrfOf(pageHtml), disburseAmount: '400', disburseDate: '2026-03-12', method: 'bank' }))
      .expect(409);
    expect(early.text).toContain('下一笔款要等申请方交了相应的报告才能拨付');
    expect(early.text).toContain('value="400"');
    expect((await apiApplication(s, id)).disbursed).toBe('600.00');

    // The applicant sees the award and the money, never a reviewer's name or a score.
    const mine = (await applicantAgent.get(`/app/applications/${id}`).expect(200)).text;
    expect(mine).toContain('执行中');
    expect(mine).toContain('¥1,000.00');
    expect(mine).toContain('签约后拨付');
    for (const secret of ['评审王老师', '评审李老师', '4.00', '加权', '值得支持', '社区影响']) expect(mine).not.toContain(secret);

    // The applicant files the final report by budget line; the total is their sum.
    const reportForm = (await applicantAgent.get(`/app/applications/${id}/report?kind=final`).expect(200)).text;
    const unequal = await applicantAgent
      .post(`/app/applications/${id}/report`)
      .type('form')
      .send(form({ _csrf: csrfOf(reportForm), kind: 'final', narrative: '花园建成', lineSpent: ['500', '100'], spent: '650' }));
    expect(unequal.text).toContain('各预算明细的支出加起来是 ¥600.00，总支出填的是 ¥650.00，两者要相等，请核对。');
    await applicantAgent
      .post(`/app/applications/${id}/report`)
      .type('form')
      .send(form({ _csrf: csrfOf(reportForm), kind: 'final', narrative: '花园建成，30户居民参与', lineSpent: ['５００', '100元'], spent: '' }))
      .expect(303);
    application = await apiApplication(s, id);
    expect(application.status).toBe('reporting');
    expect(application.reports[0]).toMatchObject({ kind: 'final', spent: '600.00' });

    // Now the second tranche is released; paying it leaves the grantee holding more than was spent.
    pageHtml = (await s.manager.get(appPath).expect(200)).text;
    await s.manager.post(`${appPath}/disburse`).type('form').send(form({ _csrf: csrfOf(pageHtml), disburseAmount: '400.00', disburseDate: '2026-03-20', method: 'bank' })).expect(303);
    const unsettled = (await s.manager.get(appPath).expect(200)).text;
    expect(unsettled).toContain('账还没有对上：申请方手上的 ¥1,000.00 和结项报告支出 ¥600.00 不一样');
    // A refund dated where the station's books are closed says so at the date, not "fill in a date".
    await ctx.request().post(`/api/entities/${s.station.entity.id}/periods/2026-03/close`).set(s.station.treasurer.auth).expect(200);
    const frozen = await s.manager.post(`${appPath}/refund`).type('form').send(form({ _csrf: csrfOf(pageHtml), refundAmount: '¥400', refundDate: '2026-03-25' })).expect(409);
    expect(frozen.text).toContain('受资助的南岸公益站的账本2026年3月已结账');
    expect(frozen.text).not.toContain('请填写退款日期');
    await s.manager.post(`${appPath}/refund`).type('form').send(form({ _csrf: csrfOf(pageHtml), refundAmount: '¥400', refundDate: '2026-04-02' })).expect(303);
    await s.manager.post(`${appPath}/close`).type('form').send(form({ _csrf: csrfOf(pageHtml), note: '' })).expect(303);
    application = await apiApplication(s, id);
    expect(application).toMatchObject({ status: 'closed', disbursed: '1000.00', refunded: '400.00' });
    // The applicant's page counts the refund too (it said 已收到 ¥1,000 and nothing more).
    const theirs = (await applicantAgent.get(`/app/applications/${id}`).expect(200)).text;
    expect(theirs).toContain('<dt>已收到</dt><dd>¥1,000.00</dd></div>');
    expect(theirs).toContain('<div><dt>已退回</dt><dd>¥400.00</dd></div><div><dt>实际留用</dt><dd>¥600.00</dd></div>');

    // Residents see where the money went.
    const publicRound = (await ctx.request().get(`/e/${s.foundation.entity.code}/rounds/${roundId}`).expect(200)).text;
    // Closed, the grant keeps what it used (¥1,000 − ¥400 returned); the rest is the round's again.
    expect(publicRound).toMatch(/<dt>已安排资助<\/dt><dd id="round-committed">¥600.00</);
    expect(publicRound).toMatch(/id="round-disbursed">¥1,000.00</);
    expect(publicRound).toMatch(/id="round-refunded">¥400.00</);
    expect(publicRound).toMatch(/id="round-net">¥600.00</);
    expect(publicRound).toContain('楼栋互助花园');
    const foundationPage = (await ctx.request().get(`/e/${s.foundation.entity.code}`).expect(200)).text;
    expect(foundationPage).toContain(`href="/e/${s.foundation.entity.code}/rounds"`);
    const publicList = (await ctx.request().get(`/e/${s.foundation.entity.code}/rounds`).expect(200)).text;
    expect(publicList).toContain('2026年社区公益创投');
    expect(publicList).toContain('申报时间');
  });

  it('withdraws a reviewer who has not reviewed from the manager page; a reviewer who recused keeps no button', async () => {
    const s = await setup();
    const roundId = await createRound(s);
    const { id } = await draftAndSubmit(s, roundId);
    const gm = s.foundation.grantManager;
    const [wang, li] = s.reviewers;
    await ctx.request().post(`/api/applications/${id}/reviewers`).set(gm.auth).send({ userIds: [wang.id, li.id] }).expect(200);
    await ctx.request().post(`/api/applications/${id}/reviews`).set(wang.auth).send({ conflictOfInterest: true, comment: '亲属' }).expect(201);
    const appPath = `${s.base}/applications/${id}`;
    const pageHtml = (await s.manager.get(appPath).expect(200)).text;
    expect(pageHtml).toContain(`action="${appPath}/reviewers/${li.id}/remove"`);
    expect(pageHtml).not.toContain(`action="${appPath}/reviewers/${wang.id}/remove"`);

    // Without the form's token nothing changes.
    await s.manager.post(`${appPath}/reviewers/${li.id}/remove`).type('form').send(form({})).expect(403);
    expect((await apiApplication(s, id)).reviewers).toHaveLength(2);

    const removed = await s.manager.post(`${appPath}/reviewers/${li.id}/remove`).type('form').send(form({ _csrf: csrfOf(pageHtml) })).expect(303);
    expect(removed.headers.location).toBe(`${appPath}?ok=reviewer_removed`);
    expect((await s.manager.get(removed.headers.location).expect(200)).text).toContain('已撤销这位评审的指派。');
    expect((await apiApplication(s, id)).reviewers.map((reviewer: { userId: string }) => reviewer.userId)).toEqual([wang.id]);

    // The recusal cannot be withdrawn, even by a hand-made request: the page says why in Chinese.
    const refused = await s.manager.post(`${appPath}/reviewers/${wang.id}/remove`).type('form').send(form({ _csrf: csrfOf(pageHtml) }));
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('这位评审已经提交了评审（或声明了回避）');

    // Nor can the recused reviewer score by a hand-made request: a 409 that says why, not a 404.
    const reviewer = ctx.request();
    await webLogin(reviewer, wang);
    const own = (await reviewer.get(`/app/review/${id}`).expect(200)).text;
    const scored = await reviewer.post(`/app/review/${id}/scores`).type('form').send(form({ _csrf: csrfOf(own), score_impact: '5', score_c2: '5' }));
    expect(scored.status).toBe(409);
    expect(scored.text).toContain('您已经提交过评审（或已声明回避），不能再评分。');
  });

  it('scores a round whose criterion keys have capitals and dashes on the review page, halves included', async () => {
    const s = await setup();
    const roundId = await createRound(s, { rubricKey: ['Impact', 'budget-fit', ''] });
    expect((await ctx.request().get(`/api/public/rounds/${roundId}`).expect(200)).body.rubric.map((criterion: { key: string }) => criterion.key)).toEqual(['Impact', 'budget-fit']);
    const { id } = await draftAndSubmit(s, roundId);
    const [wang] = s.reviewers;
    await ctx.request().post(`/api/applications/${id}/reviewers`).set(s.foundation.grantManager.auth).send({ userIds: [wang.id] }).expect(200);
    const reviewer = ctx.request();
    await webLogin(reviewer, wang);
    const scoresPage = (await reviewer.get(`/app/review/${id}?step=scores`).expect(200)).text;
    expect(scoresPage).toContain('name="score_Impact"');
    expect(scoresPage).toContain('name="score_budget-fit"');
    await reviewer
      .post(`/app/review/${id}/scores`)
      .type('form')
      .send(form({ _csrf: csrfOf(scoresPage), score_Impact: '4', 'score_budget-fit': '3.5', comment: '' }))
      .expect(303);
    const [review] = (await apiApplication(s, id)).reviews;
    // (2×4 + 1×3.5)/3 = 3.83
    expect(review).toMatchObject({ scores: { Impact: 4, 'budget-fit': 3.5 }, score: '3.83' });
  });

  it('refuses a grants form without the CSRF token and creates nothing', async () => {
    const s = await setup();
    const response = await s.manager
      .post(`${s.base}/rounds/new`)
      .type('form')
      .send(form({ title: '没有令牌的轮次', description: '—', budget: '100', opensOn: '2026-03-01', closesOn: '2026-03-31', rubricLabel: '影响', rubricWeight: '1', rubricKey: '', minReviews: '1' }))
      .expect(403);
    expect(response.text).toContain('请刷新页面');
    const rounds = (await ctx.request().get(`/api/public/rounds?entityId=${s.foundation.entity.id}`).expect(200)).body.items;
    expect(rounds.map((round: { title: string }) => round.title)).not.toContain('没有令牌的轮次');
  });

  it('keeps what was typed in the round form and says in Chinese what to fix', async () => {
    const s = await setup();
    const token = await formToken(s.manager, `${s.base}/rounds/new`);
    const response = await s.manager
      .post(`${s.base}/rounds/new`)
      .type('form')
      .send(form({ _csrf: token, title: '秋季创投', description: '说明', budget: '一万', opensOn: '2026-03-31', closesOn: '2026-03-01', rubricLabel: ['影响'], rubricWeight: ['很重要'], rubricKey: [''], minReviews: '1' }))
      .expect(400);
    expect(response.text).toContain('请填写大于零的预算金额');
    expect(response.text).toContain('请选择申报截止日期，要晚于开始日期');
    expect(response.text).toContain('权重请填大于零的数字');
    expect(response.text).toContain('value="一万"');
    expect(response.text).toContain('value="很重要"');
    expect(response.text).toContain('value="秋季创投"');
  });

  /** The applicant posts the form of a book-corner draft (budget lines 300 + 500) with "submit". */
  async function applyAndSubmit(s: Setup, roundId: string, requestedAmount: string) {
    const agent = ctx.request();
    await webLogin(agent, s.applicant);
    const token = await formToken(agent, `/app/rounds/${roundId}/apply`);
    const response = await agent
      .post(`/app/rounds/${roundId}/apply`)
      .type('form')
      .send(form({ _csrf: token, title: '社区书屋', organization: '读书会', contact: '钱伟', summary: '楼道里的小书屋', requestedAmount, budgetItem: ['书架', '图书'], budgetAmount: ['300', '500'], stationEntityId: '', then: 'submit' }));
    return { agent, response };
  }

  it('says a bad budget amount at its row only, not "fill in at least one row"', async () => {
    const s = await setup();
    const roundId = await createRound(s);
    const agent = ctx.request();
    await webLogin(agent, s.applicant);
    const response = await agent
      .post(`/app/rounds/${roundId}/apply`)
      .type('form')
      .send(form({ _csrf: await formToken(agent, `/app/rounds/${roundId}/apply`), title: '社区书屋', organization: '读书会', contact: '钱伟', summary: '小书屋', requestedAmount: '800', budgetItem: ['书架', '图书'], budgetAmount: ['300', '4000.005'], stationEntityId: '' }));
    expect(response.status).toBe(400);
    expect(response.text).toContain('id="f-budgetLines_1_amount-error">请填写大于零的金额');
    expect(response.text).not.toContain('请至少填一行预算明细');
  });

  it('application form: a refused submit with no budget line filled in still offers a row to type into, and keeps every row that was typed', async () => {
    const s = await setup();
    const roundId = await createRound(s);
    const agent = ctx.request();
    await webLogin(agent, s.applicant);
    const action = `/app/rounds/${roundId}/apply`;
    const blank = await agent
      .post(action)
      .type('form')
      .send(form({ _csrf: await formToken(agent, action), title: '社区书屋', budgetItem: ['', ''], budgetAmount: ['', ''], then: 'submit' }))
      .expect(400);
    expect(blank.text).toContain('<p class="field-error" id="f-budgetLines-error">请至少填一行预算明细');
    const blankForm = formOf(blank.text, action);
    expect(blankForm).toContain('id="f-budgetLines_0_item" name="budgetItem" value=""');
    expect(blankForm).toContain('id="f-budgetLines_0_amount" name="budgetAmount" value=""');
    expect(blank.text).toContain('value="社区书屋"');

    // Half-filled rows are what was typed: each comes back where it was, marked where it is short.
    const partial = await agent
      .post(action)
      .type('form')
      .send(form({ _csrf: await formToken(agent, action), title: '社区书屋', budgetItem: ['书架', '', ''], budgetAmount: ['', '500', ''], then: 'submit' }))
      .expect(400);
    const partialForm = formOf(partial.text, action);
    expect(partialForm).toContain('id="f-budgetLines_0_item" name="budgetItem" value="书架"');
    expect(partialForm).toContain('id="f-budgetLines_1_amount" name="budgetAmount" value="500"');
    expect(partialForm).toContain('id="f-budgetLines_0_amount-error"');
    expect(partialForm).toContain('id="f-budgetLines_1_item-error"');
    expect(partialForm).not.toContain('f-budgetLines_2_item');
    expect((await ctx.request().get('/api/applications').set(s.applicant.auth).expect(200)).body.items).toEqual([]);
  });

  it("writes the history's times as the rest of the site writes days (2026年3月10日 10:00), on the applicant's and the manager's page", async () => {
    const s = await setup();
    const { agent, id } = await draftAndSubmit(s, await createRound(s));
    const mine = (await agent.get(`/app/applications/${id}`).expect(200)).text;
    const managers = (await s.manager.get(`${s.base}/applications/${id}`).expect(200)).text;
    for (const html of [mine, managers]) {
      const history = html.slice(html.indexOf('<ol class="timeline">'), html.indexOf('</ol>', html.indexOf('<ol class="timeline">')));
      expect(history).toContain('<span class="muted small nowrap">2026年3月10日 10:00</span> <strong>已提交</strong>');
      expect(history).not.toMatch(/\d{4}\/\d{1,2}\/\d{1,2}/);
    }
  });

  it("shows the applicant the station that will receive the money, on the draft before submitting, and says so when none was chosen", async () => {
    const s = await setup();
    const roundId = await createRound(s);
    const agent = ctx.request();
    await webLogin(agent, s.applicant);
    const action = `/app/rounds/${roundId}/apply`;
    const saved = await agent
      .post(action)
      .type('form')
      .send(form({ _csrf: await formToken(agent, action), title: '楼栋互助花园', organization: '邻里互助会', contact: '赵丽', summary: '共建花园', requestedAmount: '1000', budgetItem: ['苗木'], budgetAmount: ['1000'], stationEntityId: s.station.entity.id, then: 'save' }))
      .expect(303);
    const draft = (await agent.get(saved.headers.location).expect(200)).text;
    expect(draft).toContain('草稿');
    expect(draft).toContain('<p id="grant-station">收款的公益站：<strong>南岸公益站</strong>。资助款拨付后，会同时记入它的账本。</p>');

    const { response } = await applyAndSubmit(s, roundId, '800');
    const none = (await agent.get(response.headers.location.replace(/\?.*$/, '')).expect(200)).text;
    expect(none).toContain('资助款直接拨给申请单位，不经过本系统里的公益站。');
    expect(none).not.toContain('南岸公益站');
  });

  it('submits a draft whose budget lines do not add up to the request, and tells the grant manager', async () => {
    const s = await setup();
    const { response } = await applyAndSubmit(s, await createRound(s), '900');
    expect(response.status).toBe(303);
    const id = /^\/app\/applications\/([0-9a-f-]{36})\?ok=submitted$/.exec(response.headers.location)?.[1] as string;
    expect(await apiApplication(s, id)).toMatchObject({ status: 'submitted', requestedAmount: '900.00', budgetLinesTotal: '800.00' });
    const managerPage = (await s.manager.get(`${s.base}/applications/${id}`).expect(200)).text;
    expect(managerPage).toContain('预算明细合计 ¥800.00，与申请金额 ¥900.00 不一致');
  });

  it('shows the applicant why a submit was refused and keeps the draft as typed', async () => {
    const s = await setup();
    const { agent, response } = await applyAndSubmit(s, await createRound(s, { opensOn: '2026-04-01', closesOn: '2026-04-30' }), '800');
    expect(response.status).toBe(409);
    expect(response.text).toContain('草稿已保存，但还没有提交');
    expect(response.text).toContain('这一轮不在申报时间内');
    expect(response.text).toContain('value="书架"');
    const mine = (await ctx.request().get('/api/applications').set(s.applicant.auth).expect(200)).body.items;
    const draftId = mine.find((item: { title: string }) => item.title === '社区书屋')?.id;
    expect((await apiApplication(s, draftId)).status).toBe('draft');
    const draftPage = (await agent.get(`/app/applications/${draftId}`).expect(200)).text;
    expect(draftPage).toContain('这一轮未开始，只能在申报时间（2026年4月1日至2026年4月30日）内提交');
  });

  /**
   * An active grant of 1000.00 (400.00 on signing, labelled 签约, then 600.00 after the final
   * report) with the first tranche paid, and the manager's application page.
   */
  async function activeGrant(
    s: Setup,
    tranches: { amount: string; condition: string; label?: string }[] = [{ amount: '400.00', condition: 'on_signing', label: '签约' }, { amount: '600.00', condition: 'after_final_report' }],
    options: { roundId?: string } = {},
  ) {
    const roundId = options.roundId ?? (await createRound(s));
    const { agent: applicantAgent, id } = await draftAndSubmit(s, roundId);
    const gm = s.foundation.grantManager;
    await ctx.request().post(`/api/applications/${id}/reviewers`).set(gm.auth).send({ userIds: s.reviewers.map((reviewer) => reviewer.id) }).expect(200);
    for (const reviewer of s.reviewers) {
      await ctx.request().post(`/api/applications/${id}/reviews`).set(reviewer.auth).send({ conflictOfInterest: false, scores: { impact: 4, c2: 4 } }).expect(201);
    }
    await ctx
      .request()
      .post(`/api/applications/${id}/decision`)
      .set(gm.auth)
      .send({ decision: 'approved', amount: '1000.00', tranches })
      .expect(200);
    await ctx.request().post(`/api/applications/${id}/disbursements`).set(gm.auth).send({ amount: '400.00', date: '2026-03-10', method: 'bank' }).expect(201);
    const appPath = `${s.base}/applications/${id}`;
    const pageHtml = (await s.manager.get(appPath).expect(200)).text;
    return { id, roundId, appPath, pageHtml, applicantAgent };
  }

  const tranchesOf = (application: { tranches: { amount: string; condition: string; label: string | null }[] }) => application.tranches.map((t) => [t.amount, t.condition, t.label]);

  it('shows the station treasurer why a grant receipt cannot be reversed, with no 冲销 link or form', async () => {
    const s = await setup();
    await activeGrant(s);
    const agent = ctx.request();
    await webLogin(agent, s.station.treasurer);
    const stationBase = `/app/e/${s.station.entity.code}`;
    const entries = await ctx.request().get(`/api/entities/${s.station.entity.id}/entries`).set(s.station.treasurer.auth).expect(200);
    const receipt = entries.body.items.find((entry: { kind: string }) => entry.kind === 'grant_receipt');
    const list = (await agent.get(`${stationBase}/entries?month=2026-03`).expect(200)).text;
    expect(list).not.toContain(`/entries/${receipt.id}/reverse`);
    expect(list).toContain('资助款的账由基金会和公益站同时记');
    const page = (await agent.get(`${stationBase}/entries/${receipt.id}/reverse`).expect(200)).text;
    expect(page).toContain('这是资助款的账，由基金会和公益站同时记，不能在一边冲销');
    expect(page).not.toContain('确认冲销');
  });

  it('amends an active grant through the form: the unpaid tranche is re-split, the award and the paid tranche stay', async () => {
    const s = await setup();
    const { id, appPath, pageHtml, applicantAgent } = await activeGrant(s);
    // The paid tranche is shown, not editable; the unpaid one is pre-filled.
    expect(pageHtml).toContain('id="form-amend"');
    expect(pageHtml).toMatch(/id="f-tranches_0"[\s\S]*已拨付，不能修改/);
    expect(pageHtml).not.toContain('id="f-tranches_0_amount"');
    expect(pageHtml).toMatch(/id="f-tranches_1_amount" name="trancheAmount" value="600.00"/);

    // "＋ 再加一期" comes back with what was typed and one more row.
    const typed = { _csrf: csrfOf(pageHtml), trancheAmount: ['400.00', '300'], trancheCondition: ['on_signing', 'after_progress_report'], trancheLabel: ['签约', '中期'], endsOn: '2026/12/31', amendNote: '增加中期拨付' };
    const added = await s.manager.post(`${appPath}/amend`).type('form').send(form({ ...typed, addRow: '1' })).expect(200);
    expect(added.text).toMatch(/id="f-tranches_1_amount" name="trancheAmount" value="300"/);
    expect(added.text).toContain('id="f-tranches_2_amount"');
    expect(added.text).toContain('>增加中期拨付</textarea>');
    expect(added.text).toContain('value="2026/12/31"');

    await s.manager
      .post(`${appPath}/amend`)
      .type('form')
      .send(form({ ...typed, trancheAmount: ['400.00', '300', '３００元'], trancheCondition: ['on_signing', 'after_progress_report', 'after_final_report'], trancheLabel: ['签约', '中期', ''] }))
      .expect(303)
      .expect('Location', `${appPath}?ok=amended`);

    const application = await grants.getApplication(ctx.db, s.foundation.grantManager.actor, id);
    expect(application).toMatchObject({ status: 'active', amountAwarded: '1000.00', disbursed: '400.00' });
    expect(tranchesOf(application)).toEqual([
      ['400.00', 'on_signing', '签约'],
      ['300.00', 'after_progress_report', '中期'],
      ['300.00', 'after_final_report', null],
    ]);
    expect(application.amendments).toHaveLength(1);
    expect(application.amendments[0]).toMatchObject({ note: '增加中期拨付', endsOn: '2026-12-31', previousEndsOn: null });
    const projects = (await ledger.listProjects(ctx.db, s.foundation.grantManager.actor, s.foundation.entity.id)).items;
    expect(projects.find((project) => project.id === application.projectId)?.endsOn).toBe('2026-12-31');

    // Both pages list the amendment with before and after; the applicant sees "基金会", not the manager.
    const managerPage = (await s.manager.get(`${appPath}?ok=amended`).expect(200)).text;
    expect(managerPage).toContain('修改已保存');
    expect(managerPage).toMatch(/id="amendments"[\s\S]*增加中期拨付[\s\S]*原分期[\s\S]*第 2 期 ¥600.00 结项报告后拨付[\s\S]*改为[\s\S]*第 2 期 ¥300.00 中期报告后拨付（中期）[\s\S]*2026年12月31日/);
    expect(managerPage).toContain(application.amendments[0].byName);
    expect(managerPage).toContain('目前：2026年12月31日');
    const mine = (await applicantAgent.get(`/app/applications/${id}`).expect(200)).text;
    expect(mine).toMatch(/id="amendments"[\s\S]*增加中期拨付[\s\S]*基金会[\s\S]*第 3 期 ¥300.00 结项报告后拨付/);
    expect(mine).toMatch(/协议变更<\/strong> · 基金会<br><span class="small">增加中期拨付/);
    expect(mine).not.toContain(application.amendments[0].byName);
    expect(mine).not.toContain('amendment:');
  });

  it('refuses a changed paid tranche or a total off the award in Chinese, keeps what was typed and changes nothing', async () => {
    const s = await setup();
    const { id, appPath, pageHtml } = await activeGrant(s);
    const before = await grants.getApplication(ctx.db, s.foundation.grantManager.actor, id);

    // A stale or tampered form that changes the paid first tranche.
    const paidChanged = await s.manager
      .post(`${appPath}/amend`)
      .type('form')
      .send(form({ _csrf: csrfOf(pageHtml), trancheAmount: ['500', '500'], trancheCondition: ['on_signing', 'after_final_report'], trancheLabel: ['签约', ''], endsOn: '', amendNote: '改为各半' }))
      .expect(409);
    expect(paidChanged.text).toContain('已拨付的一期不能修改');
    expect(paidChanged.text).toContain('第 1 期已拨付，不能修改');
    expect(paidChanged.text).toContain('>改为各半</textarea>');
    expect(paidChanged.text).toMatch(/id="f-tranches_1_amount" name="trancheAmount" value="500"/);
    // The paid row is put back as it is, so the next try does not carry the change again.
    expect(paidChanged.text).toContain('<input type="hidden" name="trancheAmount" value="400.00">');
    expect(paidChanged.text).toMatch(/<details class="card" id="amend" open>/);

    const mismatch = await s.manager
      .post(`${appPath}/amend`)
      .type('form')
      .send(form({ _csrf: csrfOf(pageHtml), trancheAmount: ['400.00', '５００'], trancheCondition: ['on_signing', 'after_final_report'], trancheLabel: ['签约', ''], endsOn: '', amendNote: '少拨一百' }))
      .expect(422);
    expect(mismatch.text).toContain('各期金额之和必须等于批准金额 ¥1,000.00');
    expect(mismatch.text).toContain('现在各期合计 ¥900.00，批准金额 ¥1,000.00，还差 ¥100.00。');
    expect(mismatch.text).toContain('value="５００"');

    const noNote = await s.manager
      .post(`${appPath}/amend`)
      .type('form')
      .send(form({ _csrf: csrfOf(pageHtml), trancheAmount: ['400.00', '600.00'], trancheCondition: ['on_signing', 'after_final_report'], trancheLabel: ['签约', ''], endsOn: '2026-12-31', amendNote: '' }))
      .expect(400);
    expect(noNote.text).toContain('请写明修改说明');
    expect(noNote.text).toContain('value="2026-12-31"');

    const after = await grants.getApplication(ctx.db, s.foundation.grantManager.actor, id);
    expect(tranchesOf(after)).toEqual(tranchesOf(before));
    expect(after.amendments).toEqual([]);
  });

  it("shows a tranche condition in the decision's own words on both pages, and the amendment form keeps it", async () => {
    const s = await setup();
    const { id, appPath, pageHtml, applicantAgent } = await activeGrant(s, [
      { amount: '400.00', condition: 'on_signing', label: '签约' },
      { amount: '600.00', condition: '居民议事会同意后' },
    ]);
    expect(pageHtml).toContain('<td>居民议事会同意后（仅作记录，不限制拨付）</td>');
    expect(pageHtml).toMatch(/id="f-tranches_1_condition" name="trancheCondition">\s*<option value="居民议事会同意后" selected>/);
    expect((await applicantAgent.get(`/app/applications/${id}`).expect(200)).text).toContain('<td>居民议事会同意后（仅作记录，不限制拨付）</td>');

    // Re-splitting the unpaid rest keeps each row's wording as the form sent it back.
    await s.manager
      .post(`${appPath}/amend`)
      .type('form')
      .send(form({ _csrf: csrfOf(pageHtml), trancheAmount: ['400.00', '300.00', '300.00'], trancheCondition: ['on_signing', '居民议事会同意后', 'after_final_report'], trancheLabel: ['签约', '', ''], endsOn: '', amendNote: '尾款拆分' }))
      .expect(303);
    const application = await grants.getApplication(ctx.db, s.foundation.grantManager.actor, id);
    expect(tranchesOf(application)).toEqual([
      ['400.00', 'on_signing', '签约'],
      ['300.00', '居民议事会同意后', null],
      ['300.00', 'after_final_report', null],
    ]);
    const after = (await s.manager.get(appPath).expect(200)).text;
    expect(after).toMatch(/原分期[\s\S]*第 2 期 ¥600.00 居民议事会同意后（仅作记录，不限制拨付）/);
  });

  it('closes an unsettled grant from the form and shows the difference in the history', async () => {
    const s = await setup();
    const { id, appPath } = await activeGrant(s);
    await ctx.request().post(`/api/applications/${id}/reports`).set(s.applicant.auth).send({ kind: 'final', narrative: '完成', spent: '350.00' }).expect(201);
    const pageHtml = (await s.manager.get(appPath).expect(200)).text;
    expect(pageHtml).toContain('也可以直接结项，差额会记在结项记录里');
    await s.manager.post(`${appPath}/close`).type('form').send(form({ _csrf: csrfOf(pageHtml), note: '' })).expect(303).expect('Location', `${appPath}?ok=grant_closed`);
    expect((await apiApplication(s, id)).status).toBe('closed');
    const closedPage = (await s.manager.get(appPath).expect(200)).text;
    expect(closedPage).toMatch(/已结项<\/strong> · [^<]+<br><span class="small">结项时未结清：拨付净额 400.00 元，决算支出 350.00 元，相差 50.00 元。/);
  });

  it('refuses an amendment without the CSRF token and records nothing', async () => {
    const s = await setup();
    const { id, appPath } = await activeGrant(s);
    const response = await s.manager
      .post(`${appPath}/amend`)
      .type('form')
      .send(form({ trancheAmount: ['400.00', '600.00'], trancheCondition: ['on_signing', 'after_progress_report'], trancheLabel: ['签约', ''], endsOn: '', amendNote: '没有令牌' }))
      .expect(403);
    expect(response.text).toContain('请刷新页面');
    const application = await grants.getApplication(ctx.db, s.foundation.grantManager.actor, id);
    expect(application.amendments).toEqual([]);
    expect(application.tranches[1].condition).toBe('after_final_report');
  });

  /** The form that posts to `action` on a page, from its opening tag to its end. */
  function formOf(html: string, action: string): string {
    const start = html.indexOf(`action="${action}"`);
    expect(start).toBeGreaterThan(-1);
    return html.slice(start, html.indexOf('</form>', start));
  }

  /** Enter in a field sends the form's first submit button: it must save, never add a row. */
  function expectEnterSaves(formHtml: string, saveAs: string) {
    const first = /<button type="submit"[^>]*>/.exec(formHtml)?.[0] ?? '';
    expect(first).toContain('class="default-submit"');
    expect(first).toBe(`<button type="submit"${saveAs} class="default-submit" tabindex="-1" aria-hidden="true">`);
  }

  it('round form: Enter saves, a row added and left blank is ignored, 删除 takes a row out, and no English keys are pre-filled', async () => {
    const s = await setup();
    const page = (await s.manager.get(`${s.base}/rounds/new`).expect(200)).text;
    expectEnterSaves(formOf(page, `${s.base}/rounds/new`), '');
    expect(page).toContain('name="removeRow" value="2"');
    expect(page).not.toMatch(/value="(impact|feasibility|budget_fit)"/);

    const removed = await s.manager
      .post(`${s.base}/rounds/new`)
      .type('form')
      .send(form({ _csrf: csrfOf(page), title: '秋季创投', rubricLabel: ['社区影响', '可行性', '预算合理'], rubricWeight: ['2', '1', '1'], rubricKey: ['', '', ''], removeRow: '1' }))
      .expect(200);
    expect(removed.text).toContain('value="社区影响"');
    expect(removed.text).toContain('value="预算合理"');
    expect(removed.text).not.toContain('value="可行性"');
    expect(removed.text).toContain('value="秋季创投"');

    const roundId = await createRound(s, { rubricLabel: ['社区影响', '可行性', ''], rubricWeight: ['2', '1', '1'], rubricKey: ['', '', ''] });
    const rubric = (await ctx.request().get(`/api/public/rounds/${roundId}`).expect(200)).body.rubric;
    expect(rubric).toEqual([
      { key: 'c1', label: '社区影响', weight: 2 },
      { key: 'c2', label: '可行性', weight: 1 },
    ]);
  });

  it('application form: Enter saves a draft, 删除 takes a budget line out without saving, and the help does not say the budget must equal the request', async () => {
    const s = await setup();
    const roundId = await createRound(s);
    const agent = ctx.request();
    await webLogin(agent, s.applicant);
    const page = (await agent.get(`/app/rounds/${roundId}/apply`).expect(200)).text;
    expectEnterSaves(formOf(page, `/app/rounds/${roundId}/apply`), ' name="then" value="save"');
    expect(page).not.toContain('要等于下面预算明细的合计');
    expect(page).toContain('基金会工作人员会看到合计');
    const removed = await agent
      .post(`/app/rounds/${roundId}/apply`)
      .type('form')
      .send(form({ _csrf: csrfOf(page), title: '社区书屋', budgetItem: ['书架', '图书', ''], budgetAmount: ['300', '500', ''], removeRow: '0' }))
      .expect(200);
    expect(removed.text).toContain('id="f-budgetLines_0_item" name="budgetItem" value="图书"');
    expect(removed.text).not.toContain('value="书架"');
    expect((await ctx.request().get('/api/applications').set(s.applicant.auth).expect(200)).body.items).toEqual([]);
  });

  /** A submitted application with both reviewers assigned and no review yet, the manager's page of it and its decision form's address. */
  async function underReview(s: Setup) {
    const { id } = await draftAndSubmit(s, await createRound(s));
    await ctx.request().post(`/api/applications/${id}/reviewers`).set(s.foundation.grantManager.auth).send({ userIds: s.reviewers.map((reviewer) => reviewer.id) }).expect(200);
    const page = (await s.manager.get(`${s.base}/applications/${id}`).expect(200)).text;
    return { id, action: `${s.base}/applications/${id}/decision`, page };
  }

  it('decision form: Enter saves the decision, and 删除 takes a tranche out', async () => {
    const s = await setup();
    const { id, action, page } = await underReview(s);
    expectEnterSaves(formOf(page, action), '');
    const removed = await s.manager
      .post(action)
      .type('form')
      .send(form({ _csrf: csrfOf(page), decision: 'approved', awardAmount: '1000', trancheAmount: ['600', '400'], trancheCondition: ['on_signing', 'after_final_report'], removeRow: '0' }))
      .expect(200);
    expect(formOf(removed.text, action)).toContain('id="f-tranches_0_amount" name="trancheAmount" value="400"');
    expect(formOf(removed.text, action)).not.toContain('f-tranches_1_amount');
    expect((await apiApplication(s, id)).decision).toBeNull();
  });

  it('review page: shows the budget lines and the request, and marks a criterion left unscored by its name', async () => {
    const s = await setup();
    const { id } = await draftAndSubmit(s, await createRound(s));
    const [wang] = s.reviewers;
    await ctx.request().post(`/api/applications/${id}/reviewers`).set(s.foundation.grantManager.auth).send({ userIds: [wang.id] }).expect(200);
    const reviewer = ctx.request();
    await webLogin(reviewer, wang);
    const first = (await reviewer.get(`/app/review/${id}`).expect(200)).text;
    expect(first).toMatch(/<th scope="row">苗木<\/th><td class="num">¥600.00<\/td>/);
    expect(first).toMatch(/<th scope="row">工具<\/th><td class="num">¥400.00<\/td>/);
    expect(first).toContain('申请金额 <strong>¥1,000.00</strong>');

    const scoresPage = (await reviewer.get(`/app/review/${id}?step=scores`).expect(200)).text;
    const response = await reviewer.post(`/app/review/${id}/scores`).type('form').send(form({ _csrf: csrfOf(scoresPage), score_impact: '4' })).expect(400);
    expect(response.text).toContain('<p class="field-error" id="f-score_c2-error">请给“可行性”打分（0 到 5 分）。</p>');
    expect(response.text).not.toContain('预算金额');
    expect(response.text).toMatch(/value="4" checked/);
    expect((await apiApplication(s, id)).reviews).toEqual([]);
  });

  it('decision form: says how many reviews count when recusals leave too few, and how far the tranches are from the award', async () => {
    const s = await setup();
    const roundId = await createRound(s);
    const { id } = await draftAndSubmit(s, roundId);
    const [wang, li] = s.reviewers;
    await ctx.request().post(`/api/applications/${id}/reviewers`).set(s.foundation.grantManager.auth).send({ userIds: [wang.id, li.id] }).expect(200);
    await ctx.request().post(`/api/applications/${id}/reviews`).set(wang.auth).send({ conflictOfInterest: true }).expect(201);
    await ctx.request().post(`/api/applications/${id}/reviews`).set(li.auth).send({ conflictOfInterest: false, scores: { impact: 4, c2: 4 } }).expect(201);
    const action = `${s.base}/applications/${id}/decision`;
    const page = (await s.manager.get(`${s.base}/applications/${id}`).expect(200)).text;
    const decision = { _csrf: csrfOf(page), decision: 'approved', awardAmount: '1000', trancheAmount: ['600', '300'], trancheCondition: ['on_signing', 'after_final_report'] };
    // The round's list says where each application's reviews stand.
    expect((await s.manager.get(`${s.base}/rounds/${roundId}`).expect(200)).text).toContain('评审 1/2 份 · 已指派 2 位，1 位回避');
    const short = await s.manager.post(action).type('form').send(form(decision));
    expect(short.text).toContain('有效评审 1 份（另有 1 位评审回避，不算），这一轮需要 2 份，还不能作决定。请在上面“评审”里再指派 1 位评审');

    const third = await createUser(ctx, [{ role: 'reviewer', entityId: s.foundation.entity.id }], { displayName: '评审孙敏' });
    await ctx.request().post(`/api/applications/${id}/reviewers`).set(s.foundation.grantManager.auth).send({ userIds: [third.id] }).expect(200);
    // Assigned, not yet reviewed: the manager is told to wait for that reviewer, by name.
    const waiting = await s.manager.post(action).type('form').send(form(decision));
    expect(waiting.text).toContain(`这一轮需要 2 份，还不能作决定。已指派的评审（评审孙敏）还没有评完，请等这位评审评完，或在上面“评审”里再指派评审。`);
    await ctx.request().post(`/api/applications/${id}/reviews`).set(third.auth).send({ conflictOfInterest: false, scores: { impact: 3, c2: 4 } }).expect(201);
    const mismatch = await s.manager.post(action).type('form').send(form(decision));
    expect(mismatch.text).toContain('各期拨款加起来要等于批准金额：现在各期合计 ¥900.00，批准金额 ¥1,000.00，还差 ¥100.00。');
    expect(mismatch.text).toContain('<p class="field-error" id="f-tranches-error">现在各期合计 ¥900.00');
    expect((await apiApplication(s, id)).decision).toBeNull();
  });

  it('decision form: says every mistake at once, the award above the request and tranches off the award together, and keeps what was typed', async () => {
    const s = await setup();
    const { id, action, page } = await underReview(s);
    const decide = (fields: Record<string, string | string[]>) =>
      s.manager.post(action).type('form').send(form({ _csrf: csrfOf(page), decision: 'approved', trancheCondition: ['on_signing', 'after_final_report'], rejectReason: '', ...fields }));
    const hintsOf = (html: string) => Object.fromEntries([...formOf(html, action).matchAll(/<p class="field-error" id="f-([^"]+)-error">([^<]*)<\/p>/g)].map(([, field, hint]) => [field, hint]));

    // No review yet: that is said on top, and the figures are marked below it all the same.
    const early = await decide({ awardAmount: '1200', trancheAmount: ['500', '200'] }).expect(422);
    expect(early.text).toContain('有效评审 0 份，这一轮需要 2 份，还不能作决定。');
    expect(hintsOf(early.text)).toEqual({ awardAmount: '批准金额不能超过申请金额，请改小一些。', tranches: '现在各期合计 ¥700.00，批准金额 ¥1,200.00，还差 ¥500.00。' });

    for (const reviewer of s.reviewers) {
      await ctx.request().post(`/api/applications/${id}/reviews`).set(reviewer.auth).send({ conflictOfInterest: false, scores: { impact: 4, c2: 4 } }).expect(201);
    }
    const both = await decide({ awardAmount: '1200', trancheAmount: ['500', '200'] }).expect(422);
    expect(both.text).toContain('<strong>有几处需要修改，请看下面标红的地方。</strong>');
    expect(hintsOf(both.text)).toEqual({ awardAmount: '批准金额不能超过申请金额，请改小一些。', tranches: '现在各期合计 ¥700.00，批准金额 ¥1,200.00，还差 ¥500.00。' });
    for (const typed of ['value="1200"', 'value="500"', 'value="200"']) expect(formOf(both.text, action)).toContain(typed);

    // A tranche that does not read is marked at its row, beside the award's own mistake.
    const unreadable = await decide({ awardAmount: '1200', trancheAmount: ['五百', '200'] }).expect(400);
    expect(hintsOf(unreadable.text)).toEqual({ awardAmount: '批准金额不能超过申请金额，请改小一些。', tranches_0_amount: '请填写大于零的金额。' });
    expect((await apiApplication(s, id)).decision).toBeNull();
  });

  /**
   * The tester's grant, small: 1000.00 awarded in two tranches on signing, both paid (400.00
   * on 10 March, 600.00 on the 11th), the final report filed, 100.00 refunded on the 12th and
   * the grant closed, in the round given.
   */
  async function closedGrant(s: Setup, roundId: string) {
    const { id, appPath } = await activeGrant(s, [{ amount: '400.00', condition: 'on_signing' }, { amount: '600.00', condition: 'on_signing' }], { roundId });
    const gm = s.foundation.grantManager;
    await ctx.request().post(`/api/applications/${id}/disbursements`).set(gm.auth).send({ amount: '600.00', date: '2026-03-11', method: 'bank' }).expect(201);
    await ctx.request().post(`/api/applications/${id}/reports`).set(s.applicant.auth).send({ kind: 'final', narrative: '完成', spent: '900.00' }).expect(201);
    await ctx.request().post(`/api/applications/${id}/refunds`).set(gm.auth).send({ amount: '100.00', date: '2026-03-12' }).expect(201);
    await ctx.request().post(`/api/applications/${id}/close`).set(gm.auth).send({}).expect(200);
    return { id, appPath };
  }

  const GRANT_COLUMNS = ['批准金额', '已拨付', '已退回', '拨付净额', '结项后退回本轮预算', '已安排资助'];

  /** The money cells of one row of a round's grants table, by column, as printed ('¥1,000.00' or '—'). */
  function rowOf(html: string, rowId: string): Record<string, string> {
    const start = html.indexOf(`<tr id="${rowId}"`) >= 0 ? html.indexOf(`<tr id="${rowId}"`) : html.indexOf(`<tr class="total" id="${rowId}"`);
    expect(start).toBeGreaterThan(-1);
    const row = html.slice(start, html.indexOf('</tr>', start));
    const cells: Record<string, string> = {};
    for (const [, label, value] of row.matchAll(/<td class="num" data-label="([^"]+)">([^<]*)<\/td>/g)) cells[label] = value;
    expect(Object.keys(cells)).toEqual(GRANT_COLUMNS);
    return cells;
  }

  const amountOf = (text: string) => D(text === '—' ? '0' : text.replace(/[¥,]/g, ''));

  /** Every money column of the grants table adds up to its 合计 row, and the figures on top are those totals. */
  function expectRoundAddsUp(html: string, grantIds: string[]) {
    const rows = grantIds.map((id) => rowOf(html, `grant-${id}`));
    const total = rowOf(html, 'round-grants-total');
    // The test adds up what the page prints, as a resident would.
    for (const column of GRANT_COLUMNS) expect(sumMoney(rows.map((row) => amountOf(row[column]))).toFixed(2)).toBe(amountOf(total[column]).toFixed(2));
    for (const row of rows) {
      expect(amountOf(row['已拨付']).minus(amountOf(row['已退回'])).toFixed(2)).toBe(amountOf(row['拨付净额']).toFixed(2));
      expect(amountOf(row['批准金额']).minus(amountOf(row['结项后退回本轮预算'])).toFixed(2)).toBe(amountOf(row['已安排资助']).toFixed(2));
    }
    const figure = (id: string) => new RegExp(`id="${id}">([^<]+)<`).exec(html)?.[1] ?? '';
    expect(figure('round-committed')).toBe(total['已安排资助']);
    expect(figure('round-disbursed')).toBe(total['已拨付']);
    expect(figure('round-refunded')).toBe(total['已退回']);
    expect(figure('round-net')).toBe(total['拨付净额']);
    expect(amountOf(figure('round-committed')).plus(amountOf(figure('round-remaining'))).toFixed(2)).toBe(amountOf(figure('round-budget')).toFixed(2));
    return { rows, total };
  }

  it("adds up a round's grants on the public and the staff round page: each grant's award, money paid and returned, what went back to the round, and totals equal to the figures on top", async () => {
    const s = await setup();
    const open = await activeGrant(s);
    const closed = await closedGrant(s, open.roundId);
    const round = (await ctx.request().get(`/api/public/rounds/${open.roundId}`).expect(200)).body;
    expect(round).toMatchObject({ committed: '1900.00', disbursed: '1400.00', refunded: '100.00', remaining: '48100.00' });

    const publicRound = (await ctx.request().get(`/e/${s.foundation.entity.code}/rounds/${open.roundId}`).expect(200)).text;
    const staffRound = (await s.manager.get(`${s.base}/rounds/${open.roundId}`).expect(200)).text;
    for (const html of [publicRound, staffRound]) {
      const { rows, total } = expectRoundAddsUp(html, [open.id, closed.id]);
      // Open, the grant holds its award and nothing has gone back yet.
      expect(rows[0]).toEqual({ 批准金额: '¥1,000.00', 已拨付: '¥400.00', 已退回: '¥0.00', 拨付净额: '¥400.00', 结项后退回本轮预算: '—', 已安排资助: '¥1,000.00' });
      // Closed, it keeps what it used (1000 paid − 100 back); the other 100 is the round's again.
      expect(rows[1]).toEqual({ 批准金额: '¥1,000.00', 已拨付: '¥1,000.00', 已退回: '¥100.00', 拨付净额: '¥900.00', 结项后退回本轮预算: '¥100.00', 已安排资助: '¥900.00' });
      expect(total).toEqual({ 批准金额: '¥2,000.00', 已拨付: '¥1,400.00', 已退回: '¥100.00', 拨付净额: '¥1,300.00', 结项后退回本轮预算: '¥100.00', 已安排资助: '¥1,900.00' });
      expect(html).toMatch(/<tr id="grant-[^"]+">\s*<th scope="row">[\s\S]*?已结项/);
      expect(html).not.toContain('其中已退回');
    }
    // Staff reach each grant's page from its row.
    expect(staffRound).toContain(`href="${s.base}/applications/${closed.id}">楼栋互助花园</a>`);
  });

  /** The figures of one round's tile in a list of rounds, by name, as printed. */
  function tileOf(html: string, href: string): Record<string, string> {
    const start = html.indexOf(`<a class="tile" href="${href}">`);
    expect(start).toBeGreaterThan(-1);
    const tile = html.slice(start, html.indexOf('</a>', start));
    return Object.fromEntries([...tile.matchAll(/<dt>([^<]+)<\/dt><dd>([^<]+)<\/dd>/g)].map(([, name, value]) => [name, value]));
  }

  it('lists a round with the money that came back, so its figures add up as on the round page, for residents and for the grant manager', async () => {
    const s = await setup();
    const open = await activeGrant(s);
    await closedGrant(s, open.roundId);
    const roundPage = (await ctx.request().get(`/e/${s.foundation.entity.code}/rounds/${open.roundId}`).expect(200)).text;
    const figure = (id: string) => new RegExp(`id="round-${id}">([^<]+)<`).exec(roundPage)?.[1];
    const expected = { 预算: figure('budget'), 已安排资助: figure('committed'), 剩余可批: figure('remaining'), 已拨付: figure('disbursed'), 已退回: figure('refunded'), 拨付净额: figure('net') };
    expect(expected).toEqual({ 预算: '¥50,000.00', 已安排资助: '¥1,900.00', 剩余可批: '¥48,100.00', 已拨付: '¥1,400.00', 已退回: '¥100.00', 拨付净额: '¥1,300.00' });

    const publicList = (await ctx.request().get(`/e/${s.foundation.entity.code}/rounds`).expect(200)).text;
    const managerList = (await s.manager.get(s.base).expect(200)).text;
    for (const [html, href] of [
      [publicList, `/e/${s.foundation.entity.code}/rounds/${open.roundId}`],
      [managerList, `${s.base}/rounds/${open.roundId}`],
    ]) {
      const tile = tileOf(html, href);
      expect(tile).toEqual(expected);
      expect(amountOf(tile['已拨付']).minus(amountOf(tile['已退回'])).toFixed(2)).toBe(amountOf(tile['拨付净额']).toFixed(2));
      expect(amountOf(tile['已安排资助']).plus(amountOf(tile['剩余可批'])).toFixed(2)).toBe(amountOf(tile['预算']).toFixed(2));
      // A list repeats no figure's id: those name the one round of a round page.
      expect(html).not.toContain('id="round-');
    }
    expect(publicList).toContain('拨付净额 = 已拨付 − 已退回');
  });

  it("lists each disbursement and refund on the manager's page with its voucher numbers in the foundation's books and the station's", async () => {
    const s = await setup();
    const closed = await closedGrant(s, await createRound(s));
    const application = await apiApplication(s, closed.id);
    const numberOf = async (entityId: string, entryId: string, auth: Record<string, string>) => (await ctx.request().get(`/api/entities/${entityId}/entries/${entryId}`).set(auth).expect(200)).body.number as string;
    const page = (await s.manager.get(closed.appPath).expect(200)).text;
    const listOf = (id: string) => page.slice(page.indexOf(`<ul class="list" id="${id}">`), page.indexOf('</ul>', page.indexOf(`id="${id}"`)));

    const disbursements = listOf('disbursements');
    expect(application.disbursements.map((d: { date: string; amount: string }) => [d.date, d.amount])).toEqual([
      ['2026-03-10', '400.00'],
      ['2026-03-11', '600.00'],
    ]);
    for (const [index, disbursement] of application.disbursements.entries()) {
      const voucher = await numberOf(s.foundation.entity.id, disbursement.entryId, s.foundation.treasurer.auth);
      const mirror = await numberOf(s.station.entity.id, disbursement.stationEntryId, s.station.treasurer.auth);
      const line = ['2026年3月10日 <strong>¥400.00</strong>', '2026年3月11日 <strong>¥600.00</strong>'][index];
      expect(disbursements).toContain(`${line}（银行）<br><span class="small">基金会凭证号 <strong class="nowrap">${voucher}</strong> · 南岸公益站凭证号 <strong class="nowrap">${mirror}</strong>`);
    }

    const [refund] = application.refunds;
    const voucher = await numberOf(s.foundation.entity.id, refund.entryId, s.foundation.treasurer.auth);
    const mirror = await numberOf(s.station.entity.id, refund.stationEntryId, s.station.treasurer.auth);
    expect(listOf('refunds')).toContain(`2026年3月12日 退回 <strong>¥100.00</strong><br><span class="small">基金会凭证号 <strong class="nowrap">${voucher}</strong> · 南岸公益站凭证号 <strong class="nowrap">${mirror}</strong>`);
  });

  it('says the real reason next to a refund date before the disbursement, a disbursement date in the station\'s closed month, and an award above the request', async () => {
    const s = await setup();
    const { id, appPath, pageHtml } = await activeGrant(s);
    const early = await s.manager.post(`${appPath}/refund`).type('form').send(form({ _csrf: csrfOf(pageHtml), refundAmount: '400', refundDate: '2026-03-09' })).expect(422);
    expect(early.text).toContain('退款日期不能早于拨付这笔钱的日期');
    expect(early.text).toContain('<p class="field-error" id="f-refundDate-error">退款日期早于拨付这笔钱的日期：到2026年3月9日为止，拨出去还没退回的只有 ¥0.00。请填拨付那天或以后的日期。</p>');
    expect(early.text).not.toContain('请填写退款日期');
    expect(early.text).toContain('value="2026-03-09"');

    // The second tranche is paid once the final report is in; the station's March is closed.
    await ctx.request().post(`/api/applications/${id}/reports`).set(s.applicant.auth).send({ kind: 'final', narrative: '完成', spent: '1000.00' }).expect(201);
    await ctx.request().post(`/api/entities/${s.station.entity.id}/periods/2026-03/close`).set(s.station.treasurer.auth).expect(200);
    const frozen = await s.manager.post(`${appPath}/disburse`).type('form').send(form({ _csrf: csrfOf(pageHtml), disburseAmount: '600', disburseDate: '2026-03-20', method: 'bank' })).expect(409);
    expect(frozen.text).toContain('<p class="field-error" id="f-disburseDate-error">南岸公益站的账本2026年3月已结账，请改为还没结账的月份里的日期。</p>');
    expect(frozen.text).not.toContain('请填写拨付日期');
    expect((await apiApplication(s, id)).disbursed).toBe('400.00');

    const { id: other } = await draftAndSubmit(s, await createRound(s));
    await ctx.request().post(`/api/applications/${other}/reviewers`).set(s.foundation.grantManager.auth).send({ userIds: s.reviewers.map((reviewer) => reviewer.id) }).expect(200);
    for (const reviewer of s.reviewers) {
      await ctx.request().post(`/api/applications/${other}/reviews`).set(reviewer.auth).send({ conflictOfInterest: false, scores: { impact: 4, c2: 4 } }).expect(201);
    }
    const otherPage = (await s.manager.get(`${s.base}/applications/${other}`).expect(200)).text;
    const above = await s.manager
      .post(`${s.base}/applications/${other}/decision`)
      .type('form')
      .send(form({ _csrf: csrfOf(otherPage), decision: 'approved', awardAmount: '1200', trancheAmount: ['1200'], trancheCondition: ['on_signing'], rejectReason: '' }))
      .expect(422);
    expect(above.text).toContain('<p class="field-error" id="f-awardAmount-error">批准金额不能超过申请金额，请改小一些。</p>');
    expect(above.text).not.toContain('请填写大于零的批准金额');
  });

  /** The input named `name` in a page, and the hint next to it. */
  function fieldOf(html: string, name: string) {
    const input = new RegExp(`<input id="f-${name}" name="${name}"[^>]*>`).exec(html)?.[0] ?? '';
    const hint = new RegExp(`<p class="field-error" id="f-${name}-error">([^<]*)</p>`).exec(html)?.[1] ?? null;
    return { input, hint };
  }

  it('says a refused amount at the amount field of the disbursement and refund forms: over the award, a tranche still waiting, more than the grantee holds', async () => {
    const s = await setup();
    const { id, appPath, pageHtml } = await activeGrant(s);
    const disburse = (disburseAmount: string) => s.manager.post(`${appPath}/disburse`).type('form').send(form({ _csrf: csrfOf(pageHtml), disburseAmount, disburseDate: '2026-03-10', method: 'bank' }));

    const over = await disburse('700').expect(409);
    expect(fieldOf(over.text, 'disburseAmount')).toEqual({ input: expect.stringContaining('aria-invalid="true" aria-describedby="f-disburseAmount-error"'), hint: '超过了批准金额：还可拨付 ¥600.00。' });
    expect(over.text).toContain('value="700"');

    const waiting = await disburse('600').expect(409);
    expect(fieldOf(waiting.text, 'disburseAmount')).toEqual({ input: expect.stringContaining('aria-invalid="true" aria-describedby="f-disburseAmount-error"'), hint: '现在只能拨付 ¥0.00，其余要等申请方交了报告。' });
    expect(fieldOf(waiting.text, 'disburseDate').hint).toBeNull();

    const refund = await s.manager.post(`${appPath}/refund`).type('form').send(form({ _csrf: csrfOf(pageHtml), refundAmount: '500', refundDate: '2026-03-10' })).expect(409);
    expect(fieldOf(refund.text, 'refundAmount')).toEqual({ input: expect.stringContaining('aria-invalid="true" aria-describedby="f-refundAmount-error"'), hint: '最多只能退回 ¥400.00。' });
    expect(await apiApplication(s, id)).toMatchObject({ disbursed: '400.00', refunded: '0.00' });
  });

  it("names the station whose books a grant's money is also recorded in, on the manager's page and beside the disbursement and refund forms", async () => {
    const s = await setup();
    const roundId = await createRound(s);
    const { id: submitted } = await draftAndSubmit(s, roundId);
    const before = (await s.manager.get(`${s.base}/applications/${submitted}`).expect(200)).text;
    expect(before).toContain('<p id="grant-station">受资助的公益站：<strong>南岸公益站</strong>。批准后，拨付的钱会同时记入它的账，算作收到的限定性资助款，只能用于这个项目。</p>');

    const { id, pageHtml } = await activeGrant(s, [{ amount: '400.00', condition: 'on_signing' }, { amount: '600.00', condition: 'on_signing' }], { roundId });
    const fund = (await apiApplication(s, id)).stationFundCode;
    const funds = (await ctx.request().get(`/api/entities/${s.station.entity.id}/funds`).set(s.station.treasurer.auth).expect(200)).body.items;
    const fundName = funds.find((item: { code: string }) => item.code === fund).name;
    expect(fundName).toBe('资助项目：楼栋互助花园');
    expect(pageHtml).toContain(`受资助的公益站：<strong>南岸公益站</strong>。拨付的钱同时记入它的账，算作收到的限定性资助款（它账上的限定性资金“${fundName}”，只能用于这个项目）`);
    expect(formOf(pageHtml, `${s.base}/applications/${id}/disburse`)).toContain(`同时在<strong>南岸公益站</strong>的账上记一笔收到的资助款，作为限定性资金“${fundName}”的收入`);
    expect(formOf(pageHtml, `${s.base}/applications/${id}/refund`)).toContain(`同时从<strong>南岸公益站</strong>账上的限定性资金“${fundName}”里记出这笔钱`);
  });

  it('says when the grantee keeps no books here, so the money is recorded only in the foundation\'s', async () => {
    const s = await setup();
    const { response } = await applyAndSubmit(s, await createRound(s), '800');
    const id = /^\/app\/applications\/([0-9a-f-]{36})\?ok=submitted$/.exec(response.headers.location)?.[1] as string;
    const page = (await s.manager.get(`${s.base}/applications/${id}`).expect(200)).text;
    expect(page).toContain('受资助方不是在本系统里记账的公益站，拨付和退款只记在基金会的账上。');
    expect(page).not.toContain('受资助的公益站');
  });
});
