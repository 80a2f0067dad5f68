/**
 * Tokens and login: forged, expired, tampered and orphaned tokens are refused where a token is
 * needed and ignored where none is (the public API and pages); login gives one answer for an
 * unknown user and a wrong password, in similar time; failed attempts are rate-limited.
 */
import jwt from 'jsonwebtoken';
import { useTestContext } from '../support/context';
import { admin, createUser, FACTORY_PASSWORD, stationWithStaff } from '../factories';
import { formToken } from './web-support';

const ctx = useTestContext({ env: { LOGIN_RATE_LIMIT: '5' } });
const CLAIMS = { issuer: 'community-fund-ledger', audience: 'community-fund-ledger' };

function b64(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

async function expect401(token: string, path: string) {
  const response = await ctx.request().get(path).set('Authorization', `Bearer ${token}`);
  expect(response.status).toBe(401);
  expect(response.headers['content-type']).toContain('application/problem+json');
  expect(response.body.code).toBe('unauthenticated');
}

describe('bearer tokens', () => {
  test('alg none, a wrong secret, an expired token and a tampered payload are each a 401', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const path = `/api/entities/${entity.id}/trial-balance`;
    expect((await ctx.request().get(path).set(treasurer.auth)).status).toBe(200);

    const now = Math.floor(Date.now() / 1000);
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: treasurer.id, iss: CLAIMS.issuer, aud: CLAIMS.audience, iat: now, exp: now + 600 })}.`;
    await expect401(none, path);

    await expect401(jwt.sign({}, 'another-secret-0123456789abcdef', { algorithm: 'HS256', subject: treasurer.id, ...CLAIMS, expiresIn: 600 }), path);
    await expect401(jwt.sign({ exp: now - 10, iat: now - 100 }, ctx.config.jwtSecret, { algorithm: 'HS256', subject: treasurer.id, ...CLAIMS }), path);
    await expect401(jwt.sign({}, ctx.config.jwtSecret, { algorithm: 'HS512', subject: treasurer.id, ...CLAIMS, expiresIn: 600 }), path);
    // Signed with our secret but naming no user id (a uuid): a 401 like an unknown user, not a 400.
    for (const subject of ['admin', '42', `${treasurer.id}x`]) await expect401(jwt.sign({}, ctx.config.jwtSecret, { algorithm: 'HS256', subject, ...CLAIMS, expiresIn: 600 }), path);

    const boss = await admin(ctx);
    const [header, , signature] = treasurer.token.split('.');
    const claims = JSON.parse(Buffer.from(treasurer.token.split('.')[1], 'base64url').toString());
    await expect401(`${header}.${b64({ ...claims, sub: boss.id })}.${signature}`, '/api/me');
    await expect401(`${header}.${b64({ ...claims, exp: claims.exp + 86_400 })}.${signature}`, path);
  });

  test('a token accepted before stops working when it expires (its verification is remembered, its expiry is not)', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const path = `/api/entities/${entity.id}/trial-balance`;
    const shortLived = jwt.sign({}, ctx.config.jwtSecret, { algorithm: 'HS256', subject: treasurer.id, ...CLAIMS, expiresIn: 2 });
    const exp = (jwt.decode(shortLived) as { exp: number }).exp;
    expect((await ctx.request().get(path).set('Authorization', `Bearer ${shortLived}`)).status).toBe(200);
    expect((await ctx.request().get(path).set('Authorization', `Bearer ${shortLived}`)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 100));
    await expect401(shortLived, path);
    // A tampered copy of a remembered token is a different string: verified afresh and refused.
    const [header, payload] = treasurer.token.split('.');
    expect((await ctx.request().get(path).set(treasurer.auth)).status).toBe(200);
    await expect401(`${header}.${payload}.${'A'.repeat(43)}`, path);
  });

  test('the token of a deleted user stops working at once', async () => {
    const boss = await admin(ctx);
    const { entity, treasurer } = await stationWithStaff(ctx);
    expect((await ctx.request().get('/api/me').set(treasurer.auth)).status).toBe(200);
    const deleted = await ctx.request().delete(`/api/users/${treasurer.id}`).set(boss.auth);
    expect(deleted.status).toBe(204);
    await expect401(treasurer.token, '/api/me');
    await expect401(treasurer.token, `/api/entities/${entity.id}/entries`);
  });
});

describe('broken tokens where none is needed', () => {
  test('the public API and public web pages ignore a garbage, expired, malformed or orphaned token and answer as to anyone; elsewhere it is still a 401', async () => {
    const boss = await admin(ctx);
    const { entity, treasurer } = await stationWithStaff(ctx);
    const now = Math.floor(Date.now() / 1000);
    const expired = jwt.sign({ exp: now - 10, iat: now - 100 }, ctx.config.jwtSecret, { algorithm: 'HS256', subject: treasurer.id, ...CLAIMS });
    const orphan = await createUser(ctx, [{ role: 'applicant' }]);
    expect((await ctx.request().delete(`/api/users/${orphan.id}`).set(boss.auth)).status).toBe(204);
    const headers = ['Bearer abc.def.ghi', `Bearer ${expired}`, 'Basic dXNlcjpwYXNz', `Bearer ${orphan.token}`];
    const publicPaths = ['/api/public/entities', `/api/public/entities/${entity.id}/calendar`, '/', `/e/${encodeURIComponent(entity.code)}`];
    for (const path of publicPaths) {
      const anonymous = await ctx.request().get(path);
      expect(anonymous.status).toBe(200);
      for (const header of headers) {
        const response = await ctx.request().get(path).set('Authorization', header);
        expect({ path, header, status: response.status }).toEqual({ path, header, status: 200 });
        expect(response.headers['content-type']).toBe(anonymous.headers['content-type']);
      }
    }
    for (const header of headers) {
      const api = await ctx.request().get(`/api/entities/${entity.id}/trial-balance`).set('Authorization', header);
      expect({ header, status: api.status, code: api.body.code }).toEqual({ header, status: 401, code: 'unauthenticated' });
      const page = await ctx.request().get(`/app/e/${encodeURIComponent(entity.code)}`).set('Authorization', header);
      expect(page.status).toBe(401);
    }
  });

  test('a client with a stale token can still log in and read the contract', async () => {
    const user = await createUser(ctx, [{ role: 'applicant' }], { username: `stale-${Date.now()}` });
    const now = Math.floor(Date.now() / 1000);
    const expired = jwt.sign({ exp: now - 10, iat: now - 100 }, ctx.config.jwtSecret, { algorithm: 'HS256', subject: user.id, ...CLAIMS });
    const login = await ctx.request().post('/api/auth/login').set('Authorization', `Bearer ${expired}`).send({ username: user.username, password: FACTORY_PASSWORD });
    expect(login.status).toBe(200);
    expect((await ctx.request().get('/api/openapi.json').set('Authorization', `Bearer ${expired}`)).status).toBe(200);
    expect((await ctx.request().get('/healthz').set('Authorization', `Bearer ${expired}`)).status).toBe(200);
  });
});

describe('POST /api/auth/login', () => {
  test('an unknown user and a wrong password get the same answer, in similar time', async () => {
    const user = await createUser(ctx, [{ role: 'applicant' }]);
    const timings: Record<'unknown' | 'wrong', number[]> = { unknown: [], wrong: [] };
    const answers = new Set<string>();
    // The rate limit counts per client address and username: each try comes from its own address.
    for (let i = 0; i < 10; i += 1) {
      for (const kind of ['unknown', 'wrong'] as const) {
        const username = kind === 'unknown' ? `nobody-${i}-${Date.now()}` : user.username;
        const started = process.hrtime.bigint();
        const response = await ctx
          .request()
          .post('/api/auth/login')
          .set('X-Forwarded-For', `10.0.${i}.1`)
          .send({ username, password: `wrong-password-${i}` });
        timings[kind].push(Number(process.hrtime.bigint() - started) / 1e6);
        expect(response.status).toBe(401);
        expect(response.headers['content-type']).toContain('application/problem+json');
        answers.add(JSON.stringify({ ...response.body }));
      }
    }
    expect(answers.size).toBe(1);
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const ratio = median(timings.unknown) / median(timings.wrong);
    process.stdout.write(`login timing: median unknown ${median(timings.unknown).toFixed(1)} ms, wrong password ${median(timings.wrong).toFixed(1)} ms\n`);
    expect(ratio).toBeGreaterThan(1 / 3);
    expect(ratio).toBeLessThan(3);
  });

  test('the sixth attempt within a minute is a 429', async () => {
    const user = await createUser(ctx, [{ role: 'applicant' }]);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i += 1) {
      const response = await ctx.request().post('/api/auth/login').send({ username: user.username, password: i === 6 ? FACTORY_PASSWORD : 'wrong-password' });
      statuses.push(response.status);
      if (response.status === 429) expect(response.headers['content-type']).toContain('application/problem+json');
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
  });

  test('successful logins do not count: twelve in a row are all 200, and failures after them still end in 429', async () => {
    const user = await createUser(ctx, [{ role: 'applicant' }]);
    const login = (password: string) => ctx.request().post('/api/auth/login').send({ username: user.username, password });
    const successes: number[] = [];
    for (let i = 0; i < 12; i += 1) successes.push((await login(FACTORY_PASSWORD)).status);
    expect(successes).toEqual(Array(12).fill(200));
    const failures: number[] = [];
    for (let i = 0; i < 6; i += 1) failures.push((await login('wrong-password')).status);
    expect(failures).toEqual([401, 401, 401, 401, 401, 429]);
    expect((await login(FACTORY_PASSWORD)).status).toBe(429);
  });

  test('the login page counts failures only too', async () => {
    const user = await createUser(ctx, [{ role: 'treasurer', entityId: (await stationWithStaff(ctx)).entity.id }]);
    const login = async (password: string) => {
      const agent = ctx.request();
      const token = await formToken(agent, '/login');
      return agent.post('/login').type('form').send({ _csrf: token, username: user.username, password });
    };
    const statuses: number[] = [];
    for (let i = 0; i < 8; i += 1) statuses.push((await login(FACTORY_PASSWORD)).status);
    for (let i = 0; i < 6; i += 1) statuses.push((await login('wrong-password')).status);
    expect(statuses).toEqual([...Array(8).fill(303), 401, 401, 401, 401, 401, 429]);
  });
});
