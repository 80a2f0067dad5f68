/**
 * The conventions of API.md that hold across every route family: a path whose id cannot name
 * a record is a 404 like any record that is not there (API and pages), while the same value in
 * a query or a body stays a 400; and every list takes `limit` and `cursor` and answers
 * `{ items, nextCursor }`, its pages together being the whole list.
 */
import crypto from 'node:crypto';
import { useTestContext } from '../support/context';
import { admin, createUser, foundationWithStaff, receive, stationWithStaff, TestUser } from '../factories';
import { grantScenario } from '../factories/grants';
import { csrfOf, webLogin } from './web-support';

const ctx = useTestContext();

const NOT_AN_ID = 'abc';
/** Path parameters that hold a value rather than name a record: a bad one is a 400. */
const VALUE_PARAMS: Record<string, string> = { period: '2026-03' };

describe('ids in paths', () => {
  test('every API path with a parameter that names a record answers 404 not_found when it is not an id', async () => {
    const boss = await admin(ctx);
    const document = (await ctx.request().get('/api/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const seen: object[] = [];
    const wanted: object[] = [];
    for (const [template, operations] of Object.entries(document.paths)) {
      const names = [...template.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).filter((name) => !(name in VALUE_PARAMS));
      for (const method of Object.keys(operations)) {
        for (const broken of names) {
          const path = template.replace(/\{(\w+)\}/g, (_all, name: string) => (name === broken ? NOT_AN_ID : (VALUE_PARAMS[name] ?? (name === 'code' ? '1001' : crypto.randomUUID()))));
          const response = await ctx.request()[method as 'get'](path).set(boss.auth).send({});
          const route = `${method.toUpperCase()} ${template} with ${broken}=${NOT_AN_ID}`;
          seen.push({ route, status: response.status, type: response.headers['content-type'], code: response.body.code, errorPaths: response.body.errors?.map((error: { path: string }) => error.path) });
          wanted.push({ route, status: 404, type: 'application/problem+json; charset=utf-8', code: 'not_found', errorPaths: [`params.${broken}`] });
        }
      }
    }
    expect(seen).toEqual(wanted);
    expect(seen.length).toBeGreaterThan(40);
  });

  test('the same bad id in a query or a body is a 400, and so is a malformed period in a path', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const foundation = await foundationWithStaff(ctx);
    const inQuery = await ctx.request().get(`/api/public/rounds?entityId=${NOT_AN_ID}`);
    expect([inQuery.status, inQuery.body.errors?.[0]?.path]).toEqual([400, 'query.entityId']);
    const inBody = await ctx.request().post('/api/rounds').set(foundation.grantManager.auth).send({ entityId: NOT_AN_ID });
    expect(inBody.status).toBe(400);
    expect(inBody.body.errors).toContainEqual({ path: 'body.entityId', message: expect.any(String) });
    const period = await ctx.request().post(`/api/entities/${entity.id}/periods/2026-13/close`).set(treasurer.auth);
    expect([period.status, period.body.code]).toEqual([400, 'invalid_request']);
  });

  test('an id that is well formed but unknown is the same 404', async () => {
    const { treasurer, entity } = await stationWithStaff(ctx);
    const unknown = await ctx.request().get(`/api/entities/${entity.id}/entries/${crypto.randomUUID()}`).set(treasurer.auth);
    const malformed = await ctx.request().get(`/api/entities/${entity.id}/entries/${NOT_AN_ID}`).set(treasurer.auth);
    expect([unknown.status, unknown.body.code, unknown.body.title]).toEqual([404, 'not_found', 'Not Found']);
    expect([malformed.status, malformed.body.code, malformed.body.title]).toEqual([unknown.status, unknown.body.code, unknown.body.title]);
  });

  test('web pages whose path has an id answer a Chinese 404 page when it is not one', async () => {
    const station = await stationWithStaff(ctx);
    const foundation = await foundationWithStaff(ctx);
    const applicant = await createUser(ctx, [{ role: 'applicant' }]);
    const s = `/app/e/${station.entity.code}`;
    const g = `/app/g/${foundation.entity.code}`;
    const anyId = crypto.randomUUID();
    const pages: { user?: TestUser; method: 'get' | 'post'; path: string; formFrom?: string }[] = [
      { method: 'get', path: `/reports/${NOT_AN_ID}` },
      { method: 'get', path: `/verify/${NOT_AN_ID}` },
      { method: 'get', path: `/e/${foundation.entity.code}/rounds/${NOT_AN_ID}` },
      { user: station.treasurer, method: 'get', path: `${s}/entries/${NOT_AN_ID}/reverse` },
      { user: station.treasurer, method: 'post', path: `${s}/entries/${NOT_AN_ID}/reverse`, formFrom: `${s}/receipt` },
      { user: station.supervisor, method: 'post', path: `${s}/entries/${NOT_AN_ID}/approve`, formFrom: `${s}/approvals` },
      { user: station.supervisor, method: 'post', path: `${s}/entries/${NOT_AN_ID}/reject`, formFrom: `${s}/approvals` },
      { user: station.treasurer, method: 'post', path: `${s}/entries/${NOT_AN_ID}/withdraw`, formFrom: `${s}/receipt` },
      { user: station.supervisor, method: 'post', path: `${s}/reports/${NOT_AN_ID}/countersign`, formFrom: `${s}/countersign` },
      { user: foundation.grantManager, method: 'get', path: `${g}/rounds/${NOT_AN_ID}` },
      { user: foundation.grantManager, method: 'get', path: `${g}/applications/${NOT_AN_ID}` },
      { user: foundation.grantManager, method: 'post', path: `${g}/applications/${anyId}/reviewers/${NOT_AN_ID}/remove`, formFrom: g },
      { user: foundation.reviewers[0], method: 'get', path: `/app/review/${NOT_AN_ID}` },
      { user: applicant, method: 'get', path: `/app/applications/${NOT_AN_ID}` },
      { user: applicant, method: 'get', path: `/app/rounds/${NOT_AN_ID}/apply` },
    ];
    const failures: string[] = [];
    for (const { user, method, path, formFrom } of pages) {
      const agent = ctx.request();
      if (user) await webLogin(agent, user);
      const fields = formFrom ? { _csrf: csrfOf((await agent.get(formFrom).expect(200)).text) } : {};
      const response = method === 'get' ? await agent.get(path) : await agent.post(path).type('form').send(fields);
      if (response.status !== 404 || !response.headers['content-type'].startsWith('text/html') || !response.text.includes('没有找到')) {
        failures.push(`${method.toUpperCase()} ${path} → ${response.status} ${response.headers['content-type']}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

describe('paths no route answers', () => {
  const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

  test('a browser gets the Chinese 404 page for any unknown page, logged in or not', async () => {
    const station = await stationWithStaff(ctx);
    const paths = ['/nope', '/reports', '/reports/', '/e/', `/e/${station.entity.code}/xyz`, '/app/nope', `/app/e/${station.entity.code}/nope`];
    const answers: string[] = [];
    const treasurer = ctx.request();
    await webLogin(treasurer, station.treasurer);
    for (const agent of [ctx.request(), treasurer]) {
      for (const path of paths) {
        const response = await agent.get(path).set('Accept', BROWSER);
        answers.push(`${path} → ${response.status} ${response.headers['content-type']} ${response.text.includes('<h1>没有找到</h1>')}`);
      }
    }
    expect(answers).toEqual([...paths, ...paths].map((path) => `${path} → 404 text/html; charset=utf-8 true`));
  });

  test('API paths and clients that do not ask for HTML keep the problem+json 404', async () => {
    for (const [path, accept] of [['/api/nope', 'text/html'], ['/nope', 'application/json'], ['/nope', undefined]] as const) {
      const request = ctx.request().get(path);
      const response = await (accept ? request.set('Accept', accept) : request);
      expect([path, accept, response.status, response.headers['content-type'], response.body.code]).toEqual([path, accept, 404, 'application/problem+json; charset=utf-8', 'not_found']);
    }
  });

  test('/favicon.ico is no content, and pages name the SVG icon that is served', async () => {
    const icon = await ctx.request().get('/favicon.ico').set('Accept', 'image/avif,image/webp,image/*,*/*;q=0.8');
    expect(icon.status).toBe(204);
    const home = await ctx.request().get('/').expect(200);
    expect(home.text).toContain('<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">');
    const svg = await ctx.request().get('/static/favicon.svg').expect(200);
    expect(svg.headers['content-type']).toContain('image/svg+xml');
  });
});

describe('lists', () => {
  type Auth = { Authorization: string } | Record<string, never>;
  const withQuery = (path: string, query: string) => `${path}${path.includes('?') ? '&' : '?'}${query}`;

  /** Follows nextCursor from the first page to the last, `limit` items at a time. */
  async function walk(path: string, auth: Auth, limit: number) {
    const items: unknown[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response: { status: number; body: { items: unknown[]; nextCursor: string | null } } = await ctx.request().get(withQuery(path, `limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).set(auth);
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
      expect(response.body.items.length).toBeLessThanOrEqual(limit);
      items.push(...response.body.items);
      cursor = response.body.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 50);
    return { items, pages };
  }

  async function books() {
    const boss = await admin(ctx);
    const station = await stationWithStaff(ctx, { approvalThreshold: '100.00' });
    const { entity, treasurer, supervisor } = station;
    const base = `/api/entities/${entity.id}`;
    const send = async (path: string, body: object, user: TestUser = treasurer) => {
      const response = await ctx.request().post(`${base}${path}`).set(user.auth).send(body);
      expect({ path, status: response.status }).toEqual({ path, status: path.includes('/close') ? 200 : 201 });
    };
    await receive(ctx, treasurer, entity.id, '1000.00', { date: '2025-12-01' });
    for (const code of ['PARKING', 'ELDERLY']) await send('/funds', { code, name: `资金 ${code}`, restricted: false });
    for (const code of ['P1', 'P2', 'P3']) await send('/projects', { code, name: `项目 ${code}` });
    // Two payments of 60.00 to one payee on one day, under the 100.00 threshold each: one flag per day.
    for (const date of ['2026-01-05', '2026-01-06', '2026-01-07']) {
      for (let i = 0; i < 2; i += 1) await send('/payments', { date, amount: '60.00', method: 'cash', payee: '李师傅', purpose: '维修', category: 'program' });
    }
    for (const date of ['2026-01-10', '2026-01-20', '2026-01-31']) await send('/reconciliations', { date, cashCounted: '0', bankStatementBalance: '0' });
    for (const month of ['2025-12', '2026-01', '2026-02']) await send(`/periods/${month}/close`, {});
    for (const period of ['2025-12', '2026-01', '2026-02']) await send('/disclosures', { period });
    return { boss, station, supervisor, base };
  }

  test('every list pages by limit and cursor, and its pages together are the whole list in order', async () => {
    const { boss, station, supervisor, base } = await books();
    const grants = await grantScenario(ctx);
    await grantScenario(ctx);
    await grantScenario(ctx);
    for (let i = 0; i < 3; i += 1) await grants.application('draft');
    const anonymous: Auth = {};
    const lists: [string, Auth][] = [
      ['/api/public/entities', anonymous],
      [`/api/public/entities/${station.entity.id}/calendar`, anonymous],
      [`/api/public/disclosures?entityId=${station.entity.id}`, anonymous],
      ['/api/public/disclosures', anonymous],
      [`${base}/accounts`, station.treasurer.auth],
      [`${base}/funds`, station.treasurer.auth],
      [`${base}/projects`, station.treasurer.auth],
      [`${base}/periods`, station.treasurer.auth],
      [`${base}/reconciliations`, station.treasurer.auth],
      [`${base}/entries`, station.treasurer.auth],
      [`${base}/approval-flags`, supervisor.auth],
      ['/api/rounds', grants.applicant.auth],
      ['/api/public/rounds', anonymous],
      [`/api/rounds/${grants.round.id}/applications`, grants.gm.auth],
      ['/api/applications', grants.applicant.auth],
      ['/api/users', boss.auth],
    ];
    for (const [path, auth] of lists) {
      const whole = await ctx.request().get(withQuery(path, 'limit=500')).set(auth);
      expect({ path, status: whole.status, nextCursor: whole.body.nextCursor }).toEqual({ path, status: 200, nextCursor: null });
      expect({ path, enough: whole.body.items.length >= 3 }).toEqual({ path, enough: true });
      const paged = await walk(path, auth, 2);
      expect({ path, items: paged.items }).toEqual({ path, items: whole.body.items });
      expect(paged.pages).toBe(Math.ceil(whole.body.items.length / 2));
      const first = await ctx.request().get(withQuery(path, 'limit=1')).set(auth);
      expect({ path, items: first.body.items.length, hasCursor: typeof first.body.nextCursor === 'string' }).toEqual({ path, items: 1, hasCursor: true });
      // A cursor that names nothing of the list is a 400.
      const bad = await ctx.request().get(withQuery(path, 'cursor=bm90LWEta2V5')).set(auth);
      expect({ path, status: bad.status }).toEqual({ path, status: 400 });
    }
  });

  test('a list without limit sends at most 50 items, with a cursor for the rest', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    for (let i = 0; i < 40; i += 1) {
      const sub = await ctx.request().post(`/api/entities/${entity.id}/accounts`).set(treasurer.auth).send({ code: `4901${String(10 + i)}`, name: `其他收入-${i}`, parentCode: '4901' });
      expect(sub.status).toBe(201);
    }
    const first = await ctx.request().get(`/api/entities/${entity.id}/accounts`).set(treasurer.auth);
    expect(first.body.items).toHaveLength(50);
    const rest = await ctx.request().get(`/api/entities/${entity.id}/accounts?cursor=${first.body.nextCursor}`).set(treasurer.auth);
    expect(rest.body).toEqual({ items: expect.any(Array), nextCursor: null });
    expect(first.body.items.length + rest.body.items.length).toBe(60);
  });

  test('a query parameter in array or object form, or a limit that is not plain digits, is a 400 naming it', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const base = `/api/entities/${entity.id}`;
    const cases: [string, string][] = [
      [`${base}/trial-balance?asOf[]=2026-01-31`, 'query.asOf'],
      [`${base}/entries?from[]=2026-01-01`, 'query.from'],
      [`${base}/entries?cursor[a]=b`, 'query.cursor'],
      [`${base}/accounts?limit[]=2`, 'query.limit'],
      [`${base}/accounts?limit=1e2`, 'query.limit'],
      [`${base}/accounts?limit=0x10`, 'query.limit'],
      [`${base}/accounts?limit=%205`, 'query.limit'],
      [`${base}/entries?accountCode=1001&accountCode=1002`, 'query.accountCode'],
      // A range that ends before it starts.
      [`${base}/export/journal?from=2026-03-02&to=2026-03-01`, 'query.from'],
      [`${base}/entries?from=2026-03-02&to=2026-03-01`, 'query.from'],
    ];
    const twice = await ctx.request().get(`${base}/trial-balance?asOf=2026-01-31&asOf=2026-02-28`).set(treasurer.auth);
    expect(twice.body.errors).toEqual([{ path: 'query.asOf', message: 'a single value; the parameter was given more than once' }]);
    for (const [path, field] of cases) {
      const response = await ctx.request().get(path).set(treasurer.auth);
      expect({ path, status: response.status, type: response.type, fields: response.body.errors?.map((e: { path: string }) => e.path) }).toEqual({ path, status: 400, type: 'application/problem+json', fields: [field] });
    }
    // A plain value still works, and so does a parameter the route does not take.
    expect((await ctx.request().get(`${base}/accounts?limit=7&_=1700000000`).set(treasurer.auth)).body.items).toHaveLength(7);
  });

  test('GET /api/public/disclosures lists every entity newest first without entityId; limit, cursor and entityId are its only parameters', async () => {
    const { station } = await books();
    const other = await stationWithStaff(ctx);
    expect((await ctx.request().post(`/api/entities/${other.entity.id}/periods/2026-01/close`).set(other.treasurer.auth)).status).toBe(200);
    const latest = await ctx.request().post(`/api/entities/${other.entity.id}/disclosures`).set(other.treasurer.auth).send({ period: '2026-01' });
    expect(latest.status).toBe(201);

    const all = await ctx.request().get('/api/public/disclosures?limit=500');
    expect(all.status).toBe(200);
    expect(all.body.items[0]).toMatchObject({ id: latest.body.id, entityId: other.entity.id, latest: true });
    const published = all.body.items.map((item: { publishedAt: string }) => item.publishedAt);
    expect(published).toEqual([...published].sort().reverse());
    const mine = await ctx.request().get(`/api/public/disclosures?entityId=${station.entity.id}`);
    expect(mine.body.items.map((item: { period: string }) => item.period)).toEqual(['2026-02', '2026-01', '2025-12']);
    expect(mine.body.items.every((item: { entityId: string }) => item.entityId === station.entity.id)).toBe(true);

    for (const query of ['limit=0', 'limit=501', 'limit=ten', 'cursor=not-a-cursor', 'entityId=abc', 'sort=asc']) {
      const refused = await ctx.request().get(`/api/public/disclosures?${query}`);
      expect({ query, status: refused.status, code: refused.body.code }).toEqual({ query, status: 400, code: 'invalid_request' });
    }
    expect((await ctx.request().get(`/api/public/disclosures?entityId=${crypto.randomUUID()}`)).status).toBe(404);
  });
});
