/**
 * Forms sent after the web session ended (it expired, or the cookies were cleared): nothing is
 * done with them; what was typed is kept for 30 minutes and comes back on the same form once
 * someone allowed there logs in, to be checked and saved by hand. Nothing is kept that is too
 * big, that another site sent, or that is a password or a CSRF token.
 */
import crypto from 'node:crypto';
import type supertest from 'supertest';
import { useTestContext } from '../support/context';
import { today, type Clock } from '../../src/shared/clock';
import { createUser, receive, stationWithStaff } from '../factories';
import { grantScenario } from '../factories/grants';
import { MAX_KEPT_FORMS } from '../../src/web/kept-forms';
import { csrfOf, webLogin } from './web-support';

/** The wall clock, which a test may move on. */
function movableClock(): Clock & { offsetMs: number } {
  return {
    offsetMs: 0,
    now() {
      return new Date(Date.now() + this.offsetMs);
    },
  };
}

/** What a browser adds to a form that a page of the same site sends. */
const SAME_SITE = { 'Sec-Fetch-Site': 'same-origin' };

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

function setCookies(response: { headers: Record<string, unknown> }): string[] {
  const header = response.headers['set-cookie'];
  return Array.isArray(header) ? (header as string[]) : [];
}

function keptCookieOf(response: { headers: Record<string, unknown> }): string | undefined {
  return setCookies(response).find((cookie) => cookie.startsWith('kept_form='));
}

