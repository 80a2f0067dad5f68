/**
 * The public entity page residents open without logging in: its figures are as of the day in
 * its heading, and its disclosure calendar leads to the reports it lists as published.
 */
import { fixedClock } from '../../src/shared/clock';
import { useTestContext } from '../support/context';
import { createEntity, receive, stationWithStaff } from '../factories';

// 01:30 on 2026-11-23 in Shanghai, still 2026-11-22 in UTC.
const ctx = useTestContext({ clock: fixedClock('2026-11-22T17:30:00Z') });

describe('GET /e/:code', () => {
  it('counts only entries dated up to today in Shanghai, the day its heading names', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    await receive(ctx, treasurer, entity.id, '100.00', { kind: 'parking', date: '2026-11-20' });
    await receive(ctx, treasurer, entity.id, '20.00', { kind: 'parking', date: '2026-11-23' });
    await receive(ctx, treasurer, entity.id, '50.00', { kind: 'parking', date: '2026-12-25' });

    const html = (await ctx.request().get(`/e/${entity.code}`).expect(200)).text;
    expect(html).toContain('数据截至 2026年11月23日');
    expect(html).toContain('<p class="big-figure">¥120.00</p>');
    expect(html).toContain('<tr><th scope="row">现金</th><td class="num">¥120.00</td></tr>');
    const funds = html.slice(html.indexOf('id="h-funds"'), html.indexOf('id="h-income"'));
    expect(funds).toContain('<td class="num">¥120.00</td>');
    expect(html).not.toContain('¥170.00');
  });

  it('lists every income source with money this year, 政府补助 included, and none whose money cancelled out', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const api = (path: string, body: object) => ctx.request().post(`/api/entities/${entity.id}${path}`).set(treasurer.auth).send(body);
    await receive(ctx, treasurer, entity.id, '100.00', { kind: 'parking', date: '2026-11-02' });
    await receive(ctx, treasurer, entity.id, '800.00', { kind: 'subsidy', date: '2026-11-10', method: 'bank', payer: '南坪街道办事处' });
    // An 其他 receipt recorded by mistake and reversed, and a payment likewise: nothing is left of either.
    const mistake = await receive(ctx, treasurer, entity.id, '50.00', { kind: 'other', date: '2026-11-20' });
    await api(`/entries/${mistake.id}/reverse`, { date: '2026-11-21', reason: '记错了' }).expect(201);
    const project = (await api('/projects', { code: 'FEAST', name: '百家宴' }).expect(201)).body;
    const paid = (await api('/payments', { date: '2026-11-20', amount: '30.00', method: 'cash', payee: '筹备组', purpose: '餐具', category: 'program', projectId: project.id }).expect(201)).body;
    await api(`/entries/${paid.id}/reverse`, { date: '2026-11-21', reason: '记错了' }).expect(201);

    const html = (await ctx.request().get(`/e/${entity.code}`).expect(200)).text;
    const income = html.slice(html.indexOf('id="h-income"'), html.indexOf('id="h-spending"'));
    expect(income).toContain('aria-label="2026年收入来源：停车场公共收益 ¥100.00，政府补助 ¥800.00"');
    expect(income).toContain('合计 <strong>¥900.00</strong>');
    expect(income).not.toContain('其他');
    const spending = html.slice(html.indexOf('id="h-spending"'), html.indexOf('id="h-reports"'));
    expect(spending).toContain('今年还没有支出。');
  });

  it('links each published row of the disclosure calendar to its report', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    await receive(ctx, treasurer, entity.id, '100.00', { kind: 'parking', date: '2026-02-03' });
    for (const month of ['2026-01', '2026-02', '2026-03']) {
      expect((await ctx.request().post(`/api/entities/${entity.id}/periods/${month}/close`).set(treasurer.auth)).status).toBe(200);
    }
    const published = await ctx.request().post(`/api/entities/${entity.id}/disclosures`).set(treasurer.auth).send({ period: '2026-Q1' });
    expect(published.status).toBe(201);

    const html = (await ctx.request().get(`/e/${entity.code}`).expect(200)).text;
    expect(html).toContain(`<th scope="row"><a href="/reports/${published.body.id}">2026年第1季度（1–3月）财务公开</a></th>`);
    // Rows still to be published have no report to lead to.
    expect(html).toContain('<th scope="row">2026年第2季度（4–6月）财务公开</th>');
  });
});

