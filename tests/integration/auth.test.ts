import { createTestDatabase, useTestContext } from '../support/context';
import { findUserByUsername, listRoles } from '../../src/auth/queries';
import { verifyPassword } from '../../src/auth/passwords';
import { admin, createEntity, createUser, FACTORY_PASSWORD, stationWithStaff } from '../factories';
import { loadConfig } from '../../src/config';
import { bootstrapAdmin } from '../../src/auth/service';

const ctx = useTestContext();

describe('POST /api/auth/login', () => {
  it('returns a token that works on /api/me, with the roles', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const login = await ctx.request().post('/api/auth/login').send({ username: treasurer.username, password: FACTORY_PASSWORD });
    expect(login.status).toBe(200);
    expect(login.body.user).toMatchObject({ id: treasurer.id, username: treasurer.username });
    const me = await ctx.request().get('/api/me').set('Authorization', `Bearer ${login.body.token}`);
    expect(me.status).toBe(200);
    expect(me.body.roles).toEqual([{ role: 'treasurer', entityId: entity.id }]);
  });

  it('answers unknown user and wrong password the same way (401)', async () => {
    const user = await createUser(ctx, [{ role: 'applicant' }]);
    const wrong = await ctx.request().post('/api/auth/login').send({ username: user.username, password: 'nope-nope' });
    const unknown = await ctx.request().post('/api/auth/login').send({ username: 'nobody-here', password: 'nope-nope' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect({ ...wrong.body }).toEqual({ ...unknown.body });
  });

  it('refuses requests without a token (401) and with a garbage token (401)', async () => {
    const { entity } = await stationWithStaff(ctx);
    expect((await ctx.request().get(`/api/entities/${entity.id}/accounts`)).status).toBe(401);
    const garbage = await ctx.request().get(`/api/entities/${entity.id}/accounts`).set('Authorization', 'Bearer abc.def.ghi');
    expect(garbage.status).toBe(401);
    expect(garbage.headers['content-type']).toMatch(/problem\+json/);
  });
});

describe('scoping', () => {
  it('a treasurer of one station gets 404 for another station and 403 for supervisor actions on their own', async () => {
    const a = await stationWithStaff(ctx);
    const b = await stationWithStaff(ctx);
    expect((await ctx.request().get(`/api/entities/${b.entity.id}/entries`).set(a.treasurer.auth)).status).toBe(404);
    const post = await ctx.request().post(`/api/entities/${b.entity.id}/receipts`).set(a.treasurer.auth).send({ kind: 'parking', date: '2026-03-01', amount: '1.00', method: 'cash' });
    expect(post.status).toBe(404);
    const supervisorPosting = await ctx.request().post(`/api/entities/${a.entity.id}/receipts`).set(a.supervisor.auth).send({ kind: 'parking', date: '2026-03-01', amount: '1.00', method: 'cash' });
    expect(supervisorPosting.status).toBe(403);
    expect((await ctx.request().get(`/api/entities/${a.entity.id}/entries`).set(a.supervisor.auth)).status).toBe(200);
  });
});

describe('POST /api/users and POST /api/entities (admin)', () => {
  it('creates users with scoped roles; non-admins get 403; duplicates 409', async () => {
    const boss = await admin(ctx);
    const entity = await createEntity(ctx);
    const created = await ctx.request().post('/api/users').set(boss.auth).send({ username: 'wang.xiuying', password: 'long-enough-1', displayName: '王秀英', roles: [{ role: 'treasurer', entityId: entity.id }] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ username: 'wang.xiuying', displayName: '王秀英', roles: [{ role: 'treasurer', entityId: entity.id }] });
    expect(created.body.password_hash).toBeUndefined();
    const duplicate = await ctx.request().post('/api/users').set(boss.auth).send({ username: 'WANG.xiuying', password: 'long-enough-1', displayName: '王', roles: [] });
    expect(duplicate.status).toBe(409);
    const noScope = await ctx.request().post('/api/users').set(boss.auth).send({ username: 'li', password: 'long-enough-1', displayName: '李', roles: [{ role: 'supervisor' }] });
    expect(noScope.status).toBe(400);
    const treasurer = await createUser(ctx, [{ role: 'treasurer', entityId: entity.id }]);
    expect((await ctx.request().post('/api/users').set(treasurer.auth).send({ username: 'x-user', password: 'long-enough-1', displayName: 'x' })).status).toBe(403);
    const login = await ctx.request().post('/api/auth/login').send({ username: 'wang.xiuying', password: 'long-enough-1' });
    expect(login.status).toBe(200);
  });

  it('grants more roles to a user and answers the user with all of them', async () => {
    const boss = await admin(ctx);
    const entity = await createEntity(ctx);
    const user = await createUser(ctx, [{ role: 'applicant' }]);
    const granted = await ctx.request().post(`/api/users/${user.id}/roles`).set(boss.auth).send({ roles: [{ role: 'supervisor', entityId: entity.id }] });
    expect(granted.status).toBe(200);
    expect(granted.body).toMatchObject({ id: user.id, username: user.username });
    expect(granted.body.roles).toEqual(expect.arrayContaining([{ role: 'applicant', entityId: null }, { role: 'supervisor', entityId: entity.id }]));
    expect((await ctx.request().get('/api/me').set(user.auth)).body.roles).toHaveLength(2);
  });

  it('creates an entity with the standard chart and fund GENERAL; duplicate code is 409', async () => {
    const boss = await admin(ctx);
    const res = await ctx.request().post('/api/entities').set(boss.auth).send({ code: 'NP-TEST-1', name: '南坪测试公益站', kind: 'station', approvalThreshold: '2000' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ code: 'NP-TEST-1', kind: 'station', approvalThreshold: '2000.00' });
    const accounts = await ctx.request().get(`/api/entities/${res.body.id}/accounts`).set(boss.auth);
    const codes = accounts.body.items.map((account: { code: string }) => account.code);
    expect(codes).toEqual(['1001', '1002', '1009', '1122', '1141', '2202', '2209', '3101', '3102', '4101', '4401', '4601', '4901', '490101', '490102', '490199', '5101', '5201', '5301', '5401']);
    expect(accounts.body.items.find((account: { code: string }) => account.code === '4901').isLeaf).toBe(false);
    const funds = await ctx.request().get(`/api/entities/${res.body.id}/funds`).set(boss.auth);
    expect(funds.body.items).toEqual([expect.objectContaining({ code: 'GENERAL', restricted: false })]);
    expect((await ctx.request().post('/api/entities').set(boss.auth).send({ code: 'NP-TEST-1', name: 'x', kind: 'station' })).status).toBe(409);
    const publicList = await ctx.request().get('/api/public/entities');
    expect(publicList.body.items).toContainEqual({ id: res.body.id, code: 'NP-TEST-1', name: '南坪测试公益站', kind: 'station' });
  });

  it('adds sub-accounts under a parent without postings', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const sub = await ctx.request().post(`/api/entities/${entity.id}/accounts`).set(treasurer.auth).send({ code: '490103', name: '其他收入-场地租金', parentCode: '4901' });
    expect(sub.status).toBe(201);
    expect(sub.body).toMatchObject({ code: '490103', type: 'revenue', parentCode: '4901', isLeaf: true });
    const deposit = await ctx.request().post(`/api/entities/${entity.id}/accounts`).set(treasurer.auth).send({ code: '112201', name: '其他应收款-押金', parentCode: '1122' });
    expect(deposit.status).toBe(201);
    const headerPosting = await ctx.request().post(`/api/entities/${entity.id}/entries`).set(treasurer.auth)
      .send({ date: '2026-03-01', memo: 'x', lines: [{ accountCode: '1122', debit: '1' }, { accountCode: '490103', credit: '1' }] });
    expect(headerPosting.body.code).toBe('header_account');
    const badCode = await ctx.request().post(`/api/entities/${entity.id}/accounts`).set(treasurer.auth).send({ code: '520101', name: 'x', parentCode: '1122' });
    expect(badCode.status).toBe(400);
    const parking = await ctx.request().post(`/api/entities/${entity.id}/receipts`).set(treasurer.auth).send({ kind: 'parking', date: '2026-03-01', amount: '5.00', method: 'cash' });
    expect(parking.status).toBe(201);
    const underPosted = await ctx.request().post(`/api/entities/${entity.id}/accounts`).set(treasurer.auth).send({ code: '100101', name: '现金-备用金', parentCode: '1001' });
    expect(underPosted.status).toBe(409);
    expect(underPosted.body.code).toBe('account_has_postings');
  });

  it('moves the shortcuts to the first sub-account of an account they use', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const post = (path: string, body: object) => ctx.request().post(`/api/entities/${entity.id}${path}`).set(treasurer.auth).send(body);
    // A receipt first, so this process has looked up (and keeps) the shortcuts' accounts.
    expect((await post('/receipts', { kind: 'parking', date: '2026-03-01', amount: '5.00', method: 'cash' })).status).toBe(201);
    for (const [code, name, parentCode] of [['100201', '银行存款-工商银行', '1002'], ['100202', '银行存款-农商银行', '1002'], ['510101', '业务活动成本-百家宴', '5101']]) {
      expect((await post('/accounts', { code, name, parentCode })).status).toBe(201);
    }
    const accounts = await ctx.request().get(`/api/entities/${entity.id}/accounts`).set(treasurer.auth);
    const byCode = new Map(accounts.body.items.map((account: { code: string }) => [account.code, account]));
    expect(byCode.get('1002')).toMatchObject({ isLeaf: false, role: null });
    expect(byCode.get('100201')).toMatchObject({ isLeaf: true, role: 'bank', monetary: true });
    expect(byCode.get('100202')).toMatchObject({ isLeaf: true, role: null, monetary: true });
    // Not a money account: the role goes to a "-其他" sub-account made alongside, not to 百家宴.
    expect(byCode.get('5101')).toMatchObject({ isLeaf: false, role: null });
    expect(byCode.get('510101')).toMatchObject({ isLeaf: true, role: null, name: '业务活动成本-百家宴' });
    expect(byCode.get('510199')).toMatchObject({ isLeaf: true, role: 'program_expense', name: '业务活动成本-其他', parentCode: '5101' });
    const gift = await post('/receipts', { kind: 'donation', date: '2026-03-02', amount: '800.00', method: 'bank' });
    expect(gift.status).toBe(201);
    expect(gift.body.lines.map((line: { accountCode: string }) => line.accountCode)).toEqual(['100201', '4101']);
    const paid = await post('/payments', { date: '2026-03-03', amount: '300.00', method: 'bank', payee: '火锅店', purpose: '百家宴', category: 'program' });
    expect(paid.status).toBe(201);
    expect(paid.body.lines.map((line: { accountCode: string }) => line.accountCode)).toEqual(['510199', '100201']);
    const balance = await ctx.request().get(`/api/entities/${entity.id}/trial-balance?asOf=2026-03-31`).set(treasurer.auth);
    expect(balance.body.rows.find((row: { accountCode: string }) => row.accountCode === '100201').balance).toBe('500.00');
    // The bank book of a reconciliation is all of 1002, whichever bank sub-account holds it.
    expect((await post('/entries', { date: '2026-03-04', memo: '转入农商银行', lines: [{ accountCode: '100202', debit: '200.00' }, { accountCode: '100201', credit: '200.00' }] })).status).toBe(201);
    const reconciliation = await post('/reconciliations', { date: '2026-03-31', cashCounted: '5.00', bankStatementBalance: '500.00' });
    expect(reconciliation.body).toMatchObject({ cashBook: '5.00', bankBook: '500.00' });
    // Asking for the "-其他" code itself gives it the role; no second keeper is made.
    expect((await post('/accounts', { code: '530199', name: '筹资费用-其他', parentCode: '5301' })).status).toBe(201);
    const after = await ctx.request().get(`/api/entities/${entity.id}/accounts`).set(treasurer.auth);
    expect(after.body.items.filter((account: { code: string }) => account.code.startsWith('5301')).map((account: { code: string; role: string | null }) => [account.code, account.role]))
      .toEqual([['5301', null], ['530199', 'fundraising_expense']]);
  });

  it('forgets the shortcut accounts it remembered when the books refuse one (another process moved the role)', async () => {
    const { entity, treasurer } = await stationWithStaff(ctx);
    const receipt = () => ctx.request().post(`/api/entities/${entity.id}/receipts`).set(treasurer.auth).send({ kind: 'donation', date: '2026-03-01', amount: '5.00', method: 'cash' });
    expect((await receipt()).status).toBe(201);
    // Another process adds 410101 and moves the donation role behind this one's back.
    await ctx.db.transaction(async (tx) => {
      await tx('accounts').where({ entity_id: entity.id, code: '4101' }).update({ is_leaf: false, role: null });
      await tx('accounts').insert({ entity_id: entity.id, code: '410199', name: '捐赠收入-其他', type: 'revenue', parent_code: '4101', role: 'donation_income', monetary: false, is_leaf: true });
    });
    const stale = await receipt();
    expect(stale.body.code).toBe('header_account');
    const fresh = await receipt();
    expect(fresh.status).toBe(201);
    expect(fresh.body.lines.map((line: { accountCode: string }) => line.accountCode)).toEqual(['1001', '410199']);
  });
});