describe('a form sent after the session ended', () => {
  const clock = movableClock();
  const ctx = useTestContext({ clock });

  afterEach(() => {
    clock.offsetMs = 0;
  });

  async function entriesOf(user: { auth: { Authorization: string } }, entityId: string, query = '') {
    return (await ctx.request().get(`/api/entities/${entityId}/entries${query}`).set(user.auth).expect(200)).body.items as { id: string; status: string; details: { counterparty?: { name?: string } } }[];
  }

  /** A receipt form as the treasurer typed it, sent by a browser with no session left. */
  function sendReceipt(agent: supertest.Agent, code: string, fields: Record<string, string> = {}, headers: Record<string, string> = SAME_SITE) {
    return agent
      .post(`/app/e/${code}/receipt`)
      .set(headers)
      .type('form')
      .send({ _csrf: 'from-the-lost-session', kind: 'donation', method: 'cash', amount: '88', date: '2026-03-05', payer: '张阿姨', fundCode: 'GENERAL', memo: '重阳节捐款', formKey: 'a'.repeat(32), ...fields });
  }

  it('keeps the payment form and fills it in again after login; nothing is posted until the treasurer saves', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    await receive(ctx, treasurer, entity.id, '500.00', { date: '2026-03-01' });
    const base = `/app/e/${entity.code}`;
    const agent = ctx.request();
    const sent = await agent
      .post(`${base}/payment`)
      .set(SAME_SITE)
      .field('_csrf', 'from-the-lost-session')
      .field('amount', '66')
      .field('payee', '李师傅')
      .field('purpose', '更换门锁')
      .field('category', 'program')
      .field('method', 'cash')
      .field('date', '2026-03-05')
      .field('fundCode', 'GENERAL')
      .field('formKey', 'b'.repeat(32))
      .attach('file', PNG, 'lock.png')
      .expect(303);
    expect(sent.headers.location).toBe(`/login?expired=1&next=${encodeURIComponent(`${base}/payment`)}`);
    const cookie = keptCookieOf(sent);
    expect(cookie).toMatch(/^kept_form=[\w-]{32};/);
    expect(cookie).toMatch(/Max-Age=1800/);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    // The typed values are not in any address.
    expect(sent.headers.location).not.toContain('66');

    const login = await agent.get(sent.headers.location).expect(200);
    expect(login.text).toContain('您刚才填写的内容已保留，还没有保存');
    expect(login.text).not.toContain('请再填一次');
    await webLogin(agent, treasurer);

    const form = await agent.get(`${base}/payment`).expect(200);
    expect(form.text).toContain('登录已过期，您刚才填写的内容已保留，还没有保存。请核对后再点保存。');
    expect(form.text).toContain('刚才选的照片没有保留，请重新选择一次。');
    expect(form.text).toContain('value="66"');
    expect(form.text).toContain('value="李师傅"');
    expect(form.text).toContain('value="更换门锁"');
    expect(form.text).toContain(`value="${'b'.repeat(32)}"`);
    expect((await entriesOf(treasurer, entity.id)).filter((entry) => entry.details.counterparty?.name === '李师傅')).toEqual([]);

    // Saving is the treasurer's own act, checked like any other: the new session's CSRF token.
    const fields = { amount: '66', payee: '李师傅', purpose: '更换门锁', category: 'program', method: 'cash', date: '2026-03-05', fundCode: 'GENERAL', formKey: 'b'.repeat(32) };
    await agent.post(`${base}/payment`).type('form').send(fields).expect(403);
    const saved = await agent.post(`${base}/payment`).type('form').send({ ...fields, _csrf: csrfOf(form.text) }).expect(303);
    expect(saved.headers.location).toContain('ok=payment');
    expect((await entriesOf(treasurer, entity.id)).filter((entry) => entry.details.counterparty?.name === '李师傅')).toHaveLength(1);
  });

  it('fills the form in once, and only on the page it was sent from', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const base = `/app/e/${entity.code}`;
    const agent = ctx.request();
    await sendReceipt(agent, entity.code).expect(303);
    await webLogin(agent, treasurer);
    const other = await agent.get(`${base}/payment`).expect(200);
    expect(other.text).not.toContain('重阳节捐款');
    expect(other.text).not.toContain('登录已过期');

    const first = await agent.get(`${base}/receipt`).expect(200);
    expect(first.text).toContain('value="重阳节捐款"');
    expect(first.text).toContain('value="张阿姨"');
    expect(keptCookieOf(first)).toMatch(/Expires=Thu, 01 Jan 1970/);
    const again = await agent.get(`${base}/receipt`).expect(200);
    expect(again.text).not.toContain('重阳节捐款');
    expect(again.text).not.toContain('登录已过期');
    expect(await entriesOf(treasurer, entity.id)).toEqual([]);
  });

  it('gives nothing back to a user who may not use the form; the treasurer who may gets it', async () => {
    const { entity, treasurer, supervisor } = await stationWithStaff(ctx);
    const elsewhere = await stationWithStaff(ctx);
    const base = `/app/e/${entity.code}`;
    const agent = ctx.request();
    await sendReceipt(agent, entity.code).expect(303);

    for (const [user, status] of [
      [elsewhere.treasurer, 404],
      [supervisor, 403],
    ] as const) {
      await webLogin(agent, user);
      const refused = await agent.get(`${base}/receipt`).expect(status);
      expect(refused.text).not.toContain('重阳节捐款');
      const token = csrfOf((await agent.get('/app').redirects(1).expect(200)).text);
      await agent.post('/logout').type('form').send({ _csrf: token }).expect(303);
    }

    await webLogin(agent, treasurer);
    const form = await agent.get(`${base}/receipt`).expect(200);
    expect(form.text).toContain('value="重阳节捐款"');
    expect(await entriesOf(treasurer, entity.id)).toEqual([]);
  });

  it('forgets what was typed after 30 minutes, and the login page then says it was not saved', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const agent = ctx.request();
    const sent = await sendReceipt(agent, entity.code).expect(303);
    clock.offsetMs = 31 * 60 * 1000;
    const login = await agent.get(sent.headers.location).expect(200);
    expect(login.text).toContain('刚才填写的内容没有保存');
    await webLogin(agent, treasurer);
    const form = await agent.get(`/app/e/${entity.code}/receipt`).expect(200);
    expect(form.text).not.toContain('重阳节捐款');
    expect(form.text).not.toContain('登录已过期');
  });

  it('keeps nothing over 16 KB, nothing another site sent, and never a password or the CSRF token', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const tooBig = await sendReceipt(ctx.request(), entity.code, { memo: '长'.repeat(6000) }).expect(303);
    expect(keptCookieOf(tooBig)).toBeUndefined();
    const crossSite = await sendReceipt(ctx.request(), entity.code, {}, { 'Sec-Fetch-Site': 'cross-site' }).expect(303);
    expect(keptCookieOf(crossSite)).toBeUndefined();
    // A browser that sends no fetch metadata says where the form came from in Origin.
    const foreign = await sendReceipt(ctx.request(), entity.code, {}, { Host: 'ledger.example', Origin: 'https://evil.example' }).expect(303);
    expect(keptCookieOf(foreign)).toBeUndefined();
    const agent = ctx.request();
    const ownSite = await sendReceipt(agent, entity.code, { password: 'secret-typed-by-mistake' }, { Host: 'ledger.example', Origin: 'http://ledger.example' }).expect(303);
    const id = /^kept_form=([\w-]+);/.exec(keptCookieOf(ownSite) ?? '')?.[1] ?? '';
    const row = await ctx.db('kept_forms').where({ id_hash: crypto.createHash('sha256').update(id).digest('hex') }).first();
    expect(row.fields.memo).toBe('重阳节捐款');
    expect(Object.keys(row.fields)).not.toContain('_csrf');
    expect(Object.keys(row.fields)).not.toContain('password');

    const login = await ctx.request().get(tooBig.headers.location).expect(200);
    expect(login.text).toContain('刚才填写的内容没有保存');
    await webLogin(agent, treasurer);
    expect((await agent.get(`/app/e/${entity.code}/receipt`).expect(200)).text).toContain('value="重阳节捐款"');
  });

  it('keeps no more once 5,000 kept forms wait, since anyone may send one', async () => {
    const { entity } = await stationWithStaff(ctx);
    const expiresAt = new Date(Date.now() + 10 * 60 * 1000);
    await ctx.db.raw(
      `insert into kept_forms (id_hash, page, action, fields, expires_at)
       select encode(sha256(convert_to('filler' || n, 'UTF8')), 'hex'), '/app/filler', '/app/filler', '{}', ? from generate_series(1, ?) n`,
      [expiresAt, MAX_KEPT_FORMS],
    );
    try {
      const full = await sendReceipt(ctx.request(), entity.code).expect(303);
      expect(keptCookieOf(full)).toBeUndefined();
    } finally {
      await ctx.db('kept_forms').where({ action: '/app/filler' }).delete();
    }
    expect(keptCookieOf(await sendReceipt(ctx.request(), entity.code).expect(303))).toBeDefined();
  });

  it('brings a supervisor back to the approvals page with the 退回 reason typed, the entry still waiting', async () => {
    const { entity, treasurer, supervisor } = await stationWithStaff(ctx, { approvalThreshold: '100.00' });
    await receive(ctx, treasurer, entity.id, '1000.00', { date: '2026-03-01' });
    const pending = await ctx
      .request()
      .post(`/api/entities/${entity.id}/payments`)
      .set(treasurer.auth)
      .send({ amount: '500.00', payee: '五金店', purpose: '更换门锁', category: 'program', method: 'cash', date: '2026-03-05' })
      .expect(201);
    const agent = ctx.request();
    const sent = await agent.post(`/app/e/${entity.code}/entries/${pending.body.id}/reject`).set(SAME_SITE).type('form').send({ _csrf: 'old', reason: '发票金额对不上' }).expect(303);
    expect(sent.headers.location).toBe(`/login?expired=1&next=${encodeURIComponent(`/app/e/${entity.code}/approvals`)}`);
    await webLogin(agent, supervisor);
    const page = await agent.get(`/app/e/${entity.code}/approvals`).expect(200);
    expect(page.text).toContain('发票金额对不上</textarea>');
    expect(page.text).toContain('请核对后再点保存');
    expect((await entriesOf(treasurer, entity.id, '?status=pending_approval')).map((entry) => entry.status)).toEqual(['pending_approval']);
  });

  it('brings back every other form with something typed in, each on its own page', async () => {
    const notice = '登录已过期，您刚才填写的内容已保留，还没有保存。请核对后再点保存。';
    const station = await stationWithStaff(ctx, { approvalThreshold: '100.00' });
    await receive(ctx, station.treasurer, station.entity.id, '1000.00', { date: '2026-03-01' });
    const [posted] = await entriesOf(station.treasurer, station.entity.id);
    // Dated today: the entries list, where it is withdrawn, shows the last 60 days.
    const pending = await ctx
      .request()
      .post(`/api/entities/${station.entity.id}/payments`)
      .set(station.treasurer.auth)
      .send({ amount: '500.00', payee: '五金店', purpose: '更换门锁', category: 'program', method: 'cash', date: today(clock) })
      .expect(201);
    // A station with a published, not yet countersigned January.
    const published = await stationWithStaff(ctx);
    await receive(ctx, published.treasurer, published.entity.id, '300.00', { date: '2026-01-05' });
    await ctx.request().post(`/api/entities/${published.entity.id}/periods/2026-01/close`).set(published.treasurer.auth).expect(200);
    const report = await ctx.request().post(`/api/entities/${published.entity.id}/disclosures`).set(published.treasurer.auth).send({ period: '2026-01' }).expect(201);
    const grant = await grantScenario(ctx);
    const [submitted, reviewed, active, reporting, underReview, draft, reportable] = [
      await grant.application('submitted'),
      await grant.application('reviewed'),
      await grant.application('active'),
      await grant.application('reporting'),
      await grant.application('under_review'),
      await grant.application('draft'),
      await grant.application('active'),
    ];
    const s = `/app/e/${station.entity.code}`;
    const p = `/app/e/${published.entity.code}`;
    const g = `/app/g/${grant.foundation.entity.code}`;
    const typedApplication = { organization: '邻里互助会', contact: '赵丽 138****0000', summary: '把空地改成花园', requestedAmount: '300', budgetItem: ['苗木'], budgetAmount: ['300'] };
    const cases = [
      { user: station.treasurer, action: `${s}/transfer`, fields: { direction: 'deposit', amount: '12', date: '2026-03-06', fundCode: 'GENERAL', memo: '零钱存银行' }, shows: 'value="零钱存银行"' },
      { user: station.treasurer, action: `${s}/entries/${posted.id}/reverse`, fields: { reason: '重复记了一笔', date: '2026-03-07' }, shows: 'value="重复记了一笔"' },
      { user: station.treasurer, action: `${s}/close`, fields: { period: '2026-02', confirm: '1' }, shows: 'value="2026-02" checked' },
      { user: station.treasurer, action: `${s}/reconcile`, fields: { date: '2026-03-08', cashCounted: '321', bankStatementBalance: '0', note: '少了零钱' }, shows: 'value="少了零钱"' },
      { user: station.treasurer, action: `${s}/entries/${pending.body.id}/withdraw`, page: `${s}/entries`, fields: { reason: '金额记错了' }, shows: '金额记错了</textarea>' },
      { user: published.treasurer, action: `${p}/publish`, fields: { period: '2026-01', reason: '补上一张收据' }, shows: 'value="补上一张收据"' },
      { user: published.supervisor, action: `${p}/reports/${report.body.id}/countersign`, page: `${p}/countersign`, fields: { note: '核对无误' }, shows: 'value="核对无误"' },
      { user: grant.gm, action: `${g}/rounds/new`, fields: { title: '秋季公益创投', budget: '20000', opensOn: '2026-09-01', closesOn: '2026-09-30', minReviews: '1', rubricLabel: ['社区影响'], rubricWeight: ['1'] }, shows: 'value="秋季公益创投"' },
      { user: grant.gm, action: `${g}/applications/${submitted.id}/reviewers`, page: `${g}/applications/${submitted.id}`, fields: { userIds: [grant.otherReviewer.id] }, shows: `value="${grant.otherReviewer.id}" checked` },
      { user: grant.gm, action: `${g}/applications/${reviewed.id}/decision`, page: `${g}/applications/${reviewed.id}`, fields: { decision: 'rejected', awardAmount: '', rejectReason: '与社区需求不符' }, shows: '与社区需求不符</textarea>' },
      { user: grant.gm, action: `${g}/applications/${active.id}/refund`, page: `${g}/applications/${active.id}`, fields: { refundAmount: '23.50', refundDate: '2026-03-22' }, shows: 'value="23.50"' },
      { user: grant.gm, action: `${g}/applications/${reporting.id}/close`, page: `${g}/applications/${reporting.id}`, fields: { note: '花园已交给居民维护' }, shows: '花园已交给居民维护' },
      { user: grant.gm, action: `${g}/applications/${active.id}/amend`, page: `${g}/applications/${active.id}`, fields: { trancheAmount: ['100.00', '150.00', '50.00'], trancheCondition: ['on_signing', 'on_signing', 'on_signing'], amendNote: '第二期提前多拨' }, shows: '第二期提前多拨</textarea>' },
      { user: grant.reviewer, action: `/app/review/${underReview.id}/coi`, page: `/app/review/${underReview.id}`, fields: { conflict: 'yes', comment: '申请人是我的邻居' }, shows: 'value="申请人是我的邻居"' },
      { user: grant.applicant, action: `/app/rounds/${grant.round.id}/apply`, fields: { title: '楼道读书角', ...typedApplication }, shows: 'value="楼道读书角"' },
      { user: grant.applicant, action: `/app/applications/${draft.id}/edit`, fields: { title: '楼栋互助花园（改）', ...typedApplication }, shows: 'value="楼栋互助花园（改）"' },
      { user: grant.applicant, action: `/app/applications/${reportable.id}/report`, fields: { kind: 'progress', narrative: '苗木已种下', spent: '80' }, shows: '苗木已种下' },
    ];
    const results = [];
    for (const { user, action, page = action, fields, shows } of cases) {
      const agent = ctx.request();
      const body = new URLSearchParams({ _csrf: 'old' });
      for (const [name, value] of Object.entries(fields)) for (const item of [value].flat()) body.append(name, item);
      const sent = await agent.post(action).set(SAME_SITE).type('form').send(body.toString());
      await webLogin(agent, user);
      const shown = await agent.get(page);
      results.push({ action, next: sent.headers.location, status: shown.status, notice: shown.text.includes(notice), shows: shown.text.includes(shows) });
    }
    expect(results).toEqual(cases.map(({ action, page = action }) => ({ action, next: `/login?expired=1&next=${encodeURIComponent(page)}`, status: 200, notice: true, shows: true })));
    // Nothing typed was acted on: the pending payment still waits, no report was countersigned, no grant moved.
    expect((await entriesOf(station.treasurer, station.entity.id, '?status=pending_approval')).map((entry) => entry.status)).toEqual(['pending_approval']);
    expect((await ctx.request().get(`/api/public/disclosures/${report.body.id}`).expect(200)).body.countersignature ?? null).toBeNull();
    expect((await ctx.request().get(`/api/applications/${reporting.id}`).set(grant.gm.auth).expect(200)).body.status).toBe('reporting');
  });

  it('fills in a grant disbursement on its application page and a reviewer’s scores, moving no money', async () => {
    const scenario = await grantScenario(ctx);
    const active = await scenario.application('active');
    const manager = ctx.request();
    const code = scenario.foundation.entity.code;
    const sent = await manager
      .post(`/app/g/${code}/applications/${active.id}/disburse`)
      .set(SAME_SITE)
      .type('form')
      .send({ _csrf: 'old', disburseAmount: '100', disburseDate: '2026-03-21', method: 'bank', formKey: 'c'.repeat(32) })
      .expect(303);
    expect(sent.headers.location).toBe(`/login?expired=1&next=${encodeURIComponent(`/app/g/${code}/applications/${active.id}`)}`);
    await webLogin(manager, scenario.gm);
    const page = await manager.get(`/app/g/${code}/applications/${active.id}`).expect(200);
    expect(page.text).toMatch(/id="form-disburse"[\s\S]*请核对后再点保存[\s\S]*value="2026-03-21"/);
    const application = await ctx.request().get(`/api/applications/${active.id}`).set(scenario.gm.auth).expect(200);
    expect(application.body.disbursements).toHaveLength(1);

    const assigned = await scenario.application('under_review');
    const reviewer = ctx.request();
    const scored = await reviewer.post(`/app/review/${assigned.id}/scores`).set(SAME_SITE).type('form').send({ _csrf: 'old', score_impact: '4', score_feasibility: '3', comment: '花园选址合理' }).expect(303);
    expect(scored.headers.location).toBe(`/login?expired=1&next=${encodeURIComponent(`/app/review/${assigned.id}?step=scores`)}`);
    // Another reviewer of the foundation, not assigned to this application, is refused the page.
    const stranger = await createUser(ctx, [{ role: 'reviewer', entityId: scenario.foundationId }]);
    await webLogin(reviewer, stranger);
    expect((await reviewer.get(`/app/review/${assigned.id}?step=scores`)).text).not.toContain('花园选址合理');
    // The refused visit leaves the kept form waiting for the reviewer it belongs to.
    const token = csrfOf((await reviewer.get('/app/reviews').expect(200)).text);
    await reviewer.post('/logout').type('form').send({ _csrf: token }).expect(303);
    await webLogin(reviewer, scenario.reviewer);
    const review = await reviewer.get(`/app/review/${assigned.id}?step=scores`).expect(200);
    expect(review.text).toContain('value="花园选址合理"');
    expect(review.text).toMatch(/name="score_impact" value="4" checked/);
    expect((await ctx.request().get(`/api/applications/${assigned.id}`).set(scenario.gm.auth).expect(200)).body.reviews).toEqual([]);
  });
});

