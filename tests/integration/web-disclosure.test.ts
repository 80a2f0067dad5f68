import { useTestContext } from '../support/context';
import { fixedClock } from '../../src/shared/clock';
import { receive, stationWithStaff } from '../factories';
import { csrfOf, formToken, webLogin } from './web-support';

describe('disclosure pages', () => {
  const ctx = useTestContext({ clock: fixedClock('2026-04-10T10:00:00+08:00') });

  it('publishes a closed month from the treasurer form, lists it publicly, serves the PDF and verifies it', async () => {
    const { entity, treasurer, supervisor } = await stationWithStaff(ctx, { name: '河畔社区公益站' });
    await receive(ctx, treasurer, entity.id, '800.00', { kind: 'parking', date: '2026-03-02' });
    await receive(ctx, treasurer, entity.id, '200.00', { kind: 'donation', date: '2026-03-03', payer: '赵大海' });
    const agent = ctx.request();
    await webLogin(agent, treasurer);
    const base = `/app/e/${entity.code}`;

    const early = await agent.post(`${base}/publish`).type('form').send({ _csrf: await formToken(agent, `${base}/publish`), period: '2026-03' }).expect(409);
    expect(early.text).toContain('还有月份没有结账');

    await agent.post(`${base}/close`).type('form').send({ _csrf: await formToken(agent, `${base}/close`), period: '2026-03', confirm: '1' }).expect(303);
    const form = await agent.get(`${base}/publish`).expect(200);
    // Closing March closed January and February with it, so the quarter is ready too and comes first.
    expect(form.text).toContain('<option value="2026-Q1" selected>2026年第1季度（1–3月）</option>');
    expect(form.text).toContain('<option value="2026-03">2026年3月</option>');
    const published = await agent.post(`${base}/publish`).type('form').send({ _csrf: csrfOf(form.text), period: '2026-03' }).expect(303);
    const reportPath = published.headers.location.replace(/\?.*$/, '');
    const id = reportPath.split('/').pop() as string;

    const publicPage = await ctx.request().get(`/e/${entity.code}`).expect(200);
    expect(publicPage.text).toContain('2026年3月财务公开报告');
    expect(publicPage.text).toContain(`/api/public/disclosures/${id}/pdf`);
    expect(publicPage.text).toContain('公开日程');

    const report = await ctx.request().get(reportPath).expect(200);
    expect(report.text).toContain('¥1,000.00');
    expect(report.text).toContain('赵*');
    expect(report.text).not.toContain('赵大海');

    const pdf = await ctx.request().get(`/api/public/disclosures/${id}/pdf`).expect(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');

    const verified = await ctx.request().get(`/verify/${id}`).expect(200);
    expect(verified.text).toContain('验证通过');
    expect(verified.text).toContain('监委会审核：尚未审核');
    const meta = (await ctx.request().get(`/api/public/disclosures?entityId=${entity.id}`).expect(200)).body.items[0];
    const byHash = await ctx.request().get(`/verify?q=${meta.dataSha256}`).expect(303);
    expect(byHash.headers.location).toBe(`/verify/${id}`);
    // The verify link the PDF prints under 在线核验, and the report page's address, as pasted.
    for (const pasted of [` http://localhost:4103/verify/${id}\n`, `https://example.org/reports/${id}?ok=published`, `${ctx.config.publicUrl}/verify/${id.toUpperCase()}`]) {
      const byUrl = await ctx.request().get('/verify').query({ q: pasted }).expect(303);
      expect(byUrl.headers.location).toBe(`/verify/${id}`);
    }
    const otherSite = await ctx.request().get('/verify').query({ q: `http://localhost:4103/verify/${id}x` }).expect(404);
    expect(otherSite.text).toContain('请粘贴报告的编号');
    const unknown = await ctx.request().get('/verify?q=not-a-hash').expect(404);
    expect(unknown.text).toContain('请粘贴报告的编号');

    const boss = ctx.request();
    await webLogin(boss, supervisor);
    const list = await boss.get(`${base}/countersign`).expect(200);
    expect(list.text).toContain('等您审核签字（1 份）');
    expect(list.text).toContain(`action="${base}/reports/${id}/countersign"`);
    await boss.post(`${base}/reports/${id}/countersign`).type('form').send({ _csrf: csrfOf(list.text), note: '已核对' }).expect(303);
    const signed = (await ctx.request().get(`/api/public/disclosures?entityId=${entity.id}`).expect(200)).body.items[0];
    expect(signed.countersigned).toBe(true);
    const again = await boss.post(`${base}/reports/${id}/countersign`).type('form').send({ _csrf: csrfOf(list.text), note: '金额已逐笔核对' }).expect(409);
    const { display_name: name } = await ctx.db('users').where({ id: supervisor.id }).first();
    expect(again.text).toContain(`这份报告${name}已在2026年4月10日审核签字，不用再审核签字。您填写的意见没有保存：“金额已逐笔核对”`);
    const after = (await boss.get(`${base}/countersign`).expect(200)).text;
    expect(after).toContain(`已审核签字：${name} · 2026年4月10日 · 意见：已核对`);
    // Signed reports are listed without a form; none waits.
    expect(after).toContain('等您审核签字（0 份）');
    expect(after).not.toContain(`action="${base}/reports/${id}/countersign"`);
    // The PDF's QR code leads to the verify page, which now shows the review and the countersigned PDF.
    const reviewed = (await ctx.request().get(`/verify/${id}`).expect(200)).text;
    expect(reviewed).toContain(`监委会审核：<strong>${name}</strong> · 审核日期 2026年4月10日<br>审核意见：已核对`);
    expect(reviewed).toContain(`href="/api/public/disclosures/${id}/pdf/countersigned"`);

    // Published and countersigned: the form no longer preselects it, and a new version needs a reason.
    const next = await agent.get(`${base}/publish`).expect(200);
    expect(next.text).toContain('<option value="2026-03">2026年3月（已发布第1版，监委会已审核）</option>');
    expect(next.text).not.toMatch(/<option value="2026-03"[^>]*selected/);
    expect(next.text).toContain('<option value="2026-Q1" selected>');
    const noReason = await agent.post(`${base}/publish`).type('form').send({ _csrf: csrfOf(next.text), period: '2026-03', reason: ' ' }).expect(400);
    expect(noReason.text).toContain('2026年3月已经发布过第1版，监委会已经审核签字，新版本要重新审核签字');
    expect((await ctx.request().get(`/api/public/disclosures?entityId=${entity.id}`).expect(200)).body.items).toHaveLength(1);
    await agent.post(`${base}/publish`).type('form').send({ _csrf: csrfOf(next.text), period: '2026-03', reason: '补上漏记的停车费' }).expect(303);
    expect((await ctx.request().get(`/api/public/disclosures?entityId=${entity.id}`).expect(200)).body.items.map((item: { version: number }) => item.version)).toEqual([2, 1]);
  });

  it('shows every section of the station report from the snapshot: funds, split income, categories, vouchers in date order, reconciliation and the countersignature', async () => {
    const { entity, treasurer, supervisor } = await stationWithStaff(ctx, { name: '江岸社区公益站' });
    const api = (url: string, body: object = {}) => ctx.request().post(url).set(treasurer.auth).send(body);
    const ok = async (url: string, body: object = {}) => {
      const res = await api(`/api/entities/${entity.id}${url}`, body);
      expect([res.status, res.body.detail]).toEqual([expect.any(Number), undefined]);
      return res.body;
    };
    await ok('/funds', { code: 'LIGHTS', name: '路灯维修专项捐赠', restricted: true, purpose: '物业公司定向捐赠，用于小区路灯维修' });
    const project = await ok('/projects', { code: 'STREETLIGHT', name: '路灯维修' });
    // Recorded first, dated later: voucher order is not date order.
    const late = await ok('/receipts', { kind: 'parking', date: '2026-03-20', amount: '800.00', method: 'cash' });
    const early = await ok('/receipts', { kind: 'donation', date: '2026-03-02', amount: '3000.00', method: 'bank', payer: '重庆渝南物业有限公司', fundCode: 'LIGHTS' });
    await ok('/payments', { date: '2026-03-10', amount: '1200.00', method: 'bank', payee: '刘建华', purpose: '更换路灯灯泡', category: 'program', projectId: project.id, fundCode: 'LIGHTS' });
    await ok('/payments', { date: '2026-03-25', amount: '56.50', method: 'cash', payee: '社区文具店', purpose: '购买记账本', category: 'admin' });
    await ok('/reconciliations', { date: '2026-03-31', cashCounted: '700.00', bankStatementBalance: '1800.00' });
    expect((await api(`/api/entities/${entity.id}/periods/2026-03/close`)).status).toBe(200);
    const published = await api(`/api/entities/${entity.id}/disclosures`, { period: '2026-03' });
    expect(published.status).toBe(201);
    const id = published.body.id as string;
    const signed = await ctx.request().post(`/api/disclosures/${id}/countersign`).set(supervisor.auth).send({ note: '已逐笔核对单据' });
    expect(signed.status).toBe(200);
    const snapshot = (await ctx.request().get(`/api/public/disclosures/${id}`).expect(200)).body;

    const html = (await ctx.request().get(`/reports/${id}`).expect(200)).text;
    for (const heading of ['收支概况', '收入明细', '支出明细', '基金余额', '逐笔明细', '对账', '更正说明', '审核']) expect(html).toContain(`>${heading}`);
    // A period without corrections says so, as the PDF's empty 更正说明 does.
    expect(html).toContain('本期没有更正。');
    expect(html).toMatch(/<th scope="col" class="num">非限定性<\/th><th scope="col" class="num">限定性<\/th>/);
    expect(html).toMatch(/捐赠<\/th><td class="num">¥0\.00<\/td><td class="num">¥3,000\.00<\/td>/);
    expect(html).toMatch(/管理费用<\/th><td class="num">¥56\.50<\/td>/);
    expect(html).toMatch(/路灯维修<\/th><td class="num">¥1,200\.00<\/td>/);
    expect(html).toContain('路灯维修专项捐赠 <span class="tag">限定性</span>');
    expect(html).toContain('用途：物业公司定向捐赠，用于小区路灯维修');
    expect(html).toMatch(/<td class="num" data-label="期初">¥0\.00<\/td><td class="num" data-label="本期收入">¥3,000\.00<\/td><td class="num" data-label="本期支出">¥1,200\.00<\/td><td class="num" data-label="期末">¥1,800\.00<\/td>/);
    expect(html.indexOf(early.number)).toBeGreaterThan(0);
    expect(html.indexOf(early.number)).toBeLessThan(html.indexOf(late.number));
    // Books hold 800 − 56.50 = 743.50 in cash; 700.00 was counted and nobody said why.
    expect(html).toMatch(/现金<\/th><td class="num">¥700\.00<\/td><td class="num">¥743\.50<\/td><td class="num diff">-¥43\.50<\/td>/);
    expect(html).toContain('<p class="warning">差异原因：未说明</p>');
    expect(snapshot.review).toMatchObject({ countersigned: true, note: '已逐笔核对单据' });
    expect(html).toContain(`<strong>${snapshot.review.name}</strong> · 审核日期 2026年4月10日`);
    expect(html).toContain('审核意见：已逐笔核对单据');
  });

  it('says when a report came out after its due date, counting a period from its first version', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx, { name: '迟到社区公益站' });
    await receive(ctx, treasurer, entity.id, '100.00', { kind: 'parking', date: '2025-07-05' });
    await ctx.request().post(`/api/entities/${entity.id}/periods/2026-03/close`).set(treasurer.auth).expect(200);
    const publish = (period: string, reason?: string) => ctx.request().post(`/api/entities/${entity.id}/disclosures`).set(treasurer.auth).send({ period, ...(reason ? { reason } : {}) }).expect(201);
    await publish('2025-Q3');
    await publish('2026-Q1');
    await publish('2026-Q1', '补充说明');
    const html = (await ctx.request().get(`/e/${entity.code}`).expect(200)).text;
    const page = html.slice(html.indexOf('id="h-calendar"'));
    const row = (label: string) => page.slice(page.indexOf(label), page.indexOf('</tr>', page.indexOf(label)));
    // The third quarter of 2025 was due on 31 October 2025 and came out on 10 April 2026.
    expect(row('2025年第3季度（7–9月）财务公开')).toContain('已公开<br><span class="small muted">逾期公开<br>2026年4月10日</span>');
    // The first quarter of 2026 is due on 30 April: on time, its second version too.
    expect(row('2026年第1季度（1–3月）财务公开')).not.toContain('逾期公开');
  });

  it('says which reports covered a quarter published month by month, and offers the quarter once its months are closed', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx, { name: '溪畔社区公益站' });
    const project = (await ctx.request().post(`/api/entities/${entity.id}/projects`).set(treasurer.auth).send({ code: 'FEAST', name: '百家宴', startsOn: '2026-02-01', endsOn: '2026-02-28' }).expect(201)).body;
    await receive(ctx, treasurer, entity.id, '800.00', { kind: 'parking', date: '2026-02-02' });
    const pay = (date: string) => ctx.request().post(`/api/entities/${entity.id}/payments`).set(treasurer.auth)
      .send({ date, amount: '100.00', method: 'cash', payee: '筹备组', purpose: '百家宴餐具', category: 'program', projectId: project.id }).expect(201);
    await pay('2026-02-20');
    // A bill of the feast paid after its planned end.
    await pay('2026-03-05');
    const agent = ctx.request();
    await webLogin(agent, treasurer);
    const base = `/app/e/${entity.code}`;
    const close = async (period: string) => agent.post(`${base}/close`).type('form').send({ _csrf: await formToken(agent, `${base}/close`), period, confirm: '1' }).expect(303);
    const publish = async (period: string) => {
      const done = await agent.post(`${base}/publish`).type('form').send({ _csrf: await formToken(agent, `${base}/publish`), period }).expect(303);
      return done.headers.location.replace(/\?.*$/, '').split('/').pop() as string;
    };
    await close('2026-02');
    const calendar = (html: string) => html.slice(html.indexOf('id="h-calendar"'));
    const february = await publish('2026-02');
    // The quarter is over but March is still open: the form says why it cannot be published yet.
    const waiting = (await agent.get(`${base}/publish`).expect(200)).text;
    expect(waiting).not.toContain('value="2026-Q1"');
    expect(waiting).toContain('<li>2026年第1季度（1–3月）：3月还没有结账</li>');
    // Half way: the quarter is not done, and its row says what is out and what is still to come.
    const halfWay = calendar((await ctx.request().get(`/e/${entity.code}`).expect(200)).text);
    expect(halfWay).toMatch(new RegExp(`2026年第1季度（1–3月）财务公开<br><span class="small">已公开一部分：<a href="/reports/${february}">2月报告</a></span><br><span class="muted small">还差3月没有公开。</span></th><td class="nowrap" data-label="截止日期">[^<]+</td><td class="nowrap" data-label="状态">(<strong class="overdue">已逾期</strong>|待公开)</td>`));
    await close('2026-03');
    const march = await publish('2026-03');
    const before = calendar((await ctx.request().get(`/e/${entity.code}`).expect(200)).text);
    // Done by the months' reports, each named and linked; the row is no one report's, and January owed nothing.
    expect(before).toContain(`<th scope="row">2026年第1季度（1–3月）财务公开<br><span class="small">已公开在：<a href="/reports/${february}">2月报告</a>、<a href="/reports/${march}">3月报告</a></span><br><span class="muted small">1月还没有开始记账，不用公开。</span></th>`);
    expect(before).toContain('项目「百家宴」结项公开（2026年2月1日至3月5日）');
    expect(before).toContain('项目原定2月28日结束，3月5日还有这个项目的收支，结项公开要包括到这一天。');

    // January closed with February (closing a month closes every month before it), so with
    // March closed the quarter is offered, first.
    const form = (await agent.get(`${base}/publish`).expect(200)).text;
    expect(form).toContain('<optgroup label="季度报告"><option value="2026-Q1" selected>2026年第1季度（1–3月）</option></optgroup>');
    expect(form).not.toContain('还不能发布');
    const quarter = await publish('2026-Q1');
    const after = calendar((await ctx.request().get(`/e/${entity.code}`).expect(200)).text);
    expect(after).toContain(`<th scope="row"><a href="/reports/${quarter}">2026年第1季度（1–3月）财务公开</a></th>`);
  });

  it('offers a year once its December is closed, and lists reports by the day their period ends', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx, { name: '岸边社区公益站' });
    await receive(ctx, treasurer, entity.id, '300.00', { kind: 'parking', date: '2025-08-10' });
    await receive(ctx, treasurer, entity.id, '200.00', { kind: 'parking', date: '2026-02-10' });
    const agent = ctx.request();
    await webLogin(agent, treasurer);
    const base = `/app/e/${entity.code}`;
    const publish = async (period: string) => agent.post(`${base}/publish`).type('form').send({ _csrf: await formToken(agent, `${base}/publish`), period }).expect(303);
    // Closing March closes every month before it from January 2025, the year the books begin.
    await agent.post(`${base}/close`).type('form').send({ _csrf: await formToken(agent, `${base}/close`), period: '2026-03', confirm: '1' }).expect(303);
    const years = (await agent.get(`${base}/publish`).expect(200)).text;
    expect(years).toContain('<optgroup label="全年报告"><option value="2025">2025年全年（1–12月）</option></optgroup>');
    expect(years).toMatch(/<option value="2025-Q4"( selected)?>2025年第4季度（10–12月）<\/option>/);
    expect(years).not.toContain('value="2026"');

    // Reports are listed by the day their period ends, latest first: October above the third quarter.
    for (const period of ['2026-Q1', '2026-03', '2026-02', '2025-Q3', '2025-10']) await publish(period);
    const page = (await ctx.request().get(`/e/${entity.code}`).expect(200)).text;
    const listed = page.slice(page.indexOf('id="h-reports"'), page.indexOf('id="h-calendar"')).match(/>[^<>]+财务公开报告</g);
    expect(listed).toEqual(['2026年第1季度（1–3月）', '2026年3月', '2026年2月', '2025年10月', '2025年第3季度（7–9月）'].map((label) => `>${label}财务公开报告<`));
  });

  it('names the parts of a report that no longer match in Chinese, as the report heads them', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx, { name: '湖畔社区公益站' });
    const receipt = await receive(ctx, treasurer, entity.id, '500.00', { kind: 'parking', date: '2026-03-05' });
    expect((await ctx.request().post(`/api/entities/${entity.id}/periods/2026-03/close`).set(treasurer.auth)).status).toBe(200);
    const published = await ctx.request().post(`/api/entities/${entity.id}/disclosures`).set(treasurer.auth).send({ period: '2026-03' });
    expect(published.status).toBe(201);
    // The service refuses any change to a closed month, so the books are altered behind it.
    await ctx.db.transaction(async (tx) => {
      await tx.raw(`set local session_replication_role = replica`);
      await tx('entry_lines').where({ entry_id: receipt.id, line_no: 1 }).update({ debit: '580.00' });
      await tx('entry_lines').where({ entry_id: receipt.id, line_no: 2 }).update({ credit: '580.00' });
      await tx('daily_balances').where({ entity_id: entity.id, day: '2026-03-05', account_code: '1001' }).update({ debit: '580.00' });
      await tx('daily_balances').where({ entity_id: entity.id, day: '2026-03-05', account_code: '490101' }).update({ credit: '580.00' });
    });
    const verdict = (await ctx.request().get(`/api/public/disclosures/${published.body.id}/verify`).expect(200)).body;
    expect(verdict.differingSections).toEqual(expect.arrayContaining(['summary', 'funds']));

    const html = (await ctx.request().get(`/verify/${published.body.id}`).expect(200)).text;
    expect(html).toContain('验证未通过');
    expect(html).toContain('报告中“收支概况”“收入明细”“基金余额”“逐笔明细”这几部分的内容和发布时不一致');
    // Nothing in the service can change a closed month, so the page asks for a check, not a new version.
    expect(html).toContain('说明账本可能在系统之外被改动过，需要核查。请告知社区监委会或基金会。');
    expect(html).not.toContain('重新发布');
    for (const key of verdict.differingSections as string[]) expect(html).not.toMatch(new RegExp(`[>（：、]${key}[、）<]`));
  });
});