describe('configuration and bootstrap', () => {
  it('refuses to start in production without JWT_SECRET', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET/);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }).demoData).toBe(false);
  });

  it('warns about short secrets in development, refuses a short JWT_SECRET or an unknown NODE_ENV', () => {
    const short = loadConfig({ NODE_ENV: 'development', JWT_SECRET: 'secret', ADMIN_PASSWORD: 'admin', DATA_DIR: '/tmp/unused' });
    expect(short.jwtSecret).toBe('secret');
    expect(short.adminPassword).toBe('admin');
    expect(short.warnings).toEqual([expect.stringMatching(/^JWT_SECRET is shorter than 16/), expect.stringMatching(/^ADMIN_PASSWORD is shorter than 8/)]);
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'secret' })).toThrow(/JWT_SECRET must be at least 16/);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), ADMIN_PASSWORD: 'admin' }).warnings).toEqual([expect.stringMatching(/^ADMIN_PASSWORD/)]);
    expect(loadConfig({ NODE_ENV: ' Production ', JWT_SECRET: 'x'.repeat(32) })).toMatchObject({ env: 'production', demoData: false });
    expect(() => loadConfig({ NODE_ENV: 'prod', JWT_SECRET: 'x'.repeat(32) })).toThrow(/NODE_ENV is development, production or test/);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), DEMO_DATA: 'true' }).demoData).toBe(true);
    expect(loadConfig({ DEMO_DATA: ' No ', DATA_DIR: '/tmp/ledger-config-test' }).demoData).toBe(false);
    expect(() => loadConfig({ DEMO_DATA: 'maybe' })).toThrow(/DEMO_DATA is 1 or 0/);
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: '' })).toThrow(/JWT_SECRET/);
  });

  it('ADMIN_PASSWORD creates user admin once, on a database without an admin', async () => {
    const fresh = await createTestDatabase();
    try {
      expect(await bootstrapAdmin(fresh.db, 'bootstrap-pass-1')).toBe(true);
      expect(await bootstrapAdmin(fresh.db, 'another-pass-2')).toBe(false);
      const user = await findUserByUsername(fresh.db, 'admin');
      expect(user).toBeDefined();
      expect(await verifyPassword(user!.password_hash, 'bootstrap-pass-1')).toBe(true);
      expect(await listRoles(fresh.db, user!.id)).toEqual([{ role: 'admin', entityId: null }]);
    } finally {
      await fresh.drop();
    }
  });
});