describe('a form sent from a page opened under an earlier session (logged in again in another tab)', () => {
  const ctx = useTestContext();
  const staleNotice = '页面已过期（您后来重新登录过），您刚才填写的内容已保留，还没有保存。请核对后再点保存。';

  async function paymentsTo(user: { auth: { Authorization: string } }, entityId: string, payee: string) {
    const items = (await ctx.request().get(`/api/entities/${entityId}/entries`).set(user.auth).expect(200)).body.items as { details: { counterparty?: { name?: string } } }[];
    return items.filter((entry) => entry.details.counterparty?.name === payee);
  }

  /** The payment form as typed, with the token of the page's earlier session. */
  function sendPayment(agent: supertest.Agent, base: string, headers: Record<string, string>) {
    return agent
      .post(`${base}/payment`)
      .set(headers)
      .field('_csrf', 'token-of-the-earlier-session')
      .field('amount', '120.5')
      .field('payee', '南坪文具店')
      .field('purpose', '买文具')
      .field('category', 'program')
      .field('method', 'cash')
      .field('date', today(ctx.clock))
      .field('fundCode', 'GENERAL')
      .field('formKey', 'd'.repeat(32))
      .attach('file', PNG, 'receipt.png');
  }

  it('saves nothing, keeps what was typed and shows the form filled in again on its page; saving then takes the new page’s token', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    await receive(ctx, treasurer, entity.id, '500.00', { date: today(ctx.clock) });
    const base = `/app/e/${entity.code}`;
    const agent = ctx.request();
    await webLogin(agent, treasurer);
    const sent = await sendPayment(agent, base, SAME_SITE).expect(303);
    expect(sent.headers.location).toBe(`${base}/payment?kept=stale`);
    expect(keptCookieOf(sent)).toMatch(/^kept_form=[\w-]{32};/);
    expect(await paymentsTo(treasurer, entity.id, '南坪文具店')).toEqual([]);

    const form = await agent.get(sent.headers.location).expect(200);
    expect(form.text).toContain(staleNotice);
    expect(form.text).toContain('value="120.5"');
    expect(form.text).toContain('value="南坪文具店"');
    expect(form.text).toContain('value="买文具"');
    expect(form.text).toContain('刚才选的照片没有保留，请重新选择一次。');
    expect(await paymentsTo(treasurer, entity.id, '南坪文具店')).toEqual([]);
    // Shown once: the same address afterwards is an empty form.
    expect((await agent.get(sent.headers.location).expect(200)).text).not.toContain('南坪文具店');

    const fields = { amount: '120.5', payee: '南坪文具店', purpose: '买文具', category: 'program', method: 'cash', date: today(ctx.clock), fundCode: 'GENERAL', formKey: 'd'.repeat(32) };
    await agent.post(`${base}/payment`).type('form').send({ ...fields, _csrf: csrfOf(form.text) }).expect(303);
    expect(await paymentsTo(treasurer, entity.id, '南坪文具店')).toHaveLength(1);
  });

  it('still refuses, and keeps nothing of, a form another site sent or one that does not say where it came from', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const base = `/app/e/${entity.code}`;
    const agent = ctx.request();
    await webLogin(agent, treasurer);
    const senders: Record<string, string>[] = [{ 'Sec-Fetch-Site': 'cross-site' }, { 'Sec-Fetch-Site': 'same-site' }, { Host: 'ledger.example', Origin: 'https://evil.example' }, {}];
    for (const headers of senders) {
      const refused = await sendPayment(agent, base, headers).expect(403);
      expect(refused.text).toContain('请刷新页面后再提交');
      expect(keptCookieOf(refused)).toBeUndefined();
      // 返回 leads back to the form, not to the public home page.
      expect(refused.text).toContain(`href="${base}/payment"`);
    }
    const form = await agent.get(`${base}/payment?kept=stale`).expect(200);
    expect(form.text).not.toContain('南坪文具店');
    expect(form.text).not.toContain('页面已过期');
    expect(await paymentsTo(treasurer, entity.id, '南坪文具店')).toEqual([]);
  });
});
