/**
 * The conventions of API.md that hold across every route family: a path whose id cannot name
 * a record is a 404 like any record that is not there (API and pages), while the same value in
 * a query or a body stays a 400.
 */
import crypto from 'node:crypto';
import { useTestContext } from '../support/context';
import { admin, createUser, foundationWithStaff, stationWithStaff, TestUser } from '../factories';
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
    const inQuery = await ctx.request().get(`/api/rounds?entityId=${NOT_AN_ID}`);
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
