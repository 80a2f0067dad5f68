import { useTestContext } from '../support/context';
import { FACTORY_PASSWORD, stationWithStaff } from '../factories';
import { csrfOf, formToken, webLogin } from './web-support';

describe('web sessions and CSRF', () => {
  const ctx = useTestContext();

  function setCookies(response: { headers: Record<string, unknown> }): string[] {
    const header = response.headers['set-cookie'];
    return Array.isArray(header) ? (header as string[]) : [];
  }

  describe('POST /login', () => {
    it('sets an http-only, SameSite=Lax session cookie carrying a JWT, not Secure over plain http', async () => {
      const { treasurer } = await stationWithStaff(ctx);
      const agent = ctx.request();
      const token = await formToken(agent, '/login');
      const response = await agent.post('/login').type('form').send({ _csrf: token, username: treasurer.username, password: FACTORY_PASSWORD }).expect(303);
      const session = setCookies(response).find((cookie) => cookie.startsWith('session='));
      expect(session).toBeDefined();
      expect(session).toMatch(/^session=[\w-]+\.[\w-]+\.[\w-]+;/);
      expect(session).toMatch(/HttpOnly/i);
      expect(session).toMatch(/SameSite=Lax/i);
      expect(session).not.toMatch(/Secure/i);
      // The cookie alone now opens the treasurer's pages.
      const home = await agent.get('/app').redirects(1).expect(200);
      expect(home.text).toContain('记一笔收入');
    });

    it('marks the cookie Secure when the request came over https', async () => {
      const { treasurer } = await stationWithStaff(ctx);
      const agent = ctx.request();
      const token = await formToken(agent, '/login');
      const response = await agent
        .post('/login')
        .set('X-Forwarded-Proto', 'https')
        .type('form')
        .send({ _csrf: token, username: treasurer.username, password: FACTORY_PASSWORD })
        .expect(303);
      expect(setCookies(response).find((cookie) => cookie.startsWith('session='))).toMatch(/Secure/);
    });

    it('refuses a login without a CSRF token or with a wrong one (403) and sets no session', async () => {
      const { treasurer } = await stationWithStaff(ctx);
      const agent = ctx.request();
      await formToken(agent, '/login');
      const missing = await agent.post('/login').type('form').send({ username: treasurer.username, password: FACTORY_PASSWORD }).expect(403);
      expect(missing.text).toContain('请刷新页面');
      expect(setCookies(missing).some((cookie) => cookie.startsWith('session='))).toBe(false);
      const wrong = await agent.post('/login').type('form').send({ _csrf: 'forged-token', username: treasurer.username, password: FACTORY_PASSWORD }).expect(403);
      expect(setCookies(wrong).some((cookie) => cookie.startsWith('session='))).toBe(false);
    });

    it('says in Chinese that the password is wrong and keeps the username', async () => {
      const { treasurer } = await stationWithStaff(ctx);
      const agent = ctx.request();
      const token = await formToken(agent, '/login');
      const response = await agent.post('/login').type('form').send({ _csrf: token, username: treasurer.username, password: 'not-the-password' }).expect(401);
      expect(response.text).toContain('用户名或密码不对');
      expect(response.text).toContain(`value="${treasurer.username}"`);
      expect(setCookies(response).some((cookie) => cookie.startsWith('session='))).toBe(false);
    });

    it('returns to the page the visitor first asked for, and never to another site', async () => {
      const { entity, treasurer } = await stationWithStaff(ctx);
      const agent = ctx.request();
      const gate = await agent.get(`/app/e/${entity.code}/receipt`).expect(303);
      expect(gate.headers.location).toBe(`/login?next=${encodeURIComponent(`/app/e/${entity.code}/receipt`)}`);
      const token = await formToken(agent, gate.headers.location);
      const back = await agent.post('/login').type('form').send({ _csrf: token, username: treasurer.username, password: FACTORY_PASSWORD, next: `/app/e/${entity.code}/receipt` }).expect(303);
      expect(back.headers.location).toBe(`/app/e/${entity.code}/receipt`);

      const other = ctx.request();
      const otherToken = await formToken(other, '/login');
      const offsite = await other.post('/login').type('form').send({ _csrf: otherToken, username: treasurer.username, password: FACTORY_PASSWORD, next: '//evil.example/' }).expect(303);
      expect(offsite.headers.location).toBe('/app');
    });
  });

  describe('form POSTs need the CSRF token of the session', () => {
    it('refuses a receipt without a token or with another session’s token, and writes nothing', async () => {
      const { entity, treasurer, supervisor } = await stationWithStaff(ctx);
      const agent = ctx.request();
      await webLogin(agent, treasurer);
      const form = { kind: 'parking', method: 'cash', amount: '150', date: '2026-03-05' };
      const without = await agent.post(`/app/e/${entity.code}/receipt`).type('form').send(form).expect(403);
      expect(without.text).toContain('请刷新页面后再提交');

      const stranger = ctx.request();
      await webLogin(stranger, supervisor);
      const strangersToken = csrfOf((await stranger.get(`/app/e/${entity.code}`).expect(200)).text);
      await agent.post(`/app/e/${entity.code}/receipt`).type('form').send({ ...form, _csrf: strangersToken }).expect(403);

      const entries = await ctx.request().get(`/api/entities/${entity.id}/entries`).set(treasurer.auth).expect(200);
      expect(entries.body.items).toEqual([]);
    });

    it('sends a stale page back to the form it came from (the 返回 link), never off the site', async () => {
      const { entity, treasurer } = await stationWithStaff(ctx);
      const agent = ctx.request();
      await webLogin(agent, treasurer);
      const form = { kind: 'parking', method: 'cash', amount: '150', date: '2026-03-05', _csrf: 'stale' };
      const from = `http://ledger.example/app/e/${entity.code}/receipt?kind=parking`;
      const stale = await agent.post(`/app/e/${entity.code}/receipt`).set('Host', 'ledger.example').set('Referer', from).type('form').send(form).expect(403);
      expect(stale.text).toContain(`href="/app/e/${entity.code}/receipt?kind=parking"`);
      for (const referer of ['https://evil.example/app', 'http://ledger.example//evil.example', 'http://ledger.example/\\evil.example']) {
        const foreign = await agent.post(`/app/e/${entity.code}/receipt`).set('Host', 'ledger.example').set('Referer', referer).type('form').send(form).expect(403);
        expect({ referer, leaks: foreign.text.includes('evil.example') }).toEqual({ referer, leaks: false });
      }
    });
  });

  describe('a form sent after the session ended', () => {
    // What was typed comes back after login when the browser says a page of this site sent the
    // form (web-kept-forms.test.ts); this request says nothing of the kind, so nothing is kept.
    it('is not saved, and the login page says so and leads back to the form (the page of the address it was sent to, whatever the Referer says)', async () => {
      const { entity, treasurer } = await stationWithStaff(ctx);
      const agent = ctx.request();
      const from = `http://ledger.example/app/e/${entity.code}/payment`;
      const sent = await agent.post(`/app/e/${entity.code}/receipt`).set('Host', 'ledger.example').set('Referer', from).type('form').send({ kind: 'parking', method: 'cash', amount: '150', date: '2026-03-05' }).expect(303);
      expect(sent.headers.location).toBe(`/login?expired=1&next=${encodeURIComponent(`/app/e/${entity.code}/receipt`)}`);
      const login = await agent.get(sent.headers.location).expect(200);
      expect(login.text).toContain('登录已过期或已经退出，刚才填写的内容没有保存');
      expect(login.text).toContain(`name="next" value="/app/e/${entity.code}/receipt"`);
      // A plain visit to a page behind login asks for login without that warning.
      const visit = await agent.get(`/app/e/${entity.code}`).expect(303);
      expect((await agent.get(visit.headers.location).expect(200)).text).not.toContain('登录已过期');
      expect((await ctx.request().get(`/api/entities/${entity.id}/entries`).set(treasurer.auth).expect(200)).body.items).toEqual([]);
    });
  });

  describe('POST /logout', () => {
    it('clears the session cookie, after which the pages ask for login again', async () => {
      const { entity, treasurer } = await stationWithStaff(ctx);
      const agent = ctx.request();
      await webLogin(agent, treasurer);
      const token = csrfOf((await agent.get(`/app/e/${entity.code}`).expect(200)).text);
      const out = await agent.post('/logout').type('form').send({ _csrf: token }).expect(303);
      expect(setCookies(out).find((cookie) => cookie.startsWith('session='))).toMatch(/Expires=Thu, 01 Jan 1970/);
      await agent.get(`/app/e/${entity.code}`).expect(303);
    });

    it('refuses to log out without the token (a cross-site page cannot log the treasurer out)', async () => {
      const { treasurer } = await stationWithStaff(ctx);
      const agent = ctx.request();
      await webLogin(agent, treasurer);
      await agent.post('/logout').type('form').send({}).expect(403);
      await agent.get('/app').redirects(1).expect(200);
    });
  });
});