describe('GET /api/openapi.json', () => {
  it('describes the contract generated from the zod schemas', async () => {
    const res = await ctx.request().get('/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/api/entities/{entityId}/entries', '/api/entities/{entityId}/receipts', '/api/auth/login']));
    const receipt = res.body.paths['/api/entities/{entityId}/receipts'].post.requestBody.content['application/json'].schema;
    expect(receipt.$ref).toBe('#/components/schemas/RecordReceiptCommand');
    const schema = res.body.components.schemas.RecordReceiptCommand;
    expect(schema.properties.amount).toMatchObject({ type: 'string' });
    expect(schema.required).toEqual(expect.arrayContaining(['kind', 'date', 'amount', 'method']));
  });

  it('writes every pattern as a regex a client can use as it is (Unicode mode, no flags)', async () => {
    const res = await ctx.request().get('/api/openapi.json');
    const patterns: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key === 'pattern' && typeof value === 'string') patterns.push(value);
          else walk(value);
        }
      }
    };
    walk(res.body);
    expect(patterns.length).toBeGreaterThan(10);
    for (const pattern of patterns) expect(() => new RegExp(pattern, 'u')).not.toThrow();
    const username = new RegExp(res.body.components.schemas.CreateUserCommand.properties.username.pattern, 'u');
    expect(['treas1', '王会计', 'a.b@c-d_e'].filter((name) => username.test(name))).toEqual(['treas1', '王会计', 'a.b@c-d_e']);
    expect(username.test('has space')).toBe(false);
  });
});

describe('GET /healthz and unknown routes', () => {
  it('answers health and 404 problem+json', async () => {
    expect((await ctx.request().get('/healthz')).body).toEqual({ ok: true });
    const missing = await ctx.request().get('/api/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/problem\+json/);
  });
});
