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
    expect(form.text).toContain('<option value="2026-03" selected>2026年3月</option>');
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
    const meta = (await ctx.request().get(`/api/public/disclosures?entityId=${entity.id}`).expect(200)).body.items[0];
    const byHash = await ctx.request().get(`/verify?q=${meta.dataSha256}`).expect(303);
    expect(byHash.headers.location).toBe(`/verify/${id}`);
    const unknown = await ctx.request().get('/verify?q=not-a-hash').expect(404);
    expect(unknown.text).toContain('请粘贴报告的编号');

    const boss = ctx.request();
    await webLogin(boss, supervisor);
    const list = await boss.get(`${base}/countersign`).expect(200);
    await boss.post(`${base}/reports/${id}/countersign`).type('form').send({ _csrf: csrfOf(list.text), note: '已核对' }).expect(303);
    const signed = (await ctx.request().get(`/api/public/disclosures?entityId=${entity.id}`).expect(200)).body.items[0];
    expect(signed.countersigned).toBe(true);
    const again = await boss.post(`${base}/reports/${id}/countersign`).type('form').send({ _csrf: csrfOf(list.text) }).expect(409);
    expect(again.text).toContain('已经会签过了');
  });
});
