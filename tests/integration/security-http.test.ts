/**
 * HTTP hardening: security headers, body size limit, closed CORS, error bodies without stack
 * traces or SQL, and attachments checked by content and size.
 */
import supertest from 'supertest';
import { useTestContext } from '../support/context';
import { receive, stationWithStaff } from '../factories';
import { buildApp } from '../../src/app';
import { createDb } from '../../src/db/knex';
import { freePort } from '../../src/db/embedded';
import { createLogger } from '../../src/shared/logger';

const ctx = useTestContext();

function expectCleanProblem(response: { status: number; headers: Record<string, string>; text: string }, status: number) {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toContain('application/problem+json');
  expect(response.text).not.toMatch(/at \S+ \(|node_modules|\.ts:\d+|select |insert into|update |SQLSTATE|relation "|violates/i);
}

describe('HTTP hardening', () => {
  test('requests the plumbing cannot read are 4xx problems, never a 500', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const entry = await receive(ctx, treasurer, entity.id, '10.00');
    // A bad percent-escape in a path, on the API and on pages.
    for (const path of ['/api/rounds/%', '/api/public/disclosures/%E4']) expectCleanProblem(await ctx.request().get(path), 400);
    for (const path of ['/e/%ff', '/reports/%']) {
      const page = await ctx.request().get(path).set('Accept', 'text/html');
      expect(page.status).toBe(400);
      expect(page.text).toContain('这个网址或提交的内容无法读取');
    }
    // A charset the parsers do not read, and a body that does not decompress.
    expectCleanProblem(await ctx.request().post('/api/auth/login').set('Content-Type', 'application/json; charset=latin1').send('{}'), 400);
    expectCleanProblem(await ctx.request().post('/login').set('Content-Type', 'application/x-www-form-urlencoded; charset=koi8-r').send('a=b'), 400);
    for (const encoding of ['gzip', 'deflate', 'br']) {
      expectCleanProblem(await ctx.request().post('/api/auth/login').set('Content-Type', 'application/json').set('Content-Encoding', encoding).send('{}'), 400);
    }
    // A multipart upload without a boundary, or cut short.
    const upload = `/api/entities/${entity.id}/entries/${entry.id}/attachments`;
    expectCleanProblem(await ctx.request().post(upload).set(treasurer.auth).set('Content-Type', 'multipart/form-data').send('x'), 400);
    const cut = Buffer.from('--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n\x89PNG\r\n', 'latin1');
    expectCleanProblem(await ctx.request().post(upload).set(treasurer.auth).set('Content-Type', 'multipart/form-data; boundary=xyz').send(cut), 400);
  });

  test('with the database unreachable, /healthz is a 503 and requests are 503s with Retry-After, not 500s', async () => {
    const gone = createDb(`postgres://nobody:x@127.0.0.1:${await freePort()}/ledger`, { max: 2 });
    try {
      const app = supertest(buildApp({ config: ctx.config, db: gone, clock: ctx.clock, logger: createLogger('silent') }));
      const health = await app.get('/healthz');
      expect([health.status, health.body]).toEqual([503, { ok: false, database: 'unreachable' }]);
      const api = await app.get('/api/public/entities');
      expectCleanProblem(api, 503);
      expect([api.body.code, api.body.title, api.headers['retry-after']]).toEqual(['service_unavailable', 'Service Unavailable', '30']);
      const page = await app.get('/').set('Accept', 'text/html');
      expect([page.status, page.headers['retry-after']]).toEqual([503, '30']);
      expect(page.text).toContain('账本的数据库暂时连不上，这一步没有保存任何内容');
    } finally {
      await gone.destroy();
    }
    expect((await ctx.request().get('/healthz')).body).toEqual({ ok: true });
  });

  test('security headers are set on API answers and pages', async () => {
    for (const path of ['/healthz', '/api/public/entities', '/api/nothing-here']) {
      const response = await ctx.request().get(path);
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['content-security-policy']).toMatch(/default-src 'self'/);
      expect(response.headers['content-security-policy']).toMatch(/script-src 'self'/);
      expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(response.headers['referrer-policy']).toBe('no-referrer');
      expect(response.headers['x-powered-by']).toBeUndefined();
    }
  });

  test('a body over the limit is a 413 problem', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const response = await ctx
      .request()
      .post(`/api/entities/${entity.id}/receipts`)
      .set(treasurer.auth)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ kind: 'donation', date: '2026-03-01', amount: '1.00', method: 'cash', memo: 'x'.repeat(2 * 1024 * 1024) }));
    expectCleanProblem(response, 413);
    expect(response.body.code).toBe('payload_too_large');
  });

  test('CORS is closed: a cross-origin request and a preflight get no Access-Control-Allow-Origin', async () => {
    const { treasurer } = await stationWithStaff(ctx);
    const simple = await ctx.request().get('/api/me').set(treasurer.auth).set('Origin', 'https://evil.example');
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
    expect(simple.headers['access-control-allow-credentials']).toBeUndefined();
    const preflight = await ctx
      .request()
      .options('/api/auth/login')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type,authorization');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
  });

  test('error answers carry no stack trace or SQL', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const base = `/api/entities/${entity.id}`;
    expectCleanProblem(await ctx.request().post(`${base}/receipts`).set(treasurer.auth).set('Content-Type', 'application/json').send('{"kind":'), 400);
    expectCleanProblem(await ctx.request().get('/api/entities/not-a-uuid').set(treasurer.auth), 404);
    expectCleanProblem(await ctx.request().get(`${base}/entries/00000000-0000-4000-8000-000000000000`).set(treasurer.auth), 404);
    expectCleanProblem(await ctx.request().post(`${base}/entries`).set(treasurer.auth).send({ date: '2026-03-01', memo: 'x', lines: [{ accountCode: '1001', debit: '1.00' }, { accountCode: '9999', credit: '1.00' }] }), 422);
    expectCleanProblem(await ctx.request().post(`${base}/payments`).set(treasurer.auth).send({ date: '2026-03-01', amount: '99999.00', method: 'cash', payee: 'x', purpose: 'x', category: 'admin' }), 422);
    expectCleanProblem(await ctx.request().post(`${base}/receipts`).set(treasurer.auth).send({ kind: 'donation', date: '2026-03-01', amount: '1.00', method: 'cash', payer: 'a\u0000b' }), 400);
    await ctx.request().post(`${base}/periods/2026-02/close`).set(treasurer.auth);
    expectCleanProblem(await ctx.request().post(`${base}/periods/2026-02/close`).set(treasurer.auth), 409);
    expectCleanProblem(await ctx.request().get('/api/me').set('Authorization', 'Bearer x.y.z'), 401);
  });

  test('uploads are checked by content type (a .jpg name with text content is a 400 unsupported_media_type) and size (over 5 MB is a 400 file_too_large)', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const entry = await receive(ctx, treasurer, entity.id, '20.00');
    const url = `/api/entities/${entity.id}/entries/${entry.id}/attachments`;
    const text = await ctx.request().post(url).set(treasurer.auth).attach('file', Buffer.from('just some text, not a photo'), { filename: 'receipt.jpg', contentType: 'image/jpeg' });
    expectCleanProblem(text, 400);
    expect(text.body.code).toBe('unsupported_media_type');
    const html = await ctx.request().post(url).set(treasurer.auth).attach('file', Buffer.from('<html><script>alert(1)</script></html>'), { filename: 'scan.pdf', contentType: 'application/pdf' });
    expectCleanProblem(html, 400);
    expect(html.body.code).toBe('unsupported_media_type');
    const big = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(5 * 1024 * 1024 + 1)]);
    const oversized = await ctx.request().post(url).set(treasurer.auth).attach('file', big, { filename: 'big.jpg', contentType: 'image/jpeg' });
    expectCleanProblem(oversized, 400);
    expect(oversized.body.code).toBe('file_too_large');
    const jpeg = await ctx.request().post(url).set(treasurer.auth).attach('file', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(100)]), { filename: 'ok.txt', contentType: 'text/plain' });
    expect(jpeg.status).toBe(201);
    expect(jpeg.body.contentType).toBe('image/jpeg');
    const listed = await ctx.request().get(`/api/entities/${entity.id}/entries/${entry.id}`).set(treasurer.auth);
    expect(listed.body.attachments).toHaveLength(1);
  });
});