describe('answers sent gzipped', () => {
  it('gzips pages, JSON and CSS for a client that asks, never PDFs, the font or a write', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    for (let i = 0; i < 40; i++) await receive(ctx, treasurer, entity.id, `${i + 1}.00`, { date: '2026-03-05' });
    const encoding = (response: { headers: Record<string, string> }) => response.headers['content-encoding'] ?? 'identity';
    const page = await ctx.request().get(`/e/${entity.code}`).set('Accept-Encoding', 'gzip').expect(200);
    expect(encoding(page)).toBe('gzip');
    expect(page.text).toContain(entity.name);
    const plain = await ctx.request().get(`/e/${entity.code}`).set('Accept-Encoding', 'identity').expect(200);
    expect(encoding(plain)).toBe('identity');
    const entries = await ctx.request().get(`/api/entities/${entity.id}/entries?limit=40`).set(treasurer.auth).set('Accept-Encoding', 'gzip').expect(200);
    expect([encoding(entries), entries.body.items.length]).toEqual(['gzip', 40]);
    expect(encoding(await ctx.request().get('/static/app.css').set('Accept-Encoding', 'gzip').expect(200))).toBe('gzip');
    const font = await ctx.request().head('/static/fonts/NotoSansSC_400Regular.ttf').set('Accept-Encoding', 'gzip').expect(200);
    expect(encoding(font)).toBe('identity');
    const write = await ctx.request().post(`/api/entities/${entity.id}/receipts`).set(treasurer.auth).set('Accept-Encoding', 'gzip')
      .send({ kind: 'parking', date: '2026-03-06', amount: '1.00', method: 'cash', memo: '长'.repeat(400) }).expect(201);
    expect(encoding(write)).toBe('identity');
    await ctx.request().post(`/api/entities/${entity.id}/periods/2026-03/close`).set(treasurer.auth).expect(200);
    const published = await ctx.request().post(`/api/entities/${entity.id}/disclosures`).set(treasurer.auth).send({ period: '2026-03' }).expect(201);
    const pdf = await ctx.request().get(`/api/public/disclosures/${published.body.id}/pdf`).set('Accept-Encoding', 'gzip').expect(200);
    expect([pdf.headers['content-type'], encoding(pdf)]).toEqual(['application/pdf', 'identity']);
    expect(encoding(await ctx.request().get(`/reports/${published.body.id}`).set('Accept-Encoding', 'gzip').expect(200))).toBe('gzip');
  });
});

describe('GET / with a district of stations', () => {
  it('lists foundations first, then stations by name, and finds one by a word of its name', async () => {
    for (const name of ['南坪街道花园社区公益站', '南坪街道阳光社区公益站', '铜元局街道百子甲社区公益站']) await createEntity(ctx, { kind: 'station', name });
    await createEntity(ctx, { kind: 'foundation', name: '南岸区社区公益事业发展基金会' });
    for (let i = 0; i < 10; i++) await createEntity(ctx, { kind: 'station', name: `弹子石街道第${i + 1}社区公益站` });
    const home = (await ctx.request().get('/').expect(200)).text;
    const names = [...home.matchAll(/<span class="tile-title">([^<]+)<\/span><span class="tile-sub">([^<]+)</g)].map((match) => [match[1], match[2]]);
    expect(names[0]).toEqual(['南岸区社区公益事业发展基金会', '社区基金会']);
    expect(names.findIndex(([name]) => name === '南坪街道花园社区公益站')).toBeLessThan(names.findIndex(([name]) => name === '铜元局街道百子甲社区公益站'));
    expect(home).toContain('<label for="f-q">找一个单位</label>');
    const found = (await ctx.request().get(`/?q=${encodeURIComponent('阳光')}`).expect(200)).text;
    expect([...found.matchAll(/<span class="tile-title">([^<]+)</g)].map((match) => match[1])).toEqual(['南坪街道阳光社区公益站']);
    expect(found).toContain('1 个单位的名字里有“阳光”');
    expect((await ctx.request().get(`/?q=${encodeURIComponent('没有的')}`).expect(200)).text).toContain('没有找到，换个词试试。');
  });
});
